// The real `skillstream` binary: two instances in one group with a SIGKILL, SIGTERM
// handling, and an end-to-end run driven by kcat against `skillstream broker`.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/cluster.h"
#include "tests/support/files.h"

namespace skillstream {
namespace {

std::string temp_dir() {
  char tmpl[] = "/tmp/skillstream-it-XXXXXX";
  const char* d = ::mkdtemp(tmpl);
  EXPECT_NE(d, nullptr);
  return d != nullptr ? d : "/tmp";
}

// A child process; stdout and stderr go to `log` (or a pipe for stdout when asked).
struct Child {
  pid_t pid = -1;
  int stdout_fd = -1;

  static Child spawn(const std::vector<std::string>& args, const std::string& log,
                     bool pipe_stdout = false) {
    int fds[2] = {-1, -1};
    if (pipe_stdout) {
      EXPECT_EQ(::pipe(fds), 0);
    }
    Child c;
    c.pid = ::fork();
    if (c.pid == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 2);
      ::dup2(pipe_stdout ? fds[1] : fd, 1);
      int null = ::open("/dev/null", O_RDONLY);
      ::dup2(null, 0);
      std::vector<char*> argv;
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
    if (pipe_stdout) {
      ::close(fds[1]);
      c.stdout_fd = fds[0];
    }
    return c;
  }

  std::string read_line() const {
    std::string line;
    char ch;
    while (::read(stdout_fd, &ch, 1) == 1 && ch != '\n') line += ch;
    return line;
  }

