// Every defect of a reject (issue 10): the list behind skillstream.errors and validate's
// "errors", its first entry being the verdict, and its JSON rendering.
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "processor/privacy_scanner.h"
#include "processor/record_processor.h"
#include "processor/session_validator.h"

namespace skillstream::processor {
namespace {

// Six field defects, one per kind of rule, in document order.
const std::string kManyDefects =
    R"({"session_id":"bad","agent_id":"","timestamp":"2025-02-01T14:30:00Z",)"
    R"("skill":{"name":"vllm"},"task":{"description":"d","category":"nope"},)"
    R"("outcome":{"success":"yes"},)"
    R"("issues_encountered":[{"type":"error","description":"x","resolved":true}],)"
    R"("duration_minutes":-1})";

ProcessorOptions with_max(std::size_t max_errors, bool strict = false) {
  ProcessorOptions o;
  o.max_errors = max_errors;
  o.strict = strict;
  return o;
}

std::string reasons_and_paths(std::span<const Defect> defects) {
  std::string s;
  for (const Defect& d : defects) {
    s += to_string(d.reason);
    s += '@';
    s += d.path;
    s += ' ';
  }
  return s;
}

TEST(Defects, EveryFieldDefectInDocumentOrderTheFirstBeingTheVerdict) {
  SessionValidator v(with_max(16));
  const Verdict verdict = v.validate(kManyDefects.data(), kManyDefects.size());
  ASSERT_EQ(verdict.reason, Reason::invalid_format);
  const auto defects = v.defects();
  EXPECT_EQ(reasons_and_paths(defects),
            "invalid_format@session_id empty_value@agent_id invalid_enum@task.category "
            "wrong_type@outcome.success missing_field@issues_encountered[0].resolution "
            "out_of_range@duration_minutes ");
  ASSERT_EQ(defects.size(), 6u);
  EXPECT_EQ(defects[0].path, verdict.path);
  EXPECT_EQ(defects[0].message, verdict.message);
  EXPECT_EQ(defects[3].message, "outcome.success: expected boolean, found string");
  EXPECT_EQ(defects[2].message,
            "task.category: expected one of deployment, training, inference, debugging, "
            "configuration, optimization, integration, testing, documentation, other, found "
            "another value");
  EXPECT_FALSE(v.defects_truncated());
}

TEST(Defects, MaxErrorsBoundsTheListAndSaysItWasCut) {
  SessionValidator one(with_max(1));
  const Verdict first = one.validate(kManyDefects.data(), kManyDefects.size());
  ASSERT_EQ(one.defects().size(), 1u);
  EXPECT_EQ(one.defects()[0].message, first.message);
  EXPECT_TRUE(one.defects_truncated());

  SessionValidator three(with_max(3));
  const Verdict same = three.validate(kManyDefects.data(), kManyDefects.size());
  EXPECT_EQ(same.message, first.message) << "max_errors never changes the verdict";
  EXPECT_EQ(reasons_and_paths(three.defects()),
            "invalid_format@session_id empty_value@agent_id invalid_enum@task.category ");
  EXPECT_TRUE(three.defects_truncated());

  SessionValidator six(with_max(6));
  (void)six.validate(kManyDefects.data(), kManyDefects.size());
  EXPECT_EQ(six.defects().size(), 6u);
  EXPECT_FALSE(six.defects_truncated()) << "exactly max_errors: nothing left out";
}

TEST(Defects, EveryMissingFieldOfAnObjectIsListed) {
  SessionValidator v(with_max(16));
  const std::string rec = R"({"skill":{},"task":{"description":"d"}})";
  (void)v.validate(rec.data(), rec.size());
  EXPECT_EQ(reasons_and_paths(v.defects()),
            "missing_field@skill.name missing_field@session_id missing_field@agent_id "
            "missing_field@timestamp missing_field@outcome ");
}

TEST(Defects, EnvelopeRejectsHaveExactlyOneEntry) {
  SessionValidator v(with_max(16));
  const std::string cases[] = {
      // field defects before a syntax error, a duplicate key, deep nesting ...
      R"({"session_id":1,"agent_id":2,"skill":[1,)",
      R"({"session_id":1,"agent_id":2,"a":1,"a":2})",
      R"({"session_id":1,"agent_id":2,"x":)" + std::string(70, '[') + std::string(70, ']') + "}",
      "[1,2]",
      "\"str\"",
      "   ",
      "{\"session_id\":\"\xff\"}",
  };
  const Reason expected[] = {Reason::malformed_json, Reason::duplicate_key, Reason::too_deep,
                             Reason::not_an_object,  Reason::not_an_object, Reason::empty_payload,
                             Reason::invalid_utf8};
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    const Verdict verdict = v.validate(cases[i].data(), cases[i].size());
    EXPECT_EQ(verdict.reason, expected[i]) << cases[i];
    ASSERT_EQ(v.defects().size(), 1u) << cases[i];
    EXPECT_EQ(v.defects()[0].reason, verdict.reason);
    EXPECT_EQ(v.defects()[0].message, verdict.message);
    EXPECT_FALSE(v.defects_truncated());
  }
  const Verdict null_value = v.validate(nullptr, 0);
  EXPECT_EQ(null_value.reason, Reason::empty_payload);
  EXPECT_EQ(v.defects().size(), 1u);
}

TEST(Defects, ACleanRecordHasNone) {
  SessionValidator v(with_max(16));
  (void)v.validate(kManyDefects.data(), kManyDefects.size());
  const std::string ok =
      R"({"session_id":"sess-2025-02-01-x","agent_id":"a","timestamp":"2025-02-01T14:30:00Z",)"
      R"("skill":{"name":"n"},"task":{"description":"d"},"outcome":{"success":true}})";
  EXPECT_TRUE(v.validate(ok.data(), ok.size()).clean());
  EXPECT_TRUE(v.defects().empty());
  EXPECT_FALSE(v.defects_truncated());
}

TEST(Defects, UnknownFieldsInStrictModeNameRedactedKeysNeverTheSecret) {
  RecordProcessor proc(with_max(16, true), PrivacyScanner::compile_patterns());
  const std::string rec =
      R"({"session_id":"sess-2025-02-01-x","agent_id":"a","timestamp":"2025-02-01T14:30:00Z",)"
      R"("skill":{"name":"n","AKIAIOSFODNN7EXAMPLE":1},"task":{"description":"d","x\"y":2},)"
      R"("outcome":{"success":true}})";
  const Outcome out = proc.process(rec);
  ASSERT_EQ(out.verdict.reason, Reason::unknown_field);
  ASSERT_EQ(out.defects.size(), 2u);
  EXPECT_EQ(out.defects[0].path, "skill.[REDACTED:secret]");
  EXPECT_EQ(out.defects[1].path, R"(task.x\"y)");
  std::string json;
  append_defects_json(out.defects, out.defects_truncated, json);
  EXPECT_EQ(json.find("AKIA"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("path":"task.x\\\"y")"), std::string::npos) << json;
}

TEST(Defects, PrivacyRejectListsEveryStringAndKeyHoldingAMatchByKindOnly) {
  ProcessorOptions o = with_max(16);
  o.privacy = PrivacyPolicy::reject;
  RecordProcessor proc(o, PrivacyScanner::compile_patterns());
  const std::string rec =
      R"({"session_id":"sess-2025-02-01-x","agent_id":"a@b.example.com",)"
      R"("timestamp":"2025-02-01T14:30:00Z","skill":{"name":"n"},"task":{"description":"d"},)"
      R"("outcome":{"success":true,"notes":"/home/alice/x"},"learnings":["ok","key )"
      R"(AKIAIOSFODNN7EXAMPLE"]})";
  const Outcome out = proc.process(rec);
  ASSERT_EQ(out.verdict.reason, Reason::privacy_violation);
  EXPECT_EQ(reasons_and_paths(out.defects),
            "privacy_violation@agent_id privacy_violation@outcome.notes "
            "privacy_violation@learnings[1] ");
  EXPECT_EQ(out.defects[0].message, out.verdict.message);
  EXPECT_EQ(out.defects[2].message,
            "learnings[1]: holds a match of kind secret (privacy policy reject)");
  std::string json;
  append_defects_json(out.defects, out.defects_truncated, json);
  for (const char* secret : {"a@b", "alice", "AKIA"}) {
    EXPECT_EQ(json.find(secret), std::string::npos) << secret << " in " << json;
  }

  o.max_errors = 2;
  RecordProcessor two(o, PrivacyScanner::compile_patterns());
  const Outcome cut = two.process(rec);
  EXPECT_EQ(cut.defects.size(), 2u);
  EXPECT_TRUE(cut.defects_truncated);
}

