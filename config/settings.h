#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "processor/record_processor.h"

namespace skillstream::config {

// What to do when the broker refuses a record for good.
enum class OnUndeliverable : std::uint8_t {
  dead_letter,  // write a stub with reason `undeliverable` to the dead-letter topic
  halt,         // stop the partition (the process exits 1 after committing what it can)
};

enum class LogFormat : std::uint8_t { text, json };

// One librdkafka property as it was given, with where: the check at start
// (connectors::check_properties, called by the command) and its error line name the
// file, table and key. The value goes to librdkafka only, never into a message.
struct PropertySource {
  std::string file;                    // the config file it was read from
  std::string table;                   // "kafka.common", "kafka.consumer" or "kafka.producer"
  std::string name;                    // as written: "fetch.max.bytes"
  std::string value;                   // ${VAR} references expanded
  std::vector<std::string> variables;  // the ${VAR}s the value was built from, if any
};

// Every setting of every command (`run` takes them all), with its default. Filled by
// load_settings() from defaults, then the TOML file, then SKILLSTREAM_* environment variables, then
// command-line flags (each layer overrides the one before).
struct Settings {
  // [kafka]
  std::string brokers;  // bootstrap servers; empty means "not configured"
  std::string input_topic = "sessions.raw";
  std::string clean_topic = "sessions.clean";
  std::string dlq_topic = "sessions.dlq";
  std::string group = "skillstream";
  std::string instance_id;  // empty: hostname:pid, filled in by load_settings()
  // librdkafka properties passed through as they are (${ENV_VAR} already expanded).
  // [kafka.consumer] and [kafka.producer] tables; [kafka.common] goes to both.
  std::vector<std::pair<std::string, std::string>> consumer_properties;
  std::vector<std::pair<std::string, std::string>> producer_properties;
  // Every property of the three tables as given (before merging), in file order.
  std::vector<PropertySource> property_sources;

  // [processor]
  unsigned workers = 0;  // 0: every hardware thread
  processor::ProcessorOptions processor;

  // [pipeline]
  std::size_t max_inflight_bytes = 256u << 20;  // consumption pauses above this
  // Also pauses above this many records read and not acknowledged: below librdkafka's
  // queue.buffering.max.messages (100000), so a stalled output fills our queue, not its.
  std::size_t max_inflight_records = 50'000;
  std::size_t batch_max_records = 512;  // records per batch handed to a worker
  bool key_from_session_id = true;      // clean records without a key get session_id as key
  // Section 3 over the Kafka record key as well (redacted in clean records, or
  // privacy_violation under reject). Input headers always pass through unscanned.
  bool scan_kafka_key = false;
  OnUndeliverable on_undeliverable = OnUndeliverable::dead_letter;
  std::chrono::milliseconds shutdown_timeout{30'000};  // SIGTERM drain bound
  // With stop_at_end, a run that gets no assignment in this time exits 1 (a wrong
  // bootstrap address must not retry for ever in a batch job). A service retries.
  std::chrono::milliseconds connect_timeout{30'000};
  bool stop_at_end = false;

  // [log]
  std::string log_level = "info";  // trace, debug, info, warn, error, critical, off
  LogFormat log_format = LogFormat::text;

  // [http]
  std::string http_addr = "127.0.0.1:9464";  // "off" disables; port 0 picks a free one
  std::chrono::milliseconds summary_interval{10'000};

  // [redrive]: `skillstream redrive` reads dlq_topic as a queue.
  struct Redrive {
    std::string group = "skillstream-redrive";  // its own consumer group
    std::string parking_topic = "sessions.dlq.parked";
    std::vector<processor::Reason> reasons;  // selected reasons; empty: all
    std::int64_t since_ms = INT64_MIN;       // skillstream.source.timestamp >= since
    std::int64_t until_ms = INT64_MAX;       // ... < until
    unsigned max_attempts = 5;               // a record still failing at this attempt is parked
    bool dry_run = false;                    // write and commit nothing; say what would move
  } redrive;
};

}  // namespace skillstream::config
