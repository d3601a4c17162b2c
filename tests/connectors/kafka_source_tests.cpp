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