// The first entry is the verdict on every record of the conformance sample, under the
// defaults and in strict mode: listing more never changes it.
TEST(Defects, FirstEntryIsTheVerdictOnTheConformanceSample) {
  std::ifstream in(std::string(SKILLSTREAM_SOURCE_DIR) + "/tests/data/conformance.jsonl");
  ASSERT_TRUE(in.good());
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_GT(lines.size(), 50u);
  std::size_t multi = 0;
  for (bool strict : {false, true}) {
    RecordProcessor many(with_max(1000, strict), PrivacyScanner::compile_patterns());
    RecordProcessor one(with_max(1, strict), PrivacyScanner::compile_patterns());
    for (const std::string& line : lines) {
      const Outcome a = one.process(line);
      const std::string reason(to_string(a.verdict.reason)), path(a.verdict.path),
          message(a.verdict.message);
      const Outcome b = many.process(line);
      EXPECT_EQ(to_string(b.verdict.reason), reason) << line;
      EXPECT_EQ(b.verdict.path, path) << line;
      EXPECT_EQ(b.verdict.message, message) << line;
      if (b.verdict.clean()) {
        EXPECT_TRUE(b.defects.empty());
        continue;
      }
      ASSERT_FALSE(b.defects.empty()) << line;
      EXPECT_EQ(b.defects[0].reason, b.verdict.reason);
      EXPECT_EQ(b.defects[0].path, b.verdict.path);
      EXPECT_EQ(b.defects[0].message, b.verdict.message);
      EXPECT_EQ(one.process(line).defects.size(), 1u);
      multi += b.defects.size() > 1;
    }
  }
  // (The sample's records carry one defect each, but strict mode adds unknown fields.)
  EXPECT_GT(multi, 0u) << "records with several defects were checked";
}

