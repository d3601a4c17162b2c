#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "generator/session_generator.h"

struct rd_kafka_s;
struct rd_kafka_conf_s;

namespace skillstream::apps {

using KafkaProperties = std::vector<std::pair<std::string, std::string>>;

// A librdkafka client (RD_KAFKA_PRODUCER or RD_KAFKA_CONSUMER, as int) with `props`,
// after `prepare(conf, opaque)` when given (callbacks); null and `error` set on failure.
[[nodiscard]] rd_kafka_s* new_kafka_client(int type, const KafkaProperties& props,
                                           std::string& error,
                                           void (*prepare)(rd_kafka_conf_s*, void*) = nullptr,
                                           void* opaque = nullptr);

struct SessionProduceOptions {
  std::string brokers;
  std::string topic;
  int partitions = 1;  // written round robin (the embedded broker keeps ~5 MiB each)
  std::size_t count = 0;
  // Records per second, open loop (record i is due at start + i / rate, whatever the
  // broker's answers); 0: as fast as the producer queue takes them.
  double rate = 0;
  // > 0: records shorter than this get JSON whitespace before their last byte up to
  // this size (verdicts unchanged); longer ones stay as generated.
  std::size_t record_bytes = 0;
  generator::GeneratorOptions generator;
  KafkaProperties properties;  // over the defaults (linger.ms and batch sizes)
};

// What a producing run has done so far; any thread reads it.
struct SessionProduceProgress {
  std::atomic<std::uint64_t> produced{0};  // handed to the producer
  std::atomic<std::uint64_t> bytes{0};     // their value bytes
  std::atomic<std::uint64_t> failed{0};    // delivery reports with an error
  std::atomic<bool> done{false};           // flushed (or given up)
};

// Produces `count` generated sessions to `topic` and flushes (60 s bound). Returns
// an error line, or empty. Stops early once `stop` is set (what is unsent is dropped).
// Blocks: run it on a thread of its own to produce while something else consumes.
[[nodiscard]] std::string produce_sessions(const SessionProduceOptions& options,
                                           SessionProduceProgress& progress,
                                           const std::atomic<bool>& stop);

}  // namespace skillstream::apps
