// /metrics, /healthz and /readyz of an in-process pipeline on the embedded broker:
// the counters against what was sent, readiness around assignment, a rebalance and
// shutdown, and two instances with port 0 on one machine.
#include <httplib.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/kafka_pipeline.h"
#include "processor/record_processor.h"
#include "tests/integration/cluster.h"

namespace skillstream {
namespace {

using testing::Cluster;
using testing::InRecord;
using testing::RunningPipeline;

// A pipeline of group "obs-group" that runs until stopped, with its listener on a free
// port and a summary line every 500 ms.
config::Settings obs_settings(const Cluster& c, const std::string& instance) {
  config::Settings s = c.settings("obs-group", instance);
  s.stop_at_end = false;
  s.http_addr = "127.0.0.1:0";
  s.summary_interval = std::chrono::milliseconds(500);
  s.shutdown_timeout = config::Settings{}.shutdown_timeout;
  return s;
}

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
    processor::RecordProcessor proc(processor::ProcessorOptions{}, testing::privacy_patterns());
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
  const Cluster c({.input_partitions = 3, .clean_partitions = 2, .dlq_partitions = 2});
  auto inputs = testing::generated_inputs(3000, 11, 0.25, 0.1, 3);
  Expected want(inputs);
  RunningPipeline run(obs_settings(c, "obs-1"));
  const std::uint16_t port = run.http_port();
  ASSERT_NE(port, 0);
  EXPECT_TRUE(testing::wait_for([&] { return get(port, "/readyz").status == 200; },
                                std::chrono::seconds(15)))
      << "not ready after assignment";

  std::atomic<bool> produced{false};
  std::thread producer([&] {
    c.produce(inputs);
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
  ASSERT_EQ(run.result().exit, pipeline::PipelineExit::ok) << run.result().error;
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
  EXPECT_EQ(require(m, "skillstream_record_latency_seconds_count{stage=\"end_to_end\"}"),
            static_cast<double>(inputs.size()));
  EXPECT_EQ(
      require(m, "skillstream_record_latency_seconds_bucket{stage=\"end_to_end\",le=\"+Inf\"}"),
      static_cast<double>(inputs.size()));
  EXPECT_EQ(require(m, "skillstream_record_latency_seconds_count{stage=\"processing\"}"),
            static_cast<double>(inputs.size()));
  EXPECT_GT(require(m, "skillstream_batch_processing_seconds_count"), 0);
  EXPECT_GT(require(m, "skillstream_commits_total{result=\"ok\"}"), 0);
  EXPECT_EQ(require(m, "skillstream_commits_total{result=\"failed\"}"), 0);
  EXPECT_GE(require(m, "skillstream_rebalances_total"), 1);
  EXPECT_EQ(require(m, "skillstream_undeliverable_total"), 0);
}

TEST(Observability, TwoInstancesWithPortZeroGetOwnPortsAndBothTurnReady) {
  // One input partition: one of the two instances settles with zero partitions.
  const Cluster c({.input_partitions = 1, .clean_partitions = 2, .dlq_partitions = 2});
  RunningPipeline first(obs_settings(c, "obs-a"));
  RunningPipeline second(obs_settings(c, "obs-b"));
  const std::uint16_t p1 = first.http_port(), p2 = second.http_port();
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

// Readiness during a rebalance: A is ready; B joins the group; while the group
// rebalances, A's /readyz answers 503, and 200 again once both are settled.
TEST(Observability, ReadinessDropsWhileTheGroupRebalances) {
  const Cluster c({.input_partitions = 4, .clean_partitions = 2, .dlq_partitions = 2});
  // The embedded broker waits session.timeout.ms - 1000 ms for the members on each
  // rebalance round: with 6 s, the rounds of a join last seconds, so probes 20 ms
  // apart cannot miss them (and a slow machine only makes them longer).
  config::Settings settings = obs_settings(c, "obs-a");
  settings.consumer_properties = testing::group_properties(6000);
  RunningPipeline a(settings);
  const std::uint16_t pa = a.http_port();
  ASSERT_NE(pa, 0);
  ASSERT_TRUE(
      testing::wait_for([&] { return get(pa, "/readyz").status == 200; }, std::chrono::seconds(30)))
      << "A not ready after its assignment";
  const double rebalances_before =
      require(get(pa, "/metrics").body, "skillstream_rebalances_total");

  settings.instance_id = "obs-b";
  RunningPipeline b(settings);
  const std::uint16_t pb = b.http_port();
  ASSERT_NE(pb, 0);
  // From B's start until both answer 200: every answer of A, in order.
  std::vector<int> a_answers;
  auto settled = [&] {
    a_answers.push_back(get(pa, "/readyz").status);
    return a_answers.back() == 200 && get(pb, "/readyz").status == 200;
  };
  ASSERT_TRUE(testing::wait_for(settled, std::chrono::seconds(60)))
      << "the group did not settle with both members ready";
  EXPECT_NE(std::find(a_answers.begin(), a_answers.end(), 503), a_answers.end())
      << "A stayed ready through the rebalance (" << a_answers.size() << " probes)";
  EXPECT_EQ(get(pa, "/readyz").status, 200);
  EXPECT_GT(require(get(pa, "/metrics").body, "skillstream_rebalances_total"), rebalances_before);
}

}  // namespace
}  // namespace skillstream
