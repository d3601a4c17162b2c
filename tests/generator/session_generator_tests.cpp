#include "generator/session_generator.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace skillstream::generator {
namespace {

using processor::Reason;

struct Generated {
  std::vector<std::string> records;
  std::vector<GeneratedLabel> labels;
};

Generated generate(const GeneratorOptions& options, std::size_t n) {
  Generated g;
  SessionGenerator gen(options);
  g.records.resize(n);
  g.labels.reserve(n);
  for (auto& r : g.records) g.labels.push_back(gen.next(r));
  return g;
}

GeneratorOptions mixed(std::uint64_t seed) {
  GeneratorOptions o;
  o.seed = seed;
  o.invalid_ratio = 0.3;
  o.secret_ratio = 0.2;
  return o;
}

TEST(SessionGenerator, SameSeedGivesSameBytes) {
  const auto a = generate(mixed(42), 3000);
  const auto b = generate(mixed(42), 3000);
  ASSERT_EQ(a.records, b.records);
  for (std::size_t i = 0; i < a.labels.size(); ++i) {
    EXPECT_EQ(a.labels[i].reason, b.labels[i].reason) << i;
    EXPECT_EQ(a.labels[i].privacy, b.labels[i].privacy) << i;
  }
}

TEST(SessionGenerator, DifferentSeedsGiveDifferentRecords) {
  const auto a = generate(mixed(1), 200);
  const auto b = generate(mixed(2), 200);
  std::size_t same = 0;
  for (std::size_t i = 0; i < a.records.size(); ++i) same += a.records[i] == b.records[i] ? 1 : 0;
  EXPECT_LT(same, 5u);  // empty payloads may coincide, nothing else
}

TEST(SessionGenerator, DefaultsGiveOnlyValidRecordsWithFewPlants) {
  const auto g = generate(GeneratorOptions{}, 5000);
  std::size_t planted = 0;
  for (const auto& l : g.labels) {
    EXPECT_EQ(l.reason, Reason::none);
    planted += l.privacy.empty() ? 0 : 1;
  }
  // secret_ratio defaults to 0.02: about 100 of 5000.
  EXPECT_GT(planted, 50u);
  EXPECT_LT(planted, 170u);
}

TEST(SessionGenerator, ZeroRatiosGiveCleanUnplantedRecords) {
  GeneratorOptions o;
  o.secret_ratio = 0.0;
  for (const auto& l : generate(o, 3000).labels) {
    EXPECT_EQ(l.reason, Reason::none);
    EXPECT_TRUE(l.privacy.empty());
  }
}

TEST(SessionGenerator, RatiosAreRoughlyHonoured) {
  GeneratorOptions o;
  o.seed = 9;
  o.invalid_ratio = 0.2;
  o.secret_ratio = 0.1;
  const auto g = generate(o, 10000);
  std::size_t invalid = 0;
  std::size_t valid = 0;
  std::size_t planted = 0;
  for (const auto& l : g.labels) {
    if (l.reason != Reason::none) {
      ++invalid;
      EXPECT_TRUE(l.privacy.empty()) << "plants go into valid records only";
    } else {
      ++valid;
      planted += l.privacy.empty() ? 0 : 1;
    }
  }
  EXPECT_NEAR(static_cast<double>(invalid) / 10000.0, 0.2, 0.02);
  EXPECT_NEAR(static_cast<double>(planted) / static_cast<double>(valid), 0.1, 0.015);
}

TEST(SessionGenerator, EveryReasonAppearsWhenAllRecordsAreInvalid) {
  GeneratorOptions o;
  o.seed = 3;
  o.invalid_ratio = 1.0;
  o.max_record_bytes = 64 * 1024;  // keeps the too_large records small
  std::set<Reason> seen;
  SessionGenerator gen(o);
  std::string r;
  for (int i = 0; i < 10000; ++i) {
    const auto l = gen.next(r);
    EXPECT_NE(l.reason, Reason::none);
    seen.insert(l.reason);
  }
  for (auto reason :
       {Reason::empty_payload, Reason::too_large, Reason::invalid_utf8, Reason::malformed_json,
        Reason::too_deep, Reason::not_an_object, Reason::duplicate_key, Reason::missing_field,
        Reason::wrong_type, Reason::empty_value, Reason::invalid_format, Reason::invalid_enum,
        Reason::out_of_range, Reason::privacy_violation}) {
    EXPECT_TRUE(seen.count(reason)) << processor::to_string(reason);
  }
  // Strict-only and pipeline-only reasons are never intended.
  EXPECT_FALSE(seen.count(Reason::unknown_field));
  EXPECT_FALSE(seen.count(Reason::undeliverable));
}

TEST(SessionGenerator, RecordsAreOneLineAndWithinSizeBounds) {
  GeneratorOptions o = mixed(5);
  o.max_record_bytes = 16 * 1024;
  const auto g = generate(o, 10000);
  for (std::size_t i = 0; i < g.records.size(); ++i) {
    const auto& r = g.records[i];
    const auto reason = g.labels[i].reason;
    ASSERT_EQ(r.find('\n'), std::string::npos) << "record " << i;
    if (reason == Reason::too_large) {
      EXPECT_GT(r.size(), o.max_record_bytes) << i;
      EXPECT_LE(r.size(), o.max_record_bytes + 128) << i;  // just over the limit
    } else if (reason == Reason::none) {
      EXPECT_GE(r.size(), 200u) << i;
      EXPECT_LE(r.size(), 4096u) << i;
    } else {
      EXPECT_LE(r.size(), 4096u) << i;
    }
  }
}

TEST(SessionGenerator, EmptyPayloadsAreBlank) {
  GeneratorOptions o;
  o.invalid_ratio = 1.0;
  const auto g = generate(o, 3000);
  std::size_t n = 0;
  for (std::size_t i = 0; i < g.records.size(); ++i) {
    if (g.labels[i].reason != Reason::empty_payload) continue;
    ++n;
    EXPECT_EQ(g.records[i].find_first_not_of(" \t\r"), std::string::npos);
  }
  EXPECT_GT(n, 50u);
}

TEST(SessionGenerator, ValidRecordsParseAsJsonObjects) {
  const auto g = generate(mixed(11), 5000);
  simdjson::dom::parser parser;
  std::size_t checked = 0;
  for (std::size_t i = 0; i < g.records.size(); ++i) {
    if (g.labels[i].reason != Reason::none) continue;
    ++checked;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(g.records[i]).get(doc), simdjson::SUCCESS) << g.records[i];
    simdjson::dom::object obj;
    ASSERT_EQ(doc.get(obj), simdjson::SUCCESS);
    std::string_view session_id;
    ASSERT_EQ(obj["session_id"].get(session_id), simdjson::SUCCESS);
    EXPECT_EQ(session_id.substr(0, 5), "sess-");
    bool success = false;
    EXPECT_EQ(obj["outcome"]["success"].get(success), simdjson::SUCCESS);
  }
  EXPECT_GT(checked, 3000u);
}

