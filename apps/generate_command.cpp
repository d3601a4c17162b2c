// `skillstream generate`: deterministic synthetic session logs on stdout, one per line,
// and optionally the intended verdict of each one (the load generator of the
// benchmarks and the oracle of the conformance tests).
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "apps/commands.h"
#include "generator/session_generator.h"

namespace skillstream::apps {
namespace {

struct GenerateArgs {
  std::int64_t count = -1;
  double invalid_ratio = 0.0;
  double secret_ratio = 0.02;
  std::uint64_t seed = 1;
  std::string labels_path;
};

// Writes through a large buffer: one fwrite per ~1 MiB, not one per record.
class BufferedOut {
 public:
  explicit BufferedOut(std::FILE* f) : f_(f) { buf_.reserve(kFlushBytes + 4096); }
  void add(std::string_view s) {
    buf_.append(s);
    if (buf_.size() >= kFlushBytes) flush();
  }
  void add(char c) { buf_ += c; }
  bool flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) ok_ = false;
    buf_.clear();
    return ok_;
  }
  bool finish() { return flush() && std::fflush(f_) == 0 && ok_; }

 private:
  static constexpr std::size_t kFlushBytes = 1u << 20;
  std::FILE* f_;
  std::string buf_;
  bool ok_ = true;
};

int run_generate(const GenerateArgs& a) {
  if (a.count < 0) {
    std::fprintf(stderr, "skillstream generate: --count must be >= 0\n");
    return 2;
  }
  // Written so that NaN fails too.
  if (!(a.invalid_ratio >= 0.0 && a.invalid_ratio <= 1.0)) {
    std::fprintf(stderr, "skillstream generate: --invalid-ratio must be in [0, 1]\n");
    return 2;
  }
  if (!(a.secret_ratio >= 0.0 && a.secret_ratio <= 1.0)) {
    std::fprintf(stderr, "skillstream generate: --secret-ratio must be in [0, 1]\n");
    return 2;
  }

  std::unique_ptr<std::FILE, int (*)(std::FILE*)> labels_file(nullptr, &std::fclose);
  if (!a.labels_path.empty()) {
    labels_file.reset(std::fopen(a.labels_path.c_str(), "wb"));
    if (!labels_file) {
      std::fprintf(stderr, "skillstream generate: cannot open %s: %s\n", a.labels_path.c_str(),
                   std::strerror(errno));
      return 1;
    }
  }

  generator::GeneratorOptions options;
  options.seed = a.seed;
  options.invalid_ratio = a.invalid_ratio;
  options.secret_ratio = a.secret_ratio;
  generator::SessionGenerator generator(options);

  BufferedOut out(stdout);
  std::unique_ptr<BufferedOut> labels;
  if (labels_file) labels = std::make_unique<BufferedOut>(labels_file.get());

  std::string record;
  std::string line;
  for (std::int64_t i = 0; i < a.count; ++i) {
    const auto label = generator.next(record);
    out.add(record);
    out.add('\n');
    if (labels) {
      line.assign("{\"line\":");
      line += std::to_string(i + 1);
      line += label.reason == processor::Reason::none ? ",\"verdict\":\"clean\""
                                                      : ",\"verdict\":\"rejected\"";
      line += ",\"reason\":\"";
      line += processor::to_string(label.reason);
      line += '"';
      if (!label.privacy.empty()) {
        line += ",\"redacted\":\"";
        line += label.privacy.to_string();
        line += '"';
      }
      line += "}\n";
      labels->add(line);
    }
  }

  if (!out.finish()) {
    std::fprintf(stderr, "skillstream generate: cannot write to stdout: %s\n",
                 std::strerror(errno));
    return 1;
  }
  if (labels && !labels->finish()) {
    std::fprintf(stderr, "skillstream generate: cannot write %s: %s\n", a.labels_path.c_str(),
                 std::strerror(errno));
    return 1;
  }
  return 0;
}

}  // namespace

void add_generate_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<GenerateArgs>();
  auto* cmd = app.add_subcommand(
      "generate", "Write deterministic synthetic session logs to stdout, one per line");
  cmd->add_option("--count", args->count, "Number of records")->required();
  cmd->add_option("--invalid-ratio", args->invalid_ratio,
                  "Share of records with exactly one defect, in [0, 1]")
      ->capture_default_str();
  cmd->add_option("--secret-ratio", args->secret_ratio,
                  "Share of valid records carrying secrets, e-mails or user paths, in [0, 1]")
      ->capture_default_str();
  cmd->add_option("--seed", args->seed, "Random seed: the same seed gives the same bytes")
      ->capture_default_str();
  cmd->add_option("--labels", args->labels_path,
                  "Also write the intended verdict of each record to this file (JSON lines)");
  cmd->callback([args, &exit_code] { exit_code = run_generate(*args); });
}

}  // namespace skillstream::apps