TEST(DefectsJson, EscapesStringsAndEndsWithTruncatedWhenCut) {
  const Defect d[] = {{Reason::wrong_type, "a.\"b", "a.\"b: expected\nx"},
                      {Reason::missing_field, "c\\", "c\\: required field is missing"}};
  std::string out = "prefix";
  append_defects_json(d, false, out);
  EXPECT_EQ(
      out,
      R"(prefix[{"reason":"wrong_type","path":"a.\"b","message":"a.\"b: expected\nx"},)"
      R"({"reason":"missing_field","path":"c\\","message":"c\\: required field is missing"}])");
  out.clear();
  append_defects_json(std::span<const Defect>(d, 1), true, out);
  EXPECT_EQ(out, R"([{"reason":"wrong_type","path":"a.\"b","message":"a.\"b: expected\nx"},)"
                 R"({"reason":"truncated"}])");
  out.clear();
  append_defects_json({}, true, out);
  EXPECT_EQ(out, R"([{"reason":"truncated"}])");
}

TEST(DefectsJson, BoundedAt8KiBOnAnEntryBoundary) {
  const std::string message(1000, 'm');
  std::vector<Defect> many(20, Defect{Reason::out_of_range, "p", message});
  std::string out;
  append_defects_json(many, false, out);
  ASSERT_LE(out.size(), kDefectsJsonMaxBytes);
  const std::string tail = R"(,{"reason":"truncated"}])";
  ASSERT_GT(out.size(), tail.size());
  EXPECT_EQ(out.substr(out.size() - tail.size()), tail);
  EXPECT_EQ(out.substr(out.size() - tail.size() - 2, 2), "\"}") << "a whole entry before";
  std::size_t entries = 0;
  for (std::size_t at = out.find("out_of_range"); at != std::string::npos;
       at = out.find("out_of_range", at + 1)) {
    ++entries;
  }
  EXPECT_EQ(entries, 7u);  // 7 entries of ~1050 bytes fit, with the truncated entry

  // Exactly at the bound: no cut.
  std::vector<Defect> fits(7, Defect{Reason::out_of_range, "p", message});
  std::string all;
  append_defects_json(fits, false, all, 0);
  std::string bounded;
  append_defects_json(fits, false, bounded, all.size());
  EXPECT_EQ(bounded, all);
}

}  // namespace
}  // namespace skillstream::processor
