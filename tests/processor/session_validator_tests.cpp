// Sections 1 and 2 of the rules, rule by rule, with their boundaries.
#include <string>

#include <gtest/gtest.h>

#include "processor/session_validator.h"

namespace skillstream::processor {
namespace {

// The schema document's minimal example, as a template: the tests change one thing.
const std::string kMinimal = R"({
  "session_id": "sess-2025-02-01-x7k9m",
  "agent_id": "agent-abc123",
  "timestamp": "2025-02-01T14:30:00Z",
  "skill": {
    "name": "vllm"
  },
  "task": {
    "description": "Deploy Llama-70B for inference"
  },
  "outcome": {
    "success": true
  },
  "learnings": []
})";

// The schema document's detailed example.
const std::string kDetailed = R"({
  "session_id": "sess-2025-02-01-x7k9m",
  "agent_id": "agent-abc123",
  "timestamp": "2025-02-01T14:30:00Z",

  "skill": {
    "name": "vllm",
    "source_repo": "https://github.com/Orchestra-Research/AI-research-SKILLs",
    "source_path": "12-vllm-inference",
    "source_version": "v1.2.0",
    "local_path": "~/.claude/skills/vllm"
  },

  "task": {
    "description": "Deploy Llama-70B on multi-GPU setup for high-throughput inference",
    "category": "deployment",
    "tags": ["multi-gpu", "production", "llama"]
  },

  "outcome": {
    "success": true,
    "notes": "Working after applying community fix for memory leak"
  },

  "issues_encountered": [
    {
      "type": "error",
      "description": "CUDA OOM on GPU 0 during model loading with tensor_parallel_size=4",
      "resolved": true,
      "resolution": "Set CUDA_VISIBLE_DEVICES before importing vllm module",
      "time_spent_minutes": 45
    },
    {
      "type": "warning",
      "description": "enforce_eager=True was needed for stability",
      "resolved": true,
      "resolution": "Added enforce_eager=True to LLM constructor"
    }
  ],

  "learnings": [
    "vLLM caches GPU state on import - must set CUDA_VISIBLE_DEVICES before importing",
    "enforce_eager=True improves stability at slight performance cost"
  ],

  "community_resources_used": [
    {
      "type": "post",
      "id": "post-gpu-memory-fix-001",
      "helpful": true
    }
  ],

  "environment": {
    "os": "Ubuntu 22.04",
    "python": "3.10.12",
    "cuda": "12.1",
    "gpus": "4x NVIDIA A100 80GB",
    "memory": "512GB"
  },

  "duration_minutes": 120
})";

// A record with the given members: the six required ones, each replaceable.
struct Rec {
  std::string session_id = R"("sess-2025-02-01-x7k9m")";
  std::string agent_id = R"("agent-abc123")";
  std::string timestamp = R"("2025-02-01T14:30:00Z")";
  std::string skill = R"({"name":"vllm"})";
  std::string task = R"({"description":"Deploy"})";
  std::string outcome = R"({"success":true})";
  std::string extra;  // more members, each with a leading comma

  std::string str() const {
    std::string s = "{";
    auto add = [&](const char* key, const std::string& value) {
      if (value.empty()) return;  // absent
      if (s.size() > 1) s += ',';
      s += '"';
      s += key;
      s += "\":";
      s += value;
    };
    add("session_id", session_id);
    add("agent_id", agent_id);
    add("timestamp", timestamp);
    add("skill", skill);
    add("task", task);
    add("outcome", outcome);
    return s + extra + "}";
  }
};

class Validator : public ::testing::Test {
 protected:
  Verdict check(const std::string& json) { return validator_.validate(json.data(), json.size()); }
  Reason reason(const std::string& json) { return check(json).reason; }
  Reason reason(const Rec& r) { return reason(r.str()); }
  Reason strict_reason(const std::string& json) {
    ProcessorOptions o;
    o.strict = true;
    SessionValidator v(o);
    return v.validate(json.data(), json.size()).reason;
  }

  SessionValidator validator_{ProcessorOptions{}};
};

