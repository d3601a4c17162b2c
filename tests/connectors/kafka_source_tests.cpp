#include "connectors/kafka_source.h"

#include <string>

#include <gtest/gtest.h>

namespace skillstream::connectors {
namespace {

// The last value given for `name` (librdkafka applies properties in order).
std::string effective(const KafkaProperties& props, const std::string& name) {
  std::string v;
  for (const auto& [k, value] : props) {
    if (k == name) v = value;
  }
  return v;
}

TEST(KafkaSourceProperties, DefaultSessionTimeoutIsTenSecondsAndCanBeChanged) {
  KafkaSourceOptions o;
  o.brokers = "b:9092";
  o.group = "g";
  EXPECT_EQ(effective(consumer_properties(o), "session.timeout.ms"), "10000");
  EXPECT_EQ(effective(consumer_properties(o), "heartbeat.interval.ms"), "3000");
  EXPECT_EQ(effective(consumer_properties(o), "partition.assignment.strategy"),
            "cooperative-sticky");
  o.properties = {{"session.timeout.ms", "45000"}};
  EXPECT_EQ(effective(consumer_properties(o), "session.timeout.ms"), "45000");
}

TEST(KafkaSourceProperties, TheGuaranteesCannotBeTurnedOff) {
  KafkaSourceOptions o;
  o.properties = {{"enable.auto.commit", "true"}, {"enable.auto.offset.store", "true"}};
  const KafkaProperties p = consumer_properties(o);
  EXPECT_EQ(effective(p, "enable.auto.commit"), "false");
  EXPECT_EQ(effective(p, "enable.auto.offset.store"), "false");
}

}  // namespace
}  // namespace skillstream::connectors

#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

namespace skillstream::connectors {
namespace {

// librdkafka reports a failed connection twice: a FAIL log line (routed to spdlog at
// error level) and an error event. The event is logged at debug only, so an operator
// reads each failure once; events with no log line of their own stay warnings.
TEST(KafkaErrors, ConnectionFailuresAreLoggedOnceAndOthersWarn) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
  auto logger = std::make_shared<spdlog::logger>("test", sink);
  logger->set_level(spdlog::level::info);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  char errstr[256];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, rd_kafka_conf_new(), errstr, sizeof errstr);
  ASSERT_NE(rk, nullptr) << errstr;
  KafkaErrors errors;
  errors.on_error(rk, RD_KAFKA_RESP_ERR__TRANSPORT, "127.0.0.1:1/bootstrap: Connect failed");
  EXPECT_TRUE(sink->last_formatted().empty()) << "the FAIL log line already said it";
  errors.on_error(rk, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, "1/1 brokers are down");
  const auto lines = sink->last_formatted();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("_ALL_BROKERS_DOWN"), std::string::npos) << lines[0];
  EXPECT_FALSE(errors.fatal());
  rd_kafka_destroy(rk);
  spdlog::set_default_logger(previous);
}

}  // namespace
}  // namespace skillstream::connectors
