// `skillstream demo`: the whole pipeline on an embedded broker, in one process.
#include <unistd.h>
#include <algorithm>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <CLI/CLI.hpp>

#include "apps/commands.h"
#include "apps/logging.h"
#include "apps/session_producer.h"
#include "connectors/embedded_broker.h"
#include "pipeline/kafka_pipeline.h"
#include "processor/privacy_scanner.h"

namespace skillstream::apps {

namespace {

struct DemoOptions {
  std::size_t count = 100'000;
  int partitions = 32;  // ~5 MiB retention per partition: 32 hold ~160 MiB
  unsigned workers = 0;
  std::uint64_t seed = 42;
  std::string log_level = "warn";
};

// Prints the first `n` dead-letter records: key, size and headers (never the value).
void show_dead_letters(const std::string& brokers, const std::string& topic, int partitions,
                       int n) {
  std::string error;
  rd_kafka_t* rk = new_kafka_client(RD_KAFKA_CONSUMER,
                                    {{"bootstrap.servers", brokers},
                                     {"group.id", "skillstream-demo-reader"},
                                     {"enable.auto.commit", "false"},
                                     {"fetch.wait.max.ms", "10"}},
                                    error);
  if (rk == nullptr) return;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  (void)rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  int shown = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (shown < n && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++shown;
      std::printf("\ndead-letter record %d: %s[%d] offset %lld, value %zu bytes (not shown)\n",
                  shown, topic.c_str(), m->partition, static_cast<long long>(m->offset), m->len);
      rd_kafka_headers_t* h = nullptr;
      if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name;
        const void* value;
        size_t size;
        for (size_t i = 0; rd_kafka_header_get_all(h, i, &name, &value, &size) == 0; ++i) {
          std::printf("  %-30s %.*s\n", name, static_cast<int>(size),
                      value ? static_cast<const char*>(value) : "");
        }
      }
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
}

int run_demo(const DemoOptions& o) {
  if (!configure_logging(o.log_level, "text")) {
    std::fprintf(stderr, "skillstream demo: bad --log-level\n");
    return 2;
  }
  auto started = connectors::EmbeddedBroker::start(1);
  if (!started.ok()) {
    std::fprintf(stderr, "skillstream demo: %s\n", started.status().error.c_str());
    return 1;
  }
  auto broker = std::move(started.value());
  config::Settings s;
  s.brokers = broker->bootstraps();
  s.instance_id = fmt::format("demo:{}", ::getpid());
  s.workers = o.workers;
  s.stop_at_end = true;
  s.http_addr = "127.0.0.1:0";  // a free port: the demo never collides with a running service
  s.group = "skillstream-demo";
  s.consumer_properties = {{"fetch.wait.max.ms", "10"}, {"session.timeout.ms", "6000"}};
  for (const auto& [t, p] :
       {std::pair{s.input_topic, o.partitions}, std::pair{s.clean_topic, o.partitions},
        std::pair{s.dlq_topic, std::max(o.partitions / 4, 1)}}) {
    if (auto st = broker->create_topic(t, p); !st.ok()) {
      std::fprintf(stderr, "skillstream demo: %s\n", st.error.c_str());
      return 1;
    }
  }
  std::printf("embedded broker at %s; producing %zu generated sessions to %s (%d partitions)\n",
              s.brokers.c_str(), o.count, s.input_topic.c_str(), o.partitions);
  std::fflush(stdout);
  auto t0 = std::chrono::steady_clock::now();
  SessionProduceOptions po;
  po.brokers = s.brokers;
  po.topic = s.input_topic;
  po.partitions = o.partitions;
  po.count = o.count;
  po.generator.seed = o.seed;
  po.generator.invalid_ratio = 0.10;
  po.generator.secret_ratio = 0.05;
  SessionProduceProgress produced;
  const std::atomic<bool> never{false};
  std::string error = produce_sessions(po, produced, never);
  const auto bytes = produced.bytes.load();
  if (!error.empty()) {
    std::fprintf(stderr, "skillstream demo: producing input: %s\n", error.c_str());
    return 1;
  }
  double produce_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("produced %.1f MB in %.2f s; running the pipeline to the end of input...\n",
              static_cast<double>(bytes) / 1e6, produce_s);
  std::fflush(stdout);

  auto patterns = processor::PrivacyScanner::compile_patterns();
  pipeline::KafkaPipeline pipeline(s, patterns);
  std::atomic<bool> stop{false};
  pipeline::PipelineResult r = pipeline.run(stop);
  if (r.exit != pipeline::PipelineExit::ok) {
    std::fprintf(stderr, "skillstream demo: pipeline failed: %s\n", r.error.c_str());
    return 1;
  }
  const auto& st = r.stats;
  std::uint64_t rejected = 0;
  for (auto n : st.rejected) rejected += n;
  std::printf("\n%-28s %12llu\n", "records read", static_cast<unsigned long long>(st.read));
  std::printf("%-28s %12llu\n", "clean", static_cast<unsigned long long>(st.clean));
  std::printf("%-28s %12llu\n", "dead-letter", static_cast<unsigned long long>(rejected));
  for (std::size_t i = 1; i < processor::kReasonCount; ++i) {
    if (st.rejected[i] == 0) continue;
    std::printf("  %-26s %12llu\n",
                std::string(processor::to_string(static_cast<processor::Reason>(i))).c_str(),
                static_cast<unsigned long long>(st.rejected[i]));
  }
  std::printf("%-28s\n", "redacted (clean records)");
  for (std::size_t k = 0; k < processor::kPrivacyKindCount; ++k) {
    std::printf("  %-26s %12llu\n",
                std::string(processor::to_string(static_cast<processor::PrivacyKind>(k))).c_str(),
                static_cast<unsigned long long>(st.redacted[k]));
  }
  std::printf("%-28s %12llu\n", "delivered", static_cast<unsigned long long>(st.delivered));
  // The consumer-group join (the broker's initial rebalance delay, about 3 s) is a
  // fixed cost at start: the rate after it is what the pipeline sustains.
  const double busy = std::max(st.seconds - st.join_seconds, 1e-9);
  std::printf("%-28s %12.2f s  (%.2f s joining the group, then %.0f records/s, %.1f MB/s)\n",
              "pipeline time", st.seconds, st.join_seconds, static_cast<double>(st.read) / busy,
              static_cast<double>(st.bytes_read) / 1e6 / busy);
  std::fflush(stdout);
  show_dead_letters(s.brokers, s.dlq_topic, std::max(o.partitions / 4, 1), 2);
  std::fflush(stdout);
  return st.delivered == st.read ? 0 : 1;
}

}  // namespace

void add_demo_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<DemoOptions>();
  CLI::App* cmd = app.add_subcommand(
      "demo", "Run the pipeline end to end on an embedded broker with generated sessions");
  cmd->add_option("--count", o->count, "records to generate")->check(CLI::Range(1, 5'000'000));
  cmd->add_option("--partitions", o->partitions, "input partitions")->check(CLI::Range(1, 1024));
  cmd->add_option("--workers", o->workers, "validator threads; 0: every hardware thread");
  cmd->add_option("--seed", o->seed, "generator seed");
  cmd->add_option("--log-level", o->log_level, "log level (default warn)");
  cmd->callback([o, &exit_code] { exit_code = run_demo(*o); });
}

}  // namespace skillstream::apps
