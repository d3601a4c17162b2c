#include "processor/privacy_scanner.h"
#include "processor/session_validator.h"

#include <gtest/gtest.h>
#include <regex.h>

#include <chrono>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace skillstream::processor {
namespace {

// One scanner for the whole binary: gtest runs the tests on one thread.
PrivacyScanner& scanner() {
  static PrivacyScanner instance(PrivacyScanner::compile_patterns());
  return instance;
}

std::vector<Span> spans_of(std::string_view text) {
  std::vector<Span> out;
  scanner().find_spans(text, out);
  return out;
}

// The text with its spans replaced: `text` doubles as its own raw JSON body, so it must
// hold no backslash or quote.
std::string redacted(std::string_view text) {
  EXPECT_EQ(text.find_first_of("\\\""), std::string_view::npos) << "not a plain string";
  const std::vector<Span> spans = spans_of(text);
  std::string out;
  append_redacted(text, spans, out);
  return out;
}

std::string redacted_raw(std::string_view raw, std::span<const Span> spans) {
  std::string out;
  append_redacted(raw, spans, out);
  return out;
}

std::string repeat(std::string_view unit, std::size_t bytes) {
  std::string out;
  out.reserve(bytes + unit.size());
  while (out.size() < bytes) out += unit;
  return out;
}

const std::string k36 = "0123456789abcdefghijklmnopqrstuvwxyZ";  // 36 alphanumerics

// --- secrets --------------------------------------------------------------------------

TEST(PrivacyScanner, RedactsAwsKeyId) {
  EXPECT_EQ(redacted("key AKIAIOSFODNN7EXAMPLE used"), "key [REDACTED:secret] used");
  EXPECT_EQ(redacted("AKIAIOSFODNN7EXAMPLE"), "[REDACTED:secret]");
}

TEST(PrivacyScanner, IgnoresAwsKeyIdOneShortOrFollowedByWordChar) {
  EXPECT_TRUE(spans_of("AKIAIOSFODNN7EXAMPL").empty());    // 15 after AKIA
  EXPECT_TRUE(spans_of("AKIAIOSFODNN7EXAMPLEX").empty());  // 17: no \b after 16
  EXPECT_TRUE(spans_of("AKIAIOSFODNN7EXAMPLE_").empty());  // `_` is a word character
  EXPECT_TRUE(spans_of("xAKIAIOSFODNN7EXAMPLE").empty());  // no \b before
  EXPECT_TRUE(spans_of("AKIAiosfodnn7example").empty());   // lower case
  EXPECT_EQ(redacted("AKIAIOSFODNN7EXAMPLE-x"), "[REDACTED:secret]-x");
}

TEST(PrivacyScanner, RedactsEveryGithubTokenPrefix) {
  for (const char* prefix : {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}) {
    const std::string token = prefix + k36;
    EXPECT_EQ(redacted("token=" + token + ";"), "token=[REDACTED:secret];") << prefix;
  }
}

TEST(PrivacyScanner, IgnoresGithubTokenOfWrongLength) {
  EXPECT_TRUE(spans_of("ghp_" + k36.substr(1)).empty());
  EXPECT_TRUE(spans_of("ghp_" + k36 + "a").empty());  // 37: no \b after 36
  EXPECT_TRUE(spans_of("ghx_" + k36).empty());
}

TEST(PrivacyScanner, RedactsFineGrainedGithubToken) {
  EXPECT_EQ(redacted("github_pat_11ABCDEFG0123456789_abcdefghij end"), "[REDACTED:secret] end");
  EXPECT_TRUE(spans_of("github_pat_" + std::string(21, 'a')).empty());
  EXPECT_EQ(spans_of("github_pat_" + std::string(22, 'a')).size(), 1u);
}

TEST(PrivacyScanner, RedactsApiKeyAndTakesTheWholeRun) {
  EXPECT_EQ(redacted("OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuv"),
            "OPENAI_API_KEY=[REDACTED:secret]");
  EXPECT_EQ(redacted("sk-" + std::string(20, 'a') + " tail"), "[REDACTED:secret] tail");
  EXPECT_TRUE(spans_of("sk-" + std::string(19, 'a')).empty());
}

TEST(PrivacyScanner, IgnoresApiKeyWithoutWordBoundary) {
  EXPECT_TRUE(spans_of("task-queue-management-system-abc").empty());
  EXPECT_TRUE(spans_of("xsk-abcdefghijklmnopqrstuvwxyz").empty());
  EXPECT_TRUE(spans_of("sk-short").empty());
}

TEST(PrivacyScanner, RedactsEverySlackTokenPrefix) {
  for (const char* prefix : {"xoxa-", "xoxb-", "xoxp-", "xoxr-", "xoxs-"}) {
    EXPECT_EQ(redacted(std::string("slack ") + prefix + "1234567890-abc"),
              "slack [REDACTED:secret]")
        << prefix;
  }
  EXPECT_TRUE(spans_of("xoxb-123456789").empty());  // 9
  EXPECT_TRUE(spans_of("xoxc-1234567890").empty());
}

TEST(PrivacyScanner, RedactsGoogleKeyOfExactlyThirtyFiveChars) {
  const std::string key = "AIzaSyA-1234567890abcdefghijklmnopqrstu";
  ASSERT_EQ(key.size(), 4u + 35u);
  EXPECT_EQ(redacted("maps " + key + " x"), "maps [REDACTED:secret] x");
  // No \b after: a 36th character stays outside the span.
  EXPECT_EQ(redacted(key + "Z"), "[REDACTED:secret]Z");
  EXPECT_TRUE(spans_of(key.substr(0, key.size() - 1)).empty());
}

TEST(PrivacyScanner, RedactsJwt) {
  const std::string jwt =
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_"
      "XgL0n3I9PlFUP0THsR8U";
  EXPECT_EQ(redacted("token " + jwt + ". next"), "token [REDACTED:secret]. next");
  EXPECT_TRUE(spans_of("eyJhbGciOiJI.eyJzdWIiOi.dozjgNryP").empty());   // last segment 9
  EXPECT_TRUE(spans_of("eyJhbGciOi.eyJzdWIiOiI.dozjgNryP4J").empty());  // first segment 7+3
  EXPECT_TRUE(spans_of("xeyJhbGciOiJIUzI1.eyJzdWIiOiIx.dozjgNryP4J3").empty());
}

TEST(PrivacyScanner, RedactsBearerTokenWithPadding) {
  EXPECT_EQ(redacted("Authorization: Bearer abcdefghij0123456789/+~.-_== ok"),
            "Authorization: [REDACTED:secret] ok");
  EXPECT_EQ(redacted("Bearer\t\tabcdefghij0123456789"), "[REDACTED:secret]");
  EXPECT_TRUE(spans_of("Bearer abcdefghij012345678").empty());  // 19
  EXPECT_TRUE(spans_of("Bearer: abcdefghij0123456789").empty());
  EXPECT_TRUE(spans_of("bearer abcdefghij0123456789").empty());
}

TEST(PrivacyScanner, RedactsPemKeyThroughItsEndLine) {
  const std::string pem =
      "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----";
  EXPECT_EQ(redacted("key:\n" + pem + "\nbye"), "key:\n[REDACTED:secret]\nbye");
  EXPECT_EQ(redacted("-----BEGIN PRIVATE KEY-----abc-----END PRIVATE KEY-----z"),
            "[REDACTED:secret]z");
  // The first END line closes it, even one with other label words.
  EXPECT_EQ(redacted("-----BEGIN OPENSSH PRIVATE KEY-----b-----END PRIVATE KEY-----"
                     " -----END PRIVATE KEY-----"),
            "[REDACTED:secret] -----END PRIVATE KEY-----");
}

TEST(PrivacyScanner, RedactsPemKeyWithoutEndToTheEndOfTheString) {
  EXPECT_EQ(redacted("x -----BEGIN EC PRIVATE KEY-----\nMHcCAQEEI -----END PUBLIC KEY-----"),
            "x [REDACTED:secret]");
  EXPECT_TRUE(spans_of("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----").empty());
  EXPECT_TRUE(spans_of("-----BEGIN rsa PRIVATE KEY-----").empty());
  EXPECT_TRUE(spans_of("-----BEGIN RSA  PRIVATE KEY-----").empty());
}

// --- email ----------------------------------------------------------------------------

TEST(PrivacyScanner, RedactsEmailAtStartMiddleAndEnd) {
  EXPECT_EQ(redacted("alice@example.com wrote"), "[REDACTED:email] wrote");
  EXPECT_EQ(redacted("ask first.last+tag@sub.example.co.uk today"), "ask [REDACTED:email] today");
  EXPECT_EQ(redacted("mail: bob_99%x@corp-1.io"), "mail: [REDACTED:email]");
}

TEST(PrivacyScanner, TakesTheLongestEmailDomain) {
  EXPECT_EQ(redacted("a@b.cc9"), "[REDACTED:email]9");
  EXPECT_EQ(redacted("a@b.cc.d"), "[REDACTED:email].d");
  EXPECT_EQ(redacted("a@b.cc9.de."), "[REDACTED:email].");
  EXPECT_EQ(redacted("a@b..cc"), "a@b..cc");
}

TEST(PrivacyScanner, IgnoresGitSshRemote) {
  EXPECT_TRUE(spans_of("git@github.com:org/repo.git").empty());
  EXPECT_TRUE(spans_of("clone git@gitlab.example.org:team/x.git now").empty());
  // Only exactly `git`: the leftmost start takes the whole local part.
  EXPECT_EQ(redacted("xgit@github.com"), "[REDACTED:email]");
  EXPECT_EQ(redacted("git@github.com and git.bot@github.com"),
            "git@github.com and [REDACTED:email]");
}

TEST(PrivacyScanner, IgnoresTextThatIsNoEmail) {
  EXPECT_TRUE(spans_of("user at example dot com").empty());
  EXPECT_TRUE(spans_of("a@b.c").empty());
  EXPECT_TRUE(spans_of("@example.com").empty());
  EXPECT_TRUE(spans_of("pip install torch==2.1.0 @ v1.2.3").empty());
}

TEST(PrivacyScanner, ContinuesAfterEachEmailWithoutOverlap) {
  // The second match starts where the first ended: they touch and stay apart.
  EXPECT_EQ(redacted("a@b.cc.d@e.fg"), "[REDACTED:email][REDACTED:email]");
  const std::vector<Span> spans = spans_of("a@b.cc.d@e.fg");
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0], (Span{0, 6, PrivacyKind::email}));
  EXPECT_EQ(spans[1], (Span{6, 13, PrivacyKind::email}));
}