std::string nested(std::size_t levels, char open = '[', char close = ']', std::string inner = "") {
  return std::string(levels, open) + inner + std::string(levels, close);
}

// ---- the schema's own examples ------------------------------------------------------

TEST_F(Validator, AcceptsBothSchemaExamples) {
  EXPECT_TRUE(check(kMinimal).clean()) << check(kMinimal).message;
  EXPECT_TRUE(check(kDetailed).clean()) << check(kDetailed).message;
  EXPECT_EQ(strict_reason(kDetailed), Reason::none);
}

TEST_F(Validator, ExposesUnescapedSessionIdOfCleanRecord) {
  Rec r;
  r.session_id = R"("sess-2025-02-01-\u0041bc")";
  ASSERT_EQ(reason(r), Reason::none);
  EXPECT_EQ(validator_.session_id(), "sess-2025-02-01-Abc");
}

// ---- section 1: envelope --------------------------------------------------------------

TEST_F(Validator, NullEmptyAndWhitespaceAreEmptyPayload) {
  EXPECT_EQ(validator_.validate(nullptr, 0).reason, Reason::empty_payload);
  EXPECT_EQ(reason(""), Reason::empty_payload);
  EXPECT_EQ(reason(" \t\r\n  "), Reason::empty_payload);
  EXPECT_EQ(reason("\v"), Reason::malformed_json);  // not JSON whitespace
  EXPECT_TRUE(check("").path.empty());
}

TEST_F(Validator, SizeLimitIsInclusive) {
  ProcessorOptions o;
  std::string record = Rec{}.str();
  o.max_record_bytes = record.size() + 10;
  SessionValidator v(o);
  std::string exact = record + std::string(10, ' ');
  EXPECT_EQ(v.validate(exact.data(), exact.size()).reason, Reason::none);
  exact += ' ';
  EXPECT_EQ(v.validate(exact.data(), exact.size()).reason, Reason::too_large);
}

TEST_F(Validator, TooLargeIsCheckedBeforeUtf8) {
  ProcessorOptions o;
  o.max_record_bytes = 4;
  SessionValidator v(o);
  const std::string bad = "\xff\xff\xff\xff\xff";
  EXPECT_EQ(v.validate(bad.data(), bad.size()).reason, Reason::too_large);
}

TEST_F(Validator, RejectsInvalidUtf8) {
  Rec r;
  for (const char* bad :
       {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF", "\xC3", "\x80"}) {
    r.agent_id = std::string("\"agent-") + bad + "\"";
    EXPECT_EQ(reason(r), Reason::invalid_utf8) << r.agent_id;
  }
  EXPECT_EQ(reason("{\"a\":\"\xC3\""), Reason::invalid_utf8);  // before malformed_json
}

TEST_F(Validator, RejectsMalformedJson) {
  const std::string ok = Rec{}.str();
  for (const std::string& bad : {
           ok.substr(0, ok.size() - 1),           // truncated
           ok + "x",                              // trailing content
           ok + ok,                               // two values
           ok + "}",                              // extra brace
           "\xEF\xBB\xBF" + ok,                   // byte order mark
           std::string(R"({"session_id" "x"})"),  // missing colon
           std::string(R"({"a":1,})"),            // trailing comma
           std::string(R"([1 2])"),
           std::string(R"({"a":tru})"),
           std::string(R"({"a":nulll})"),
           std::string(R"({"a":"\x"})"),      // bad escape
           std::string(R"({"a":"\ud800"})"),  // lone high surrogate
           std::string(R"({"a":"\udc00"})"),  // lone low surrogate
           std::string(R"({"a":"\ud800\u0041"})"),
           std::string("{\"a\":\"tab\there\"}"),  // raw control character
           std::string(R"({"a":"unclosed})"),
           std::string(R"({"a":01})"),
           std::string(R"({"a":1.})"),
           std::string(R"({"a":-})"),
           std::string(R"({"a":[1,2}})"),
           std::string(R"({"a":})"),
           std::string(R"({1:2})"),
       }) {
    EXPECT_EQ(reason(bad), Reason::malformed_json) << bad;
  }
}

