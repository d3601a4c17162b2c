#include "processor/offset_tracker.h"

#include <gtest/gtest.h>

namespace skillstream::processor {
namespace {

TEST(OffsetTracker, NothingCommittableBeforeAnAck) {
  OffsetTracker t;
  t.add_partition(0);
  EXPECT_FALSE(t.committable(0).has_value());
  t.on_read(0, 10);
  EXPECT_FALSE(t.committable(0).has_value());
  EXPECT_EQ(t.pending(0), 1u);
}

TEST(OffsetTracker, CommitsOnlyTheContiguousAckedPrefix) {
  OffsetTracker t;
  for (std::int64_t o = 0; o < 5; ++o) t.on_read(3, o);
  EXPECT_TRUE(t.on_ack(3, 2));
  EXPECT_TRUE(t.on_ack(3, 1));
  EXPECT_FALSE(t.committable(3).has_value());  // 0 still in flight
  EXPECT_TRUE(t.on_ack(3, 0));
  EXPECT_EQ(t.committable(3), 3);
  EXPECT_TRUE(t.on_ack(3, 4));
  EXPECT_EQ(t.committable(3), 3);  // 3 still in flight
  EXPECT_TRUE(t.on_ack(3, 3));
  EXPECT_EQ(t.committable(3), 5);
  EXPECT_EQ(t.pending_total(), 0u);
}

TEST(OffsetTracker, HandlesGapsInReadOffsets) {
  OffsetTracker t;
  t.on_read(0, 4);
  t.on_read(0, 9);  // 5..8 were compacted away or were control records
  EXPECT_TRUE(t.on_ack(0, 9));
  EXPECT_FALSE(t.committable(0).has_value());
  EXPECT_TRUE(t.on_ack(0, 4));
  EXPECT_EQ(t.committable(0), 10);
}

TEST(OffsetTracker, PartitionsAreIndependent) {
  OffsetTracker t;
  t.on_read(0, 0);
  t.on_read(1, 0);
  EXPECT_TRUE(t.on_ack(1, 0));
  EXPECT_EQ(t.committable(1), 1);
  EXPECT_FALSE(t.committable(0).has_value());
  EXPECT_EQ(t.pending(0), 1u);
  EXPECT_EQ(t.pending_total(), 1u);
}

TEST(OffsetTracker, RejectsStaleAndDuplicateAcks) {
  OffsetTracker t;
  t.on_read(0, 0);
  EXPECT_FALSE(t.on_ack(0, 7));  // never read
  EXPECT_TRUE(t.on_ack(0, 0));
  EXPECT_FALSE(t.on_ack(0, 0));  // already acked
  t.on_read(1, 5);
  t.remove_partition(1);
  EXPECT_FALSE(t.on_ack(1, 5));  // partition revoked
  EXPECT_EQ(t.pending_total(), 0u);
  EXPECT_EQ(t.partitions(), std::vector<std::int32_t>{0});
}

}  // namespace
}  // namespace skillstream::processor
