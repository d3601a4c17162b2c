// The whole record path: validation, then privacy under each policy.
#include <algorithm>
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

// ---- rules v2: keys are scanned ----------------------------------------------------

// A clean record with `members` (each with a leading comma) after the required ones.
std::string with_members(const std::string& members) {
  return R"({"session_id":"sess-2025-02-01-x7k9m","agent_id":"agent-1",)"
         R"("timestamp":"2025-02-01T14:30:00Z","skill":{"name":"vllm"},)"
         R"("task":{"description":"Deploy"},"outcome":{"success":true})" +
         members + "}";
}

// No raw control byte (a header or a reject line would break on it).
bool printable(std::string_view s) {
  return std::none_of(s.begin(), s.end(),
                      [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

constexpr PrivacyPolicy kPolicies[] = {PrivacyPolicy::redact, PrivacyPolicy::reject,
                                       PrivacyPolicy::off};

const std::string kAws = "AKIAABCDEFGHIJKLMNOP";
const std::string kGithub = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";

TEST_F(RecordProcessorTest, KeyWithASecretAtTopLevelIsRedactedOrRejected) {
  const std::string in = with_members(R"(,")" + kAws + R"(":1)");
  RecordProcessor redact(ProcessorOptions{}, patterns_);
  Outcome out = redact.process(in);
  ASSERT_TRUE(out.verdict.clean()) << out.verdict.message;
  EXPECT_EQ(out.value, with_members(R"(,"[REDACTED:secret]":1)"));
  EXPECT_EQ(out.redacted.to_string(), "secret");

  RecordProcessor reject(with_policy(PrivacyPolicy::reject), patterns_);
  out = reject.process(in);
  EXPECT_EQ(out.verdict.reason, Reason::privacy_violation);
  EXPECT_EQ(out.verdict.path, "[REDACTED:secret]");
  EXPECT_EQ(out.verdict.message,
            "[REDACTED:secret]: the key holds a match of kind secret (privacy policy reject)");

  // Under off nothing is scanned: the record goes out as it came.
  RecordProcessor off(with_policy(PrivacyPolicy::off), nullptr);
  out = off.process(in);
  ASSERT_TRUE(out.verdict.clean());
  EXPECT_EQ(out.value.data(), in.data());
}

TEST_F(RecordProcessorTest, NestedKeyWithAnEmailIsRedactedOrRejected) {
  // Escaped in the key: the span widens to the whole escape, the rest stays as written.
  const std::string in = with_members(R"(,"custom":{"list":[{"mail bob\u0040corp.io":"x"}]})");
  RecordProcessor redact(ProcessorOptions{}, patterns_);
  Outcome out = redact.process(in);
  ASSERT_TRUE(out.verdict.clean()) << out.verdict.message;
  EXPECT_EQ(out.value, with_members(R"(,"custom":{"list":[{"mail [REDACTED:email]":"x"}]})"));
  EXPECT_EQ(out.redacted.to_string(), "email");

  RecordProcessor reject(with_policy(PrivacyPolicy::reject), patterns_);
  out = reject.process(in);
  EXPECT_EQ(out.verdict.reason, Reason::privacy_violation);
  EXPECT_EQ(out.verdict.path, "custom.list[0].mail [REDACTED:email]");
  EXPECT_EQ(out.verdict.message.find("bob"), std::string_view::npos);
}

TEST_F(RecordProcessorTest, UserPathKeyInEnvironmentOtherIsRedactedOrRejected) {
  const std::string in =
      with_members(R"(,"environment":{"os":"Linux","other":{"\/home\/alice\/x":null}})");
  RecordProcessor redact(ProcessorOptions{}, patterns_);
  Outcome out = redact.process(in);
  ASSERT_TRUE(out.verdict.clean()) << out.verdict.message;
  EXPECT_EQ(
      out.value,
      with_members(
          R"(,"environment":{"os":"Linux","other":{"\/home\/[REDACTED:user_path]\/x":null}})"));
  EXPECT_EQ(out.redacted.to_string(), "user_path");

  RecordProcessor reject(with_policy(PrivacyPolicy::reject), patterns_);
  out = reject.process(in);
  EXPECT_EQ(out.verdict.reason, Reason::privacy_violation);
  EXPECT_EQ(out.verdict.path, "environment.other./home/[REDACTED:user_path]/x");
}

TEST_F(RecordProcessorTest, KeyComesBeforeItsValueInDocumentOrder) {
  RecordProcessor reject(with_policy(PrivacyPolicy::reject), patterns_);
  const Outcome out = reject.process(with_members(R"(,"custom":{"a@b.io":")" + kAws + R"("})"));
  EXPECT_EQ(out.verdict.reason, Reason::privacy_violation);
  EXPECT_EQ(out.verdict.path, "custom.[REDACTED:email]");
  EXPECT_NE(out.verdict.message.find("the key holds a match of kind email"), std::string_view::npos)
      << out.verdict.message;

  RecordProcessor redact(ProcessorOptions{}, patterns_);
  const Outcome both = redact.process(with_members(R"(,"custom":{"a@b.io":")" + kAws + R"("})"));
  ASSERT_TRUE(both.verdict.clean()) << both.verdict.message;
  EXPECT_EQ(both.value, with_members(R"(,"custom":{"[REDACTED:email]":"[REDACTED:secret]"})"));
  EXPECT_EQ(both.redacted.to_string(), "secret,email");
}

TEST_F(RecordProcessorTest, KeysThatCollideOnceRedactedArePrivacyViolation) {
  RecordProcessor redact(ProcessorOptions{}, patterns_);
  // Two different secrets, one marker.
  Outcome out = redact.process(with_members(
      R"(,"environment":{"other":{"sk-aaaaaaaaaaaaaaaaaaaaaaaa":1,"sk-bbbbbbbbbbbbbbbbbbbbbbbb":2}})"));
  EXPECT_EQ(out.verdict.reason, Reason::privacy_violation);
  EXPECT_EQ(out.verdict.path, "environment.other.[REDACTED:secret]");
  EXPECT_NE(out.verdict.message.find("the same key appears twice"), std::string_view::npos)
      << out.verdict.message;
  EXPECT_EQ(out.verdict.message.find("sk-"), std::string_view::npos);
  EXPECT_TRUE(out.value.empty());

  // A redacted key equal to a key written as a marker, at top level.
  out = redact.process(with_members(R"(,"[REDACTED:email]":1,"x@y.io":2)"));
  EXPECT_EQ(out.verdict.reason, Reason::privacy_violation);

  // The same marker in two different objects is no collision.
  out = redact.process(with_members(R"(,"a":{"x@y.io":1},"b":{"z@y.io":2})"));
  ASSERT_TRUE(out.verdict.clean()) << out.verdict.message;
  EXPECT_EQ(out.value, with_members(R"(,"a":{"[REDACTED:email]":1},"b":{"[REDACTED:email]":2})"));

  // Keys that differ once redacted stay apart.
  out = redact.process(with_members(R"(,"c":{"1 x@y.io":1,"2 x@y.io":2})"));
  ASSERT_TRUE(out.verdict.clean()) << out.verdict.message;
}

TEST_F(RecordProcessorTest, DuplicateKeyPathIsRedactedUnderEveryPolicy) {
  const std::string in =
      with_members(R"(,"environment":{"other":{")" + kGithub + R"(":1,")" + kGithub + R"(":2}})");
  for (PrivacyPolicy policy : kPolicies) {
    SCOPED_TRACE(to_string(policy));
    RecordProcessor proc(with_policy(policy), policy == PrivacyPolicy::off ? nullptr : patterns_);
    const Outcome out = proc.process(in);
    EXPECT_EQ(out.verdict.reason, Reason::duplicate_key);
    EXPECT_EQ(out.verdict.path, "environment.other.[REDACTED:secret]");
    EXPECT_EQ(out.verdict.message,
              "environment.other.[REDACTED:secret]: the same key appears twice in one object");
  }
  // Deeper: a duplicate below a key that holds a match.
  RecordProcessor off(with_policy(PrivacyPolicy::off), nullptr);
  const Outcome out = off.process(with_members(R"(,"x@y.io":{"k":1,"k":2})"));
  EXPECT_EQ(out.verdict.reason, Reason::duplicate_key);
  EXPECT_EQ(out.verdict.path, "[REDACTED:email].k");
}

TEST_F(RecordProcessorTest, UnknownFieldPathIsRedactedUnderEveryPolicy) {
  const std::string in = R"({"session_id":"sess-2025-02-01-x7k9m","agent_id":"agent-1",)"
                         R"("timestamp":"2025-02-01T14:30:00Z","skill":{"name":"vllm",)"
                         R"("token )" +
                         kAws +
                         R"(":1},"task":{"description":"Deploy"},"outcome":{"success":true}})";
  for (PrivacyPolicy policy : kPolicies) {
    SCOPED_TRACE(to_string(policy));
    ProcessorOptions o = with_policy(policy);
    o.strict = true;
    RecordProcessor proc(o, policy == PrivacyPolicy::off ? nullptr : patterns_);
    const Outcome out = proc.process(in);
    EXPECT_EQ(out.verdict.reason, Reason::unknown_field);
    EXPECT_EQ(out.verdict.path, "skill.token [REDACTED:secret]");
    EXPECT_EQ(out.verdict.message,
              "skill.token [REDACTED:secret]: field not allowed in strict mode");
  }
}

