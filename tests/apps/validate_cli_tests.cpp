// `skillstream validate` as a user runs it: the real binary, files and pipes.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/files.h"

namespace {

namespace fs = std::filesystem;

struct CommandResult {
  int exit_code = -1;
  std::string out;
};

// Runs a shell command, capturing standard output.
CommandResult run(const std::string& command) {
  CommandResult r;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return r;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = ::pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

using skillstream::testing::read_file;
using skillstream::testing::split_lines;

const std::string kBin = SKILLSTREAM_BINARY;

const std::string kValid =
    R"({"session_id":"sess-2025-02-01-x7k9m","agent_id":"a","timestamp":"2025-02-01T14:30:00Z",)"
    R"("skill":{"name":"vllm"},"task":{"description":"d"},"outcome":{"success":true}})";

class ValidateCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("skillstream-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& content) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

  fs::path dir_;
};

TEST_F(ValidateCli, WritesCleanRecordsByteForByteAndRejectLines) {
  const std::string input = kValid + "\n" + "[1]\n" + "\n" + kValid + "  \n";
  const fs::path in = write("in.jsonl", input);
  const CommandResult r =
      run(kBin + " validate " + in.string() + " --clean " + (dir_ / "clean").string() +
          " --rejects " + (dir_ / "rejects").string() + " 2>/dev/null");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(read_file(dir_ / "clean"), kValid + "\n" + kValid + "  \n");
  const auto rejects = split_lines(read_file(dir_ / "rejects"));
  ASSERT_EQ(rejects.size(), 2u);
  EXPECT_EQ(
      rejects[0],
      R"({"line":2,"reason":"not_an_object","path":"","message":"expected an object at the top level, found array",)"
      R"("errors":[{"reason":"not_an_object","path":"","message":"expected an object at the top level, found array"}]})");
  EXPECT_NE(rejects[1].find(R"("line":3,"reason":"empty_payload")"), std::string::npos);
}

// A record with several defects: the reject line's verdict is the first, and "errors"
// lists them all in document order, up to --max-errors with a truncated entry.
TEST_F(ValidateCli, RejectLinesListEveryDefectUpToMaxErrors) {
  const std::string bad =
      R"({"session_id":"sess-2025-02-01-x","agent_id":"a","timestamp":"2025-02-01T14:30:00Z",)"
      R"("skill":{"name":"n"},"task":{"description":" ","category":"x"},)"
      R"("outcome":{"success":1},"zz":null})";
  const fs::path in = write("in.jsonl", bad + "\n");
  const CommandResult r =
      run(kBin + " validate --strict " + in.string() + " --clean /dev/null --rejects " +
          (dir_ / "rejects").string() + " 2>/dev/null");
  EXPECT_EQ(r.exit_code, 0);
  const auto lines = split_lines(read_file(dir_ / "rejects"));
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(
      lines[0],
      R"({"line":1,"reason":"empty_value","path":"task.description","message":"task.description: )"
      R"(expected a non-empty string, found only whitespace","errors":[{"reason":"empty_value",)"
      R"("path":"task.description","message":"task.description: expected a non-empty string, )"
      R"(found only whitespace"},{"reason":"invalid_enum","path":"task.category","message":)"
      R"("task.category: expected one of deployment, training, inference, debugging, )"
      R"(configuration, optimization, integration, testing, documentation, other, found another )"
      R"(value"},{"reason":"wrong_type","path":"outcome.success","message":"outcome.success: )"
      R"(expected boolean, found number"},{"reason":"unknown_field","path":"zz","message":"zz: )"
      R"(field not allowed in strict mode"}]})");

  const CommandResult two =
      run(kBin + " validate --strict --max-errors 2 " + in.string() +
          " --clean /dev/null --rejects " + (dir_ / "r2").string() + " 2>/dev/null");
  EXPECT_EQ(two.exit_code, 0);
  const std::string cut = read_file(dir_ / "r2");
  EXPECT_NE(cut.find(R"("path":"task.category")"), std::string::npos) << cut;
  EXPECT_EQ(cut.find(R"("path":"outcome.success")"), std::string::npos) << cut;
  EXPECT_NE(cut.find(R"(,{"reason":"truncated"}]})"), std::string::npos) << cut;
}

TEST_F(ValidateCli, FinalNewlineEndsTheLastRecordButAMissingOneDoesNot) {
  for (const std::string& input : {kValid, kValid + "\n"}) {
    const fs::path in = write("in.jsonl", input);
    const CommandResult r = run(kBin + " validate " + in.string() + " 2>/dev/null");
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.out, kValid + "\n");
  }
  const fs::path in = write("in.jsonl", kValid + "\n\n");
  const CommandResult r = run(kBin + " validate " + in.string() + " --rejects " +
                              (dir_ / "rejects").string() + " 2>/dev/null");
  EXPECT_EQ(split_lines(read_file(dir_ / "rejects")).size(), 1u);  // the empty line, once
}

TEST_F(ValidateCli, ReadsStandardInput) {
  const fs::path in = write("in.jsonl", kValid + "\n{\n");
  const CommandResult r = run("cat " + in.string() + " | " + kBin + " validate - --rejects " +
                              (dir_ / "rejects").string() + " 2>/dev/null");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, kValid + "\n");
  EXPECT_NE(read_file(dir_ / "rejects").find("malformed_json"), std::string::npos);
}

