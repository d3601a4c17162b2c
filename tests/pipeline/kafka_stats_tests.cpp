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

}  // namespace
}  // namespace skillstream::pipeline
