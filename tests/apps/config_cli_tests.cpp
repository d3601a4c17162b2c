// Configuration errors, warnings and write errors as a user sees them: the real
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

const std::string kValid =
    R"({"session_id":"sess-2025-02-01-x7k9m","agent_id":"a","timestamp":"2025-02-01T14:30:00Z",)"
    R"("skill":{"name":"vllm"},"task":{"description":"d"},"outcome":{"success":true}})";

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

TEST_F(ConfigCli, ValidateTakesTheProcessorSettingsFromFileAndVariables) {
  const std::string with_extra = kValid.substr(0, kValid.size() - 1) + R"(,"x":"bob@corp.io"})";
  const fs::path in = write("in.jsonl", with_extra + "\n");
  const fs::path out = dir_ / "out";
  std::string err;
  // SKILLSTREAM_PRIVACY=off: the e-mail stays.
  ASSERT_EQ(skillstream("SKILLSTREAM_PRIVACY=off",
                        "validate " + in.string() + " --clean " + out.string(), err),
            0)
      << err;
  EXPECT_EQ(slurp(out), with_extra + "\n");
  // [processor] strict = true from --config: the unlisted field is rejected.
  const fs::path config = write("strict.toml", "[processor]\nstrict = true\n");
  ASSERT_EQ(skillstream("",
                        "validate --config " + config.string() + " " + in.string() + " --clean " +
                            out.string(),
                        err),
            0);
  EXPECT_EQ(slurp(out), "");
  EXPECT_NE(err.find("unknown_field"), std::string::npos) << err;
  // A bad value in the file: exit 2, one line naming it.
  const fs::path bad = write("bad.toml", "[processor]\nmax_depth = 0\n");
  EXPECT_EQ(skillstream("", "validate --config " + bad.string() + " " + in.string(), err), 2);
  EXPECT_EQ(err, "skillstream validate: config file " + bad.string() +
                     ": [processor] max_depth: expected an integer from 1 to 1024, found 0\n");
}

TEST_F(ConfigCli, UnknownVariableWarnsByNameOnly) {
  const fs::path in = write("in.jsonl", kValid + "\n");
  std::string err;
  ASSERT_EQ(skillstream("SKILLSTREAM_BROKER=" + kSecret,
                        "validate " + in.string() + " --rejects /dev/null", err),
            0);
  EXPECT_EQ(err.rfind("skillstream validate: warning: environment variable SKILLSTREAM_BROKER is "
                      "not a setting; ignored\n",
                      0),
            0u)
      << err;
  EXPECT_EQ(err.find(kSecret), std::string::npos) << err;
}

// `run` logs the unknown variable and one line of effective settings (secrets masked)
// once its logger is up. No broker listens on port 1: it is stopped with SIGTERM.
TEST_F(ConfigCli, RunLogsWarningsAndOneSettingsLine) {
  const fs::path config = write("run.toml",
                                "[kafka]\nbrokers = \"127.0.0.1:1\"\n[kafka.common]\n"
                                "\"sasl.password\" = \"${KAFKA_PW}\"\n");
  const fs::path log = dir_ / "run.log";
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string script =
        "exec " + clean_env("KAFKA_PW=" + kPassword + " SKILLSTREAM_BOGUS=" + kSecret) + kBin +
        " run --config " + config.string() + " --http-addr off --shutdown-timeout-ms 1000 2>" +
        log.string();
    ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string text;
  for (int i = 0; i < 300 && text.find(" settings: ") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    text = slurp(log);
  }
  ::kill(pid, SIGTERM);
  int status = 0;
  for (int i = 0; i < 600 && ::waitpid(pid, &status, WNOHANG) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (::waitpid(pid, &status, WNOHANG) == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    ADD_FAILURE() << "run did not stop after SIGTERM";
  }
  text = slurp(log);
  std::size_t warnings = 0;
  std::size_t settings = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find(" warning environment variable SKILLSTREAM_BOGUS is not a setting; ignored") !=
        std::string::npos) {
      ++warnings;
    }
    if (line.find(" info settings: ") != std::string::npos) {
      ++settings;
      EXPECT_NE(line.find(" kafka.brokers=127.0.0.1:1 "), std::string::npos) << line;
      EXPECT_NE(line.find(" pipeline.shutdown_timeout_ms=1000 "), std::string::npos) << line;
      EXPECT_NE(line.find(" kafka.consumer.sasl.password=******"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(warnings, 1u) << text;
  EXPECT_EQ(settings, 1u) << text;
  EXPECT_EQ(text.find(kPassword), std::string::npos);
  EXPECT_EQ(text.find(kSecret), std::string::npos);
}

// Endless input into a full disk: validate stops at the first failed write, with one
// line and exit 1 (no summary: it would read as if the output were complete).
TEST_F(ConfigCli, ValidateStopsAtTheFirstWriteErrorOnAFullDevice) {
  const fs::path err_path = dir_ / "stderr";
  const int code = run_shell(
      "yes '" + kValid + "' | " + clean_env() + kBin + " validate - 2>" + err_path.string(),
      ::open("/dev/full", O_WRONLY));
  EXPECT_EQ(code, 1);
  EXPECT_EQ(slurp(err_path),
            "skillstream validate: cannot write to standard output: No space left on device\n");
}

// Standard output is a pipe nobody reads and SIGPIPE is ignored (as under many
// supervisors): the write fails with EPIPE, and validate stops the same way.
TEST_F(ConfigCli, ValidateStopsAtABrokenPipeWithSigpipeIgnored) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::close(fds[0]);  // nobody will ever read
  const fs::path err_path = dir_ / "stderr";
  const int code = run_shell("trap '' PIPE; yes '" + kValid + "' 2>/dev/null | " + clean_env() +
                                 kBin + " validate - 2>" + err_path.string(),
                             fds[1]);
  ::close(fds[1]);
  EXPECT_EQ(code, 1);
  EXPECT_EQ(slurp(err_path),
            "skillstream validate: cannot write to standard output: Broken pipe\n");
}

}  // namespace
