// `skillstream dlq stats` as a process against the embedded broker: a dead-letter
// topic filled by the pipeline, counted by the real binary; the live queue after a
// group's commits; a missing, an empty topic, unreachable brokers, bad arguments.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <numeric>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <simdjson.h>

#include "connectors/embedded_broker.h"
#include "kafka_test_util.h"
#include "pipeline/kafka_pipeline.h"
#include "processor/privacy_scanner.h"
#include "processor/reason.h"

extern char** environ;

namespace skillstream {
namespace {

constexpr int kDlqParts = 3;

struct Proc {
  int exit = -1;  // exit code, -signal, or -999 on timeout
  std::string out;
  std::string err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs the real binary with `args`, stdout and stderr to files; kills it after `timeout`.
Proc run_binary(const std::vector<std::string>& args, std::chrono::seconds timeout) {
  char dir_template[] = "/tmp/skillstream-dlq-XXXXXX";
  const char* dir = ::mkdtemp(dir_template);
  EXPECT_NE(dir, nullptr);
  const std::string out_path = std::string(dir) + "/out";
  const std::string err_path = std::string(dir) + "/err";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  std::vector<std::string> full = {SKILLSTREAM_BINARY};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  EXPECT_EQ(::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  Proc r;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      r.exit = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      r.exit = -999;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  return r;
}

std::size_t lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Commits `offsets` (partition, next offset) of `topic` for `group` from outside the
// group, the way an assign-mode consumer does.
void commit_offsets(const std::string& brokers, const std::string& group, const std::string& topic,
                    const std::vector<std::pair<std::int32_t, std::int64_t>>& offsets) {
  rd_kafka_t* rk = testing::make_client(
      RD_KAFKA_CONSUMER,
      {{"bootstrap.servers", brokers}, {"group.id", group}, {"enable.auto.commit", "false"}});
  ASSERT_NE(rk, nullptr);
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (const auto& [p, o] : offsets) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = o;
  }
  EXPECT_EQ(rd_kafka_commit(rk, list, 0), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
}

struct Filled {
  std::unique_ptr<connectors::EmbeddedBroker> broker;
  pipeline::PipelineResult result;
};

// Runs the pipeline over generated records with defects: the DLQ "dlq" fills.
Filled fill_dlq(std::size_t n) {
  Filled f;
  auto started = connectors::EmbeddedBroker::start(1);
  EXPECT_TRUE(started.ok()) << started.status().error;
  if (!started.ok()) return f;
  f.broker = std::move(started.value());
  config::Settings settings;
  settings.brokers = f.broker->bootstraps();
  settings.input_topic = "in";
  settings.clean_topic = "clean";
  settings.dlq_topic = "dlq";
  settings.group = "it-group";
  settings.instance_id = "it-1";
  settings.workers = 2;
  settings.stop_at_end = true;
  settings.http_addr = "off";
  settings.shutdown_timeout = std::chrono::seconds(20);
  settings.consumer_properties = {{"fetch.wait.max.ms", "10"},
                                  {"session.timeout.ms", "3000"},
                                  {"heartbeat.interval.ms", "500"}};
  EXPECT_TRUE(f.broker->create_topic("in", 4).ok());
  EXPECT_TRUE(f.broker->create_topic("clean", 3).ok());
  EXPECT_TRUE(f.broker->create_topic("dlq", kDlqParts).ok());
  testing::produce_all(settings.brokers, "in", testing::generated_inputs(n, 11, 0.3, 0.1, 4));
  std::atomic<bool> never{false};
  pipeline::KafkaPipeline pipeline(settings, processor::PrivacyScanner::compile_patterns());
  f.result = pipeline.run(never);
  return f;
}

TEST(DlqStatsCli, CountsWhatThePipelineRejectedAndTheLiveQueueAfterCommits) {
  Filled f = fill_dlq(3000);
  ASSERT_NE(f.broker, nullptr);
  ASSERT_EQ(f.result.exit, pipeline::PipelineExit::ok) << f.result.error;
  const std::string brokers = f.broker->bootstraps();
  const std::uint64_t rejected = std::accumulate(f.result.stats.rejected.begin(),
                                                 f.result.stats.rejected.end(), std::uint64_t{0});
  ASSERT_GT(rejected, 0u);

  Proc r = run_binary({"dlq", "stats", "--brokers", brokers, "--topic", "dlq", "--json"},
                      std::chrono::seconds(60));
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_EQ(r.err, "");  // not a terminal: no progress line
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  EXPECT_EQ(doc["records"].get_uint64().value(), rejected);
  simdjson::dom::object reasons = doc["reasons"].get_object().value();
  std::uint64_t reason_sum = 0;
  for (auto [reason, counts] : reasons) {
    processor::Reason code{};
    ASSERT_TRUE(processor::parse_reason(reason, code)) << reason;
    const std::uint64_t n = counts["records"].get_uint64().value();
    EXPECT_EQ(n, f.result.stats.rejected[static_cast<std::size_t>(code)]) << reason;
    reason_sum += n;
    EXPECT_LE(counts["top_paths"].get_array().value().size(), 20u);
  }
  EXPECT_EQ(reason_sum, rejected);
  for (std::size_t i = 0; i < processor::kReasonCount; ++i) {
    if (f.result.stats.rejected[i] == 0) continue;
    const auto name = processor::to_string(static_cast<processor::Reason>(i));
    EXPECT_EQ(reasons[name].error(), simdjson::SUCCESS) << name << " missing";
  }
  EXPECT_EQ(doc["without_reason"].get_uint64().value(), 0u);
  EXPECT_EQ(doc["undeliverable"]["records"].get_uint64().value(), 0u);
  EXPECT_EQ(doc["redrive"]["records"].get_uint64().value(), 0u);
  std::uint64_t source_sum = 0;
  // A named array: a range-for over get_array().value() would iterate a temporary that
  // is gone before the loop body runs (ASan: stack-use-after-scope).
  const simdjson::dom::array sources = doc["sources"].get_array().value();
  for (auto source : sources) {
    EXPECT_EQ(std::string_view(source["topic"].get_string().value()), "in");
    source_sum += source["records"].get_uint64().value();
  }
  EXPECT_EQ(source_sum, rejected);
  EXPECT_FALSE(doc["time_range"]["first"].is_null());
  // No commit by the redrive group: every record is in the live queue.
  EXPECT_EQ(doc["live_queue"]["records"].get_uint64().value(), rejected);
  EXPECT_FALSE(doc["live_queue"]["group_has_commit"].get_bool().value());

  // The redrive group commits the fullest partition halfway and the next one to its
  // end; the third has no commit.
  const auto high = testing::high_watermarks(brokers, "dlq", kDlqParts);
  std::vector<std::size_t> order = {0, 1, 2};
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return high[a] > high[b]; });
  const std::size_t half = order[0], full = order[1], none = order[2];
  ASSERT_GT(high[half], 1);
  commit_offsets(brokers, "skillstream-redrive", "dlq",
                 {{static_cast<std::int32_t>(half), high[half] / 2},
                  {static_cast<std::int32_t>(full), high[full]}});
  r = run_binary({"dlq", "stats", "--brokers", brokers, "--topic", "dlq", "--json"},
                 std::chrono::seconds(60));
  ASSERT_EQ(r.exit, 0) << r.err;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  EXPECT_EQ(doc["records"].get_uint64().value(), rejected);  // still read from the beginning
  EXPECT_EQ(doc["live_queue"]["records"].get_uint64().value(),
            static_cast<std::uint64_t>(high[half] - high[half] / 2 + high[none]));
  EXPECT_TRUE(doc["live_queue"]["group_has_commit"].get_bool().value());
  // Another group has no commit: its live queue is everything.
  r = run_binary(
      {"dlq", "stats", "--brokers", brokers, "--topic", "dlq", "--group", "other", "--json"},
      std::chrono::seconds(60));
  ASSERT_EQ(r.exit, 0) << r.err;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  EXPECT_EQ(doc["live_queue"]["records"].get_uint64().value(), rejected);
  // The reader committed nothing for the redrive group.
  const auto committed = testing::committed_offsets(brokers, "skillstream-redrive", "dlq", 3);
  EXPECT_EQ(committed[half], high[half] / 2);
  EXPECT_EQ(committed[full], high[full]);
  EXPECT_LT(committed[none], 0);

