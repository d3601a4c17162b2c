// The conformance sample (vendored in tests/data/, see tests/data/README.md): 400
// records with the verdict rules v2 give in three modes, and the expected clean-topic
// value of every redacted record.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "processor/privacy_scanner.h"
#include "processor/record_processor.h"
#include "tests/processor/json_equal.h"
#include "tests/support/files.h"

namespace skillstream::processor {
namespace {

using testing::read_file;
using testing::split_lines;

struct Expected {
  std::string case_name, default_verdict, reject_verdict, strict_verdict, redacted_text;
};

std::vector<Expected> load_expected(const std::string& path) {
  std::vector<Expected> out;
  simdjson::dom::parser parser;
  for (const std::string& line : split_lines(read_file(path))) {
    simdjson::dom::element e = parser.parse(line);
    Expected x;
    x.case_name = std::string(std::string_view(e["case"]));
    x.default_verdict = std::string(std::string_view(e["default"]));
    x.reject_verdict = std::string(std::string_view(e["privacy_reject"]));
    x.strict_verdict = std::string(std::string_view(e["strict"]));
    std::string_view redacted;
    if (!e["redacted_text"].get(redacted)) x.redacted_text = std::string(redacted);
    out.push_back(std::move(x));
  }
  return out;
}

std::string verdict_text(const Outcome& o) {
  if (!o.verdict.clean()) return std::string(to_string(o.verdict.reason));
  return o.redacted.empty() ? "clean" : "clean, redacted";
}

class Conformance : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = std::string(SKILLSTREAM_SOURCE_DIR) + "/tests/data/";
    records_ = split_lines(read_file(dir + "conformance.jsonl"));
    expected_ = load_expected(dir + "conformance.v2.expected.jsonl");
    ASSERT_EQ(records_.size(), 400u);
    ASSERT_EQ(expected_.size(), records_.size());
  }

  // Runs every record in one mode; returns the mismatches, one line each.
  std::vector<std::string> run(const ProcessorOptions& options, std::string Expected::*verdict,
                               bool check_redacted_text, bool collapse_redacted = false) {
    RecordProcessor proc(options, PrivacyScanner::compile_patterns());
    std::vector<std::string> mismatches;
    for (std::size_t i = 0; i < records_.size(); ++i) {
      const Expected& x = expected_[i];
      const Outcome out = proc.process(records_[i]);
      std::string got = verdict_text(out);
      if (collapse_redacted && got == "clean, redacted") got = "clean";
      std::string problem;
      if (got != x.*verdict) {
        problem = "got " + got + " (" + std::string(out.verdict.message) + ")";
      } else if (check_redacted_text && !x.redacted_text.empty() &&
                 !test::json_equal(out.value, x.redacted_text)) {
        problem = "redacted text differs: " + std::string(out.value.substr(0, 300));
      }
      if (!problem.empty()) {
        mismatches.push_back("line " + std::to_string(i + 1) + " [" + x.case_name + "] expected " +
                             x.*verdict + ", " + problem);
      }
    }
    return mismatches;
  }

  std::vector<std::string> records_;
  std::vector<Expected> expected_;
};

std::string join(const std::vector<std::string>& lines) {
  std::string s;
  for (const auto& l : lines) s += l + "\n";
  return s;
}

TEST_F(Conformance, DefaultModeMatchesEveryVerdictAndRedaction) {
  const auto mismatches = run(ProcessorOptions{}, &Expected::default_verdict, true);
  EXPECT_TRUE(mismatches.empty()) << mismatches.size() << " mismatches:\n" << join(mismatches);
}

TEST_F(Conformance, PrivacyRejectModeMatchesEveryVerdict) {
  ProcessorOptions o;
  o.privacy = PrivacyPolicy::reject;
  const auto mismatches = run(o, &Expected::reject_verdict, false);
  EXPECT_TRUE(mismatches.empty()) << mismatches.size() << " mismatches:\n" << join(mismatches);
}

TEST_F(Conformance, StrictModeMatchesEveryVerdict) {
  ProcessorOptions o;
  o.strict = true;
  // The sample's strict column says "clean" for clean records, redacted or not.
  const auto mismatches = run(o, &Expected::strict_verdict, false, true);
  EXPECT_TRUE(mismatches.empty()) << mismatches.size() << " mismatches:\n" << join(mismatches);
}

}  // namespace
}  // namespace skillstream::processor
