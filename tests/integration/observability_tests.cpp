// /metrics, /healthz and /readyz of an in-process pipeline on the embedded broker:
// the counters against what was sent, readiness around assignment and shutdown, and
// two instances with port 0 on one machine.
#include <httplib.h>

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "connectors/embedded_broker.h"
#include "generator/session_generator.h"
#include "kafka_test_util.h"
#include "pipeline/kafka_pipeline.h"
#include "processor/privacy_scanner.h"
#include "processor/record_processor.h"

namespace skillstream {
namespace {

using Clock = std::chrono::steady_clock;
using testing::InRecord;

std::shared_ptr<const processor::PrivacyPatterns> patterns() {
  static auto p = processor::PrivacyScanner::compile_patterns();
  return p;
}

struct Broker {
  std::unique_ptr<connectors::EmbeddedBroker> broker;

  explicit Broker(int in_partitions) {
    std::string error;
    broker = connectors::EmbeddedBroker::start(1, error);
    EXPECT_NE(broker, nullptr) << error;
    EXPECT_TRUE(broker->create_topic("in", in_partitions).ok());
    EXPECT_TRUE(broker->create_topic("clean", 2).ok());
    EXPECT_TRUE(broker->create_topic("dlq", 2).ok());
  }

  config::Settings settings(const std::string& instance) const {
    config::Settings s;
    s.brokers = broker->bootstraps();
    s.input_topic = "in";
    s.clean_topic = "clean";
    s.dlq_topic = "dlq";
    s.group = "obs-group";
    s.instance_id = instance;
    s.workers = 2;
    s.http_addr = "127.0.0.1:0";
    s.summary_interval = std::chrono::milliseconds(500);
    s.consumer_properties = {{"fetch.wait.max.ms", "10"},
                             {"session.timeout.ms", "3000"},
                             {"heartbeat.interval.ms", "500"}};
    return s;
  }
};

// A pipeline running on its own thread until stop() (or the end of the test).
struct Running {
  pipeline::KafkaPipeline pipeline;
  std::atomic<bool> stop_flag{false};
  pipeline::PipelineResult result;
  std::thread thread;

  explicit Running(config::Settings s) : pipeline(std::move(s), patterns()) {
    thread = std::thread([this] { result = pipeline.run(stop_flag); });
  }
  ~Running() { stop(); }
  void stop() {
    stop_flag = true;
    if (thread.joinable()) thread.join();
  }
  std::uint16_t port() const {
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (pipeline.http_port() == 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return pipeline.http_port();
  }
};

struct Reply {
  int status = 0;
  std::string body;
};

Reply get(std::uint16_t port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  auto res = client.Get(path.c_str());
  if (!res) return {};
  return {res->status, res->body};
}

// The value of one series, e.g. `skillstream_records_total{outcome="clean"}`.
std::optional<double> value_of(const std::string& scrape, const std::string& series) {
  std::string needle = "\n" + series + " ";
  auto at = scrape.find(needle);
  if (at == std::string::npos) return std::nullopt;
  return std::stod(scrape.substr(at + needle.size()));
}

double require(const std::string& scrape, const std::string& series) {
  auto v = value_of(scrape, series);
  EXPECT_TRUE(v.has_value()) << series;
  return v.value_or(-1);
}

// What the scrape must say, from a direct RecordProcessor run over the inputs.
struct Expected {
  std::array<double, processor::kReasonCount> verdicts{};
  double clean = 0, rejected = 0, bytes_in = 0, bytes_clean = 0, bytes_dlq = 0;