  // The text form, printed: README.md's sample comes from here.
  r = run_binary({"dlq", "stats", "--brokers", brokers, "--topic", "dlq"},
                 std::chrono::seconds(60));
  ASSERT_EQ(r.exit, 0) << r.err;
  EXPECT_NE(r.out.find("dead-letter topic dlq: " + std::to_string(rejected) + " records"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("live queue after group skillstream-redrive's commits"), std::string::npos);
  std::cout << r.out;
}

TEST(DlqStatsCli, MissingTopicExitsOneWithOneLine) {
  auto started = connectors::EmbeddedBroker::start(1);
  ASSERT_TRUE(started.ok()) << started.status().error;
  auto broker = std::move(started.value());
  ASSERT_TRUE(broker->create_topic("other", 1).ok());
  Proc r =
      run_binary({"dlq", "stats", "--brokers", broker->bootstraps()}, std::chrono::seconds(30));
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("topic sessions.dlq does not exist"), std::string::npos) << r.err;
}

TEST(DlqStatsCli, EmptyTopicIsZerosAndExitZero) {
  auto started = connectors::EmbeddedBroker::start(1);
  ASSERT_TRUE(started.ok()) << started.status().error;
  auto broker = std::move(started.value());
  ASSERT_TRUE(broker->create_topic("sessions.dlq", 2).ok());
  Proc r = run_binary({"dlq", "stats", "--brokers", broker->bootstraps(), "--json"},
                      std::chrono::seconds(30));
  ASSERT_EQ(r.exit, 0) << r.err;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  EXPECT_EQ(doc["records"].get_uint64().value(), 0u);
  EXPECT_EQ(doc["live_queue"]["records"].get_uint64().value(), 0u);
  EXPECT_EQ(doc["live_queue"]["partitions"].get_array().value().size(), 2u);
}

TEST(DlqStatsCli, UnreachableBrokersExitOneWithinTheTimeout) {
  const auto start = std::chrono::steady_clock::now();
  Proc r = run_binary({"dlq", "stats", "--brokers", "127.0.0.1:1", "--timeout-ms", "2000"},
                      std::chrono::seconds(30));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit, 1);
  EXPECT_EQ(lines(r.err), 1u) << r.err;
  EXPECT_NE(r.err.find("no answer from the brokers 127.0.0.1:1"), std::string::npos) << r.err;
  EXPECT_LT(took, std::chrono::seconds(10));
}

TEST(DlqStatsCli, BadArgumentsExitTwoWithOneLine) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"dlq", "stats"},  // no brokers
           {"dlq", "stats", "--brokers", "x:1", "--timeout-ms", "5"},
           {"dlq", "stats", "--brokers", "x:1", "--topic", ""},
           {"dlq", "stats", "--brokers", "x:1", "--bogus"},
           {"dlq"}}) {
    Proc r = run_binary(args, std::chrono::seconds(30));
    EXPECT_EQ(r.exit, 2) << args.back() << ": " << r.err;
    EXPECT_EQ(lines(r.err), 1u) << r.err;
  }
}

}  // namespace
}  // namespace skillstream