// --- user paths -----------------------------------------------------------------------

TEST(PrivacyScanner, RedactsOnlyTheUserName) {
  EXPECT_EQ(redacted("/home/alice/proj"), "/home/[REDACTED:user_path]/proj");
  EXPECT_EQ(redacted("cd /Users/bob.smith-2"), "cd /Users/[REDACTED:user_path]");
  EXPECT_EQ(redacted("see (/home/carol)"), "see (/home/[REDACTED:user_path])");
  EXPECT_EQ(redacted("/home/Sharedx/a"), "/home/[REDACTED:user_path]/a");
  EXPECT_EQ(redacted("/home/.alice"), "/home/[REDACTED:user_path]");
}

TEST(PrivacyScanner, RedactsWindowsUserPaths) {
  std::vector<Span> spans = spans_of(R"(C:\Users\dave\AppData)");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0], (Span{9, 13, PrivacyKind::user_path}));
  EXPECT_EQ(redacted("c:/Users/erin/x"), "c:/Users/[REDACTED:user_path]/x");
  spans = spans_of(R"(d:\Users/frank)");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0], (Span{9, 14, PrivacyKind::user_path}));
  EXPECT_TRUE(spans_of(R"(XC:\Users\dave)").empty());  // no \b before the drive
}

TEST(PrivacyScanner, IgnoresPathsThatNameNoUser) {
  for (const char* text :
       {"~/.claude/skills/x", "/home/", "/home/$USER/x", "/mnt/home/x", "x/Users/bob",
        "C:\\Program Files\\", "/home/Shared/x", "/Users/Shared", "/home/../x", "/home/./x",
        "/home//x", "/home/[REDACTED:user_path]/proj", "/HOME/bob", "C:\\Users\\"}) {
    EXPECT_TRUE(spans_of(text).empty()) << text;
  }
}

