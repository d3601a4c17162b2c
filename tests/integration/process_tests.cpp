// The real `skillstream` binary: two instances in one group with a SIGKILL, SIGTERM
// handling, and an end-to-end run driven by kcat against `skillstream broker`.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "connectors/embedded_broker.h"
#include "generator/session_generator.h"
#include "kafka_test_util.h"

namespace skillstream {
namespace {

using Clock = std::chrono::steady_clock;

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
    auto deadline = Clock::now() + timeout;
    int status = 0;
    while (Clock::now() < deadline) {
      pid_t r = ::waitpid(pid, &status, WNOHANG);
      if (r == pid) {
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    kill_now();
    return -999;
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

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string write_config(const std::string& dir, const std::string& brokers) {
  std::string path = dir + "/skillstream.toml";
  std::ofstream out(path);
  out << "[kafka]\nbrokers = \"" << brokers << "\"\n"
      << "[kafka.consumer]\n\"session.timeout.ms\" = \"3000\"\n"
      << "\"heartbeat.interval.ms\" = \"500\"\n\"fetch.wait.max.ms\" = \"10\"\n"
      << "[http]\naddr = \"127.0.0.1:0\"\n";  // instances side by side: a free port each
  return path;
}

std::int64_t total(const std::vector<std::int64_t>& v) {
  return std::accumulate(v.begin(), v.end(), std::int64_t{0});
}

TEST(SkillstreamProcess, TwoInstancesSplitPartitionsAndSurviveSigkillOfOne) {
  std::string error;
  auto broker = connectors::EmbeddedBroker::start(1, error);
  ASSERT_NE(broker, nullptr) << error;
  constexpr int kParts = 8;
  ASSERT_TRUE(broker->create_topic("sessions.raw", kParts).ok());
  ASSERT_TRUE(broker->create_topic("sessions.clean", kParts).ok());
  ASSERT_TRUE(broker->create_topic("sessions.dlq", 2).ok());
  const std::string brokers = broker->bootstraps();
  const std::string dir = temp_dir();
  const std::string config = write_config(dir, brokers);

  Child a = Child::spawn(
      {SKILLSTREAM_BINARY, "run", "--config", config, "--instance-id", "A", "--workers", "1"},
      dir + "/a.log");
  Child b = Child::spawn(
      {SKILLSTREAM_BINARY, "run", "--config", config, "--instance-id", "B", "--workers", "1"},
      dir + "/b.log");
  // Both members own partitions once the cooperative rebalance settles.
  ASSERT_TRUE(testing::wait_for(
      [&] {
        return slurp(dir + "/a.log").find("assigned") != std::string::npos &&
               slurp(dir + "/b.log").find("assigned") != std::string::npos;
      },
      std::chrono::seconds(30)))
      << slurp(dir + "/a.log") << slurp(dir + "/b.log");

  auto first = testing::generated_inputs(3000, 11, 0.1, 0.05, kParts);
  testing::produce_all(brokers, "sessions.raw", first);
  ASSERT_TRUE(testing::wait_for(
      [&] { return total(testing::high_watermarks(brokers, "sessions.clean", kParts)) > 1000; },
      std::chrono::seconds(30)));
  b.kill_now();  // SIGKILL: its in-flight and uncommitted records are re-read by A
  auto second = testing::generated_inputs(3000, 12, 0.1, 0.05, kParts);
  testing::produce_all(brokers, "sessions.raw", second);
  const std::int64_t inputs = static_cast<std::int64_t>(first.size() + second.size());

  auto covered = [&] {
    std::set<std::pair<std::string, std::string>> seen;
    for (const char* t : {"sessions.clean", "sessions.dlq"}) {
      for (const auto& o : testing::read_all(brokers, t, t[9] == 'c' ? kParts : 2)) {
        seen.emplace(o.header("skillstream.source.partition").value_or("?"),
                     o.header("skillstream.source.offset").value_or("?"));
      }
    }
    return static_cast<std::int64_t>(seen.size());
  };
  ASSERT_TRUE(testing::wait_for(
      [&] {
        return total(testing::high_watermarks(brokers, "sessions.clean", kParts)) +
                   total(testing::high_watermarks(brokers, "sessions.dlq", 2)) >=
               inputs;
      },
      std::chrono::seconds(60)));
  ASSERT_TRUE(testing::wait_for([&] { return covered() == inputs; }, std::chrono::seconds(30)));

  ::kill(a.pid, SIGTERM);
  EXPECT_EQ(a.wait(std::chrono::seconds(30)), 0) << slurp(dir + "/a.log");
  // Both instances wrote records: the partitions were split.
  std::set<std::string> instances;
  for (const auto& o : testing::read_all(brokers, "sessions.clean", kParts)) {
    instances.insert(o.header("skillstream.instance").value_or("?"));
  }
  EXPECT_EQ(instances, (std::set<std::string>{"A", "B"}));
  // A committed everything it delivered before exiting.
  EXPECT_EQ(testing::committed_offsets(brokers, "skillstream", "sessions.raw", kParts),
            testing::high_watermarks(brokers, "sessions.raw", kParts));
}

TEST(SkillstreamProcess, SigtermMidStreamLosesNothingAndExitsZero) {
  std::string error;
  auto broker = connectors::EmbeddedBroker::start(1, error);
  ASSERT_NE(broker, nullptr) << error;
  constexpr int kParts = 4;
  for (const char* t : {"sessions.raw", "sessions.clean", "sessions.dlq"}) {
    ASSERT_TRUE(broker->create_topic(t, kParts).ok());
  }
  const std::string brokers = broker->bootstraps();
  const std::string dir = temp_dir();
  const std::string config = write_config(dir, brokers);
  auto in = testing::generated_inputs(12000, 21, 0.1, 0.05, kParts);
  testing::produce_all(brokers, "sessions.raw", in);

  Child a = Child::spawn({SKILLSTREAM_BINARY, "run", "--config", config, "--workers", "1",
                          "--batch-max-records", "64"},
                         dir + "/a.log");
  ASSERT_TRUE(testing::wait_for(
      [&] { return total(testing::high_watermarks(brokers, "sessions.clean", kParts)) > 0; },
      std::chrono::seconds(30)));
  ::kill(a.pid, SIGTERM);
  EXPECT_EQ(a.wait(std::chrono::seconds(40)), 0) << slurp(dir + "/a.log");

  Child again = Child::spawn({SKILLSTREAM_BINARY, "run", "--config", config, "--stop-at-end"},
                             dir + "/again.log");
  EXPECT_EQ(again.wait(std::chrono::seconds(60)), 0) << slurp(dir + "/again.log");
  std::set<std::pair<std::string, std::string>> seen;
  std::size_t outputs = 0;
  for (const char* t : {"sessions.clean", "sessions.dlq"}) {
    for (const auto& o : testing::read_all(brokers, t, kParts)) {
      ++outputs;
      seen.emplace(o.header("skillstream.source.partition").value_or("?"),
                   o.header("skillstream.source.offset").value_or("?"));
    }
  }
  EXPECT_EQ(seen.size(), in.size());
  EXPECT_EQ(outputs, in.size());  // a clean stop commits all it delivered: no duplicates
}

TEST(SkillstreamProcess, EndToEndWithKcatAndSkillstreamBroker) {
  if (::system("command -v kcat >/dev/null 2>&1") != 0) GTEST_SKIP() << "kcat not installed";
  const std::string dir = temp_dir();
  Child broker =
      Child::spawn({SKILLSTREAM_BINARY, "broker", "--partitions", "4"}, dir + "/broker.log", true);
  const std::string brokers = broker.read_line();
  ASSERT_NE(brokers.find("127.0.0.1:"), std::string::npos) << slurp(dir + "/broker.log");

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

  const std::string config = write_config(dir, brokers);
  Child run = Child::spawn(
      {SKILLSTREAM_BINARY, "run", "--config", config, "--stop-at-end", "--log-format", "json"},
      dir + "/run.log");
  ASSERT_EQ(run.wait(std::chrono::seconds(60)), 0) << slurp(dir + "/run.log");
  // Every log line is one JSON object.
  std::istringstream log(slurp(dir + "/run.log"));
  for (std::string line; std::getline(log, line);) {
    EXPECT_EQ(line.front(), '{') << line;
    EXPECT_EQ(line.back(), '}') << line;
  }

  auto consume = [&](const std::string& topic) {
    std::string out = dir + "/" + topic + ".json";
    std::string cmd = "kcat -C -b " + brokers + " -t " + topic + " -o beginning -e -J -q > " + out;
    EXPECT_EQ(::system(cmd.c_str()), 0);
    std::vector<std::string> lines;
    std::istringstream s(slurp(out));
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
  std::string error;
  auto broker = connectors::EmbeddedBroker::start(1, error);
  ASSERT_NE(broker, nullptr) << error;
  const std::string dir = temp_dir();
  const std::string config = dir + "/sasl.toml";
  std::ofstream(config) << "[kafka]\nbrokers = \"" << broker->bootstraps() << "\"\n"
                        << "[kafka.common]\n\"security.protocol\" = \"sasl_plaintext\"\n"
                        << "\"sasl.mechanisms\" = \"PLAIN\"\n\"sasl.username\" = \"agent\"\n"
                        << "\"sasl.password\" = \"${SKILLSTREAM_TEST_PASSWORD}\"\n"
                        << "[http]\naddr = \"off\"\n";
  ::setenv("SKILLSTREAM_TEST_PASSWORD", "hunter2-not-for-logs", 1);
  Child c = Child::spawn({SKILLSTREAM_BINARY, "run", "--config", config}, dir + "/run.log");
  EXPECT_EQ(c.wait(std::chrono::seconds(60)), 1);
  const std::string log = slurp(dir + "/run.log");
  EXPECT_NE(log.find("skillstream run: Kafka authentication/authorization failed"),
            std::string::npos)
      << log;
  EXPECT_EQ(log.find("hunter2"), std::string::npos);
  ::unsetenv("SKILLSTREAM_TEST_PASSWORD");
}

}  // namespace
}  // namespace skillstream