TEST_F(RecordProcessorTest, KeysInPathsAreJsonEscapedUnderEveryPolicy) {
  struct Case {
    std::string key;   // as written in the record
    std::string path;  // the last path component
  };
  const Case cases[] = {
      {R"(a\nb)", R"(a\nb)"},                                // escaped newline: never a raw one
      {R"(a\u000ab)", R"(a\nb)"},                            // the same newline, spelt otherwise
      {R"(q\"k)", R"(q\"k)"},                                // quote
      {R"(C:\\dir)", R"(C:\\dir)"},                          // backslash
      {R"(\u0001\u001f\t\r)", R"(\u0001\u001f\t\r)"},        // other control characters
      {R"(x@y.io\n\u0000)", R"([REDACTED:email]\n\u0000)"},  // a match and controls
  };
  for (PrivacyPolicy policy : kPolicies) {
    for (const Case& c : cases) {
      SCOPED_TRACE(std::string(to_string(policy)) + " key " + c.key);
      RecordProcessor proc(with_policy(policy), policy == PrivacyPolicy::off ? nullptr : patterns_);
      Outcome out = proc.process(
          with_members(R"(,"environment":{"other":{")" + c.key + R"(":1,")" + c.key + R"(":2}})"));
      EXPECT_EQ(out.verdict.reason, Reason::duplicate_key);
      EXPECT_EQ(out.verdict.path, "environment.other." + c.path);
      EXPECT_TRUE(printable(out.verdict.path) && printable(out.verdict.message))
          << out.verdict.message;

      ProcessorOptions strict = with_policy(policy);
      strict.strict = true;
      RecordProcessor strict_proc(strict, policy == PrivacyPolicy::off ? nullptr : patterns_);
      out = strict_proc.process(R"({")" + c.key + R"(":1,"session_id":"sess-2025-02-01-x"})");
      EXPECT_EQ(out.verdict.reason, Reason::unknown_field);
      EXPECT_EQ(out.verdict.path, c.path);
      EXPECT_TRUE(printable(out.verdict.message)) << out.verdict.message;
    }
  }
  // A privacy_violation names the key escaped too.
  RecordProcessor reject(with_policy(PrivacyPolicy::reject), patterns_);
  const Outcome out = reject.process(with_members(R"(,"line\none x@y.io":1)"));
  EXPECT_EQ(out.verdict.reason, Reason::privacy_violation);
  EXPECT_EQ(out.verdict.path, R"(line\none [REDACTED:email])");
  EXPECT_TRUE(printable(out.verdict.message));
}