TEST(SessionGenerator, RecordsUseTheVarietyTheRulesAllow) {
  const auto g = generate(mixed(13), 5000);
  std::string all;
  for (const auto& r : g.records) all += r;
  // Escapes, surrogate pairs, raw UTF-8 (CJK), optional fields and unknown fields.
  for (std::string_view needle :
       {"\\n", "\\\"", "\\\\", "\\/", "\\ud83d", "\\uD83D", "智能", "\"source_repo\"",
        "\"time_spent_minutes\"", "\"community_resources_used\"", "\"other\"", "\"partial\"",
        "\"trace_id\"", "git@github.com:", "~/.claude/skills/", "\": ", " , "}) {
    EXPECT_NE(all.find(needle), std::string::npos) << needle;
  }
}

// --- the `skillstream generate` command ----------------------------------------------

struct RunResult {
  int exit_code = -1;
  std::string out;
};

RunResult run(const std::string& args) {
  RunResult r;
  const std::string cmd = std::string(SKILLSTREAM_BINARY) + " " + args + " 2>/dev/null";
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 65536> buf;
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class GenerateCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(SKILLSTREAM_BINARY)) {
      GTEST_SKIP() << "build the skillstream target first: " << SKILLSTREAM_BINARY;
    }
  }
};

TEST_F(GenerateCommand, SameSeedGivesIdenticalOutput) {
  const auto a = run("generate --count 100 --seed 7");
  const auto b = run("generate --count 100 --seed 7");
  const auto c = run("generate --count 100 --seed 8");
  EXPECT_EQ(a.exit_code, 0);
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out, c.out);
  EXPECT_EQ(std::count(a.out.begin(), a.out.end(), '\n'), 100);
}

TEST_F(GenerateCommand, MatchesTheLibraryAndWritesLabels) {
  const auto labels = std::filesystem::temp_directory_path() / "skillstream_generate_labels.jsonl";
  const auto r =
      run("generate --count 500 --seed 4 --invalid-ratio 0.5 --secret-ratio 0.5 --labels " +
          labels.string());
  ASSERT_EQ(r.exit_code, 0);
  GeneratorOptions o;
  o.seed = 4;
  o.invalid_ratio = 0.5;
  o.secret_ratio = 0.5;
  const auto g = generate(o, 500);
  std::string expected;
  for (const auto& rec : g.records) expected += rec + "\n";
  EXPECT_EQ(r.out, expected);

  std::ifstream in(labels);
  std::string line;
  std::size_t i = 0;
  while (std::getline(in, line)) {
    ASSERT_LT(i, g.labels.size());
    const auto& l = g.labels[i];
    std::string want = "{\"line\":" + std::to_string(i + 1) + ",\"verdict\":\"" +
                       (l.reason == Reason::none ? "clean" : "rejected") + "\",\"reason\":\"" +
                       std::string(processor::to_string(l.reason)) + "\"";
    if (!l.privacy.empty()) want += ",\"redacted\":\"" + l.privacy.to_string() + "\"";
    want += "}";
    EXPECT_EQ(line, want);
    ++i;
  }
  EXPECT_EQ(i, 500u);
  std::filesystem::remove(labels);
}

TEST_F(GenerateCommand, RejectsBadArgumentsWithExitCode2) {
  EXPECT_EQ(run("generate --count 10 --invalid-ratio 1.5").exit_code, 2);
  EXPECT_EQ(run("generate --count 10 --secret-ratio -0.1").exit_code, 2);
  EXPECT_EQ(run("generate --count -1").exit_code, 2);
  EXPECT_EQ(run("generate --count ten").exit_code, 2);
  EXPECT_EQ(run("generate").exit_code, 2);
  EXPECT_EQ(run("generate --count 0").exit_code, 0);
}

TEST_F(GenerateCommand, UnwritableLabelsFileIsAnIoError) {
  EXPECT_EQ(run("generate --count 1 --labels /nonexistent-dir/labels.jsonl").exit_code, 1);
}

}  // namespace
}  // namespace skillstream::generator
