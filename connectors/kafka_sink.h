#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "connectors/errors.h"
#include "connectors/kafka_conf.h"
#include "connectors/out_record.h"

namespace skillstream::connectors {

struct KafkaSinkOptions {
  std::string brokers;
  std::string client_id;
  std::string clean_topic;
  std::string dlq_topic;
  std::string parking_topic;                 // empty: none (only redrive parks records)
  std::size_t message_max_bytes = 1u << 20;  // >= max_record_bytes + room for headers
  KafkaProperties properties;                // passthrough, applied after the defaults
};

// One delivery report, as librdkafka gave it.
struct DeliveryReport {
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  void* opaque = nullptr;
};

// The output side: ONE idempotent producer (acks=all, murmur2_random partitioner)
// for the clean and dead-letter topics. It never blocks and never re-enters its
// caller: produce() returns QUEUE_FULL as is, and delivery reports are collected by
// poll() into a list the caller handles at one point of its loop.
//
// Threads: every call from one thread (the pipeline's main thread).
class KafkaSink {
 public:
  ~KafkaSink();
  KafkaSink(const KafkaSink&) = delete;
  KafkaSink& operator=(const KafkaSink&) = delete;

  [[nodiscard]] static Result<std::unique_ptr<KafkaSink>> create(const KafkaSinkOptions& options);

  // Queues one record (value and key are borrowed until its delivery report; headers
  // are copied). NO_ERROR, or librdkafka's error: __QUEUE_FULL (keep the record,
  // poll, produce it again), MSG_SIZE_TOO_LARGE (the client's size check), ...
  [[nodiscard]] rd_kafka_resp_err_t produce(const OutRecord& record);
  // Serves librdkafka's callbacks for up to `timeout_ms`; delivery reports are
  // appended to `reports`.
  void poll(int timeout_ms, std::vector<DeliveryReport>& reports);
  // Records queued or in flight.
  [[nodiscard]] int outstanding() const;
  // Drops every queued and in-flight record (their reports come with a purge error).
  void purge();

  [[nodiscard]] std::size_t message_max_bytes() const noexcept { return message_max_bytes_; }
  [[nodiscard]] const KafkaErrors& errors() const noexcept { return errors_; }

 private:
  KafkaSink() = default;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_topic_t* clean_ = nullptr;
  rd_kafka_topic_t* dlq_ = nullptr;
  rd_kafka_topic_t* parking_ = nullptr;
  std::vector<DeliveryReport> reports_;  // collected by the callback during poll()
  std::size_t message_max_bytes_ = 0;
  KafkaErrors errors_;
};

}  // namespace skillstream::connectors