// --- merging --------------------------------------------------------------------------

TEST(PrivacyScanner, MergesOverlappingSpansUnderTheLongestEarliest) {
  // The rules' example: NAME and e-mail start together; the e-mail is longer.
  EXPECT_EQ(redacted("/home/alice.smith@corp.com/x"), "/home/[REDACTED:email]/x");
  const std::vector<Span> spans = spans_of("/home/alice.smith@corp.com/x");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0], (Span{6, 26, PrivacyKind::email}));
}

TEST(PrivacyScanner, BreaksTiesBySecretThenEmailThenUserPath) {
  // NAME, sk- key and e-mail local part all start at 7; the e-mail is longest.
  EXPECT_EQ(redacted("/Users/sk-abcdefghijklmnopqrstuvwx@corp.io"), "/Users/[REDACTED:email]");
  // Same start and end: a secret and a user path over the same bytes.
  const std::vector<Span> spans = spans_of("/Users/sk-abcdefghijklmnopqrstuvwx");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0], (Span{7, 34, PrivacyKind::secret}));
}

TEST(PrivacyScanner, MergesAChainTransitively) {
  // Bearer token [0, @) overlaps the e-mail, whose domain overlaps the Slack token;
  // the Bearer token and the Slack token do not overlap each other.
  const std::string text = "Bearer abcdefghijklmnopqrstuvwxyz.me@corp.xoxb-1234567890abc end";
  const std::vector<Span> spans = spans_of(text);
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0],
            (Span{0, static_cast<std::uint32_t>(text.find(" end")), PrivacyKind::secret}));
}

