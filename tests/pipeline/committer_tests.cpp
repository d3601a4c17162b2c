#include "pipeline/committer.h"

#include <gtest/gtest.h>

namespace skillstream::pipeline {
namespace {

TEST(Committer, SendsOnlyPositionsThatMoved) {
  processor::OffsetTracker t;
  t.add_partition(0);
  t.add_partition(1);
  t.on_read(0, 10);
  t.on_read(0, 11);
  t.on_read(1, 5);
  Committer c;
  EXPECT_TRUE(c.due(t, {0, 1}).empty()) << "nothing acknowledged yet";
  ASSERT_TRUE(t.on_ack(0, 10));
  auto due = c.due(t, {0, 1});
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0], (std::pair<std::int32_t, std::int64_t>{0, 11}));
  c.sent(due);
  EXPECT_TRUE(c.due(t, {0, 1}).empty()) << "unchanged: not sent again";
  ASSERT_TRUE(t.on_ack(0, 11));
  ASSERT_TRUE(t.on_ack(1, 5));
  EXPECT_EQ(c.due(t, {0, 1}).size(), 2u);
  EXPECT_EQ(c.due(t, {1}).size(), 1u) << "only the partitions asked";
}

TEST(Committer, AllGivesEveryCommittablePositionEvenIfSent) {
  processor::OffsetTracker t;
  t.add_partition(0);
  t.add_partition(1);
  t.on_read(0, 4);
  t.on_read(1, 9);
  ASSERT_TRUE(t.on_ack(0, 4));
  Committer c;
  c.sent(c.due(t, {0, 1}));
  EXPECT_TRUE(c.due(t, {0, 1}).empty());
  const OffsetList all = c.all(t, {0, 1});
  ASSERT_EQ(all.size(), 1u) << "partition 1 has nothing acknowledged";
  EXPECT_EQ(all[0], (std::pair<std::int32_t, std::int64_t>{0, 5}));
}

TEST(Committer, ARefusedCommitIsSentAgain) {
  processor::OffsetTracker t;
  t.add_partition(0);
  t.on_read(0, 0);
  ASSERT_TRUE(t.on_ack(0, 0));
  Committer c;
  c.sent(c.due(t, {0}));
  EXPECT_TRUE(c.due(t, {0}).empty());
  c.refused();
  EXPECT_EQ(c.due(t, {0}).size(), 1u);
  c.sent(c.due(t, {0}));
  c.forget(0);
  EXPECT_EQ(c.due(t, {0}).size(), 1u) << "a new owner of the partition commits again";
}

TEST(RetryLog, OneLinePerIntervalWithCountsByError) {
  RetryLog log;
  EXPECT_EQ(log.take(), "");
  for (int i = 0; i < 3; ++i) log.note("NOT_LEADER_FOR_PARTITION");
  log.note("_MSG_TIMED_OUT");
  EXPECT_EQ(log.take(), "NOT_LEADER_FOR_PARTITION=3 _MSG_TIMED_OUT=1");
  EXPECT_EQ(log.take(), "") << "reset after each line";
}

}  // namespace
}  // namespace skillstream::pipeline
