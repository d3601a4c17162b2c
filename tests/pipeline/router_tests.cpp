#include "pipeline/router.h"

#include <string>

#include <gtest/gtest.h>

#include "test_records.h"

namespace skillstream::pipeline {
namespace {

using connectors::Destination;
using connectors::OutRecord;
using processor::Reason;
using testing::FakeInput;

Router router(std::size_t max_header_bytes = 1024) {
  return Router(RouterOptions{"sessions.raw", "host:42", "9.9.9", max_header_bytes});
}

TEST(Router, CleanRecordKeepsValueKeyTimestampAndInputHeaders) {
  auto b = FakeInput::batch({R"({"a":1})"}, 3, 17);
  Record& r = b->records[0];
  r.in.key = "k1";
  auto rt = router();
  OutRecord out;
  rt.route(r, out);
  EXPECT_EQ(out.destination, Destination::clean);
  EXPECT_EQ(out.value.data(), r.in.value.data()) << "byte-for-byte, not copied";
  EXPECT_EQ(out.key, "k1");
  EXPECT_EQ(out.timestamp_ms, 1'700'000'000'000);
  EXPECT_EQ(out.headers_of, r.message) << "input headers are kept";
  EXPECT_EQ(out.opaque, &r);
  EXPECT_EQ(out.header("skillstream.source.topic"), "sessions.raw");
  EXPECT_EQ(out.header("skillstream.source.partition"), "3");
  EXPECT_EQ(out.header("skillstream.source.offset"), "17");
  EXPECT_EQ(out.header("skillstream.source.timestamp"), "1700000000000");
  EXPECT_EQ(out.header("skillstream.instance"), "host:42");
  EXPECT_EQ(out.header("skillstream.reason").data(), nullptr) << "no reason on clean";
  EXPECT_EQ(out.header("skillstream.redacted").data(), nullptr);
  EXPECT_EQ(out.header_count, 5u);
}

TEST(Router, CleanRecordWithoutKeyGetsItsSessionId) {
  auto b = FakeInput::batch({"{}"});
  Record& r = b->records[0];
  r.session_id = b->stash("sess-2025-01-01-x");
  auto rt = router();
  OutRecord out;
  rt.route(r, out);
  EXPECT_EQ(out.key, "sess-2025-01-01-x");
}

TEST(Router, RedactedRecordCarriesTheRewrittenValueAndTheKinds) {
  auto b = FakeInput::batch({R"({"e":"a@b.co"})"});
  Record& r = b->records[0];
  r.redacted.add(processor::PrivacyKind::email);
  r.redacted.add(processor::PrivacyKind::secret);
  r.value = b->stash(R"({"e":"[REDACTED:email]"})");
  auto rt = router();
  OutRecord out;
  rt.route(r, out);
  EXPECT_EQ(out.value, R"({"e":"[REDACTED:email]"})");
  EXPECT_EQ(out.header("skillstream.redacted"), "secret,email");
}

TEST(Router, ARedactedKafkaKeyReplacesTheKeyAndIsListed) {
  auto b = FakeInput::batch({"{}"});
  Record& r = b->records[0];
  r.in.key = "alice@example.com";
  r.key_redacted.add(processor::PrivacyKind::email);
  r.key = b->stash("[REDACTED:email]");
  auto rt = router();
  OutRecord out;
  rt.route(r, out);
  EXPECT_EQ(out.key, "[REDACTED:email]");
  EXPECT_EQ(out.value, "{}") << "the value was not redacted";
  EXPECT_EQ(out.header("skillstream.redacted"), "email");
}

TEST(Router, RejectGoesToTheDeadLetterTopicWithReasonPathMessageVersion) {
  auto b = FakeInput::batch({R"({"x":1})"});
  Record& r = b->records[0];
  r.reason = Reason::wrong_type;
  r.path = b->stash("issues_encountered[2].resolved");
  r.message_text = b->stash("expected boolean, found string");
  auto rt = router();
  OutRecord out;
  rt.route(r, out);
  EXPECT_EQ(out.destination, Destination::dead_letter);
  EXPECT_EQ(out.value, R"({"x":1})") << "the original value";
  EXPECT_EQ(out.headers_of, r.message);
  EXPECT_EQ(out.header("skillstream.reason"), "wrong_type");
  EXPECT_EQ(out.header("skillstream.path"), "issues_encountered[2].resolved");
  EXPECT_EQ(out.header("skillstream.message"), "expected boolean, found string");
  EXPECT_EQ(out.header("skillstream.version"), "9.9.9");
  EXPECT_EQ(out.header("skillstream.source.offset"), "0");
}

TEST(Router, RejectCarriesEveryDefectAsSkillstreamErrors) {
  auto b = FakeInput::batch({R"({"x":1})"});
  Record& r = b->records[0];
  r.reason = Reason::wrong_type;
  r.path = b->stash("outcome.success");
  r.message_text = b->stash("outcome.success: expected boolean, found string");
  const std::string errors =
      R"([{"reason":"wrong_type","path":"outcome.success","message":"outcome.success: )"
      R"(expected boolean, found string"},{"reason":"missing_field","path":"task",)"
      R"("message":"task: required field is missing"}])";
  r.errors = b->stash(errors);
  auto rt = router(16);  // the path and message bound does not apply to the array
  OutRecord out;
  rt.route(r, out);
  EXPECT_EQ(out.destination, Destination::dead_letter);
  EXPECT_EQ(out.header("skillstream.errors"), errors);
  EXPECT_EQ(out.header("skillstream.reason"), "wrong_type");
}