TEST_F(ValidateCli, KeepsInputOrderWithSeveralWorkers) {
  const fs::path in = dir_ / "gen.jsonl";
  ASSERT_EQ(run(kBin + " generate --count 30000 --invalid-ratio 0.2 --seed 11 > " + in.string())
                .exit_code,
            0);
  const fs::path one = dir_ / "one", four = dir_ / "four";
  ASSERT_EQ(run(kBin + " validate --workers 1 " + in.string() + " --clean " + one.string() +
                " --rejects " + (dir_ / "r1").string() + " 2>/dev/null")
                .exit_code,
            0);
  ASSERT_EQ(run(kBin + " validate --workers 4 " + in.string() + " --clean " + four.string() +
                " --rejects " + (dir_ / "r4").string() + " 2>/dev/null")
                .exit_code,
            0);
  const std::string clean = read_file(one);
  EXPECT_GT(clean.size(), 1000000u);
  EXPECT_EQ(clean, read_file(four));
  EXPECT_EQ(read_file(dir_ / "r1"), read_file(dir_ / "r4"));
  // Line numbers in the rejects rise strictly: written in input order.
  long last = 0;
  for (const auto& line : split_lines(read_file(dir_ / "r4"))) {
    const long n = std::stol(line.substr(line.find(':') + 1));
    EXPECT_GT(n, last);
    last = n;
  }
}

TEST_F(ValidateCli, OversizeLinesAreTooLargeWithoutBeingKept) {
  const std::string big(3u << 20, 'x');  // 3 MiB, longer than the read chunk
  const fs::path in = write("in.jsonl", kValid + "\n" + big + "\n" + kValid + "\n");
  const CommandResult r = run(kBin + " validate " + in.string() + " --rejects " +
                              (dir_ / "rejects").string() + " 2>/dev/null");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, kValid + "\n" + kValid + "\n");
  const std::string rejects = read_file(dir_ / "rejects");
  EXPECT_NE(rejects.find(R"("line":2,"reason":"too_large")"), std::string::npos);
  EXPECT_NE(rejects.find("3145728 bytes"), std::string::npos);
}

TEST_F(ValidateCli, MaxRecordBytesAndStrictAndPrivacyFlagsApply) {
  const std::string with_extra = kValid.substr(0, kValid.size() - 1) + R"(,"x":"bob@corp.io"})";
  const fs::path in = write("in.jsonl", with_extra + "\n");
  EXPECT_EQ(run(kBin + " validate --strict " + in.string() + " 2>&1 >/dev/null")
                    .out.find("unknown_field") != std::string::npos,
            true);
  EXPECT_NE(run(kBin + " validate --privacy reject " + in.string() + " 2>&1 >/dev/null")
                .out.find("privacy_violation"),
            std::string::npos);
  EXPECT_NE(run(kBin + " validate " + in.string() + " 2>/dev/null").out.find("[REDACTED:email]"),
            std::string::npos);
  EXPECT_EQ(run(kBin + " validate --privacy off " + in.string() + " 2>/dev/null").out,
            with_extra + "\n");
  EXPECT_NE(run(kBin + " validate --max-record-bytes 50 " + in.string() + " 2>&1 >/dev/null")
                .out.find("too_large"),
            std::string::npos);
}

TEST_F(ValidateCli, SummaryEndsStandardError) {
  const fs::path in = write("in.jsonl", kValid + "\n[]\n");
  const CommandResult r = run(kBin + " validate " + in.string() + " --rejects " +
                              (dir_ / "rejects").string() + " 2>&1 >/dev/null");
  EXPECT_NE(r.out.find("2 records, 1 clean, 1 rejected"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not_an_object 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("MB/s"), std::string::npos);
}

TEST_F(ValidateCli, ExitCodesForBadArgumentsAndIoErrors) {
  EXPECT_EQ(run(kBin + " validate /nonexistent/input 2>/dev/null").exit_code, 1);
  EXPECT_EQ(run(kBin + " validate 2>/dev/null").exit_code, 2);
  EXPECT_EQ(run(kBin + " validate --workers 0 x 2>/dev/null").exit_code, 2);
  EXPECT_EQ(run(kBin + " validate --privacy maybe x 2>/dev/null").exit_code, 2);
  EXPECT_EQ(run(kBin + " validate --bogus x 2>/dev/null").exit_code, 2);
  const fs::path in = write("in.jsonl", kValid + "\n");
  EXPECT_EQ(run(kBin + " validate " + in.string() + " --clean /nonexistent/dir/out 2>/dev/null")
                .exit_code,
            1);
  EXPECT_EQ(run(kBin + " --version").exit_code, 0);
  EXPECT_NE(run(kBin + " --version").out.find("skillstream"), std::string::npos);
}

TEST_F(ValidateCli, ShowsProgressOnATerminalOnly) {
  const fs::path in = dir_ / "gen.jsonl";
  ASSERT_EQ(run(kBin + " generate --count 400000 --seed 3 > " + in.string()).exit_code, 0);
  const std::string cmd =
      kBin + " validate --workers 1 " + in.string() + " --clean /dev/null --rejects /dev/null";
  // script(1) gives the command a pseudo-terminal as its standard error.
  const CommandResult tty = run("script -qc '" + cmd + "' /dev/null");
  EXPECT_NE(tty.out.find("\r\033[K"), std::string::npos);
  EXPECT_NE(tty.out.find(" records, "), std::string::npos);
  const CommandResult pipe = run(cmd + " 2>&1");
  EXPECT_EQ(pipe.out.find('\r'), std::string::npos);
  EXPECT_NE(pipe.out.find("400000 records"), std::string::npos);
}

TEST_F(ValidateCli, BadArgumentsGiveOneLine) {
  const CommandResult r = run(kBin + " validate --workers 0 x 2>&1");
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

}  // namespace