  explicit Expected(const std::vector<InRecord>& in) {
    processor::RecordProcessor proc(processor::ProcessorOptions{}, patterns());
    for (const InRecord& r : in) {
      auto o = proc.process(*r.value);
      ++verdicts[static_cast<std::size_t>(o.verdict.reason)];
      bytes_in += static_cast<double>(r.value->size());
      if (o.verdict.clean()) {
        ++clean;
        bytes_clean += static_cast<double>(o.value.size());
      } else {
        ++rejected;
        bytes_dlq += static_cast<double>(r.value->size());
      }
    }
  }
};

TEST(Observability, ScrapeMatchesWhatWasSentAndReadinessFollowsTheRun) {
  Broker b(3);
  auto inputs = testing::generated_inputs(3000, 11, 0.25, 0.1, 3);
  Expected want(inputs);
  Running run(b.settings("obs-1"));
  const std::uint16_t port = run.port();
  ASSERT_NE(port, 0);
  EXPECT_TRUE(testing::wait_for([&] { return get(port, "/readyz").status == 200; },
                                std::chrono::seconds(15)))
      << "not ready after assignment";

  std::atomic<bool> produced{false};
  std::thread producer([&] {
    testing::produce_all(b.broker->bootstraps(), "in", inputs);
    produced = true;
  });
  int healthy = 0, probes = 0;
  auto delivered = [&] {
    ++probes;
    healthy += get(port, "/healthz").status == 200 ? 1 : 0;  // under load
    auto m = get(port, "/metrics").body;
    return value_of(m, "skillstream_records_total{outcome=\"clean\"}").value_or(0) +
               value_of(m, "skillstream_records_total{outcome=\"rejected\"}").value_or(0) ==
           static_cast<double>(inputs.size());
  };
  EXPECT_TRUE(testing::wait_for(delivered, std::chrono::seconds(30)));
  producer.join();
  EXPECT_TRUE(produced);
  EXPECT_EQ(healthy, probes);
  EXPECT_EQ(get(port, "/readyz").status, 200);
  const std::string lag_series = "skillstream_consumer_lag_records{topic=\"in\",partition=\"0\"}";
  auto lag_caught_up = [&] { return value_of(get(port, "/metrics").body, lag_series) == 0.0; };
  EXPECT_TRUE(testing::wait_for(lag_caught_up, std::chrono::seconds(5)))
      << "no lag from the statistics";

  run.stop();  // shutdown: readiness goes, the listener stays until destruction
  ASSERT_EQ(run.result.exit, pipeline::PipelineExit::ok) << run.result.error;
  EXPECT_EQ(get(port, "/readyz").status, 503);
  EXPECT_EQ(get(port, "/healthz").status, 200);

  const std::string m = get(port, "/metrics").body;
  EXPECT_EQ(require(m, "skillstream_records_read_total"), static_cast<double>(inputs.size()));
  EXPECT_EQ(require(m, "skillstream_records_total{outcome=\"clean\"}"), want.clean);
  EXPECT_EQ(require(m, "skillstream_records_total{outcome=\"rejected\"}"), want.rejected);
  for (std::size_t r = 1; r < processor::kReasonCount; ++r) {
    std::string reason(to_string(static_cast<processor::Reason>(r)));
    EXPECT_EQ(require(m, "skillstream_rejects_total{reason=\"" + reason + "\"}"), want.verdicts[r])
        << reason;
  }
  EXPECT_GT(require(m, "skillstream_redactions_total{kind=\"secret\"}"), 0);
  EXPECT_EQ(require(m, "skillstream_bytes_total{stream=\"in\"}"), want.bytes_in);
  EXPECT_EQ(require(m, "skillstream_bytes_total{stream=\"clean\"}"), want.bytes_clean);
  EXPECT_EQ(require(m, "skillstream_bytes_total{stream=\"dlq\"}"), want.bytes_dlq);
  EXPECT_EQ(require(m, "skillstream_unaccounted_records"), 0);
  EXPECT_EQ(require(m, "skillstream_inflight_records"), 0);
  EXPECT_EQ(require(m, "skillstream_end_to_end_latency_seconds_count"),
            static_cast<double>(inputs.size()));
  EXPECT_EQ(require(m, "skillstream_end_to_end_latency_seconds_bucket{le=\"+Inf\"}"),
            static_cast<double>(inputs.size()));
  EXPECT_GT(require(m, "skillstream_batch_processing_seconds_count"), 0);
  EXPECT_GT(require(m, "skillstream_commits_total{result=\"ok\"}"), 0);
  EXPECT_EQ(require(m, "skillstream_commits_total{result=\"failed\"}"), 0);
  EXPECT_GE(require(m, "skillstream_rebalances_total"), 1);
  EXPECT_EQ(require(m, "skillstream_undeliverable_total"), 0);
}

TEST(Observability, TwoInstancesWithPortZeroGetOwnPortsAndBothTurnReady) {
  Broker b(1);  // one partition: one instance settles with zero partitions
  Running first(b.settings("obs-a"));
  Running second(b.settings("obs-b"));
  const std::uint16_t p1 = first.port(), p2 = second.port();
  ASSERT_NE(p1, 0);
  ASSERT_NE(p2, 0);
  EXPECT_NE(p1, p2);
  auto both_ready = [&] {
    return get(p1, "/readyz").status == 200 && get(p2, "/readyz").status == 200;
  };
  EXPECT_TRUE(testing::wait_for(both_ready, std::chrono::seconds(20)));
  EXPECT_EQ(get(p1, "/healthz").status, 200);
  EXPECT_EQ(get(p2, "/healthz").status, 200);
}

}  // namespace
}  // namespace skillstream
