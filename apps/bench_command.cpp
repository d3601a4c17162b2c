// `skillstream bench`: the pipeline in-process on fresh topics fed by its own
// producer thread; throughput, CPU per record, peak RSS and per-record latency.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <CLI/CLI.hpp>

#include "apps/commands.h"
#include "apps/logging.h"
#include "apps/progress.h"
#include "apps/session_producer.h"
#include "connectors/embedded_broker.h"
#include "connectors/kafka_admin.h"
#include "pipeline/kafka_pipeline.h"
#include "processor/privacy_scanner.h"
#include "processor/record_processor.h"

namespace skillstream::apps {

namespace {

using Clock = std::chrono::steady_clock;

struct BenchOptions {
  std::string brokers;  // empty: the embedded broker
  std::size_t records = 200'000;
  double rate = 0;     // records/s; 0: as fast as possible
  int partitions = 0;  // 0: 16 on a cluster, enough for the embedded broker's retention
  std::size_t record_bytes = 0;
  double invalid_ratio = 0.10;
  double secret_ratio = 0.05;
  unsigned workers = 0;
  std::string processor = "full";
  bool keep = false;
  bool json = false;
  std::string topic_prefix;      // empty: skillstream-bench-<pid>-<ms>
  bool existing_topics = false;  // PREFIX.in/.clean/.dlq exist: create and delete none
  std::uint64_t seed = 42;
  std::string log_level = "warn";
  double stall_seconds = 60;
  unsigned warmup_ms = 1000;   // paced runs start producing this long after the join
  int fetch_wait_max_ms = -1;  // -1: 10 on the embedded broker, librdkafka's default elsewhere
};

double cpu_seconds(const rusage& u) {
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string latency_json(const pipeline::PipelineStats::Latency& l) {
  return fmt::format(R"({{"p50":{:.3f},"p90":{:.3f},"p99":{:.3f},"max":{:.3f},"records":{}}})",
                     l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms, l.records);
}

std::string latency_text(const pipeline::PipelineStats::Latency& l) {
  if (l.records == 0) return "no records";
  return fmt::format("p50 {:.1f} ms  p90 {:.1f} ms  p99 {:.1f} ms  max {:.1f} ms", l.p50_ms,
                     l.p90_ms, l.p99_ms, l.max_ms);
}

int run_bench(BenchOptions o) {
  if (!configure_logging(o.log_level, "text")) {
    std::fprintf(stderr, "skillstream bench: bad --log-level\n");
    return 2;
  }
  if (o.processor != "full" && o.processor != "none") {
    std::fprintf(stderr, "skillstream bench: --processor must be full or none\n");
    return 2;
  }
  const bool embedded = o.brokers.empty();
  if (o.partitions == 0) {
    // The embedded broker keeps about 5 MiB per partition: room for every record
    // (about 1.1 KB each as generated) at 4 MiB per partition.
    const double bytes = static_cast<double>(o.records) *
                         static_cast<double>(std::max<std::size_t>(o.record_bytes, 1200));
    o.partitions =
        embedded ? std::clamp(static_cast<int>(std::ceil(bytes / (4 << 20))), 8, 1024) : 16;
  }
  std::string error;
  std::unique_ptr<connectors::EmbeddedBroker> broker;
  if (embedded) {
    auto started = connectors::EmbeddedBroker::start(1);
    if (!started.ok()) {
      std::fprintf(stderr, "skillstream bench: %s\n", started.status().error.c_str());
      return 1;
    }
    broker = std::move(started.value());
    o.brokers = broker->bootstraps();
  }
  // Fresh topics each run: nothing read is left over from another.
  const std::string run_id =
      !o.topic_prefix.empty() ? o.topic_prefix
                              : fmt::format("skillstream-bench-{}-{}", ::getpid(),
                                            std::chrono::duration_cast<std::chrono::milliseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
  config::Settings s;
  s.brokers = o.brokers;
  s.input_topic = run_id + ".in";
  s.clean_topic = run_id + ".clean";
  s.dlq_topic = run_id + ".dlq";
  s.group = run_id + fmt::format(".group-{}", ::getpid());
  s.instance_id = fmt::format("bench:{}", ::getpid());
  s.workers = o.workers;
  s.processor.pass_through = o.processor == "none";
  s.http_addr = "off";
  s.summary_interval = std::chrono::hours(24);
  // The mock broker answers a fetch only after fetch.wait.max.ms (500 ms by default)
  // when a partition has nothing: that would be added to records' latency and throttle
  // the reads. A real broker answers as soon as data arrives.
  if (o.fetch_wait_max_ms < 0 && embedded) o.fetch_wait_max_ms = 10;
  if (o.fetch_wait_max_ms >= 0) {
    s.consumer_properties = {{"fetch.wait.max.ms", std::to_string(o.fetch_wait_max_ms)}};
  }
  if (embedded) s.consumer_properties.emplace_back("session.timeout.ms", "6000");
  const std::vector<std::string> topics = {s.input_topic, s.clean_topic, s.dlq_topic};
  if (o.existing_topics && !embedded) {
    // Made by the caller (benchmarks/pipeline_bench.sh: `skillstream broker --topics`).
  } else if (embedded) {
    for (const auto& t : topics) {
      if (auto st = broker->create_topic(t, o.partitions); !st.ok()) {
        std::fprintf(stderr, "skillstream bench: %s\n", st.error.c_str());
        return 1;
      }
    }
  } else if (auto st = connectors::create_topics({{"bootstrap.servers", s.brokers}}, topics,
                                                 o.partitions, std::chrono::seconds(30));
             !st.ok()) {
    std::fprintf(stderr, "skillstream bench: %s\n", st.error.c_str());
    return 1;
  }

  SessionProduceOptions po;
  po.brokers = s.brokers;
  po.topic = s.input_topic;
  po.partitions = o.partitions;
  po.count = o.records;
  po.rate = o.rate;
  po.record_bytes = o.record_bytes;
  po.generator.seed = o.seed;
  po.generator.invalid_ratio = o.invalid_ratio;
  po.generator.secret_ratio = o.secret_ratio;
  // Paced records go out at once: the linger would count as latency.
  if (o.rate > 0) po.properties = {{"linger.ms", "1"}};
  SessionProduceProgress produced;
  std::atomic<bool> stop_producer{false};
  std::atomic<bool> stop_pipeline{false};
  std::string produce_error;
  std::atomic<bool> producer_finished{false};  // produce_error and producer_cpu are set
  double producer_cpu = 0;

  pipeline::KafkaPipeline pipe(s, processor::PrivacyScanner::compile_patterns());
  pipeline::PipelineResult result;
  std::atomic<bool> pipeline_done{false};
  // CPU from here: the patterns are compiled, the broker and topics are up.
  rusage usage_start{};
  getrusage(RUSAGE_SELF, &usage_start);
  const auto t_start = Clock::now();
  std::thread pipeline_thread([&] {
    result = pipe.run(stop_pipeline);
    pipeline_done.store(true, std::memory_order_release);
  });
  std::optional<std::thread> producer;
  Clock::time_point t_produce{};
  auto start_producer = [&] {
    t_produce = Clock::now();
    producer.emplace([&] {
      produce_error = produce_sessions(po, produced, stop_producer);
      producer_cpu = thread_cpu_seconds();  // this thread's own, for the whole of it
      producer_finished.store(true, std::memory_order_release);
    });
  };
  // As fast as possible: the backlog builds while the group forms, and the rate after
  // the join is the pipeline's. Paced: records start --warmup-ms after the pipeline is
  // in the group, so neither the join nor the first fetches count as latency.
  if (o.rate <= 0) start_producer();

  Progress progress(!o.json && Progress::on_terminal());
  std::optional<Clock::time_point> t_join;
  Clock::time_point t_done = Clock::now();
  std::uint64_t last_delivered = 0;
  auto last_move = Clock::now();
  std::string bench_error;
  bool pipeline_ended = false;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const auto now = Clock::now();
    const pipeline::KafkaPipeline::Progress p = pipe.progress();
    if (p.joined && !t_join) t_join = now;
    // Paced: after the warm-up, past the consumer's first offset look-ups and fetches.
    if (!producer && t_join && now - *t_join >= std::chrono::milliseconds(o.warmup_ms)) {
      start_producer();
    }
    progress.update_of(p.delivered, o.records);
    const bool produced_all = producer_finished.load(std::memory_order_acquire);
    if (produced_all && !produce_error.empty()) {  // nothing more will come
      t_done = now;
      break;
    }
    const std::uint64_t target = produced.produced.load() - produced.failed.load();
    if (produced_all && p.delivered >= target) {
      t_done = now;
      break;
    }
    if (!p.joined && now - t_start > s.connect_timeout) {
      bench_error = fmt::format(
          "no partition of {} assigned within {} ms: are the brokers ({}) "
          "reachable?",
          s.input_topic, s.connect_timeout.count(), s.brokers);
      t_done = now;
      break;
    }
    if (p.delivered != last_delivered || !p.joined) {
      last_delivered = p.delivered;
      last_move = now;
    } else if (now - last_move > std::chrono::duration<double>(o.stall_seconds)) {
      bench_error = fmt::format(
          "no record acknowledged for {:.0f} s: {} of {} delivered ({} read){}", o.stall_seconds,
          p.delivered, target, p.read,
          embedded ? " - the embedded broker keeps ~5 MiB per partition: raise --partitions" : "");
      t_done = now;
      break;
    }
    if (pipeline_done.load(std::memory_order_acquire)) {  // before every record came back
      pipeline_ended = true;
      t_done = now;
      break;
    }
  }
  progress.finish();
  stop_producer = true;
  stop_pipeline = true;
  if (producer) producer->join();
  pipeline_thread.join();
  rusage usage_end{};
  getrusage(RUSAGE_SELF, &usage_end);

  int exit_code = 0;
  if (!produce_error.empty()) {
    std::fprintf(stderr, "skillstream bench: producing input: %s%s\n", produce_error.c_str(),
                 produce_error.find("Unknown partition") != std::string::npos
                     ? " (does --partitions match the input topic?)"
                     : "");
    exit_code = 1;
  }
  if (result.exit != pipeline::PipelineExit::ok) {
    std::fprintf(stderr, "skillstream bench: pipeline failed: %s\n", result.error.c_str());
    exit_code = 1;
  } else if (pipeline_ended) {
    std::fprintf(stderr, "skillstream bench: the pipeline stopped before every record came back\n");
    exit_code = 1;
  }
  if (!bench_error.empty()) {
    std::fprintf(stderr, "skillstream bench: %s\n", bench_error.c_str());
    exit_code = 1;
  }

  const auto& st = result.stats;
  const std::uint64_t records = st.delivered;
  const double bytes = static_cast<double>(produced.bytes.load());
  // From the join, or from the first paced record when that came later.
  const double busy = std::max(
      std::chrono::duration<double>(t_done - std::max(t_join.value_or(t_start), t_produce)).count(),
      1e-9);
  const double cpu =
      std::max(cpu_seconds(usage_end) - cpu_seconds(usage_start) - producer_cpu, 0.0);
  const double cpu_us = records > 0 ? cpu / static_cast<double>(records) * 1e6 : 0;
  const auto peak_rss = static_cast<std::uint64_t>(usage_end.ru_maxrss) * 1024;  // KiB on Linux
  std::uint64_t rejected = 0;
  for (auto n : st.rejected) rejected += n;
  const std::string_view kernel = processor::simdjson_kernel();

  // Topics on a real cluster go unless --keep.
  std::string topics_note;
  if (embedded) {
    topics_note = "on the embedded broker (gone with the process)";
  } else if (o.keep || o.existing_topics) {
    topics_note = fmt::format("kept: {} {} {}", topics[0], topics[1], topics[2]);
  } else if (auto del = connectors::delete_topics({{"bootstrap.servers", s.brokers}}, topics,
                                                  std::chrono::seconds(30));
             !del.ok()) {
    topics_note =
        fmt::format("NOT deleted ({}): {} {} {}", del.error, topics[0], topics[1], topics[2]);
  } else {
    topics_note = "deleted";
  }

  if (o.json) {
    fmt::print(R"({{"records":{},"records_per_s":{:.1f},"mb_per_s":{:.3f},"join_s":{:.3f},)"
               R"("busy_s":{:.3f},"cpu_us_per_record":{:.2f},"peak_rss_bytes":{},"latency_ms":{},)"
               R"("processing_latency_ms":{},"kernel":"{}","processor":"{}","broker":"{}",)"
               R"("partitions":{},"workers":{},"rate":{},"clean":{},"dead_letter":{},"ok":{}}})"
               "\n",
               records, static_cast<double>(records) / busy, bytes / 1e6 / busy, st.join_seconds,
               busy, cpu_us, peak_rss, latency_json(st.end_to_end), latency_json(st.processing),
               kernel, o.processor, embedded ? "embedded" : "cluster", o.partitions,
               o.workers != 0 ? o.workers : std::thread::hardware_concurrency(), o.rate, st.clean,
               rejected, exit_code == 0 ? "true" : "false");
  } else {
    std::printf(
        "skillstream bench: %llu records, %.1f MB, %s %s, %d partitions, "
        "processor %s (simdjson %.*s), %u workers, %s\n",
        static_cast<unsigned long long>(records), bytes / 1e6,
        embedded ? "embedded broker at" : "cluster", s.brokers.c_str(), o.partitions,
        o.processor.c_str(), static_cast<int>(kernel.size()), kernel.data(),
        o.workers != 0 ? o.workers : std::thread::hardware_concurrency(),
        o.rate > 0 ? fmt::format("paced at {:.0f} records/s", o.rate).c_str()
                   : "produced as fast as possible");
    std::printf("  group join          %.2f s\n", st.join_seconds);
    std::printf("  after the join      %.0f records/s, %.1f MB/s (%.2f s to the last ack)\n",
                static_cast<double>(records) / busy, bytes / 1e6 / busy, busy);
    std::printf(
        "  CPU                 %.1f us/record (process user+sys minus the producing "
        "thread)\n",
        cpu_us);
    std::printf("  peak RSS            %.0f MiB\n", static_cast<double>(peak_rss) / (1 << 20));
    std::printf("  latency end to end  %s\n", latency_text(st.end_to_end).c_str());
    std::printf("  latency processing  %s\n", latency_text(st.processing).c_str());
    std::printf("  outputs             %llu clean, %llu dead-letter\n",
                static_cast<unsigned long long>(st.clean),
                static_cast<unsigned long long>(rejected));
    std::printf("  topics              %s\n", topics_note.c_str());
  }
  if (!o.json || exit_code != 0) std::fflush(stdout);
  if (!embedded && !o.keep && !o.existing_topics && topics_note != "deleted") {
    std::fprintf(stderr, "skillstream bench: topics left: %s\n", topics_note.c_str());
  }
  return exit_code;
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Measure the pipeline in-process on fresh topics with generated sessions");
  cmd->add_option("--brokers", o->brokers,
                  "a Kafka cluster (host:port,...); default: start the embedded broker");
  cmd->add_option("--records", o->records, "records to produce and process")
      ->check(CLI::Range(1, 100'000'000));
  cmd->add_option("--rate", o->rate, "records/s produced, open loop; 0: as fast as possible")
      ->check(CLI::Range(0.0, 1e9));
  cmd->add_option("--partitions", o->partitions,
                  "partitions of each topic; 0: 16 on a cluster, enough to hold every record "
                  "on the embedded broker")
      ->check(CLI::Range(0, 4096));
  cmd->add_option("--record-bytes", o->record_bytes,
                  "pad shorter records with JSON whitespace to this size; 0: as generated")
      ->check(CLI::Range(0, 1 << 20));
  cmd->add_option("--invalid-ratio", o->invalid_ratio, "share of records with a defect")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--secret-ratio", o->secret_ratio, "share of valid records with secrets")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--workers", o->workers, "validator threads; 0: every hardware thread");
  cmd->add_option("--processor", o->processor,
                  "full: the record path; none: pass-through (every record clean, unchanged)")
      ->check(CLI::IsMember({"full", "none"}));
  cmd->add_flag("--keep", o->keep, "keep the topics on a cluster (default: delete them)");
  cmd->add_flag("--json", o->json, "one JSON object on standard output");
  cmd->add_option("--topic-prefix", o->topic_prefix,
                  "topics PREFIX.in, PREFIX.clean, PREFIX.dlq; default: "
                  "skillstream-bench-<pid>-<ms> (fresh each run)");
  cmd->add_flag("--existing-topics", o->existing_topics,
                "with --brokers: the PREFIX topics exist; create and delete none");
  cmd->add_option("--seed", o->seed, "generator seed");
  cmd->add_option("--stall-seconds", o->stall_seconds,
                  "give up when no record is acknowledged for this long");
  cmd->add_option("--warmup-ms", o->warmup_ms,
                  "with --rate: start producing this long after the group join (the "
                  "consumer's first offset look-ups and fetches are not steady state)");
  cmd->add_option("--fetch-wait-max-ms", o->fetch_wait_max_ms,
                  "the pipeline consumer's fetch.wait.max.ms; default 10 on the embedded "
                  "broker (a mock broker: set it there too), librdkafka's 500 elsewhere");
  cmd->add_option("--log-level", o->log_level, "log level (default warn)");
  cmd->callback([o, &exit_code] { exit_code = run_bench(*o); });
}

}  // namespace skillstream::apps
