#include <atomic>
#include <chrono>
#include <future>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "processor/worker_pool.h"

namespace skillstream::processor {
namespace {

struct Job {
  int seq = 0;
  int result = 0;
  int delay_us = 0;
};

TEST(OrderedWorkerPool, ReturnsJobsInSubmissionOrder) {
  OrderedWorkerPool<Job> pool(4, 8, [](std::size_t, Job& j) {
    // The scenario: jobs take random times, so the workers finish them out of order.
    std::this_thread::sleep_for(std::chrono::microseconds(j.delay_us));
    j.result = j.seq * 2;
  });
  std::mt19937 rng(7);
  std::vector<int> seen;
  std::thread consumer([&] {
    while (auto j = pool.next()) {
      EXPECT_EQ(j->result, j->seq * 2);
      seen.push_back(j->seq);
    }
  });
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(pool.submit(Job{i, 0, static_cast<int>(rng() % 300)}));
  }
  pool.close();
  consumer.join();
  ASSERT_EQ(seen.size(), 500u);
  for (int i = 0; i < 500; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);
}

TEST(OrderedWorkerPool, SubmitBlocksWhileFull) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  // Jobs hold their worker until released (at most 30 s, so that a failed assertion
  // below ends the test instead of hanging it).
  OrderedWorkerPool<Job> pool(
      2, 3, [released](std::size_t, Job&) { (void)released.wait_for(std::chrono::seconds(30)); });
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(pool.submit(Job{i}));
  std::atomic<bool> fourth_in{false};
  std::thread producer([&] {
    EXPECT_TRUE(pool.submit(Job{3}));
    fourth_in = true;
  });
  // The scenario: time passes while the pool is full, and the fourth submission must
  // stay blocked through it (there is no event to wait for when nothing happens).
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(fourth_in.load());
  EXPECT_EQ(pool.in_flight(), 3u);
  release.set_value();
  ASSERT_TRUE(pool.next().has_value());  // frees a slot
  producer.join();
  EXPECT_TRUE(fourth_in.load());
  pool.close();
  int rest = 0;
  while (pool.next()) ++rest;
  EXPECT_EQ(rest, 3);
}

TEST(OrderedWorkerPool, TryNextDoesNotBlockAndCloseRefusesSubmissions) {
  OrderedWorkerPool<Job> pool(1, 2, [](std::size_t, Job& j) { j.result = 1; });
  EXPECT_FALSE(pool.try_next().has_value());
  ASSERT_TRUE(pool.submit(Job{1}));
  auto j = pool.next_for(std::chrono::milliseconds(2000));
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ(j->result, 1);
  pool.close();
  EXPECT_FALSE(pool.submit(Job{2}));
  EXPECT_FALSE(pool.next().has_value());
}

}  // namespace
}  // namespace skillstream::processor
