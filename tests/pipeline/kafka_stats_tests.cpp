#include "pipeline/kafka_stats.h"

#include <gtest/gtest.h>

#include "pipeline/pipeline_metrics.h"

namespace skillstream::pipeline {
namespace {

// The parts of librdkafka's statistics JSON (STATISTICS.md) the pipeline reads.
std::string stats(const char* state_1, const char* state_2) {
  return std::string(R"({"name":"c","cgrp":{"state":"up","join_state":"steady"},)") +
         R"("brokers":{"127.0.0.1:9092/bootstrap":{"source":"configured","state":")" + state_1 +
         R"("},"127.0.0.1:9093/2":{"source":"learned","state":")" + state_2 +
         R"("},"GroupCoordinator":{"source":"logical","state":"UP"},)" +
         R"("internal":{"source":"internal","state":"UP"}},)" +
         R"("topics":{"in":{"partitions":{"0":{"desired":true,"consumer_lag":7},)" +
         R"("1":{"desired":true,"consumer_lag":-1},"-1":{"desired":false,"consumer_lag":3}}}}})";
}

TEST(KafkaStats, ReadsLagGroupStateAndBrokerConnections) {
  ConsumerStats s;
  ASSERT_TRUE(parse_consumer_stats(stats("UP", "DOWN"), "in", s));
  ASSERT_EQ(s.lag.size(), 1u) << "unknown lag and the internal partition are left out";
  EXPECT_EQ(s.lag[0].partition, 0);
  EXPECT_EQ(s.lag[0].records, 7);
  EXPECT_TRUE(s.group_settled());
  EXPECT_EQ(s.brokers_known, 2) << "logical and internal brokers are no connections";
  EXPECT_EQ(s.brokers_up, 1);
  EXPECT_FALSE(s.disconnected());
}

TEST(KafkaStats, EveryBrokerDownIsDisconnected) {
  ConsumerStats s;
  ASSERT_TRUE(parse_consumer_stats(stats("DOWN", "CONNECT"), "in", s));
  EXPECT_TRUE(s.disconnected());
  EXPECT_FALSE(parse_consumer_stats("{not json", "in", s));
}

TEST(SummaryLog, SaysDisconnectedDuringAnOutageInsteadOfZeroRecordsPerSecond) {
  PipelineMetrics m(1, "in");
  SummaryLog log(PipelineMetrics::Clock::now());
  ConsumerStats s;
  ASSERT_TRUE(parse_consumer_stats(stats("UP", "UP"), "in", s));
  m.on_consumer_stats(s);
  std::string line = log.next(m, PipelineMetrics::Clock::now() + std::chrono::seconds(1));
  EXPECT_NE(line.find("records/s="), std::string::npos) << line;
  ASSERT_TRUE(parse_consumer_stats(stats("DOWN", "DOWN"), "in", s));
  m.on_consumer_stats(s);
  line = log.next(m, PipelineMetrics::Clock::now() + std::chrono::seconds(2));
  EXPECT_NE(line.find("disconnected"), std::string::npos) << line;
  EXPECT_EQ(line.find("records/s="), std::string::npos) << line;
}

std::int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(PipelineMetrics, RendersRecordLatencyByStage) {
  PipelineMetrics m(1, "in");
  const auto now = PipelineMetrics::Clock::now();
  // Produced 200 ms ago, read 20 ms ago, acknowledged now.
  m.on_delivered(false, 10, wall_ms() - 200, now - std::chrono::milliseconds(20), now);
  // No input timestamp: only the processing stage.
  m.on_delivered(true, 10, -1, now - std::chrono::milliseconds(20), now);
  const std::string text = m.render();
  EXPECT_NE(text.find("# TYPE skillstream_record_latency_seconds histogram\n"), std::string::npos);
  EXPECT_NE(text.find("skillstream_record_latency_seconds_count{stage=\"end_to_end\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("skillstream_record_latency_seconds_count{stage=\"processing\"} 2\n"),
            std::string::npos);
  EXPECT_NE(
      text.find("skillstream_record_latency_seconds_bucket{stage=\"processing\",le=\"0.001\"} 0\n"),
      std::string::npos);
  EXPECT_NE(
      text.find("skillstream_record_latency_seconds_bucket{stage=\"processing\",le=\"0.02\"} 2\n"),
      std::string::npos);
  EXPECT_NE(
      text.find("skillstream_record_latency_seconds_bucket{stage=\"end_to_end\",le=\"60\"} 1\n"),
      std::string::npos);
  EXPECT_NEAR(m.latency_max(PipelineMetrics::Stage::processing), 0.020, 1e-9);
  EXPECT_GE(m.latency_max(PipelineMetrics::Stage::end_to_end), 0.199);
}

TEST(SummaryLog, GivesTheIntervalsLatencyPercentiles) {
  PipelineMetrics m(1, "in");
  SummaryLog log(PipelineMetrics::Clock::now());
  const auto now = PipelineMetrics::Clock::now();
  for (int i = 0; i < 100; ++i) m.on_delivered(false, 10, wall_ms() - 4, now, now);
  std::string line = log.next(m, now + std::chrono::seconds(1));
  // 4 ms ago (to the millisecond): the (0.003, 0.005] bucket, or the next one up.
  const auto at = line.find("latency p50=");
  ASSERT_NE(at, std::string::npos) << line;
  const double p50 = std::stod(line.substr(at + 12));
  EXPECT_GT(p50, 3.0) << line;
  EXPECT_LE(p50, 7.5) << line;
  EXPECT_NE(line.find(" ms "), std::string::npos) << line;
  // Nothing acknowledged in the next interval: no figures, not the old ones.
  line = log.next(m, now + std::chrono::seconds(2));
  EXPECT_NE(line.find("latency p50=- p99=- ms"), std::string::npos) << line;
}

}  // namespace
}  // namespace skillstream::pipeline
