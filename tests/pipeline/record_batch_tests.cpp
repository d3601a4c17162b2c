#include "pipeline/record_batch.h"

#include <gtest/gtest.h>

#include "generator/session_generator.h"
#include "processor/metrics.h"
#include "processor/privacy_scanner.h"
#include "processor/record_processor.h"
#include "test_records.h"

namespace skillstream::pipeline {
namespace {

using processor::Reason;
using testing::FakeInput;

std::string generated(double secret_ratio, std::uint64_t seed) {
  generator::GeneratorOptions g;
  g.seed = seed;
  g.invalid_ratio = 0;
  g.secret_ratio = secret_ratio;
  generator::SessionGenerator gen(g);
  std::string rec;
  (void)gen.next(rec);
  return rec;
}

TEST(JudgeBatch, FillsVerdictsPathsRedactedValuesAndSessionIdKeys) {
  processor::ProcessorOptions opts;
  processor::RecordProcessor proc(opts, processor::PrivacyScanner::compile_patterns());
  processor::WorkerCounters counters;
  const std::string valid = generated(0, 1);
  const std::string secret = generated(1.0, 2);
  auto b = FakeInput::batch({valid, "{}", secret, valid});
  b->records[3].in.key = "has-a-key";
  judge_batch(proc, counters, *b, JudgeOptions{true, false});

  const Record& clean = b->records[0];
  EXPECT_EQ(clean.reason, Reason::none);
  EXPECT_TRUE(clean.redacted.empty());
  EXPECT_GT(clean.session_id.size, 0u) << "no key: the session id is kept";
  EXPECT_EQ(b->view(clean.session_id).substr(0, 5), "sess-");

  const Record& reject = b->records[1];
  EXPECT_EQ(reject.reason, Reason::missing_field);
  EXPECT_FALSE(b->view(reject.message_text).empty());
  EXPECT_EQ(b->view(reject.errors),
            R"([{"reason":"missing_field","path":"session_id","message":"session_id: required )"
            R"(field is missing"},{"reason":"missing_field","path":"agent_id","message":)"
            R"("agent_id: required field is missing"},{"reason":"missing_field","path":)"
            R"("timestamp","message":"timestamp: required field is missing"},{"reason":)"
            R"("missing_field","path":"skill","message":"skill: required field is missing"},)"
            R"({"reason":"missing_field","path":"task","message":"task: required field is )"
            R"(missing"},{"reason":"missing_field","path":"outcome","message":"outcome: )"
            R"(required field is missing"}])")
      << "every defect, the verdict first";
  EXPECT_EQ(clean.errors.size, 0u);

  const Record& redacted = b->records[2];
  EXPECT_EQ(redacted.reason, Reason::none);
  EXPECT_FALSE(redacted.redacted.empty());
  EXPECT_NE(b->view(redacted.value).find("[REDACTED:"), std::string_view::npos);

  EXPECT_EQ(b->records[3].session_id.size, 0u) << "an input key is kept, no session id";
}

TEST(JudgeBatch, WithoutSessionIdKeysNothingIsStashedForKeys) {
  processor::ProcessorOptions opts;
  opts.privacy = processor::PrivacyPolicy::off;
  processor::RecordProcessor proc(opts, nullptr);
  processor::WorkerCounters counters;
  auto b = FakeInput::batch({generated(0, 3)});
  judge_batch(proc, counters, *b, JudgeOptions{false, false});
  EXPECT_EQ(b->records[0].reason, Reason::none);
  EXPECT_EQ(b->records[0].session_id.size, 0u);
  EXPECT_TRUE(b->text.empty());
}

TEST(JudgeBatch, ScanKafkaKeyRedactsTheKeyOfCleanRecordsOrRejectsThem) {
  const std::string valid = generated(0, 4);
  for (auto policy : {processor::PrivacyPolicy::redact, processor::PrivacyPolicy::reject}) {
    processor::ProcessorOptions opts;
    opts.privacy = policy;
    processor::RecordProcessor proc(opts, processor::PrivacyScanner::compile_patterns());
    processor::WorkerCounters counters;
    auto b = FakeInput::batch({valid, valid, valid});
    b->records[0].in.key = "alice@example.com";
    b->records[1].in.key = "order-42";
    judge_batch(proc, counters, *b, JudgeOptions{true, true});
    const Record& hit = b->records[0];
    if (policy == processor::PrivacyPolicy::redact) {
      EXPECT_EQ(hit.reason, Reason::none);
      EXPECT_TRUE(hit.key_redacted.has(processor::PrivacyKind::email));
      EXPECT_EQ(b->view(hit.key), "[REDACTED:email]");
    } else {
      EXPECT_EQ(hit.reason, Reason::privacy_violation);
      EXPECT_EQ(b->view(hit.message_text).find("alice"), std::string_view::npos)
          << "never the matched text";
    }
    EXPECT_TRUE(b->records[1].key_redacted.empty()) << "no match, key kept";
    EXPECT_EQ(b->records[1].reason, Reason::none);
  }
  // Off by default: the key passes through unscanned.
  processor::ProcessorOptions opts;
  processor::RecordProcessor proc(opts, processor::PrivacyScanner::compile_patterns());
  processor::WorkerCounters counters;
  auto b = FakeInput::batch({valid});
  b->records[0].in.key = "alice@example.com";
  judge_batch(proc, counters, *b, JudgeOptions{});
  EXPECT_TRUE(b->records[0].key_redacted.empty());
}

}  // namespace
}  // namespace skillstream::pipeline
