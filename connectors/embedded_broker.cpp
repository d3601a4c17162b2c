#include "connectors/embedded_broker.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

namespace skillstream::connectors {

EmbeddedBroker::~EmbeddedBroker() {
  if (cluster_ != nullptr) rd_kafka_mock_cluster_destroy(cluster_);  // before its owner
  if (handle_ != nullptr) rd_kafka_destroy(handle_);
}

Result<std::unique_ptr<EmbeddedBroker>> EmbeddedBroker::start(int brokers) {
  brokers = std::max(brokers, 1);
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The owner handle never connects anywhere: it only hosts the cluster.
  if (rd_kafka_conf_set(conf, "client.id", "skillstream-embedded-broker", errstr, sizeof errstr) !=
          RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return Status::failure(Errc::client, fmt::format("embedded broker: {}", errstr));
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::failure(Errc::client, fmt::format("embedded broker: {}", errstr));
  }
  std::unique_ptr<EmbeddedBroker> broker(new EmbeddedBroker());
  broker->handle_ = rk;
  broker->cluster_ = rd_kafka_mock_cluster_new(rk, brokers);
  if (broker->cluster_ == nullptr) {
    return Status::failure(Errc::client, "embedded broker: rd_kafka_mock_cluster_new failed");
  }
  broker->bootstraps_ = rd_kafka_mock_cluster_bootstraps(broker->cluster_);
  broker->brokers_ = brokers;
  return broker;
}

namespace {
Status from_err(rd_kafka_resp_err_t err, std::string_view what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::success();
  return Status::failure(Errc::kafka, fmt::format("{}: {}", what, rd_kafka_err2str(err)));
}
}  // namespace

Status EmbeddedBroker::create_topic(std::string_view name, int partitions) {
  std::string topic(name);
  return from_err(
      rd_kafka_mock_topic_create(cluster_, topic.c_str(), std::max(partitions, 1), brokers_),
      fmt::format("create topic {}", topic));
}

Status EmbeddedBroker::set_broker_down(std::int32_t broker) {
  return from_err(rd_kafka_mock_broker_set_down(cluster_, broker), "broker down");
}

Status EmbeddedBroker::set_broker_up(std::int32_t broker) {
  return from_err(rd_kafka_mock_broker_set_up(cluster_, broker), "broker up");
}

Status EmbeddedBroker::set_broker_rtt(std::int32_t broker, int rtt_ms) {
  return from_err(rd_kafka_mock_broker_set_rtt(cluster_, broker, rtt_ms), "broker rtt");
}

Status EmbeddedBroker::set_partition_leader(std::string_view topic, std::int32_t partition,
                                            std::int32_t broker) {
  std::string t(topic);
  return from_err(rd_kafka_mock_partition_set_leader(cluster_, t.c_str(), partition, broker),
                  "partition leader");
}

Status EmbeddedBroker::set_coordinator(std::string_view key_type, std::string_view key,
                                       std::int32_t broker) {
  std::string type(key_type), k(key);
  return from_err(rd_kafka_mock_coordinator_set(cluster_, type.c_str(), k.c_str(), broker),
                  "coordinator");
}

void EmbeddedBroker::push_request_errors(std::int16_t api_key, int count, int error) {
  std::vector<rd_kafka_resp_err_t> errs(static_cast<std::size_t>(std::max(count, 0)),
                                        static_cast<rd_kafka_resp_err_t>(error));
  rd_kafka_mock_push_request_errors_array(cluster_, api_key, errs.size(), errs.data());
}

}  // namespace skillstream::connectors
