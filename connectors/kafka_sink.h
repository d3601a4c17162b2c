#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <librdkafka/rdkafka.h>

#include "connectors/kafka_conf.h"
#include "connectors/status.h"

namespace skillstream::connectors {

struct KafkaSinkOptions {
  std::string brokers;
  std::string client_id;
  std::string clean_topic;
  std::string dlq_topic;
  std::size_t message_max_bytes = 1u << 20;  // >= max_record_bytes + room for headers
  KafkaProperties properties;                // passthrough, applied after the defaults
};

// One record to write. The value and key are NOT copied: they must stay valid until
// the delivery report for `opaque` has been handed to the DeliveryFn.
struct OutRecord {
  bool dead_letter = false;  // dead-letter topic, else clean topic
  const void* value = nullptr;
  std::size_t value_size = 0;
  const void* key = nullptr;
  std::size_t key_size = 0;
  std::int64_t timestamp_ms = 0;          // 0: now
  rd_kafka_headers_t* headers = nullptr;  // owned by the sink once produce() succeeds
  void* opaque = nullptr;                 // handed back with the delivery report
};

// The output side: ONE idempotent producer (acks=all, murmur2_random partitioner)
// for the clean and dead-letter topics. Delivery reports are served by poll() on
// the calling thread and passed to `on_delivery(err, opaque)`.
//
// Threads: produce() and poll() from one thread (the pipeline's main thread).
class KafkaSink {
 public:
  using DeliveryFn = std::function<void(rd_kafka_resp_err_t err, void* opaque)>;

  ~KafkaSink();
  KafkaSink(const KafkaSink&) = delete;
  KafkaSink& operator=(const KafkaSink&) = delete;

  static std::unique_ptr<KafkaSink> create(const KafkaSinkOptions& options, DeliveryFn on_delivery,
                                           std::string& error);

  // Queues one record. When the local queue is full, serves delivery reports and
  // retries (never drops). Any other error (e.g. MSG_SIZE_TOO_LARGE) is returned:
  // then the headers stay owned by the caller.
  [[nodiscard]] rd_kafka_resp_err_t produce(OutRecord& record);
  // Serves delivery reports; returns how many were served.
  int poll(int timeout_ms);
  // Records queued or in flight.
  [[nodiscard]] int outstanding() const;
  // Drops every queued and in-flight record (their reports come with a purge error).
  void purge();

  [[nodiscard]] const KafkaErrors& errors() const noexcept { return errors_; }

 private:
  KafkaSink() = default;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_topic_t* clean_ = nullptr;
  rd_kafka_topic_t* dlq_ = nullptr;
  DeliveryFn on_delivery_;
  KafkaErrors errors_;
};

// True when the broker (or the client) will never accept the record as it is.
[[nodiscard]] bool is_permanent_delivery_error(rd_kafka_resp_err_t err) noexcept;

}  // namespace skillstream::connectors