TEST(PrivacyScanner, KeepsTouchingSpansApart) {
  const std::string text = "Bearer abcdefghijklmnopqrstuvwxyz=alice@corp.io";
  const std::vector<Span> spans = spans_of(text);
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0], (Span{0, 34, PrivacyKind::secret}));
  EXPECT_EQ(spans[1], (Span{34, 47, PrivacyKind::email}));
  EXPECT_EQ(redacted(text), "[REDACTED:secret][REDACTED:email]");
}

TEST(PrivacyScanner, FindsSeveralMatchesInOrder) {
  EXPECT_EQ(redacted("a@x.io /home/u1 AKIAIOSFODNN7EXAMPLE b@y.io /Users/u2 sk-" +
                     std::string(24, 'k') + " c@z.io"),
            "[REDACTED:email] /home/[REDACTED:user_path] [REDACTED:secret] [REDACTED:email] "
            "/Users/[REDACTED:user_path] [REDACTED:secret] [REDACTED:email]");
}

TEST(PrivacyScanner, AppendsToExistingSpans) {
  std::vector<Span> out = {Span{0, 1, PrivacyKind::secret}};
  scanner().find_spans("a@b.cc", out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1], (Span{0, 6, PrivacyKind::email}));
}

TEST(PrivacyScanner, IgnoresCleanTechnicalText) {
  for (const char* text :
       {"v1.2.3", "commit 3f2a9c1d4e5b6a7980f1e2d3c4b5a69788776655", "https://github.com/org/repo",
        "https://huggingface.co/meta-llama/Llama-2-7b", "CUDA 12.1, driver 535.104.05",
        "torch.cuda.OutOfMemoryError: CUDA out of memory", "task-queue-management-system-abc",
        "pip install -e .[dev]", "ssh://git@github.com/org/repo.git", ""}) {
    EXPECT_TRUE(spans_of(text).empty()) << text;
  }
}

// --- hostile input --------------------------------------------------------------------

