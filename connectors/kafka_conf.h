#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
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
// returned as "NAME: unknown property" or "NAME: invalid value (not shown)", never
// librdkafka's own message (it may quote the value, which may be a secret). Also routes
// librdkafka's log lines to spdlog (logger "kafka"), so `--log-format json` covers them.
Status apply_properties(rd_kafka_conf_s* conf, const KafkaProperties& properties);

// Why librdkafka refused a property. Never its value: librdkafka's own message may
// quote it, and the value may be a secret.
enum class PropertyProblem : std::uint8_t {
  none,     // every property was accepted
  unknown,  // librdkafka has no property of that name
  invalid,  // the value is not valid for that property
};

struct PropertyCheck {
  PropertyProblem problem = PropertyProblem::none;
  std::size_t index = 0;  // the refused property's position in the list
  [[nodiscard]] bool ok() const noexcept { return problem == PropertyProblem::none; }
};

// Sets each property, in order, on a throwaway configuration object and returns the
// first one librdkafka refuses, so that a bad property is a configuration error at
// start (exit 2) rather than a failed client creation. Creates no client and opens no
// connection. Checks names and values one by one only: conflicts between properties
// still show when the client is created. Any thread.
[[nodiscard]] PropertyCheck check_properties(const KafkaProperties& properties);

// "unknown librdkafka property" or "invalid value for this librdkafka property
// (value not shown)": the end of an error line that names the property.
[[nodiscard]] const char* describe(PropertyProblem problem) noexcept;

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
