// Configuration errors as a user sees them: the real
// binary, each run in an empty environment (env -i) so that the machine's own
// SKILLSTREAM_* variables cannot add lines.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

const std::string kBin = SKILLSTREAM_BINARY;

// Secret-looking values that must never reach the terminal.
const std::string kSecret = "sk-live-4f9a8b7c6d5e4f3a2b1c0d9e";
const std::string kPassword = "hunter2-s3cr3t-pw";

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::size_t count_lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// Runs `script` with sh -c, standard output to `stdout_fd`, standard input from
// /dev/null unless the script redirects it; waits up to `timeout`. The exit code, or
// -1 when killed by a signal or the timeout.
int run_shell(const std::string& script, int stdout_fd,
              std::chrono::seconds timeout = std::chrono::seconds(60)) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(stdout_fd, STDOUT_FILENO);
    const int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, STDIN_FILENO);
    ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// `env -i` and the variables given: nothing else from the test's environment.
std::string clean_env(const std::string& vars = "") {
  return "env -i PATH=/usr/bin:/bin " + vars + (vars.empty() ? "" : " ");
}

class ConfigCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("skillstream-config-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    devnull_ = ::open("/dev/null", O_WRONLY);
  }
  void TearDown() override {
    ::close(devnull_);
    fs::remove_all(dir_);
  }

  fs::path write(const std::string& name, const std::string& content) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

  // Runs the binary with `args` in a clean environment; standard error is returned
  // in `err`, standard output goes to /dev/null.
  int skillstream(const std::string& vars, const std::string& args, std::string& err) {
    const fs::path err_path = dir_ / "stderr";
    const int code =
        run_shell(clean_env(vars) + kBin + " " + args + " 2>" + err_path.string(), devnull_);
    err = slurp(err_path);
    return code;
  }

  fs::path dir_;
  int devnull_ = -1;
};

TEST_F(ConfigCli, RefusedLibrdkafkaPropertyExitsTwoWithOneLineAndNeverItsValue) {
  struct Case {
    std::string table_and_key;  // [kafka.x] "name", as the line must show it
    std::string toml;
    std::string why;
  };
  const Case cases[] = {
      // A typo of a secret property: unknown to librdkafka.
      {"[kafka.common] \"sasl.pasword\"",
       "[kafka.common]\n\"sasl.pasword\" = \"" + kSecret + "\"\n", "unknown librdkafka property"},
      // librdkafka's own message for a bad value quotes the value.
      {"[kafka.consumer] \"session.timeout.ms\"",
       "[kafka.consumer]\n\"session.timeout.ms\" = \"" + kSecret + "\"\n",
       "invalid value for this librdkafka property (value not shown)"},
      {"[kafka.producer] \"compression.type\" (value from ${KAFKA_PW})",
       "[kafka.producer]\n\"compression.type\" = \"${KAFKA_PW}\"\n",
       "invalid value for this librdkafka property (value not shown)"},
  };
  for (const Case& c : cases) {
    const fs::path config = write("bad.toml", "[kafka]\nbrokers = \"127.0.0.1:1\"\n" + c.toml);
    std::string err;
    EXPECT_EQ(skillstream("KAFKA_PW=" + kPassword, "run --config " + config.string(), err), 2)
        << err;
    EXPECT_EQ(err, "skillstream run: config file " + config.string() + ": " + c.table_and_key +
                       ": " + c.why + "\n");
    EXPECT_EQ(count_lines(err), 1u) << err;
    EXPECT_EQ(err.find(kSecret), std::string::npos) << err;
    EXPECT_EQ(err.find(kPassword), std::string::npos) << err;
  }
}

TEST_F(ConfigCli, EagerAssignmentStrategyIsRefusedAtLoad) {
  for (const std::string strategy : {"range", "roundrobin", "cooperative-sticky,range"}) {
    const fs::path config = write("eager.toml",
                                  "[kafka]\nbrokers = \"127.0.0.1:1\"\n[kafka.consumer]\n"
                                  "partition.assignment.strategy = \"" +
                                      strategy + "\"\n");
    std::string err;
    EXPECT_EQ(skillstream("", "run --config " + config.string(), err), 2) << strategy;
    EXPECT_EQ(count_lines(err), 1u) << err;
    EXPECT_EQ(err.rfind("skillstream run: config file " + config.string() +
                            ": [kafka.consumer] \"partition.assignment.strategy\": refused: ",
                        0),
              0u)
        << err;
    EXPECT_NE(err.find("cooperative rebalancing is what the delivery guarantees rest on"),
              std::string::npos)
        << err;
  }
}

}  // namespace