TEST(PrivacyScanner, StaysLinearOnHostileInput) {
  constexpr std::size_t kMiB = 1 << 20;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(spans_of(repeat("a@", kMiB)).empty());
  EXPECT_TRUE(spans_of(repeat("/home/", kMiB)).empty());
  EXPECT_TRUE(spans_of(repeat("eyJ-", kMiB)).empty());
  EXPECT_TRUE(spans_of(repeat("sk-a-", kMiB)).size() == 1u);  // one run, one key
  EXPECT_TRUE(spans_of(repeat("C:/Users/a-", kMiB)).size() > 0u);
  EXPECT_TRUE(spans_of(repeat("Bearer ", kMiB)).empty());
  EXPECT_TRUE(spans_of(repeat("-----BEGIN A ", kMiB)).empty());
  EXPECT_EQ(spans_of(repeat("-----BEGIN PRIVATE KEY-----", kMiB)).size(), 1u);
  EXPECT_EQ(spans_of(repeat("x.y@a.bc ", 9 * 1000)).size(), 1000u);
  EXPECT_EQ(spans_of(repeat("a.", kMiB) + "@b.cc").size(), 1u);
  // Quadratic behaviour would take minutes on a MiB; linear takes milliseconds.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

// --- may_match ------------------------------------------------------------------------

TEST(PrivacyScanner, MayMatchEveryPositiveCase) {
  for (const std::string& text : std::vector<std::string>{"AKIAIOSFODNN7EXAMPLE",
                                                          "ghp_" + k36,
                                                          "gho_" + k36,
                                                          "ghu_" + k36,
                                                          "ghs_" + k36,
                                                          "ghr_" + k36,
                                                          "github_pat_" + std::string(22, 'a'),
                                                          "sk-" + std::string(20, 'a'),
                                                          "xoxa-1234567890",
                                                          "xoxp-1234567890",
                                                          "AIza" + std::string(35, 'b'),
                                                          "-----BEGIN PRIVATE KEY-----",
                                                          "eyJaaaaaaaaaa.bbbbbbbbbb.cccccccccc",
                                                          "Bearer abcdefghij0123456789",
                                                          "alice@example.com",
                                                          "/home/alice",
                                                          "/Users/bob",
                                                          "C:\\Users\\carol",
                                                          "c:/Users/dave",
                                                          "x /home/alice.smith@corp.com/x"}) {
    EXPECT_FALSE(spans_of(text).empty()) << text;
    EXPECT_TRUE(scanner().may_match(text)) << text;
    EXPECT_TRUE(scanner().may_match("clean value" + std::string(1, PrivacyScanner::kSeparator) +
                                    text + std::string(1, PrivacyScanner::kSeparator) + "end"))
        << text;
  }
}

TEST(PrivacyScanner, MayMatchIsFalseForACleanRecord) {
  const std::vector<std::string_view> values = {
      "sess-2025-02-01-abc123",
      "agent-7",
      "2025-02-01T14:30:00Z",
      "kubernetes-deploy",
      "https://github.com/org/skills",
      "skills/k8s/deploy.md",
      "v1.4.2",
      "~/.claude/skills/k8s",
      "Deploy a model to a GPU cluster with Helm",
      "deployment",
      "helm",
      "gpu",
      "ImagePullBackOff on the first try: the registry secret was missing",
      "kubectl create secret docker-registry regcred",
      "Check image pull secrets first",
      "post-4411",
      "Ubuntu 22.04",
      "3.11.6",
      "12.1",
      "2x A100 80GB",
      "512Gi",
      "task-queue-management-system-abc",
      "/mnt/home/data",
      "git@github.com:org/repo.git",
      "ssh://git@gitlab.internal.example/ml/skills.git",
      "/Users/Shared/skills/vllm",
      "/home/..",
      "root@gpu-node-01"};
  std::string joined;
  for (std::string_view v : values) {
    EXPECT_TRUE(spans_of(v).empty()) << v;
    if (!joined.empty()) joined += PrivacyScanner::kSeparator;
    joined += v;
  }
  // The near misses of the exceptions (`git@`, `Shared`, dots) are not flagged either:
  // each false positive costs a second walk of the record.
  EXPECT_FALSE(scanner().may_match(joined));
  EXPECT_FALSE(scanner().may_match(""));
}

TEST(PrivacyScanner, MayMatchDoesNotJoinValuesAcrossTheSeparator) {
  using namespace std::string_literals;
  EXPECT_FALSE(scanner().may_match("alice\0@example.com"s));
  EXPECT_FALSE(scanner().may_match("sk-abcdefghij\0klmnopqrstuvwxyz"s));
  EXPECT_FALSE(scanner().may_match("/home/\0alice"s));
  // The separator is no word character: a value after it starts at a word boundary.
  EXPECT_TRUE(scanner().may_match("x\0sk-abcdefghijklmnopqrstuvwxyz"s));
}

// Random strings built from pattern fragments: may_match never misses a string that
// has a span, and spans are ascending, disjoint and inside the text.
TEST(PrivacyScanner, MayMatchHasNoFalseNegativeOnRandomFragments) {
  const std::vector<std::string_view> fragments = {"sk-",
                                                   "a",
                                                   "Z",
                                                   "9",
                                                   "@",
                                                   ".",
                                                   "-",
                                                   "_",
                                                   "/",
                                                   "/home/",
                                                   "/Users/",
                                                   "C:\\Users\\",
                                                   "git",
                                                   "com",
                                                   "io",
                                                   "eyJ",
                                                   "AKIA",
                                                   "ABCDEFGH",
                                                   "Bearer ",
                                                   "\t",
                                                   "=",
                                                   " ",
                                                   "Shared",
                                                   "..",
                                                   "xoxb-",
                                                   "ghp_",
                                                   "github_pat_",
                                                   "AIza",
                                                   "0123456789",
                                                   "-----BEGIN RSA PRIVATE KEY-----",
                                                   "-----END PRIVATE KEY-----",
                                                   "%",
                                                   "+",
                                                   "~",
                                                   std::string_view("\0", 1)};
  std::mt19937 rng(20250201);
  std::uniform_int_distribution<std::size_t> pick(0, fragments.size() - 1);
  std::uniform_int_distribution<int> length(1, 40);
  int with_spans = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    for (int n = length(rng); n > 0; --n) text += fragments[pick(rng)];
    const std::vector<Span> spans = spans_of(text);
    std::uint32_t previous_end = 0;
    for (const Span& s : spans) {
      ASSERT_LT(s.begin, s.end) << text;
      ASSERT_LE(previous_end, s.begin) << text;
      ASSERT_LE(s.end, text.size()) << text;
      previous_end = s.end;
    }
    if (!spans.empty()) {
      ++with_spans;
      ASSERT_TRUE(scanner().may_match(text)) << text;
    }
  }
  EXPECT_GT(with_spans, 1000);  // the generator does exercise the matchers
}

