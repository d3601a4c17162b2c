#pragma once
// The integration tests' one fixture: an embedded broker (librdkafka's mock cluster on
// 127.0.0.1) with an input, a clean and a dead-letter topic; settings for an in-process
// pipeline, or a config file for the `skillstream` binary, against it; the pipeline run
// to its end or on a thread of its own; and the outputs read back through their
// skillstream.source.* headers. Client-level helpers are in kafka_test_util.h.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "config/settings.h"
#include "connectors/embedded_broker.h"
#include "pipeline/kafka_pipeline.h"
#include "processor/privacy_scanner.h"
#include "tests/integration/kafka_test_util.h"

namespace skillstream::testing {

// Consumer-group timings that keep the embedded broker's joins and failure detection
// short. The mock waits session.timeout.ms - 1000 ms for members on a rebalance.
inline std::vector<std::pair<std::string, std::string>> group_properties(
    int session_timeout_ms = 3000) {
  return {{"fetch.wait.max.ms", "10"},
          {"session.timeout.ms", std::to_string(session_timeout_ms)},
          {"heartbeat.interval.ms", "500"}};
}

struct Topics {
  std::string input = "in", clean = "clean", dlq = "dlq";
  int input_partitions = 4, clean_partitions = 4, dlq_partitions = 4;
};

// The privacy patterns, compiled once per test process (Hyperscan compiles slowly).
inline std::shared_ptr<const processor::PrivacyPatterns> privacy_patterns() {
  static auto p = processor::PrivacyScanner::compile_patterns();
  return p;
}

// Runs one pipeline on the calling thread until `stop`, the end of input
// (stop_at_end) or a fatal error.
inline pipeline::PipelineResult run_pipeline(const config::Settings& settings,
                                             const std::atomic<bool>& stop) {
  pipeline::KafkaPipeline pipeline(settings, privacy_patterns());
  return pipeline.run(stop);
}

inline pipeline::PipelineResult run_pipeline(const config::Settings& settings) {
  const std::atomic<bool> never{false};
  return run_pipeline(settings, never);
}

// A `skillstream run --config` file, dir/skillstream.toml: the brokers, the topics and
// the group timings above (the group left at its default), HTTP on a free port
// (instances side by side). Returns its path.
inline std::string write_run_config(const std::string& dir, const std::string& brokers,
                                    const Topics& topics) {
  std::string path = dir + "/skillstream.toml";
  std::ofstream out(path);
  out << "[kafka]\nbrokers = \"" << brokers << "\"\ninput_topic = \"" << topics.input
      << "\"\nclean_topic = \"" << topics.clean << "\"\ndlq_topic = \"" << topics.dlq
      << "\"\n[kafka.consumer]\n";
  for (const auto& [k, v] : group_properties()) out << '"' << k << "\" = \"" << v << "\"\n";
  out << "[http]\naddr = \"127.0.0.1:0\"\n";
  return path;
}

class Cluster {
 public:
  // Throws (a test failure) when the broker cannot start: nothing after it could run.
  explicit Cluster(Topics topics = {}, int brokers = 1) : topics_(std::move(topics)) {
    auto started = connectors::EmbeddedBroker::start(brokers);
    if (!started.ok()) throw std::runtime_error(started.status().error);
    broker_ = std::move(started.value());
    create(topics_.input, topics_.input_partitions);
    create(topics_.clean, topics_.clean_partitions);
    create(topics_.dlq, topics_.dlq_partitions);
  }

  [[nodiscard]] connectors::EmbeddedBroker& broker() const { return *broker_; }
  [[nodiscard]] const std::string& bootstraps() const { return broker_->bootstraps(); }
  [[nodiscard]] const Topics& topics() const { return topics_; }

