#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "connectors/errors.h"

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace skillstream::connectors {

// A Kafka cluster inside this process: librdkafka's mock cluster, listening on
// 127.0.0.1 (random ports). For tests, `skillstream broker` and `skillstream demo`.
// What it does not do (docs/reliability.md): retention is about 5 MiB per partition,
// one thread serves the whole cluster, LeaveGroup and static membership are ignored,
// idempotent batches are not de-duplicated without a transactional id.
//
// Owns a producer handle and the cluster created on it; the destructor destroys the
// cluster before the handle (the other order aborts). Create and destroy on one
// thread; topic and fault calls may come from any thread (librdkafka locks them).
class EmbeddedBroker {
 public:
  ~EmbeddedBroker();
  EmbeddedBroker(const EmbeddedBroker&) = delete;
  EmbeddedBroker& operator=(const EmbeddedBroker&) = delete;

  // Starts a cluster of `brokers` brokers (Errc::client when librdkafka cannot).
  [[nodiscard]] static Result<std::unique_ptr<EmbeddedBroker>> start(int brokers);

  // "127.0.0.1:PORT,..." for bootstrap.servers.
  [[nodiscard]] const std::string& bootstraps() const noexcept { return bootstraps_; }
  [[nodiscard]] int broker_count() const noexcept { return brokers_; }

  // Creates a topic (replication capped at the number of brokers).
  Status create_topic(std::string_view name, int partitions);

  // Fault injection (broker ids start at 1).
  Status set_broker_down(std::int32_t broker);
  Status set_broker_up(std::int32_t broker);
  Status set_broker_rtt(std::int32_t broker, int rtt_ms);
  Status set_partition_leader(std::string_view topic, std::int32_t partition, std::int32_t broker);
  // Pins the coordinator of a group (`key_type` "group") or transactional id
  // ("transaction") to `broker`, instead of the mock's hash of the key.
  Status set_coordinator(std::string_view key_type, std::string_view key, std::int32_t broker);
  // The next `count` requests of API `api_key` (e.g. 0 = Produce) fail with `error`
  // (a librdkafka error code, e.g. 6 NOT_LEADER_FOR_PARTITION).
  void push_request_errors(std::int16_t api_key, int count, int error);

  [[nodiscard]] rd_kafka_mock_cluster_s* cluster() const noexcept { return cluster_; }

 private:
  EmbeddedBroker() = default;
  rd_kafka_s* handle_ = nullptr;
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
  std::string bootstraps_;
  int brokers_ = 0;
};

}  // namespace skillstream::connectors
