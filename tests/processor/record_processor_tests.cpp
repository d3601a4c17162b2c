// The whole record path: validation, then privacy under each policy.
#include <string>

#include <gtest/gtest.h>

#include "processor/privacy_scanner.h"
#include "processor/record_processor.h"

namespace skillstream::processor {
namespace {

std::string record(const std::string& notes, const std::string& agent_id = "agent-1",
                   const std::string& session = "sess-2025-02-01-x7k9m") {
  return R"({"session_id":")" + session + R"(","agent_id":")" + agent_id +
         R"(","timestamp":"2025-02-01T14:30:00Z","skill":{"name":"vllm"},)"
         R"("task":{"description":"Deploy"},"outcome":{"success":true,"notes":")" +
         notes + R"("},  "learnings": [ ]})";
}

ProcessorOptions with_policy(PrivacyPolicy p) {
  ProcessorOptions o;
  o.privacy = p;
  return o;
}

class RecordProcessorTest : public ::testing::Test {
 protected:
  std::shared_ptr<const PrivacyPatterns> patterns_ = PrivacyScanner::compile_patterns();
};

TEST_F(RecordProcessorTest, RecordWithoutMatchGoesOutByteForByte) {
  RecordProcessor proc(ProcessorOptions{}, patterns_);
  const std::string in = record("see ~/.claude/skills/x and git@github.com:org/repo.git");
  const Outcome out = proc.process(in);
  ASSERT_TRUE(out.verdict.clean()) << out.verdict.message;
  EXPECT_TRUE(out.redacted.empty());
  EXPECT_EQ(out.value, in);
  EXPECT_EQ(out.value.data(), in.data());  // no copy at all
  EXPECT_EQ(out.session_id, "sess-2025-02-01-x7k9m");
}

TEST_F(RecordProcessorTest, RedactRewritesOnlyTheMatchingToken) {
  RecordProcessor proc(ProcessorOptions{}, patterns_);
  const std::string in = record("mail alice@example.com or key AKIAABCDEFGHIJKLMNOP now");
  const Outcome out = proc.process(in);
  ASSERT_TRUE(out.verdict.clean()) << out.verdict.message;
  EXPECT_TRUE(out.redacted.has(PrivacyKind::email));
  EXPECT_TRUE(out.redacted.has(PrivacyKind::secret));
  EXPECT_FALSE(out.redacted.has(PrivacyKind::user_path));
  EXPECT_EQ(out.redacted.to_string(), "secret,email");
  EXPECT_EQ(out.value, record("mail [REDACTED:email] or key [REDACTED:secret] now"));
}

TEST_F(RecordProcessorTest, RedactsEscapedMatchesAndKeepsOtherEscapes) {
  RecordProcessor proc(ProcessorOptions{}, patterns_);
  const Outcome out = proc.process(record(R"(caf\u00e9 in \/home\/alice\/x for bob\u0040corp.io)"));
  ASSERT_TRUE(out.verdict.clean()) << out.verdict.message;
  EXPECT_EQ(out.value,
            record(R"(caf\u00e9 in \/home\/[REDACTED:user_path]\/x for [REDACTED:email])"));
  EXPECT_EQ(out.redacted.to_string(), "email,user_path");
}

TEST_F(RecordProcessorTest, RejectPolicyNamesPathAndKindNeverTheText) {
  RecordProcessor proc(with_policy(PrivacyPolicy::reject), patterns_);
  const Outcome out = proc.process(record("token ghp_abcdefghijklmnopqrstuvwxyz0123456789"));
  EXPECT_EQ(out.verdict.reason, Reason::privacy_violation);
  EXPECT_EQ(out.verdict.path, "outcome.notes");
  EXPECT_NE(out.verdict.message.find("secret"), std::string_view::npos);
  EXPECT_EQ(out.verdict.message.find("ghp_"), std::string_view::npos);
}

TEST_F(RecordProcessorTest, OffPolicyDoesNotScan) {
  RecordProcessor proc(with_policy(PrivacyPolicy::off), nullptr);
  const std::string in = record("alice@example.com");
  const Outcome out = proc.process(in);
  ASSERT_TRUE(out.verdict.clean());
  EXPECT_EQ(out.value, in);
  EXPECT_TRUE(out.redacted.empty());
}

TEST_F(RecordProcessorTest, FieldDefectsComeBeforePrivacy) {
  RecordProcessor proc(with_policy(PrivacyPolicy::reject), patterns_);
  std::string in = record("alice@example.com");
  in.replace(in.find("\"success\":true"), 14, "\"success\":\"yes\"");
  EXPECT_EQ(proc.process(in).verdict.reason, Reason::wrong_type);
}

TEST_F(RecordProcessorTest, RedactionThatBreaksARuleIsPrivacyViolation) {
  RecordProcessor proc(ProcessorOptions{}, patterns_);
  // agent_id: 252 bytes with an e-mail; the marker is longer and passes 256 bytes.
  const std::string agent = std::string(245, 'a') + " x@y.io";
  Outcome out = proc.process(record("fine", agent));
  EXPECT_EQ(out.verdict.reason, Reason::privacy_violation);
  EXPECT_EQ(out.verdict.path, "agent_id");
  EXPECT_EQ(out.verdict.message.find("x@y.io"), std::string_view::npos);

  // A session_id holding an AWS key id breaks its pattern once redacted.
  out = proc.process(record("fine", "agent-1", "sess-2025-01-01-AKIAABCDEFGHIJKLMNOP"));
  EXPECT_EQ(out.verdict.reason, Reason::privacy_violation);
  EXPECT_EQ(out.verdict.path, "session_id");
}

TEST_F(RecordProcessorTest, RedactionThatPassesTheSizeLimitIsPrivacyViolation) {
  const std::string in = record("a@b.co");
  ProcessorOptions o;
  o.max_record_bytes = in.size();
  RecordProcessor proc(o, patterns_);
  EXPECT_EQ(proc.process(in).verdict.reason, Reason::privacy_violation);
  o.max_record_bytes = in.size() + 10;
  RecordProcessor roomy(o, patterns_);
  EXPECT_TRUE(roomy.process(in).verdict.clean());
}

TEST_F(RecordProcessorTest, TombstoneIsEmptyPayload) {
  RecordProcessor proc(ProcessorOptions{}, patterns_);
  EXPECT_EQ(proc.process(nullptr, 0).verdict.reason, Reason::empty_payload);
}

TEST_F(RecordProcessorTest, ProcessorIsReusableAfterARedaction) {
  RecordProcessor proc(ProcessorOptions{}, patterns_);
  const std::string secret = record("Bearer abcdefghijklmnopqrstuvwxyz012345");
  const std::string plain = record("nothing here");
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(proc.process(secret).redacted.to_string(), "secret");
    const Outcome out = proc.process(plain);
    EXPECT_TRUE(out.redacted.empty());
    EXPECT_EQ(out.value, plain);
  }
}

TEST_F(RecordProcessorTest, PrefilterFalsePositiveStaysByteForByte) {
  RecordProcessor proc(ProcessorOptions{}, patterns_);
  const std::string in = record("/home/Shared/x and /home/../y");
  const Outcome out = proc.process(in);
  ASSERT_TRUE(out.verdict.clean());
  EXPECT_TRUE(out.redacted.empty());
  EXPECT_EQ(out.value.data(), in.data());
}

}  // namespace
}  // namespace skillstream::processor