TEST_F(RecordProcessorTest, RecordWithoutKeyMatchesGoesOutByteForByte) {
  // Free-form and unknown keys, near misses among them (git@, /home/Shared, no \b
  // before sk-), under every policy: the same verdict and value as rules v1 gave.
  const std::string in =
      with_members(R"(,"environment":{"other":{"driver":"535","git@github.com:org/repo.git":1,)"
                   R"("\/home\/Shared\/x":[{"task-queue-management-system":null}],)"
                   R"("\u6ce8\u91ca":"\u81ea\u7531"}},"custom":{"~/.claude/skills":true})");
  for (PrivacyPolicy policy : kPolicies) {
    SCOPED_TRACE(to_string(policy));
    RecordProcessor proc(with_policy(policy), policy == PrivacyPolicy::off ? nullptr : patterns_);
    const Outcome out = proc.process(in);
    ASSERT_TRUE(out.verdict.clean()) << out.verdict.message;
    EXPECT_TRUE(out.redacted.empty());
    EXPECT_EQ(out.value.data(), in.data());  // the input itself, not a copy
    EXPECT_EQ(out.value.size(), in.size());
  }
  // Paths that name such keys are unchanged too.
  RecordProcessor proc(ProcessorOptions{}, patterns_);
  const Outcome out = proc.process(with_members(R"(,"environment":{"other":{"a":{"k":1,"k":2}}})"));
  EXPECT_EQ(out.verdict.path, "environment.other.a.k");
}

// `bench --processor none`: the record path is skipped, every record is clean as is.
TEST(RecordProcessorPassThrough, EveryRecordIsCleanAndUnchanged) {
  ProcessorOptions o;
  o.pass_through = true;
  RecordProcessor p(o, nullptr);
  for (std::string_view in : {std::string_view("{"), std::string_view(""),
                              std::string_view(R"({"email":"a@example.com"})")}) {
    Outcome out = p.process(in);
    EXPECT_TRUE(out.verdict.clean()) << in;
    EXPECT_EQ(out.value, in);
    EXPECT_EQ(out.value.data(), in.data()) << "no copy";
    EXPECT_TRUE(out.redacted.empty());
  }
  EXPECT_TRUE(p.process(nullptr, 0).verdict.clean()) << "a null value too";
}

TEST(SimdjsonKernel, NamesACompiledKernel) { EXPECT_FALSE(simdjson_kernel().empty()); }

}  // namespace
}  // namespace skillstream::processor
