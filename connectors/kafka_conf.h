#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "connectors/errors.h"

struct rd_kafka_conf_s;
struct rd_kafka_s;

namespace skillstream::connectors {

using KafkaProperties = std::vector<std::pair<std::string, std::string>>;

// Sets every property on `conf` in order (later ones win); the first refusal is
// returned as "NAME: why". Also routes librdkafka's log lines to spdlog (logger
// "kafka"), so `--log-format json` covers them.
Status apply_properties(rd_kafka_conf_s* conf, const KafkaProperties& properties);

// Errors a client cannot recover from (fatal idempotent producer error, failed
// authentication or authorization). Written by librdkafka's threads through the
// error callback, read by the pipeline's main thread.
class KafkaErrors {
 public:
  // Classifies and logs one error event of `rk`.
  void on_error(rd_kafka_s* rk, int err, const char* reason);
  [[nodiscard]] bool fatal() const noexcept { return fatal_.load(std::memory_order_acquire); }
  [[nodiscard]] std::string message() const;

 private:
  std::atomic<bool> fatal_{false};
  mutable std::mutex mu_;
  std::string message_;
};

}  // namespace skillstream::connectors
