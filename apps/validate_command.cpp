// `skillstream validate`: the record path over a file of lines.
//
// The main thread reads batches of lines, a pool of workers validates them (one
// RecordProcessor each), and a writer thread takes the batches back in input order
// and writes clean records and reject lines. Memory is bounded by the pool's number
// of batches in flight, whatever the input's size.
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "apps/commands.h"
#include "apps/json_text.h"
#include "apps/progress.h"
#include "apps/settings_flags.h"
#include "config/load.h"
#include "connectors/file_sink.h"
#include "connectors/file_source.h"
#include "processor/privacy_scanner.h"
#include "processor/record_processor.h"
#include "processor/worker_pool.h"

extern char** environ;

namespace skillstream::apps {
namespace {

using processor::KindSet;
using processor::Reason;

// validate's own options; the [processor] settings come from the catalog.
struct ValidateOptions {
  std::string input;
  std::string clean_path = "-";
  std::string rejects_path;  // empty: standard error
  bool progress = true;
};

// The verdict on one line. Text lives in the job's arena or its batch's data.
struct LineVerdict {
  Reason reason = Reason::none;
  KindSet redacted;
  bool value_in_arena = false;  // clean: the value is the redacted copy in the arena
  std::uint32_t value_offset = 0, value_size = 0;
  std::uint32_t path_offset = 0, path_size = 0;
  std::uint32_t message_offset = 0, message_size = 0;
  std::uint32_t errors_offset = 0, errors_size = 0;  // rejects: the JSON array of defects
};

struct Job {
  connectors::LineBatch batch;
  std::vector<LineVerdict> verdicts;
  std::string arena;
};

std::uint32_t stash(std::string& arena, std::string_view text, std::uint32_t& size) {
  const auto offset = static_cast<std::uint32_t>(arena.size());
  arena.append(text);
  size = static_cast<std::uint32_t>(text.size());
  return offset;
}

void process_job(processor::RecordProcessor& proc, std::size_t max_record_bytes, Job& job) {
  job.verdicts.clear();
  job.arena.clear();
  job.verdicts.reserve(job.batch.lines.size());
  std::string oversize_message;
  for (const auto& line : job.batch.lines) {
    LineVerdict v;
    if (line.oversize > 0) {
      v.reason = Reason::too_large;
      oversize_message = "the value is " + std::to_string(line.oversize) +
                         " bytes, over max_record_bytes " + std::to_string(max_record_bytes);
      v.message_offset = stash(job.arena, oversize_message, v.message_size);
      const processor::Defect only{v.reason, {}, oversize_message};
      v.errors_offset = static_cast<std::uint32_t>(job.arena.size());
      processor::append_defects_json({&only, 1}, false, job.arena);
      v.errors_size = static_cast<std::uint32_t>(job.arena.size() - v.errors_offset);
      job.verdicts.push_back(v);
      continue;
    }
    const processor::Outcome out = proc.process(job.batch.data.data() + line.offset, line.size);
    v.reason = out.verdict.reason;
    if (out.verdict.clean()) {
      v.redacted = out.redacted;
      if (out.redacted.empty()) {
        v.value_offset = line.offset;
        v.value_size = line.size;
      } else {
        v.value_in_arena = true;
        v.value_offset = stash(job.arena, out.value, v.value_size);
      }
    } else {
      v.path_offset = stash(job.arena, out.verdict.path, v.path_size);
      v.message_offset = stash(job.arena, out.verdict.message, v.message_size);
      v.errors_offset = static_cast<std::uint32_t>(job.arena.size());
      processor::append_defects_json(out.defects, out.defects_truncated, job.arena);
      v.errors_size = static_cast<std::uint32_t>(job.arena.size() - v.errors_offset);
    }
    job.verdicts.push_back(v);
  }
}

struct Totals {
  std::uint64_t records = 0;
  std::uint64_t clean = 0;
  std::uint64_t redacted = 0;
  std::array<std::uint64_t, processor::kReasonCount> rejects{};
  std::array<std::uint64_t, processor::kPrivacyKindCount> redactions{};
};

void print_summary(const Totals& t, std::uint64_t bytes, double seconds) {
  std::string s = "skillstream validate: " + std::to_string(t.records) + " records, " +
                  std::to_string(t.clean) + " clean";
  if (t.redacted > 0) {
    s += " (" + std::to_string(t.redacted) + " redacted:";
    for (std::size_t k = 0; k < processor::kPrivacyKindCount; ++k) {
      if (t.redactions[k] == 0) continue;
      s += ' ';
      s += processor::to_string(static_cast<processor::PrivacyKind>(k));
      s += ' ' + std::to_string(t.redactions[k]);
    }
    s += ')';
  }
  s += ", " + std::to_string(t.records - t.clean) + " rejected\n";
  if (t.records > t.clean) {
    s += "  rejects:";
    for (std::size_t r = 1; r < processor::kReasonCount; ++r) {
      if (t.rejects[r] == 0) continue;
      s += ' ';
      s += processor::to_string(static_cast<Reason>(r));
      s += ' ' + std::to_string(t.rejects[r]);
    }
    s += '\n';
  }
  char line[160];
  const double mb = static_cast<double>(bytes) / 1e6;
  std::snprintf(line, sizeof line, "  %.1f MB in %.3f s: %.1f MB/s, %.0f records/s\n", mb, seconds,
                seconds > 0 ? mb / seconds : 0.0,
                seconds > 0 ? static_cast<double>(t.records) / seconds : 0.0);
  s += line;
  std::fputs(s.c_str(), stderr);
}

// The first sink that failed, or null.
const connectors::FileSink* failed_sink(const connectors::FileSink& clean,
                                        const connectors::FileSink& rejects) {
  if (!clean.ok()) return &clean;
  if (!rejects.ok()) return &rejects;
  return nullptr;
}

int run_validate(const ValidateOptions& o, const config::Settings& settings) {
  const processor::ProcessorOptions& popts = settings.processor;
  const std::size_t max_record_bytes = popts.max_record_bytes;
  const unsigned workers =
      settings.workers > 0 ? settings.workers : std::max(1u, std::thread::hardware_concurrency());

  connectors::LineSource source(o.input, max_record_bytes);
  if (!source.ok()) {
    std::fprintf(stderr, "skillstream validate: %s\n", source.error().c_str());
    return 1;
  }
  connectors::FileSink clean(o.clean_path);
  connectors::FileSink rejects(o.rejects_path.empty() ? "stderr" : o.rejects_path, 1u << 16);
  for (const auto* sink : {&clean, &rejects}) {
    if (!sink->ok()) {
      std::fprintf(stderr, "skillstream validate: %s\n", sink->error().c_str());
      return 1;
    }
  }

  std::shared_ptr<const processor::PrivacyPatterns> patterns;
  if (popts.privacy != processor::PrivacyPolicy::off)
    patterns = processor::PrivacyScanner::compile_patterns();
  std::vector<std::unique_ptr<processor::RecordProcessor>> processors;
  for (unsigned i = 0; i < workers; ++i) {
    processors.push_back(std::make_unique<processor::RecordProcessor>(popts, patterns));
  }

  const auto started = std::chrono::steady_clock::now();
  processor::OrderedWorkerPool<Job> pool(workers, workers * 4, [&](std::size_t w, Job& job) {
    process_job(*processors[w], max_record_bytes, job);
  });

  Totals totals;
  // Reject lines on a terminal's standard error would be torn by a progress line.
  Progress progress(o.progress && !o.rejects_path.empty() && Progress::on_terminal());
  std::string reject_line;
  // Set by the writer at the first failed write: the reader stops, the writer drops
  // what is still in flight (so the reader is never left blocked on a full pool).
  std::atomic<bool> write_failed{false};
  std::thread writer([&] {
    while (std::optional<Job> job = pool.next()) {
      if (write_failed.load(std::memory_order_relaxed)) continue;
      const auto& lines = job->batch.lines;
      for (std::size_t i = 0; i < lines.size(); ++i) {
        const LineVerdict& v = job->verdicts[i];
        ++totals.records;
        if (v.reason == Reason::none) {
          ++totals.clean;
          const std::string& base = v.value_in_arena ? job->arena : job->batch.data;
          clean.write(std::string_view(base).substr(v.value_offset, v.value_size));
          clean.put('\n');
          if (!v.redacted.empty()) {
            ++totals.redacted;
            for (std::size_t k = 0; k < processor::kPrivacyKindCount; ++k) {
              if (v.redacted.has(static_cast<processor::PrivacyKind>(k))) ++totals.redactions[k];
            }
          }
          continue;
        }
        ++totals.rejects[static_cast<std::size_t>(v.reason)];
        const std::string_view arena(job->arena);
        reject_line.assign("{\"line\":");
        reject_line += std::to_string(job->batch.first_line + i);
        reject_line += ",\"reason\":\"";
        reject_line += processor::to_string(v.reason);
        reject_line += "\",\"path\":";
        append_json_string(arena.substr(v.path_offset, v.path_size), reject_line);
        reject_line += ",\"message\":";
        append_json_string(arena.substr(v.message_offset, v.message_size), reject_line);
        reject_line += ",\"errors\":";
        reject_line += arena.substr(v.errors_offset, v.errors_size);
        reject_line += "}\n";
        rejects.write(reject_line);
      }
      progress.update(totals.records, source.bytes_read(), totals.records - totals.clean);
      if (failed_sink(clean, rejects) != nullptr) write_failed.store(true);
    }
  });

  bool read_ok = true;
  while (!write_failed.load()) {
    Job job;
    if (!source.next(job.batch)) {
      read_ok = source.ok();
      break;
    }
    if (!pool.submit(std::move(job))) break;
  }
  pool.close();
  writer.join();
  progress.finish();
  clean.flush();
  rejects.flush();

  // A failed write ends the run with that one line: no summary, which would read as
  // if the output were complete.
  if (const connectors::FileSink* sink = failed_sink(clean, rejects)) {
    std::fprintf(stderr, "skillstream validate: %s\n", sink->error().c_str());
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  print_summary(totals, source.bytes_read(), seconds);
  if (!read_ok) {
    std::fprintf(stderr, "skillstream validate: %s\n", source.error().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

void add_validate_command(CLI::App& app, int& exit_code) {
  auto opts = std::make_shared<ValidateOptions>();
  CLI::App* cmd = app.add_subcommand(
      "validate", "Validate session logs, one per line, writing clean records and reject lines");
  cmd->add_option("input", opts->input, "Input file, or - for standard input")->required();
  // --strict, --privacy, --workers, --max-record-bytes, --max-depth and --config: the
  // catalog's rows for validate, read like run's (file, SKILLSTREAM_*, flags).
  std::shared_ptr<SettingsFlags> flags = add_settings_flags(*cmd, config::Command::validate);
  // validate has always refused --workers 0 on its command line (scripts rely on that
  // exit 2); 0 from the file or SKILLSTREAM_WORKERS keeps the catalog's meaning, every
  // hardware thread.
  CLI::Option* workers = flags->option("workers");
  workers->check(CLI::Range(1u, 1024u).description(""));
  workers->description(workers->get_description() + "; the flag takes 1 to 1024");
  cmd->add_option("--clean", opts->clean_path, "Where clean records go (default: standard output)");
  cmd->add_option("--rejects", opts->rejects_path,
                  "Where reject lines go, one JSON object each (default: standard error)");
  cmd->add_flag("!--no-progress", opts->progress, "No progress line, even on a terminal");
  cmd->callback([opts, flags, &exit_code] {
    config::LoadResult loaded = flags->load(environ);
    if (!loaded.ok()) {
      std::fprintf(stderr, "skillstream validate: %s\n", loaded.error.c_str());
      exit_code = 2;
      return;
    }
    // Unknown SKILLSTREAM_* variables, by name only (validate has no logger).
    for (const std::string& warning : loaded.warnings) {
      std::fprintf(stderr, "skillstream validate: warning: %s\n", warning.c_str());
    }
    exit_code = run_validate(*opts, loaded.settings);
  });
}

}  // namespace skillstream::apps
