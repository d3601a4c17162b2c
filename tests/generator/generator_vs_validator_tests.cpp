// The generator's labels against the real record path: every record it writes must
// get exactly the verdict it intended, under the default options (privacy redact, not
// strict). A mismatch is a bug in one of the two; the message says which record.
#include <gtest/gtest.h>

#include <string>

#include "generator/session_generator.h"
#include "processor/privacy_scanner.h"
#include "processor/record_processor.h"

namespace skillstream {
namespace {

using processor::Reason;

// Enough of a record to find it again, without dumping megabytes into the test log.
std::string excerpt(const std::string& record) {
  return record.size() <= 600 ? record : record.substr(0, 600) + "...";
}

void check_generated(const generator::GeneratorOptions& gen_options, int count) {
  const auto patterns = processor::PrivacyScanner::compile_patterns();
  processor::ProcessorOptions options;  // the defaults the labels assume
  options.max_record_bytes = gen_options.max_record_bytes;
  processor::RecordProcessor proc(options, patterns);
  // A second processor re-validates every redacted output with the scan off.
  processor::ProcessorOptions recheck_options = options;
  recheck_options.privacy = processor::PrivacyPolicy::off;
  processor::RecordProcessor recheck(recheck_options, nullptr);
  // The other policies follow from the labels too: `reject` rejects every planted
  // record, `off` lets the privacy_violation records through.
  processor::ProcessorOptions reject_options = options;
  reject_options.privacy = processor::PrivacyPolicy::reject;
  processor::RecordProcessor reject(reject_options, patterns);

  generator::SessionGenerator gen(gen_options);
  std::string record;
  std::string redacted;
  int mismatches = 0;
  int clean = 0;
  int planted = 0;
  for (int i = 0; i < count && mismatches < 20; ++i) {
    const auto label = gen.next(record);
    const auto outcome = proc.process(record);
    const bool same_reason = outcome.verdict.reason == label.reason;
    const bool same_kinds = outcome.redacted == label.privacy;
    if (!same_reason || !same_kinds) {
      ++mismatches;
      ADD_FAILURE() << "record " << i + 1 << " (seed " << gen_options.seed << "): label "
                    << processor::to_string(label.reason) << " [" << label.privacy.to_string()
                    << "], processor " << processor::to_string(outcome.verdict.reason) << " ["
                    << outcome.redacted.to_string() << "] at '" << outcome.verdict.path
                    << "': " << outcome.verdict.message << "\n  " << excerpt(record);
      continue;
    }
    const Reason want_reject = label.reason == Reason::none && !label.privacy.empty()
                                   ? Reason::privacy_violation
                                   : label.reason;
    EXPECT_EQ(reject.process(record).verdict.reason, want_reject) << "record " << i + 1;
    const Reason want_off = label.reason == Reason::privacy_violation ? Reason::none : label.reason;
    EXPECT_EQ(recheck.process(record).verdict.reason, want_off) << "record " << i + 1;
    if (!outcome.verdict.clean()) continue;
    ++clean;
    if (label.privacy.empty()) {
      // No plant: the record goes out byte for byte.
      EXPECT_EQ(outcome.value, record) << "record " << i + 1;
      continue;
    }
    ++planted;
    redacted.assign(outcome.value);
    EXPECT_NE(redacted, record) << "record " << i + 1;
    const auto again = recheck.process(redacted);
    EXPECT_EQ(again.verdict.reason, Reason::none)
        << "record " << i + 1 << ": the redacted copy breaks " << again.verdict.path << ": "
        << again.verdict.message;
  }
  EXPECT_EQ(mismatches, 0);
  if (gen_options.invalid_ratio < 1.0) {
    EXPECT_GT(clean, 0);
  }
  if (gen_options.secret_ratio > 0.0 && gen_options.invalid_ratio < 1.0) {
    EXPECT_GT(planted, 0);
  }
}

TEST(GeneratorVsValidator, GeneratedVerdictsMatchValidator) {
  generator::GeneratorOptions o;
  o.seed = 20250201;
  o.invalid_ratio = 0.5;
  o.secret_ratio = 0.3;
  check_generated(o, 20000);
}

TEST(GeneratorVsValidator, BenchmarkMixMatchesValidator) {
  generator::GeneratorOptions o;  // the defaults of `skillstream generate`
  o.invalid_ratio = 0.1;
  check_generated(o, 10000);
}

TEST(GeneratorVsValidator, AllDefectsMatchValidator) {
  generator::GeneratorOptions o;
  o.seed = 77;
  o.invalid_ratio = 1.0;
  o.max_record_bytes = 64 * 1024;  // small too_large records, same rules
  check_generated(o, 10000);
}

}  // namespace
}  // namespace skillstream