// The same over fragments around the exceptions the pre-filter spells out (a local part
// of exactly `git`, the NAME `Shared`, names of dots): no false negative, and on these
// few patterns hardly any false positive.
TEST(PrivacyScanner, MayMatchKeepsTheExceptionsWithoutFalseNegatives) {
  const std::vector<std::string_view> fragments = {
      "git",    "gi",      "g",           "it",
      "t",      "x",       "@",           "@github.com",
      "a.io",   ".",       "-",           "%",
      "_",      "/",       " ",           ":",
      "/home/", "/Users/", "C:\\Users\\", "d:/Users/",
      "Shared", "Share",   "Sh",          "S",
      "h",      "d",       "..",          std::string_view("\0", 1)};
  std::mt19937 rng(20250202);
  std::uniform_int_distribution<std::size_t> pick(0, fragments.size() - 1);
  std::uniform_int_distribution<int> length(1, 12);
  int with_spans = 0;
  int without_spans = 0;
  int false_positives = 0;
  for (int round = 0; round < 50000; ++round) {
    std::string text;
    for (int n = length(rng); n > 0; --n) text += fragments[pick(rng)];
    const bool flagged = scanner().may_match(text);
    if (!spans_of(text).empty()) {
      ++with_spans;
      ASSERT_TRUE(flagged) << text;
    } else {
      ++without_spans;
      false_positives += flagged;
    }
  }
  EXPECT_GT(with_spans, 5000);
  EXPECT_GT(without_spans, 5000);
  EXPECT_LT(false_positives, without_spans / 20) << false_positives << " of " << without_spans;
}

// The e-mail pattern has no \b, so POSIX ERE (leftmost-longest by definition) is an
// independent reference for it: same matches, minus local parts equal to `git`.
TEST(PrivacyScanner, EmailsAgreeWithPosixLeftmostLongest) {
  regex_t re;
  ASSERT_EQ(regcomp(&re, "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}",
                    REG_EXTENDED),
            0);
  const std::vector<std::string_view> fragments = {"a",  "b", "7", ".", "-",   "@",  "git",
                                                   "co", "%", " ", "/", ".io", "..", "@git"};
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::size_t> pick(0, fragments.size() - 1);
  std::uniform_int_distribution<int> length(1, 30);
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    for (int n = length(rng); n > 0; --n) text += fragments[pick(rng)];
    std::vector<Span> expected;
    for (std::size_t pos = 0; pos < text.size();) {
      regmatch_t m;
      if (regexec(&re, text.c_str() + pos, 1, &m, pos > 0 ? REG_NOTBOL : 0) != 0) break;
      const auto begin = static_cast<std::uint32_t>(pos + static_cast<std::size_t>(m.rm_so));
      const auto end = static_cast<std::uint32_t>(pos + static_cast<std::size_t>(m.rm_eo));
      if (text.substr(begin, text.find('@', begin) - begin) != "git") {
        expected.push_back(Span{begin, end, PrivacyKind::email});
      }
      pos = end;
    }
    ASSERT_EQ(spans_of(text), expected) << text;
  }
  regfree(&re);
}