  // One pipeline against this cluster: 2 workers, until the end of input, quick group
  // timings, no HTTP listener (a fixed port would collide with other test processes).
  [[nodiscard]] config::Settings settings(const std::string& group,
                                          const std::string& instance) const {
    config::Settings s;
    s.brokers = bootstraps();
    s.input_topic = topics_.input;
    s.clean_topic = topics_.clean;
    s.dlq_topic = topics_.dlq;
    s.group = group;
    s.instance_id = instance;
    s.workers = 2;
    s.stop_at_end = true;
    s.http_addr = "off";
    s.shutdown_timeout = std::chrono::seconds(20);
    s.consumer_properties = group_properties();
    return s;
  }

  // A `skillstream run --config` file in `dir` for this cluster (write_run_config).
  [[nodiscard]] std::string write_config(const std::string& dir) const {
    return write_run_config(dir, bootstraps(), topics_);
  }

  void produce(const std::vector<InRecord>& records) const {
    produce_all(bootstraps(), topics_.input, records);
  }

  [[nodiscard]] int partitions(const std::string& topic) const {
    if (topic == topics_.input) return topics_.input_partitions;
    return topic == topics_.clean ? topics_.clean_partitions : topics_.dlq_partitions;
  }
  [[nodiscard]] std::vector<OutRecord> read(const std::string& topic) const {
    return read_all(bootstraps(), topic, partitions(topic));
  }
  // The clean topic's records, then the dead-letter topic's.
  [[nodiscard]] std::vector<OutRecord> outputs() const {
    auto all = read(topics_.clean);
    auto dlq = read(topics_.dlq);
    all.insert(all.end(), dlq.begin(), dlq.end());
    return all;
  }
  // Input (partition, offset) -> times it came out in the clean and dead-letter topics.
  [[nodiscard]] std::map<SourceId, int> output_counts() const {
    std::map<SourceId, int> out;
    for (const OutRecord& o : outputs()) ++out[source_of(o)];
    return out;
  }

  [[nodiscard]] std::vector<std::int64_t> high_watermarks(const std::string& topic) const {
    return testing::high_watermarks(bootstraps(), topic, partitions(topic));
  }
  [[nodiscard]] std::vector<std::int64_t> input_high_watermarks() const {
    return high_watermarks(topics_.input);
  }
  // Records written to the clean and dead-letter topics so far.
  [[nodiscard]] std::int64_t outputs_written() const {
    return total(high_watermarks(topics_.clean)) + total(high_watermarks(topics_.dlq));
  }
  // The group's committed offsets on the input topic (-1001: none).
  [[nodiscard]] std::vector<std::int64_t> committed(const std::string& group) const {
    return committed_offsets(bootstraps(), group, topics_.input, topics_.input_partitions);
  }

 private:
  void create(const std::string& topic, int partitions) {
    if (connectors::Status st = broker_->create_topic(topic, partitions); !st.ok()) {
      throw std::runtime_error("create topic " + topic + ": " + st.error);
    }
  }

  Topics topics_;
  std::unique_ptr<connectors::EmbeddedBroker> broker_;
};

// A pipeline running on its own thread from construction until stop() (or
// destruction); result() once stopped.
class RunningPipeline {
 public:
  explicit RunningPipeline(config::Settings settings)
      : pipeline_(std::move(settings), privacy_patterns()) {
    thread_ = std::thread([this] { result_ = pipeline_.run(stop_); });
  }
  ~RunningPipeline() { stop(); }
  RunningPipeline(const RunningPipeline&) = delete;
  RunningPipeline& operator=(const RunningPipeline&) = delete;

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Valid after stop().
  [[nodiscard]] const pipeline::PipelineResult& result() const { return result_; }

  // The HTTP listener's port once the run has opened it; 0 if it did not in time.
  [[nodiscard]] std::uint16_t http_port() const {
    (void)wait_for([&] { return pipeline_.http_port() != 0; }, std::chrono::seconds(10));
    return pipeline_.http_port();
  }

 private:
  pipeline::KafkaPipeline pipeline_;
  std::atomic<bool> stop_{false};
  pipeline::PipelineResult result_;
  std::thread thread_;
};

}  // namespace skillstream::testing