TEST(Router, NoErrorsHeaderWithoutAList) {
  auto b = FakeInput::batch({R"({"x":1})"});
  Record& r = b->records[0];
  r.reason = Reason::missing_field;
  auto rt = router();
  OutRecord out;
  rt.route(r, out);
  EXPECT_EQ(out.header("skillstream.errors").data(), nullptr);
  r.reason = Reason::none;  // clean records never carry one
  r.errors = b->stash("[]");
  rt.route(r, out);
  EXPECT_EQ(out.destination, Destination::clean);
  EXPECT_EQ(out.header("skillstream.errors").data(), nullptr);
}

TEST(Router, RedriveRequeueReplacesTheOldErrorsHeader) {
  auto b = FakeInput::batch({R"({"x":1})"}, 2, 40);
  Record& r = b->records[0];
  r.attempt = 1;
  r.reason = Reason::missing_field;
  r.path = b->stash("session_id");
  r.message_text = b->stash("session_id: required field is missing");
  const std::string errors =
      R"([{"reason":"missing_field","path":"session_id","message":"session_id: required )"
      R"(field is missing"}])";
  r.errors = b->stash(errors);
  RouterOptions o{"sessions.dlq", "host:42", "9.9.9", 1024};
  o.redrive = true;
  Router rt(o);
  OutRecord out;
  rt.route(r, out);
  EXPECT_EQ(out.destination, Destination::dead_letter);
  EXPECT_TRUE(out.drops("skillstream.errors")) << "the old list is not copied";
  EXPECT_EQ(out.header("skillstream.errors"), errors) << "the new one is written";
  EXPECT_EQ(out.header("skillstream.redrive.attempt"), "2");
  r.judge = false;  // not selected: back unchanged, old headers included
  rt.route(r, out);
  EXPECT_FALSE(out.drops("skillstream.errors"));
  EXPECT_EQ(out.header("skillstream.errors").data(), nullptr);
}

TEST(Router, BoundsPathAndMessageHeadersOnAUtf8Boundary) {
  auto b = FakeInput::batch({"{}"});
  Record& r = b->records[0];
  r.reason = Reason::duplicate_key;
  std::string huge;
  for (int i = 0; i < 400; ++i) huge += "é";  // 2 bytes each: 800 bytes
  r.path = b->stash(huge);
  r.message_text = b->stash(std::string(5000, 'm'));
  auto rt = router(101);
  OutRecord out;
  rt.route(r, out);
  const std::string_view path = out.header("skillstream.path");
  ASSERT_LE(path.size(), 101u + 8u);
  EXPECT_EQ(path.substr(path.size() - 8), "...[cut]");
  const std::string_view kept = path.substr(0, path.size() - 8);
  EXPECT_EQ(kept.size(), 100u) << "cut back to a whole character";
  EXPECT_EQ(kept.size() % 2, 0u);
  EXPECT_EQ(out.header("skillstream.message").size(), 101u + 8u);
}

TEST(Router, CutUtf8NeverSplitsACharacter) {
  EXPECT_EQ(cut_utf8("abc", 10), "abc");
  EXPECT_EQ(cut_utf8("abc", 2), "ab");
  EXPECT_EQ(cut_utf8("a\xE2\x82\xAC", 2), "a");  // a + euro sign (3 bytes)
  EXPECT_EQ(cut_utf8("a\xE2\x82\xAC", 3), "a");
  EXPECT_EQ(cut_utf8("a\xE2\x82\xAC", 4), "a\xE2\x82\xAC");
}

TEST(Router, StubNamesWhoRefusedAndFingerprintsTheOriginal) {
  auto b = FakeInput::batch({"abc"}, 1, 5);
  Record& r = b->records[0];
  r.in.key = "k";
  r.reason = Reason::too_large;
  r.stub = true;
  r.refusal = Refusal{"MSG_SIZE_TOO_LARGE", "Broker: Message size too large", false};
  auto rt = router();
  OutRecord out;
  rt.route(r, out);
  EXPECT_EQ(out.destination, Destination::dead_letter);
  EXPECT_NE(out.value.data(), nullptr);
  EXPECT_TRUE(out.value.empty()) << "an empty value, not a null one";
  EXPECT_EQ(out.key, "k");
  EXPECT_EQ(out.headers_of, nullptr) << "a stub carries no input headers";
  EXPECT_EQ(out.header("skillstream.reason"), "undeliverable");
  EXPECT_EQ(out.header("skillstream.original.reason"), "too_large");
  EXPECT_EQ(out.header("skillstream.original.size"), "3");
  EXPECT_EQ(out.header("skillstream.original.sha256"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(out.header("skillstream.broker.error"), "MSG_SIZE_TOO_LARGE");
  EXPECT_NE(out.header("skillstream.message").find("broker refused"), std::string_view::npos);
  r.refusal.by_client = true;
  rt.route(r, out);
  EXPECT_NE(out.header("skillstream.message").find("producer's own size check"),
            std::string_view::npos);
}

}  // namespace
}  // namespace skillstream::pipeline