// --- append_redacted ------------------------------------------------------------------

TEST(PrivacyScanner, RedactsThroughEscapedAt) {
  // `\u0040` unescapes to `@`: the span in the value covers it and the whole escape goes.
  const std::string_view raw = R"(mail user\u0040example.com now)";
  const std::vector<Span> spans = spans_of("mail user@example.com now");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(redacted_raw(raw, spans), "mail [REDACTED:email] now");
}

TEST(PrivacyScanner, WidensSpansToWholeEscapes) {
  // `caf\u00e9 ok` unescapes to 8 bytes: c a f C3 A9 space o k.
  const std::string_view raw = R"(caf\u00e9 ok)";
  const Span second_byte[] = {{4, 5, PrivacyKind::secret}};
  EXPECT_EQ(redacted_raw(raw, second_byte), "caf[REDACTED:secret] ok");
  const Span first_byte[] = {{2, 4, PrivacyKind::email}};
  EXPECT_EQ(redacted_raw(raw, first_byte), "ca[REDACTED:email] ok");
  const Span before[] = {{0, 3, PrivacyKind::user_path}};
  EXPECT_EQ(redacted_raw(raw, before), R"([REDACTED:user_path]\u00e9 ok)");
  const Span after[] = {{5, 6, PrivacyKind::user_path}};
  EXPECT_EQ(redacted_raw(raw, after), R"(caf\u00e9[REDACTED:user_path]ok)");
}

TEST(PrivacyScanner, TreatsASurrogatePairAsOneEscape) {
  // x, then U+1F600 as 4 bytes, then y.
  const std::string_view raw = R"(x\ud83d\ude00y)";
  const Span inside[] = {{3, 4, PrivacyKind::email}};
  EXPECT_EQ(redacted_raw(raw, inside), "x[REDACTED:email]y");
  const Span edge[] = {{0, 2, PrivacyKind::secret}};
  EXPECT_EQ(redacted_raw(raw, edge), "[REDACTED:secret]y");
  const Span none[] = {{5, 6, PrivacyKind::secret}};
  EXPECT_EQ(redacted_raw(raw, none), R"(x\ud83d\ude00[REDACTED:secret])");
}

TEST(PrivacyScanner, RedactsEscapedPathKeepingOtherEscapes) {
  const std::string_view raw = R"(\/home\/alice\/x \"q\" \\n)";
  const std::vector<Span> spans = spans_of("/home/alice/x \"q\" \\n");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(redacted_raw(raw, spans), R"(\/home\/[REDACTED:user_path]\/x \"q\" \\n)");
}

TEST(PrivacyScanner, RedactsPemBodyWithEscapedNewlines) {
  const std::string_view raw = R"(k=-----BEGIN PRIVATE KEY-----\nMIIB\u002b\n)";
  const std::vector<Span> spans = spans_of("k=-----BEGIN PRIVATE KEY-----\nMIIB+\n");
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(redacted_raw(raw, spans), "k=[REDACTED:secret]");
}

TEST(PrivacyScanner, GivesEachSpanItsMarkerWhenTwoShareAnEscape) {
  const std::string_view raw = R"(a\u00e9b)";
  const Span spans[] = {{1, 2, PrivacyKind::email}, {2, 3, PrivacyKind::secret}};
  EXPECT_EQ(redacted_raw(raw, spans), "a[REDACTED:email][REDACTED:secret]b");
}

TEST(PrivacyScanner, CopiesATokenWithoutSpansAsWritten) {
  const std::string_view raw = R"(caf\u00e9 \t \ud83d\ude00 \/ plain)";
  EXPECT_EQ(redacted_raw(raw, {}), raw);
}