TEST_F(Validator, MalformedAnywhereBeatsFieldDefects) {
  Rec r;
  r.agent_id = "5";  // wrong_type, seen first
  r.extra = R"(,"x":[1,,2])";
  EXPECT_EQ(reason(r), Reason::malformed_json);
}

TEST_F(Validator, ValidSurrogatePairIsAccepted) {
  Rec r;
  r.agent_id = R"("agent-\ud83d\ude80")";
  EXPECT_EQ(reason(r), Reason::none);
}

TEST_F(Validator, SixtyFourLevelsPassAndSixtyFiveAreTooDeep) {
  // Top-level object = 1, environment = 2, other = 3: 61 more arrays reach 64.
  Rec r;
  r.extra = R"(,"environment":{"other":{"x":)" + nested(61) + "}}";
  EXPECT_EQ(reason(r), Reason::none);
  r.extra = R"(,"environment":{"other":{"x":)" + nested(62) + "}}";
  EXPECT_EQ(reason(r), Reason::too_deep);
  EXPECT_EQ(reason(nested(64)), Reason::not_an_object);
  EXPECT_EQ(reason(nested(65)), Reason::too_deep);
  EXPECT_EQ(reason(nested(64, '{', '}', "")), Reason::malformed_json);  // {{ is not JSON
}

TEST_F(Validator, DepthLimitIsConfigurable) {
  ProcessorOptions o;
  o.max_depth = 2;
  SessionValidator v(o);
  Rec r;
  std::string two = r.str();
  EXPECT_EQ(v.validate(two.data(), two.size()).reason, Reason::none);
  r.extra = R"(,"learnings":[["x"]])";
  two = r.str();
  EXPECT_EQ(v.validate(two.data(), two.size()).reason, Reason::too_deep);
}

