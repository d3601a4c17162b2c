// The shutdown bound under a stalled output (issue: SIGTERM with the output leaders
// down and a backlog larger than the producer's queue left the process running past
// 90 s, because the sink looped on QUEUE_FULL inside rd_kafka_poll). The pipeline must
// return within shutdown_timeout + 2 s with `undelivered` (exit 3), commit nothing it
// did not deliver, and lose nothing once the outputs are back.
#include <atomic>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include <gtest/gtest.h>
#include <httplib.h>

#include "pipeline/kafka_pipeline.h"
#include "tests/integration/cluster.h"

namespace skillstream {
namespace {

using Clock = std::chrono::steady_clock;

// Few partitions: each leader move is a round trip to the mock's thread (~0.2 s).
constexpr int kParts = 8;
constexpr std::size_t kRecords = 20'000;
constexpr std::int32_t kInputLeader = 1, kOutputLeader = 3;

// `skillstream_records_read_total` from the pipeline's /metrics, or -1.
long records_read(std::uint16_t port) {
  if (port == 0) return -1;
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1);
  auto res = client.Get("/metrics");
  if (!res || res->status != 200) return -1;
  const std::string key = "\nskillstream_records_read_total ";
  auto at = res->body.find(key);
  return at == std::string::npos ? -1 : std::stol(res->body.substr(at + key.size()));
}

TEST(PipelineShutdown, StalledOutputWithBacklogOverTheProducerQueueExitsWithinTheBound) {
  testing::Topics topics;
  topics.input_partitions = topics.clean_partitions = topics.dlq_partitions = kParts;
  const testing::Cluster c(topics, 3);
  connectors::EmbeddedBroker* broker = &c.broker();
  for (const char* t : {"in", "clean", "dlq"}) {
    for (int p = 0; p < kParts; ++p) {
      const std::int32_t leader = std::string_view(t) == "in" ? kInputLeader : kOutputLeader;
      ASSERT_TRUE(broker->set_partition_leader(t, p, leader).ok());
    }
  }
  const auto in = testing::generated_inputs(kRecords, 11, 0.1, 0.05, kParts);
  c.produce(in);

  config::Settings s = c.settings("shutdown-group", "shutdown-1");
  s.stop_at_end = false;
  s.http_addr = "127.0.0.1:0";
  s.shutdown_timeout = std::chrono::seconds(3);
  s.max_inflight_records = kRecords * 2;  // the producer's queue fills first
  s.consumer_properties = testing::group_properties(6000);
  // A producer queue far smaller than the backlog, as 100,000 is to 150k records.
  s.producer_properties = {{"queue.buffering.max.messages", "2000"},
                           {"message.timeout.ms", "60000"}};

  // The group's coordinator stays up: only the outputs stall.
  ASSERT_TRUE(broker->set_coordinator("group", s.group, kInputLeader).ok());
  ASSERT_TRUE(broker->set_broker_down(kOutputLeader).ok());
  testing::RunningPipeline first(s);
  // Well past the producer queue's 2,000 messages: the backlog is read and stuck.
  const bool backlog = testing::wait_for([&] { return records_read(first.http_port()) >= 6000; },
                                         std::chrono::seconds(60));
  const auto stopped_at = Clock::now();
  first.stop();
  const auto returned = Clock::now();
  const pipeline::PipelineResult& result = first.result();
  ASSERT_TRUE(backlog) << "the pipeline never read a backlog";
  const double took = std::chrono::duration<double>(returned - stopped_at).count();
  EXPECT_LE(took, 3.0 + 2.0) << "shutdown bound 3 s (+2 s) not held";
  EXPECT_EQ(result.exit, pipeline::PipelineExit::undelivered) << result.error;
  EXPECT_EQ(result.stats.delivered, 0u);
  // Nothing was delivered, so nothing may be committed.
  for (std::int64_t off : testing::committed_offsets(s.brokers, s.group, "in", kParts)) {
    EXPECT_LT(off, 0) << "an offset was committed with every output undelivered";
  }

  // The outputs come back: a restart delivers everything, nothing lost.
  ASSERT_TRUE(broker->set_broker_up(kOutputLeader).ok());
  s.stop_at_end = true;
  s.shutdown_timeout = std::chrono::seconds(30);
  const pipeline::PipelineResult again = testing::run_pipeline(s);
  ASSERT_EQ(again.exit, pipeline::PipelineExit::ok) << again.error;
  std::set<std::pair<std::int32_t, std::int64_t>> seen;
  for (const auto& [id, times] : c.output_counts()) seen.insert(id);
  EXPECT_EQ(seen.size(), kRecords) << "every input offset in clean or dead-letter";
}

// SIGTERM with the only broker (and so the group coordinator) down: the consumer's
// close used to wait a session timeout (43 s against a 5 s bound) and delivered but
// uncommitted records were re-read with no log line. Now the run returns within the
// bound + 2 s, and a final commit that cannot be made makes the exit `undelivered`.
TEST(PipelineShutdown, CoordinatorDownStillExitsWithinTheBoundAndSaysTheCommitFailed) {
  const testing::Cluster c;
  connectors::EmbeddedBroker* broker = &c.broker();
  const auto in = testing::generated_inputs(4000, 12, 0.1, 0.05, 4);
  c.produce(in);
  // Every commit is refused (REQUEST_TIMED_OUT), so delivered records stay uncommitted
  // until the final commit, which then meets the outage.
  constexpr std::int16_t kOffsetCommit = 8;
  broker->push_request_errors(kOffsetCommit, 10'000, 7);

  config::Settings s = c.settings("coordinator-down", "cd-1");
  s.stop_at_end = false;
  s.http_addr = "127.0.0.1:0";
  s.shutdown_timeout = std::chrono::seconds(3);
  s.consumer_properties = testing::group_properties(30'000);

  testing::RunningPipeline p(s);
  auto delivered = [&] {
    std::int64_t n = 0;
    return c.outputs_written();
  };
  const bool all_delivered =
      testing::wait_for([&] { return delivered() >= static_cast<std::int64_t>(in.size()); },
                        std::chrono::seconds(60));
  ASSERT_TRUE(broker->set_broker_down(1).ok());
  const auto stopped_at = Clock::now();
  p.stop();
  const auto returned = Clock::now();
  const pipeline::PipelineResult& result = p.result();
  ASSERT_TRUE(all_delivered);
  const double took = std::chrono::duration<double>(returned - stopped_at).count();
  EXPECT_LE(took, 3.0 + 2.0) << "the close waited for an unreachable coordinator";
  // Everything was delivered, nothing committed: the exit says so.
  EXPECT_EQ(result.stats.delivered, in.size());
  EXPECT_EQ(result.exit, pipeline::PipelineExit::undelivered) << result.error;
  EXPECT_NE(result.error.find("final commit failed"), std::string::npos) << result.error;
}

// A wrong bootstrap address with --stop-at-end: exit 1 with one line once
// connect_timeout passes, instead of retrying for ever.
TEST(PipelineShutdown, StopAtEndGivesUpOnUnreachableBrokersAfterTheConnectTimeout) {
  config::Settings s;
  s.brokers = "127.0.0.1:1";  // nothing listens on port 1
  s.input_topic = "in";
  s.workers = 1;
  s.http_addr = "off";
  s.stop_at_end = true;
  s.connect_timeout = std::chrono::seconds(2);
  s.processor.privacy = processor::PrivacyPolicy::off;
  std::atomic<bool> never{false};
  const auto started = Clock::now();
  pipeline::KafkaPipeline off(s, nullptr);
  const pipeline::PipelineResult r = off.run(never);
  const double took = std::chrono::duration<double>(Clock::now() - started).count();
  EXPECT_EQ(r.exit, pipeline::PipelineExit::failed);
  EXPECT_NE(r.error.find("no partition of in assigned within 2000 ms"), std::string::npos)
      << r.error;
  EXPECT_EQ(r.error.find('\n'), std::string::npos) << "one line";
  EXPECT_LT(took, 2.0 + 3.0);
}

}  // namespace
}  // namespace skillstream
