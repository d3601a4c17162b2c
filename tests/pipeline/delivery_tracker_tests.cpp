#include "pipeline/delivery_tracker.h"

#include <gtest/gtest.h>

#include "test_records.h"

namespace skillstream::pipeline {
namespace {

using connectors::DeliveryErrorClass;
using testing::FakeInput;
using Clock = DeliveryTracker::Clock;

const Refusal kWhy{"ERR", "an error", false};

DeliveryTracker tracker(std::size_t max_records = 1000, OnPermanent p = OnPermanent::stub) {
  return DeliveryTracker(DeliveryLimits{1u << 30, max_records}, p);
}

// Reads and hands a batch over, as the pipeline does.
Batch* add(DeliveryTracker& t, std::vector<std::string> values, std::int64_t first = 0) {
  auto b = FakeInput::batch(values, 0, first);
  for (const Record& r : b->records) t.on_read(r.in.value.size());
  Batch* raw = b.get();
  t.add(std::move(b));
  return raw;
}

TEST(DeliveryTracker, ProducesInBatchOrderAndReleasesTheBatchWithItsLastRecord) {
  auto t = tracker();
  const int released_before = FakeInput::released;
  add(t, {"a", "bb", "ccc"});
  EXPECT_EQ(t.inflight_records(), 3u);
  EXPECT_EQ(t.inflight_bytes(), 6u);
  std::vector<Record*> got;
  while (Record* r = t.next(Clock::now())) {
    t.produced(*r);
    got.push_back(r);
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0]->in.offset, 0);
  EXPECT_EQ(got[2]->in.offset, 2);
  t.delivered(*got[2]);
  t.delivered(*got[0]);
  EXPECT_EQ(t.live_batches(), 1u);
  EXPECT_EQ(FakeInput::released, released_before);  // one record still out
  t.delivered(*got[1]);
  EXPECT_EQ(t.live_batches(), 0u);
  EXPECT_EQ(FakeInput::released, released_before + 3);
  EXPECT_EQ(t.inflight_records(), 0u);
  EXPECT_EQ(t.inflight_bytes(), 0u);
  EXPECT_EQ(t.counts().delivered, 3u);
}

TEST(DeliveryTracker, AFullProducerQueueHandsTheRecordBackFirstInLine) {
  auto t = tracker();
  add(t, {"a", "b"});
  Record* first = t.next(Clock::now());
  ASSERT_NE(first, nullptr);
  t.unproduced(*first);  // QUEUE_FULL
  EXPECT_EQ(t.queued(), 2u);
  EXPECT_EQ(t.next(Clock::now()), first);
}

TEST(DeliveryTracker, RetriesAfterABackoffThatGrowsWithAttempts) {
  auto t = tracker();
  add(t, {"a"});
  const auto now = Clock::now();
  Record* r = t.next(now);
  t.failed(*r, DeliveryErrorClass::retriable, kWhy, now);
  EXPECT_EQ(t.next(now), nullptr) << "not before its backoff";
  EXPECT_EQ(t.next(now + std::chrono::milliseconds(100)), r);
  t.failed(*r, DeliveryErrorClass::retriable, kWhy, now);
  EXPECT_EQ(t.next(now + std::chrono::milliseconds(150)), nullptr) << "second backoff is 200 ms";
  EXPECT_EQ(t.next(now + std::chrono::milliseconds(200)), r);
  EXPECT_EQ(t.counts().retries, 2u);
  EXPECT_EQ(r->attempts, 2u);
}

TEST(DeliveryTracker, APermanentRefusalBecomesAStubProducedNext) {
  auto t = tracker();
  add(t, {"a", "b"});
  Record* r = t.next(Clock::now());
  const Refusal why{"MSG_SIZE_TOO_LARGE", "too large", true};
  t.failed(*r, DeliveryErrorClass::permanent, why, Clock::now());
  EXPECT_TRUE(r->stub);
  EXPECT_TRUE(r->refusal.by_client);
  EXPECT_EQ(t.next(Clock::now()), r) << "the stub goes before later records";
  EXPECT_EQ(t.counts().undeliverable, 1u);
  // The stub refused as well: halt, the record is kept and never released.
  t.failed(*r, DeliveryErrorClass::permanent, why, Clock::now());
  EXPECT_TRUE(t.halted());
  EXPECT_EQ(t.halted_record(), r);
  EXPECT_EQ(t.next(Clock::now()), nullptr) << "nothing moves after a halt";
  EXPECT_EQ(t.inflight_records(), 2u);
}

TEST(DeliveryTracker, HaltPolicyKeepsTheRefusedRecord) {
  auto t = tracker(1000, OnPermanent::halt);
  add(t, {"a"});
  Record* r = t.next(Clock::now());
  t.failed(*r, DeliveryErrorClass::permanent, kWhy, Clock::now());
  EXPECT_FALSE(r->stub);
  EXPECT_TRUE(t.halted());
  EXPECT_EQ(t.inflight_records(), 1u);
}

TEST(DeliveryTracker, FatalAndPurgedReleaseWithoutDelivering) {
  auto t = tracker();
  add(t, {"a", "b"});
  Record* a = t.next(Clock::now());
  Record* b = t.next(Clock::now());
  t.failed(*a, DeliveryErrorClass::purged, kWhy, Clock::now());
  EXPECT_FALSE(t.fatal());
  t.failed(*b, DeliveryErrorClass::fatal, Refusal{"TOPIC_AUTHORIZATION_FAILED", "no", false},
           Clock::now());
  EXPECT_TRUE(t.fatal());
  EXPECT_STREQ(t.fatal_error().name, "TOPIC_AUTHORIZATION_FAILED");
  EXPECT_EQ(t.counts().dropped, 2u);
  EXPECT_EQ(t.counts().delivered, 0u);
  EXPECT_EQ(t.live_batches(), 0u);
}

TEST(DeliveryTracker, PausesAtEitherLimitAndResumesBelowHalfOfBoth) {
  DeliveryTracker t(DeliveryLimits{100, 4}, OnPermanent::stub);
  add(t, {"a", "b", "c"});
  EXPECT_FALSE(t.over_limits());
  add(t, {"d"}, 3);
  EXPECT_TRUE(t.over_limits()) << "4 records";
  std::vector<Record*> out;
  while (Record* r = t.next(Clock::now())) out.push_back(r);
  t.delivered(*out[0]);
  EXPECT_FALSE(t.over_limits());
  EXPECT_FALSE(t.under_resume_mark()) << "3 of 4 is not below half";
  t.delivered(*out[1]);
  t.delivered(*out[2]);
  EXPECT_TRUE(t.under_resume_mark());
  DeliveryTracker bytes(DeliveryLimits{10, 1000}, OnPermanent::stub);
  add(bytes, {std::string(10, 'x')});
  EXPECT_TRUE(bytes.over_limits()) << "10 bytes";
}

TEST(DeliveryTracker, ReleaseAllFreesEverythingAtShutdown) {
  const int before = FakeInput::released;
  {
    auto t = tracker();
    add(t, {"a", "b"});
    add(t, {"c"}, 2);
    Record* r = t.next(Clock::now());
    t.delivered(*r);
    t.release_all();
    EXPECT_EQ(t.live_batches(), 0u);
    EXPECT_EQ(t.inflight_records(), 0u);
    EXPECT_EQ(t.counts().dropped, 2u);
  }
  EXPECT_EQ(FakeInput::released, before + 3);
}

}  // namespace
}  // namespace skillstream::pipeline