  // Exit code, or -signal; -999 on timeout (then the child is killed).
  int wait(std::chrono::seconds timeout) {
    int status = 0;
    if (!testing::wait_for([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, timeout)) {
      kill_now();
      return -999;
    }
    pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

  void kill_now() {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    pid = -1;
  }

  ~Child() {
    kill_now();
    if (stdout_fd >= 0) ::close(stdout_fd);
  }
};

using testing::read_file;
using testing::total;

// Partitions an instance holds, from its log: "assigned N partition(s)" minus
// "revoked N ..." and "lost N ...".
int held_partitions(const std::string& log) {
  static const std::regex line(R"((assigned|revoked|lost) (\d+) partition)");
  int held = 0;
  for (std::sregex_iterator it(log.begin(), log.end(), line), end; it != end; ++it) {
    const int n = std::stoi((*it)[2]);
    held += (*it)[1] == "assigned" ? n : -n;
  }
  return held;
}

// The binary's default topic names: `run` needs no topic flags, as a user runs it.
testing::Topics default_topics(int input, int clean, int dlq) {
  return {.input = "sessions.raw",
          .clean = "sessions.clean",
          .dlq = "sessions.dlq",
          .input_partitions = input,
          .clean_partitions = clean,
          .dlq_partitions = dlq};
}

TEST(SkillstreamProcess, TwoInstancesSplitPartitionsAndSurviveSigkillOfOne) {
  constexpr int kParts = 8;
  const testing::Cluster c(default_topics(kParts, kParts, 2));
  const std::string dir = temp_dir();
  const std::string config = c.write_config(dir);

  Child a = Child::spawn(
      {SKILLSTREAM_BINARY, "run", "--config", config, "--instance-id", "A", "--workers", "1"},
      dir + "/a.log");
  Child b = Child::spawn(
      {SKILLSTREAM_BINARY, "run", "--config", config, "--instance-id", "B", "--workers", "1"},
      dir + "/b.log");
  // Both members own partitions once the cooperative rebalance settles. (Any
  // "assigned" line was not enough: a member's first one can be "assigned 0", and the
  // other then read the whole input before the split.)
  ASSERT_TRUE(testing::wait_for(
      [&] {
        const int a_held = held_partitions(read_file(dir + "/a.log"));
        const int b_held = held_partitions(read_file(dir + "/b.log"));
        return a_held > 0 && b_held > 0 && a_held + b_held == kParts;
      },
      std::chrono::seconds(30)))
      << read_file(dir + "/a.log") << read_file(dir + "/b.log");

  auto first = testing::generated_inputs(3000, 11, 0.1, 0.05, kParts);
  c.produce(first);
  ASSERT_TRUE(testing::wait_for([&] { return total(c.high_watermarks("sessions.clean")) > 1000; },
                                std::chrono::seconds(30)));
  b.kill_now();  // SIGKILL: its in-flight and uncommitted records are re-read by A
  auto second = testing::generated_inputs(3000, 12, 0.1, 0.05, kParts);
  c.produce(second);
  const std::int64_t inputs = static_cast<std::int64_t>(first.size() + second.size());

  ASSERT_TRUE(
      testing::wait_for([&] { return c.outputs_written() >= inputs; }, std::chrono::seconds(60)));
  ASSERT_TRUE(testing::wait_for(
      [&] { return static_cast<std::int64_t>(c.output_counts().size()) == inputs; },
      std::chrono::seconds(30)));

  ::kill(a.pid, SIGTERM);
  EXPECT_EQ(a.wait(std::chrono::seconds(30)), 0) << read_file(dir + "/a.log");
  // Both instances wrote records: the partitions were split.
  std::set<std::string> instances;
  for (const auto& o : c.read("sessions.clean")) {
    instances.insert(o.header("skillstream.instance").value_or("?"));
  }
  EXPECT_EQ(instances, (std::set<std::string>{"A", "B"}));
  // A committed everything it delivered before exiting.
  EXPECT_EQ(c.committed("skillstream"), c.input_high_watermarks());
}

TEST(SkillstreamProcess, SigtermMidStreamLosesNothingAndExitsZero) {
  constexpr int kParts = 4;
  const testing::Cluster c(default_topics(kParts, kParts, kParts));
  const std::string dir = temp_dir();
  const std::string config = c.write_config(dir);
  auto in = testing::generated_inputs(12000, 21, 0.1, 0.05, kParts);
  c.produce(in);

  Child a = Child::spawn({SKILLSTREAM_BINARY, "run", "--config", config, "--workers", "1",
                          "--batch-max-records", "64"},
                         dir + "/a.log");
  ASSERT_TRUE(testing::wait_for([&] { return total(c.high_watermarks("sessions.clean")) > 0; },
                                std::chrono::seconds(30)));
  ::kill(a.pid, SIGTERM);
  EXPECT_EQ(a.wait(std::chrono::seconds(40)), 0) << read_file(dir + "/a.log");

  Child again = Child::spawn({SKILLSTREAM_BINARY, "run", "--config", config, "--stop-at-end"},
                             dir + "/again.log");
  EXPECT_EQ(again.wait(std::chrono::seconds(60)), 0) << read_file(dir + "/again.log");
  const auto counts = c.output_counts();
  EXPECT_EQ(counts.size(), in.size());
  std::size_t outputs = 0;
  for (const auto& [id, n] : counts) outputs += static_cast<std::size_t>(n);
  EXPECT_EQ(outputs, in.size());  // a clean stop commits all it delivered: no duplicates
}

// A second SIGTERM while the first one's drain waits (here on a broker outage, with a
// 60 s bound) exits 3 at once, after one line.
TEST(SkillstreamProcess, SecondSigtermExitsThreeAtOnce) {
  constexpr int kParts = 4;
  const testing::Cluster c(default_topics(kParts, kParts, kParts));
  const std::string dir = temp_dir();
  const std::string config = c.write_config(dir);
  c.produce(testing::generated_inputs(12000, 22, 0.1, 0.05, kParts));
  Child a = Child::spawn({SKILLSTREAM_BINARY, "run", "--config", config, "--workers", "1",
                          "--batch-max-records", "64", "--shutdown-timeout-ms", "60000"},
                         dir + "/a.log");
  ASSERT_TRUE(testing::wait_for([&] { return total(c.high_watermarks("sessions.clean")) > 0; },
                                std::chrono::seconds(30)));
  ASSERT_TRUE(c.broker().set_broker_down(1).ok());  // nothing more can be delivered
  ::kill(a.pid, SIGTERM);
  ASSERT_TRUE(testing::wait_for(
      [&] { return read_file(dir + "/a.log").find("stopping: draining") != std::string::npos; },
      std::chrono::seconds(10)));
  const auto second = std::chrono::steady_clock::now();
  ::kill(a.pid, SIGTERM);
  EXPECT_EQ(a.wait(std::chrono::seconds(5)), 3) << read_file(dir + "/a.log");
  EXPECT_LT(std::chrono::steady_clock::now() - second, std::chrono::seconds(3));
  const std::string log = read_file(dir + "/a.log");
  EXPECT_NE(log.find("second stop signal: exiting now (code 3)"), std::string::npos) << log;
  ASSERT_TRUE(c.broker().set_broker_up(1).ok());
}

// Every record of `topic` up to its high watermarks when called, read until each
// partition's last offset (not until partition EOF events: on topics of thousands of
// records, read_all's EOF count was seen to end the read early).
std::vector<testing::OutRecord> read_to_end(const std::string& brokers, const std::string& topic,
                                            int partitions) {
  const std::vector<std::int64_t> end = testing::high_watermarks(brokers, topic, partitions);
  std::vector<testing::OutRecord> out;
  rd_kafka_t* rk = testing::make_client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", brokers},
                                                            {"group.id", "test-reader-to-end"},
                                                            {"enable.auto.commit", "false"},
                                                            {"fetch.wait.max.ms", "10"}});
  if (rk == nullptr) return out;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  std::vector<std::int64_t> next(static_cast<std::size_t>(partitions), 0);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  EXPECT_EQ(rd_kafka_assign(rk, list), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(list);
  auto done = [&] {
    for (std::size_t p = 0; p < next.size(); ++p) {
      if (next[p] < end[p]) return false;
    }
    return true;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR &&
        m->offset < end[static_cast<std::size_t>(m->partition)]) {
      next[static_cast<std::size_t>(m->partition)] = m->offset + 1;
      out.push_back(testing::out_record(topic, m));
    }
    rd_kafka_message_destroy(m);
  }
  EXPECT_TRUE(done()) << "timed out reading " << topic;
  rd_kafka_destroy(rk);
  return out;
}

// `skillstream redrive` killed with SIGKILL in the middle of the dead-letter topic, then
// run again to the end: every dead letter, by its skillstream.source.partition/offset,
// is in the clean topic or back in the dead-letter topic (requeued) at least once.
// Nothing is lost; duplicates (records the killed run wrote but had not committed) are
// counted and allowed.
TEST(SkillstreamProcess, RedriveKilledMidwayAndRestartedLosesNoDeadLetter) {
  // The embedded broker keeps only a few MB per partition (older records are deleted,
  // which would read as lost): 16 output partitions, a key per record (dead letters
  // keep it, so they spread evenly), and no generated record over 64 KiB (too_large
  // ones are 2 MiB) keep every dead letter and every output readable.
  constexpr int kParts = 16;
  testing::Topics topics;
  topics.clean_partitions = topics.dlq_partitions = kParts;
  const testing::Cluster c(topics);
  ASSERT_TRUE(c.broker().create_topic("dlq.parked", 1).ok());
  // Dead letters with their skillstream.source.* headers: generated records (most
  // of them invalid, many holding a secret) judged by a run under privacy reject.
  // Redriven under the default (redact), the secret-only rejects come back clean.
  auto inputs = testing::generated_inputs(12000, 51, 0.6, 0.3, topics.input_partitions);
  std::erase_if(inputs, [](const testing::InRecord& r) { return r.value->size() > 65536; });
  for (std::size_t i = 0; i < inputs.size(); ++i) inputs[i].key = "k" + std::to_string(i);
  c.produce(inputs);
  config::Settings run = c.settings("reject-run", "run-1");
  run.processor.privacy = processor::PrivacyPolicy::reject;
  const auto judged = testing::run_pipeline(run);
  ASSERT_EQ(judged.exit, pipeline::PipelineExit::ok) << judged.error;
  std::set<testing::SourceId> dead;
  for (const auto& o : read_to_end(c.bootstraps(), "dlq", kParts)) {
    EXPECT_TRUE(dead.insert(testing::source_of(o)).second) << "a dead letter twice";
    if (o.header("skillstream.reason") == "undeliverable") continue;  // a stub: no verdict
    ASSERT_TRUE(o.header("skillstream.errors").has_value()) << "every reject lists its defects";
    EXPECT_TRUE(
        o.header("skillstream.errors")
            ->starts_with("[{\"reason\":\"" + o.header("skillstream.reason").value_or("?") + "\""));
  }
  ASSERT_GT(dead.size(), 5000u);
  const auto dlq_before = c.high_watermarks("dlq");
  ASSERT_EQ(static_cast<std::int64_t>(dead.size()), testing::total(dlq_before))
      << "the dead-letter topic read back whole";
  const auto clean_before = c.high_watermarks("clean");
  const std::int64_t written_before = c.outputs_written();

  const std::string dir = temp_dir();
  const std::string config = dir + "/redrive.toml";
  {
    std::ofstream f(config);
    f << "[kafka]\nbrokers = \"" << c.bootstraps() << "\"\ninput_topic = \"in\"\n"
      << "clean_topic = \"clean\"\ndlq_topic = \"dlq\"\n[kafka.consumer]\n";
    for (const auto& [k, v] : testing::group_properties())
      f << '"' << k << "\" = \"" << v << "\"\n";
    // Small fetches and batches, one worker: the run is long enough to be killed in.
    f << "\"max.partition.fetch.bytes\" = \"65536\"\n"
      << "[processor]\nworkers = 1\n[pipeline]\nbatch_max_records = 32\n"
      << "[http]\naddr = \"off\"\n"
      << "[redrive]\ngroup = \"redrive-kill\"\nparking_topic = \"dlq.parked\"\n"
      << "max_attempts = 100\n";
  }

  Child first =
      Child::spawn({SKILLSTREAM_BINARY, "redrive", "--config", config}, dir + "/first.log");
  ASSERT_TRUE(testing::wait_for([&] { return c.outputs_written() >= written_before + 200; },
                                std::chrono::seconds(60)))
      << read_file(dir + "/first.log");
  int status = 0;
  const bool still_running = ::waitpid(first.pid, &status, WNOHANG) == 0;
  first.kill_now();  // SIGKILL: what it wrote but did not commit is read again
  EXPECT_TRUE(still_running) << "the redrive ended before the kill: "
                             << read_file(dir + "/first.log");
  const std::int64_t at_kill = c.outputs_written() - written_before;
  EXPECT_LT(at_kill, static_cast<std::int64_t>(dead.size())) << "killed before the end";

  Child again =
      Child::spawn({SKILLSTREAM_BINARY, "redrive", "--config", config}, dir + "/again.log");
  ASSERT_EQ(again.wait(std::chrono::seconds(120)), 0) << read_file(dir + "/again.log");

  std::map<testing::SourceId, int> clean, requeued;
  for (const auto& o : read_to_end(c.bootstraps(), "clean", kParts)) {
    if (o.offset >= clean_before[static_cast<std::size_t>(o.partition)]) {
      ++clean[testing::source_of(o)];
    }
  }
  for (const auto& o : read_to_end(c.bootstraps(), "dlq", kParts)) {
    if (o.offset < dlq_before[static_cast<std::size_t>(o.partition)]) continue;
    ++requeued[testing::source_of(o)];
    if (o.header("skillstream.reason") == "undeliverable") continue;  // stubs go back as they are
    EXPECT_TRUE(o.header("skillstream.redrive.attempt").has_value());
    EXPECT_TRUE(o.header("skillstream.errors").has_value());
  }
  for (const char* topic : {"dlq", "clean"}) {
    rd_kafka_t* rk =
        testing::make_client(RD_KAFKA_PRODUCER, {{"bootstrap.servers", c.bootstraps()}});
    for (int p = 0; p < kParts; ++p) {
      std::int64_t lo = -1, hi = -1;
      EXPECT_EQ(rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, 10'000),
                RD_KAFKA_RESP_ERR_NO_ERROR);
      EXPECT_EQ(lo, 0) << topic << "[" << p << "]: the embedded broker deleted records";
    }
    rd_kafka_destroy(rk);
  }
  std::size_t lost = 0, duplicates = 0;
  for (const testing::SourceId& id : dead) {
    const int n = (clean.contains(id) ? clean.at(id) : 0);
    if (n == 0 && !requeued.contains(id)) ++lost;
    if (n > 1) duplicates += static_cast<std::size_t>(n - 1);
  }
  for (const auto& [id, n] : clean) {
    EXPECT_TRUE(dead.contains(id)) << "a clean output of no dead letter";
  }
  EXPECT_EQ(lost, 0u);
  EXPECT_GT(clean.size(), 0u) << "the secret-only rejects come back clean under redact";
  EXPECT_GT(requeued.size(), 0u);
  std::printf(
      "redrive SIGKILL: %zu dead letters, %lld outputs before the kill, %zu moved to "
      "clean, %zu requeued, %zu duplicate clean outputs\n",
      dead.size(), static_cast<long long>(at_kill), clean.size(), requeued.size(), duplicates);
}

TEST(SkillstreamProcess, EndToEndWithKcatAndSkillstreamBroker) {
  if (::system("command -v kcat >/dev/null 2>&1") != 0) GTEST_SKIP() << "kcat not installed";
  const std::string dir = temp_dir();
  Child broker =
      Child::spawn({SKILLSTREAM_BINARY, "broker", "--partitions", "4"}, dir + "/broker.log", true);
  const std::string brokers = broker.read_line();
  ASSERT_NE(brokers.find("127.0.0.1:"), std::string::npos) << read_file(dir + "/broker.log");

  // 400 generated sessions and 3 broken lines, one per line.
  // (kcat's own 1 MB message limit: leave out generated too_large records.)
  auto in = testing::generated_inputs(400, 31, 0.1, 0.05, 1);
  std::size_t count = 3;
  {
    std::ofstream f(dir + "/in.jsonl");
    for (const auto& r : in) {
      if (r.value->size() >= 900'000) continue;
      f << *r.value << "\n";
      ++count;
    }
    f << "{\"session_id\": 1}\nnot json\n[]\n";
  }
  std::string produce = "kcat -P -b " + brokers + " -t sessions.raw -l " + dir + "/in.jsonl";
  ASSERT_EQ(::system(produce.c_str()), 0);
  // kcat skips empty lines (generated empty_payload records): count what it wrote.
  const auto written = total(testing::high_watermarks(brokers, "sessions.raw", 4));
  EXPECT_GE(static_cast<std::size_t>(written), count - 5);
  count = static_cast<std::size_t>(written);

  const std::string config = testing::write_run_config(dir, brokers, default_topics(4, 4, 4));
  Child run = Child::spawn(
      {SKILLSTREAM_BINARY, "run", "--config", config, "--stop-at-end", "--log-format", "json"},
      dir + "/run.log");
  ASSERT_EQ(run.wait(std::chrono::seconds(60)), 0) << read_file(dir + "/run.log");
  // Every log line is one JSON object.
  std::istringstream log(read_file(dir + "/run.log"));
  for (std::string line; std::getline(log, line);) {
    EXPECT_EQ(line.front(), '{') << line;
    EXPECT_EQ(line.back(), '}') << line;
  }

  auto consume = [&](const std::string& topic) {
    std::string out = dir + "/" + topic + ".json";
    std::string cmd = "kcat -C -b " + brokers + " -t " + topic + " -o beginning -e -J -q > " + out;
    EXPECT_EQ(::system(cmd.c_str()), 0);
    std::vector<std::string> lines;
    std::istringstream s(read_file(out));
    for (std::string line; std::getline(s, line);) {
      if (!line.empty()) lines.push_back(line);
    }
    return lines;
  };
  auto clean = consume("sessions.clean");
  auto dlq = consume("sessions.dlq");
  EXPECT_EQ(clean.size() + dlq.size(), count);
  EXPECT_GE(dlq.size(), 3u);
  for (const auto& l : clean) {
    EXPECT_NE(l.find("\"skillstream.source.offset\""), std::string::npos) << l.substr(0, 300);
    EXPECT_EQ(l.find("\"skillstream.reason\""), std::string::npos);
  }
  std::size_t not_json = 0;
  for (const auto& l : dlq) {
    EXPECT_NE(l.find("\"skillstream.reason\""), std::string::npos);
    EXPECT_NE(l.find("\"skillstream.version\""), std::string::npos);
    if (l.find("\"payload\":\"not json\"") != std::string::npos) {
      ++not_json;
      EXPECT_NE(l.find("\"malformed_json\""), std::string::npos) << l;
    }
  }
  EXPECT_EQ(not_json, 1u);
  ::kill(broker.pid, SIGTERM);
  EXPECT_EQ(broker.wait(std::chrono::seconds(10)), 0);
}

}  // namespace
}  // namespace skillstream

namespace skillstream {
namespace {

// A failed authentication is fatal: one clear line naming it, exit 1, and the
// password (from ${ENV}) never printed.
TEST(SkillstreamProcess, FailedAuthenticationExitsOneWithOneLineAndNoSecret) {
  const testing::Cluster cluster;
  const std::string dir = temp_dir();
  const std::string config = dir + "/sasl.toml";
  std::ofstream(config) << "[kafka]\nbrokers = \"" << cluster.bootstraps() << "\"\n"
                        << "[kafka.common]\n\"security.protocol\" = \"sasl_plaintext\"\n"
                        << "\"sasl.mechanisms\" = \"PLAIN\"\n\"sasl.username\" = \"agent\"\n"
                        << "\"sasl.password\" = \"${SKILLSTREAM_TEST_PASSWORD}\"\n"
                        << "[http]\naddr = \"off\"\n";
  ::setenv("SKILLSTREAM_TEST_PASSWORD", "hunter2-not-for-logs", 1);
  Child c = Child::spawn({SKILLSTREAM_BINARY, "run", "--config", config}, dir + "/run.log");
  EXPECT_EQ(c.wait(std::chrono::seconds(60)), 1);
  const std::string log = read_file(dir + "/run.log");
  EXPECT_NE(log.find("skillstream run: Kafka authentication/authorization failed"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("hunter2"), std::string::npos);
  ::unsetenv("SKILLSTREAM_TEST_PASSWORD");
}

// `skillstream bench --json` on its embedded broker: one object with every key, every
// record back; --processor none sends every record to the clean topic.
TEST(SkillstreamProcess, BenchJsonReportsEveryRecordAndPassThroughIsAllClean) {
  const std::string dir = temp_dir();
  for (const char* processor : {"full", "none"}) {
    Child c = Child::spawn({SKILLSTREAM_BINARY, "bench", "--records", "2000", "--partitions", "4",
                            "--workers", "1", "--processor", processor, "--json"},
                           dir + "/bench.err", true);
    const std::string line = c.read_line();
    EXPECT_EQ(c.wait(std::chrono::seconds(90)), 0) << read_file(dir + "/bench.err");
    ASSERT_FALSE(line.empty()) << read_file(dir + "/bench.err");
    EXPECT_EQ(line.front(), '{') << line;
    EXPECT_EQ(line.back(), '}') << line;
    for (const char* key :
         {"\"records\":2000,", "\"records_per_s\":", "\"mb_per_s\":", "\"join_s\":",
          "\"cpu_us_per_record\":", "\"peak_rss_bytes\":", "\"latency_ms\":{\"p50\":", "\"p90\":",
          "\"p99\":", "\"max\":", "\"kernel\":\"", "\"ok\":true"}) {
      EXPECT_NE(line.find(key), std::string::npos) << key << " in " << line;
    }
    EXPECT_NE(line.find(std::string("\"processor\":\"") + processor + "\""), std::string::npos);
    if (std::string_view(processor) == "none") {
      EXPECT_NE(line.find("\"clean\":2000,\"dead_letter\":0,"), std::string::npos) << line;
    } else {
      EXPECT_EQ(line.find("\"dead_letter\":0,"), std::string::npos) << "10% defects: " << line;
    }
  }
}

}  // namespace
}  // namespace skillstream