// --- keys written into paths and messages (rules v2) ---------------------------------

std::string path_key(std::string_view key) {
  std::string out = "<";  // appends, never replaces
  scanner().append_path_key(key, out);
  return out;
}

TEST(PrivacyScanner, PathKeyRedactsEveryKindOfMatch) {
  EXPECT_EQ(path_key("alice@example.com"), "<[REDACTED:email]");
  EXPECT_EQ(path_key("x AKIAIOSFODNN7EXAMPLE y"), "<x [REDACTED:secret] y");
  EXPECT_EQ(path_key("/home/alice/x"), "</home/[REDACTED:user_path]/x");
  EXPECT_EQ(path_key("a@b.io sk-abcdefghijklmnopqrstuvwx"), "<[REDACTED:email] [REDACTED:secret]");
}

TEST(PrivacyScanner, PathKeyWithoutMatchIsOnlyEscaped) {
  EXPECT_EQ(path_key("driver"), "<driver");
  EXPECT_EQ(path_key("git@github.com"), "<git@github.com");  // a near miss stays
  EXPECT_EQ(path_key("caf\xC3\xA9 \xE6\xB3\xA8"), "<caf\xC3\xA9 \xE6\xB3\xA8");  // UTF-8 as is
  EXPECT_EQ(path_key(""), "<");
}

TEST(PrivacyScanner, PathKeyEscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(path_key("a\nb"), R"(<a\nb)");
  EXPECT_EQ(path_key("q\"k"), R"(<q\"k)");
  EXPECT_EQ(path_key("C:\\x"), R"(<C:\\x)");
  EXPECT_EQ(path_key(std::string_view("\0\x01\x1f\t\r\b\f\x7f", 8)),
            R"(<\u0000\u0001\u001f\t\r\b\f)"
            "\x7f");  // DEL is no JSON control character
  // An escaped newline next to a match: the match is redacted, the newline escaped.
  EXPECT_EQ(path_key("bob@corp.io\n/home/alice"),
            R"(<[REDACTED:email]\n/home/[REDACTED:user_path])");
}

TEST(PrivacyScanner, PathKeyReusesTheScannerBetweenSpans) {
  // append_path_key keeps its spans apart from a caller's find_spans output.
  std::vector<Span> mine = spans_of("alice@example.com");
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(path_key("AKIAIOSFODNN7EXAMPLE"), "<[REDACTED:secret]");
  EXPECT_EQ(mine, spans_of("alice@example.com"));
}

// The validator hands the pre-filter only keys that are not listed schema names,
// because no listed name can hold a match.
TEST(PrivacyScanner, NoListedSchemaNameHoldsAMatch) {
  const auto names = SessionValidator::listed_key_names();
  ASSERT_GE(names.size(), 36u);
  for (std::string_view name : names) {
    EXPECT_TRUE(spans_of(name).empty()) << name;
    EXPECT_FALSE(scanner().may_match(name)) << name;
  }
}

// The validator leaves valid timestamps and enum values out of the scan: their check
// admits only text that cannot hold a match.
TEST(PrivacyScanner, NoEnumWordOrValidTimestampHoldsAMatch) {
  for (std::string_view word : {"deployment",
                                "training",
                                "inference",
                                "debugging",
                                "configuration",
                                "optimization",
                                "integration",
                                "testing",
                                "documentation",
                                "other",
                                "error",
                                "warning",
                                "confusion",
                                "performance",
                                "post",
                                "comment",
                                "evolving_skill",
                                "2025-02-01T14:30:00Z",
                                "0000-02-29t23:59:60.123456789z",
                                "9999-12-31T00:00:00+23:59",
                                "2025-02-01T14:30:00-00:00"}) {
    EXPECT_TRUE(spans_of(word).empty()) << word;
    EXPECT_FALSE(scanner().may_match(word)) << word;
  }
}

TEST(PrivacyScanner, SharedPatternsAreCompiledOnce) {
  EXPECT_EQ(PrivacyScanner::shared_patterns(), PrivacyScanner::shared_patterns());
  PrivacyScanner other(PrivacyScanner::shared_patterns());
  std::vector<Span> spans;
  other.find_spans("alice@example.com", spans);
  EXPECT_EQ(spans.size(), 1u);
}

}  // namespace
}  // namespace skillstream::processor