TEST_F(Validator, HugeNestingIsTooDeepWithoutExhaustingTheStack) {
  EXPECT_EQ(reason(nested(500'000)), Reason::too_deep);
  EXPECT_EQ(reason(nested(500'000) + "]"), Reason::malformed_json);
  EXPECT_EQ(reason(nested(500'000, '[', ']', "tru")), Reason::malformed_json);
}

TEST_F(Validator, MalformedBeatsTooDeep) {
  Rec r;
  r.extra = R"(,"environment":{"other":{"x":)" + nested(100) + R"(}},"y":"\q")";
  EXPECT_EQ(reason(r), Reason::malformed_json);
}

TEST_F(Validator, TooDeepWithOverflowingNumberIsStillTooDeep) {
  EXPECT_EQ(reason(nested(70, '[', ']', "1e400")), Reason::too_deep);
}

TEST_F(Validator, TopLevelNonObjectsAreNotAnObject) {
  for (const char* json :
       {"[]", "[1,2,{}]", R"("text")", "42", "-0.5", "1e400", "true", "false", "null", " [ ] "}) {
    EXPECT_EQ(reason(json), Reason::not_an_object) << json;
  }
  EXPECT_EQ(reason("[1,"), Reason::malformed_json);
  EXPECT_EQ(reason("nul"), Reason::malformed_json);
  EXPECT_EQ(reason("\"a\" \"b\""), Reason::malformed_json);
}

TEST_F(Validator, DuplicateKeysAreFoundAtAnyDepthAfterUnescaping) {
  Rec r;
  r.extra = R"(,"session_id":"sess-2025-02-01-x7k9m")";
  Verdict v = check(r.str());
  EXPECT_EQ(v.reason, Reason::duplicate_key);
  EXPECT_EQ(v.path, "session_id");

  r.extra = R"(,"sess\u0069on_id":"sess-2025-02-01-x7k9m")";
  EXPECT_EQ(reason(r), Reason::duplicate_key);

  r.extra = R"(,"environment":{"other":{"a":{"k":1,"\u006b":2}}})";
  v = check(r.str());
  EXPECT_EQ(v.reason, Reason::duplicate_key);
  EXPECT_EQ(v.path, "environment.other.a.k");

  r.extra = R"(,"custom":1,"custom":2)";
  EXPECT_EQ(reason(r), Reason::duplicate_key);

  r.extra =
      R"(,"issues_encountered":[{"type":"error","description":"d","resolved":false,"type":"error"}])";
  v = check(r.str());
  EXPECT_EQ(v.reason, Reason::duplicate_key);
  EXPECT_EQ(v.path, "issues_encountered[0].type");
}

TEST_F(Validator, SameKeyInDifferentObjectsIsNoDuplicate) {
  Rec r;
  r.extra = R"(,"environment":{"other":{"name":{"name":1},"x":[{"name":2},{"name":3}]}})";
  EXPECT_EQ(reason(r), Reason::none);
}

TEST_F(Validator, DuplicatesAmongManyKeysAreFound) {
  std::string other;
  for (int i = 0; i < 5000; ++i)
    other += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  Rec r;
  r.extra = R"(,"environment":{"other":{)" + other + R"("k17":0}})";
  EXPECT_EQ(reason(r), Reason::duplicate_key);
  r.extra = R"(,"environment":{"other":{)" + other + R"("k5000":0}})";
  EXPECT_EQ(reason(r), Reason::none);
}

TEST_F(Validator, DuplicateKeyBeatsEarlierFieldDefect) {
  Rec r;
  r.agent_id = "5";
  r.extra = R"(,"x":{"a":1,"a":1})";
  EXPECT_EQ(reason(r), Reason::duplicate_key);
}

// ---- section 2: fields -------------------------------------------------------------------

TEST_F(Validator, EachRequiredFieldIsRequired) {
  const std::pair<std::string Rec::*, const char*> fields[] = {{&Rec::session_id, "session_id"},
                                                               {&Rec::agent_id, "agent_id"},
                                                               {&Rec::timestamp, "timestamp"},
                                                               {&Rec::skill, "skill"},
                                                               {&Rec::task, "task"},
                                                               {&Rec::outcome, "outcome"}};
  for (auto [member, name] : fields) {
    Rec r;
    r.*member = "";
    Verdict v = check(r.str());
    EXPECT_EQ(v.reason, Reason::missing_field) << name;
    EXPECT_EQ(v.path, name);
  }
  Rec r;
  r.skill = R"({"source_repo":"x"})";
  EXPECT_EQ(check(r.str()).path, "skill.name");
  r = Rec{};
  r.task = R"({"category":"testing"})";
  EXPECT_EQ(check(r.str()).path, "task.description");
  r = Rec{};
  r.outcome = R"({"partial":true})";
  EXPECT_EQ(check(r.str()).path, "outcome.success");
}

TEST_F(Validator, WrongTypesNameExpectedAndFound) {
  Rec r;
  r.extra =
      R"(,"issues_encountered":[{"type":"error","description":"a","resolved":true,"resolution":"b"},)"
      R"({"type":"error","description":"a","resolved":false},)"
      R"({"type":"error","description":"a","resolved":"yes"}])";
  Verdict v = check(r.str());
  EXPECT_EQ(v.reason, Reason::wrong_type);
  EXPECT_EQ(v.path, "issues_encountered[2].resolved");
  EXPECT_EQ(v.message, "issues_encountered[2].resolved: expected boolean, found string");
}

TEST_F(Validator, NullIsWrongTypeForListedFields) {
  Rec r;
  r.agent_id = "null";
  EXPECT_EQ(reason(r), Reason::wrong_type);
  r = Rec{};
  r.task = R"({"description":"d","category":null})";
  EXPECT_EQ(reason(r), Reason::wrong_type);
  r = Rec{};
  r.extra = R"(,"environment":{"os":null})";
  EXPECT_EQ(reason(r), Reason::wrong_type);
  r.extra = R"(,"environment":{"other":{"os":null}},"custom":null)";
  EXPECT_EQ(reason(r), Reason::none);
}

TEST_F(Validator, WrongTypeCases) {
  const std::pair<std::string, std::string> cases[] = {
      {R"(,"skill":"vllm")", "skill"},
      {R"(,"duration_minutes":"12")", "duration_minutes"},
      {R"(,"learnings":"x")", "learnings"},
      {R"(,"learnings":["a",1])", "learnings[1]"},
      {R"(,"task":{"description":"d","tags":["a",["b"]]})", "task.tags[1]"},
      {R"(,"task":{"description":"d","category":5})", "task.category"},
      {R"(,"issues_encountered":["x"])", "issues_encountered[0]"},
      {R"(,"issues_encountered":{})", "issues_encountered"},
      {R"(,"community_resources_used":[{"type":"post","id":"p","helpful":1}])",
       "community_resources_used[0].helpful"},
      {R"(,"environment":{"other":[]})", "environment.other"},
      {R"(,"environment":[])", "environment"},
      {R"(,"outcome":{"success":true,"partial":"no"})", "outcome.partial"},
      {R"(,"skill":{"name":"n","local_path":7})", "skill.local_path"},
  };
  for (const auto& [extra, path] : cases) {
    Rec r;
    // The case replaces a required member when it names one.
    if (extra.starts_with(R"(,"skill")")) r.skill = "";
    if (extra.starts_with(R"(,"task")")) r.task = "";
    if (extra.starts_with(R"(,"outcome")")) r.outcome = "";
    r.extra = extra;
    Verdict v = check(r.str());
    EXPECT_EQ(v.reason, Reason::wrong_type) << extra;
    EXPECT_EQ(v.path, path) << extra;
  }
}

TEST_F(Validator, EnumFieldHoldingNonStringIsWrongTypeNotInvalidEnum) {
  Rec r;
  r.extra = R"(,"issues_encountered":[{"type":1,"description":"d","resolved":false}])";
  EXPECT_EQ(reason(r), Reason::wrong_type);
}

TEST_F(Validator, EmptyAndWhitespaceOnlyStringsAreEmptyValue) {
  for (const char* blank : {R"("")", R"("   ")", R"("\t\n")", R"("\u3000")", R"("\u00a0\u2028")",
                            "\"\xE2\x80\x80\xE2\x80\x8A\"", R"("\u0085\u1680\u202f\u205f\u2029")",
                            R"("\u000b\u000c")"}) {
    Rec r;
    r.task = std::string(R"({"description":)") + blank + "}";
    Verdict v = check(r.str());
    EXPECT_EQ(v.reason, Reason::empty_value) << blank;
    EXPECT_EQ(v.path, "task.description");
  }
}

TEST_F(Validator, ZeroWidthSpaceAndBomAreNotWhitespace) {
  for (const char* text : {R"("\u200b")", R"("\ufeff")", R"("  x  ")"}) {
    Rec r;
    r.task = std::string(R"({"description":)") + text + "}";
    EXPECT_EQ(reason(r), Reason::none) << text;
  }
}

TEST_F(Validator, EmptyValueAppliesToEveryNonEmptyField) {
  const std::pair<std::string, std::string> cases[] = {
      {R"(,"skill":{"name":" "})", "skill.name"},
      {R"(,"issues_encountered":[{"type":"error","description":"","resolved":false}])",
       "issues_encountered[0].description"},
      {R"(,"community_resources_used":[{"type":"post","id":"","helpful":true}])",
       "community_resources_used[0].id"},
  };
  for (const auto& [extra, path] : cases) {
    Rec r;
    if (extra.starts_with(R"(,"skill")")) r.skill = "";
    r.extra = extra;
    Verdict v = check(r.str());
    EXPECT_EQ(v.reason, Reason::empty_value) << extra;
    EXPECT_EQ(v.path, path);
  }
  Rec r;
  r.agent_id = R"("  ")";
  EXPECT_EQ(reason(r), Reason::empty_value);
}

TEST_F(Validator, SessionIdFormatAndCalendar) {
  const std::pair<const char*, Reason> cases[] = {
      {"sess-2024-02-29-a", Reason::none},
      {"sess-2023-02-29-a", Reason::invalid_format},
      {"sess-2000-02-29-a", Reason::none},
      {"sess-1900-02-29-a", Reason::invalid_format},
      {"sess-0000-02-29-a", Reason::none},
      {"sess-2025-04-31-a", Reason::invalid_format},
      {"sess-2025-13-01-a", Reason::invalid_format},
      {"sess-2025-00-10-a", Reason::invalid_format},
      {"sess-2025-12-00-a", Reason::invalid_format},
      {"sess-2025-12-31-Z9", Reason::none},
      {"sess-2025-01-01-", Reason::invalid_format},
      {"sess-2025-01-01-a_b", Reason::invalid_format},
      {"sess-2025-01-01-a-b", Reason::invalid_format},
      {"SESS-2025-01-01-a", Reason::invalid_format},
      {"sess-25-01-01-a", Reason::invalid_format},
      {"", Reason::invalid_format},
      {"sess-2025-1-01-a", Reason::invalid_format},
      {"sess-2025-01-01-\u00e9", Reason::invalid_format},
  };
  for (auto [id, expected] : cases) {
    Rec r;
    r.session_id = std::string("\"") + id + "\"";
    EXPECT_EQ(reason(r), expected) << id;
  }
  Rec r;
  r.session_id = "\"sess-2025-01-01-" + std::string(64, 'a') + "\"";
  EXPECT_EQ(reason(r), Reason::none);
  r.session_id = "\"sess-2025-01-01-" + std::string(65, 'a') + "\"";
  EXPECT_EQ(reason(r), Reason::invalid_format);
}

TEST_F(Validator, TimestampRfc3339) {
  const std::pair<const char*, Reason> cases[] = {
      {"2025-02-01T14:30:00Z", Reason::none},
      {"2025-02-01t14:30:00z", Reason::none},
      {"2025-02-01T14:30:00.1Z", Reason::none},
      {"2025-02-01T14:30:00.123456789+05:30", Reason::none},
      {"2025-02-01T14:30:00.1234567890Z", Reason::invalid_format},
      {"2025-02-01T14:30:00.Z", Reason::invalid_format},
      {"2025-02-01T23:59:60Z", Reason::none},
      {"2025-02-01T00:00:60-23:59", Reason::none},
      {"2025-02-01T14:30:61Z", Reason::invalid_format},
      {"2025-02-01T24:00:00Z", Reason::invalid_format},
      {"2025-02-01T14:60:00Z", Reason::invalid_format},
      {"2025-02-01T14:30:00+24:00", Reason::invalid_format},
      {"2025-02-01T14:30:00+05:60", Reason::invalid_format},
      {"2025-02-01T14:30:00+0530", Reason::invalid_format},
      {"2025-02-01T14:30:00", Reason::invalid_format},
      {"2025-02-01 14:30:00Z", Reason::invalid_format},
      {"20250201T143000Z", Reason::invalid_format},
      {"2024-02-29T00:00:00Z", Reason::none},
      {"2023-02-29T00:00:00Z", Reason::invalid_format},
      {"2025-02-01T14:30:00Z ", Reason::invalid_format},
      {"", Reason::invalid_format},
  };
  for (auto [ts, expected] : cases) {
    Rec r;
    r.timestamp = std::string("\"") + ts + "\"";
    EXPECT_EQ(reason(r), expected) << ts;
  }
}

TEST_F(Validator, AgentIdIsAtMost256BytesUnescaped) {
  Rec r;
  r.agent_id = "\"" + std::string(256, 'a') + "\"";
  EXPECT_EQ(reason(r), Reason::none);
  r.agent_id = "\"" + std::string(257, 'a') + "\"";
  EXPECT_EQ(reason(r), Reason::invalid_format);
  // 254 ASCII + U+00E9 written as an escape: 6 bytes raw, 2 bytes unescaped = 256.
  r.agent_id = "\"" + std::string(254, 'a') + "\\u00e9\"";
  EXPECT_EQ(reason(r), Reason::none);
  r.agent_id = "\"" + std::string(255, 'a') + "\\u00e9\"";
  EXPECT_EQ(reason(r), Reason::invalid_format);
}

TEST_F(Validator, EnumsAreExactAndCaseSensitive) {
  Rec r;
  r.task = R"({"description":"d","category":"Deployment"})";
  Verdict v = check(r.str());
  EXPECT_EQ(v.reason, Reason::invalid_enum);
  EXPECT_EQ(v.path, "task.category");
  for (const char* c : {"deployment", "training", "inference", "debugging", "configuration",
                        "optimization", "integration", "testing", "documentation", "other"}) {
    r.task = std::string(R"({"description":"d","category":")") + c + "\"}";
    EXPECT_EQ(reason(r), Reason::none) << c;
  }
  r = Rec{};
  r.extra = R"(,"issues_encountered":[{"type":"bug","description":"d","resolved":false}])";
  EXPECT_EQ(reason(r), Reason::invalid_enum);
  r.extra = R"(,"community_resources_used":[{"type":"evolving_skill","id":"x","helpful":false},)"
            R"({"type":"skill","id":"x","helpful":false}])";
  v = check(r.str());
  EXPECT_EQ(v.reason, Reason::invalid_enum);
  EXPECT_EQ(v.path, "community_resources_used[1].type");
}

TEST_F(Validator, ListedNumbersMustBeFiniteAndNotNegative) {
  const std::pair<const char*, Reason> cases[] = {
      {"0", Reason::none},
      {"-0", Reason::none},
      {"-0.0", Reason::none},
      {"-1e-400", Reason::none},
      {"12.5", Reason::none},
      {"1e308", Reason::none},
      {"-1", Reason::out_of_range},
      {"-0.001", Reason::out_of_range},
      {"1e400", Reason::out_of_range},
      {"-1e400", Reason::out_of_range},
      {"123456789012345678901234567890", Reason::none},
  };
  for (auto [n, expected] : cases) {
    Rec r;
    r.extra = std::string(R"(,"duration_minutes":)") + n;
    EXPECT_EQ(reason(r), expected) << n;
    r.extra =
        std::string(
            R"(,"issues_encountered":[{"type":"error","description":"d","resolved":false,"time_spent_minutes":)") +
        n + "}]";
    EXPECT_EQ(reason(r), expected) << "time_spent_minutes " << n;
  }
}

TEST_F(Validator, NumbersElsewherePassThrough) {
  Rec r;
  r.extra = R"(,"environment":{"other":{"big":1e400,"neg":-5}},"custom":-1e999)";
  EXPECT_EQ(reason(r), Reason::none);
  r.extra = R"(,"custom":1e)";
  EXPECT_EQ(reason(r), Reason::malformed_json);
}

TEST_F(Validator, OverflowInListedFieldThenMoreMembersIsStillOutOfRange) {
  Rec r;
  r.extra = R"(,"duration_minutes":1e400,"learnings":["x"])";
  Verdict v = check(r.str());
  EXPECT_EQ(v.reason, Reason::out_of_range);
  EXPECT_EQ(v.path, "duration_minutes");
}

TEST_F(Validator, ResolutionRulesFollowResolved) {
  auto issue = [](const std::string& members) {
    Rec r;
    r.extra = R"(,"issues_encountered":[{"type":"error","description":"d",)" + members + "}]";
    return r;
  };
  EXPECT_EQ(reason(issue(R"("resolved":false)")), Reason::none);
  EXPECT_EQ(reason(issue(R"("resolved":false,"resolution":"")")), Reason::none);
  EXPECT_EQ(reason(issue(R"("resolved":false,"resolution":null)")), Reason::wrong_type);
  Verdict v = check(issue(R"("resolved":true)").str());
  EXPECT_EQ(v.reason, Reason::missing_field);
  EXPECT_EQ(v.path, "issues_encountered[0].resolution");
  EXPECT_EQ(reason(issue(R"("resolved":true,"resolution":"  ")")), Reason::empty_value);
  EXPECT_EQ(reason(issue(R"("resolution":"","resolved":true)")), Reason::empty_value);
  EXPECT_EQ(reason(issue(R"("resolution":"fixed","resolved":true)")), Reason::none);
  EXPECT_EQ(reason(issue(R"("resolved":true,"resolution":3)")), Reason::wrong_type);
}

TEST_F(Validator, UnknownFieldsPassUnlessStrict) {
  Rec r;
  r.extra = R"(,"custom":{"any":[1,null]},"environment":{"other":{"free":{"x":null}}})";
  EXPECT_EQ(reason(r), Reason::none);
  EXPECT_EQ(strict_reason(r.str()), Reason::unknown_field);

  r.extra = R"(,"environment":{"other":{"free":{"x":null}}})";
  EXPECT_EQ(strict_reason(r.str()), Reason::none);

  r.skill = R"({"name":"n","extra":1})";
  r.extra.clear();
  ProcessorOptions o;
  o.strict = true;
  SessionValidator v(o);
  const std::string json = r.str();
  Verdict verdict = v.validate(json.data(), json.size());
  EXPECT_EQ(verdict.reason, Reason::unknown_field);
  EXPECT_EQ(verdict.path, "skill.extra");

  r = Rec{};
  r.extra = R"(,"environment":{"gpu_count":"2"})";
  EXPECT_EQ(strict_reason(r.str()), Reason::unknown_field);
}

TEST_F(Validator, FirstDefectInDocumentOrderIsReportedDeterministically) {
  Rec r;
  r.agent_id = "7";
  r.task = R"({"description":""})";
  Verdict v = check(r.str());
  EXPECT_EQ(v.reason, Reason::wrong_type);
  EXPECT_EQ(v.path, "agent_id");
  const std::string again(v.message);
  EXPECT_EQ(check(r.str()).message, again);
}

TEST_F(Validator, ValidatorIsReusableAcrossRecords) {
  Rec bad;
  bad.agent_id = "7";
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(reason(bad), Reason::wrong_type);
    EXPECT_EQ(reason(kDetailed), Reason::none);
    EXPECT_EQ(reason("[1"), Reason::malformed_json);
  }
}

TEST_F(Validator, CollectsEveryStringValueAndUnlistedKeyForThePrivacyPrefilter) {
  Rec r;
  r.extra = R"(,"environment":{"other":{"k\u0040x":["a\u0040b"]}},"custom":{"n":1})";
  std::string joined;
  const std::string json = r.str();
  ASSERT_TRUE(validator_.validate(json.data(), json.size(), &joined).clean());
  EXPECT_NE(joined.find(std::string("Deploy") + '\0'), std::string::npos);
  // Rules v2: keys other than listed names, unescaped, each before its value.
  EXPECT_NE(joined.find(std::string("k@x") + '\0' + "a@b" + '\0'), std::string::npos);
  EXPECT_NE(joined.find(std::string("custom") + '\0' + "n" + '\0'), std::string::npos);
  // Listed names cannot hold a match: they are left out.
  EXPECT_EQ(joined.find("description"), std::string::npos);
  EXPECT_EQ(joined.find("other"), std::string::npos);
  // So are values whose check admits no match: a valid timestamp, a listed enum word.
  r.task = R"({"description":"Deploy","category":"deployment"})";
  const std::string with_enum = r.str();
  joined.clear();
  ASSERT_TRUE(validator_.validate(with_enum.data(), with_enum.size(), &joined).clean());
  EXPECT_EQ(joined.find("2025-02-01T14:30:00Z"), std::string::npos);
  EXPECT_EQ(joined.find("deployment"), std::string::npos);
  EXPECT_NE(joined.find("sess-2025-02-01-x7k9m"), std::string::npos);  // may hold a key id
}

TEST_F(Validator, KeysInPathsAreJsonEscaped) {
  // A validator used alone has no scanner: keys in paths are escaped, not redacted.
  Rec r;
  r.extra = R"(,"environment":{"other":{"a\n\"b\\":1,"a\u000a\"b\\":2}})";
  const Verdict v = check(r.str());
  EXPECT_EQ(v.reason, Reason::duplicate_key);
  EXPECT_EQ(v.path, R"(environment.other.a\n\"b\\)");
  EXPECT_EQ(v.message, R"(environment.other.a\n\"b\\: the same key appears twice in one object)");
}

}  // namespace
}  // namespace skillstream::processor
