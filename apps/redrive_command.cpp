// `skillstream redrive`: the dead-letter topic read as a queue and sent back through
// the record path with the current rules and settings (README: "Dead letters").
// The same delivery core as `run` (pipeline::KafkaPipeline in redrive mode).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "apps/commands.h"
#include "apps/logging.h"
#include "apps/pipeline_exit.h"
#include "apps/property_check.h"
#include "apps/settings_flags.h"
#include "apps/signals.h"
#include "config/load.h"
#include "pipeline/kafka_pipeline.h"
#include "processor/metrics.h"
#include "processor/privacy_scanner.h"

extern char** environ;

namespace skillstream::apps {

namespace {

std::uint64_t sum(const std::array<std::uint64_t, processor::kReasonCount>& a) {
  std::uint64_t n = 0;
  for (auto v : a) n += v;
  return n;
}

// The closing summary, on standard output: what moved where, by reason.
void print_summary(const config::Settings& s, const pipeline::PipelineStats& st) {
  const auto& rd = st.redrive;
  std::printf(
      "redrive%s: read=%llu moved_to_clean=%llu requeued=%llu parked=%llu "
      "not_selected=%llu\n",
      s.redrive.dry_run ? " (dry run: nothing written or committed)" : "",
      static_cast<unsigned long long>(st.read), static_cast<unsigned long long>(sum(rd.moved)),
      static_cast<unsigned long long>(sum(rd.requeued)),
      static_cast<unsigned long long>(sum(rd.parked)), static_cast<unsigned long long>(rd.skipped));
  std::printf("  moved to %s, by previous reason: [%s]\n", s.clean_topic.c_str(),
              processor::format_reasons(rd.moved).c_str());
  std::printf("  requeued to %s, by new reason: [%s]\n", s.dlq_topic.c_str(),
              processor::format_reasons(rd.requeued).c_str());
  std::printf("  parked in %s, by new reason: [%s]\n", s.redrive.parking_topic.c_str(),
              processor::format_reasons(rd.parked).c_str());
  std::fflush(stdout);
}

int redrive(config::Settings settings, const std::vector<std::string>& warnings) {
  if (!configure_logging(settings.log_level,
                         settings.log_format == config::LogFormat::json ? "json" : "text")) {
    std::fprintf(stderr, "skillstream redrive: bad log level or format\n");
    return 2;
  }
  for (const std::string& warning : warnings) spdlog::warn("{}", warning);
  std::shared_ptr<const processor::PrivacyPatterns> patterns;
  if (settings.processor.privacy != processor::PrivacyPolicy::off) {
    patterns = processor::PrivacyScanner::compile_patterns();
  }
  install_stop_signals();
  spdlog::info("skillstream redrive: {} (group {}) -> {} / {} / {}{}", settings.dlq_topic,
               settings.redrive.group, settings.clean_topic, settings.dlq_topic,
               settings.redrive.parking_topic, settings.redrive.dry_run ? " (dry run)" : "");
  pipeline::KafkaPipeline pipeline(settings, patterns, pipeline::PipelineMode::redrive);
  pipeline::PipelineResult r = pipeline.run(g_stop_requested);
  spdlog::default_logger()->flush();
  print_summary(settings, r.stats);
  return pipeline_exit_code("redrive", r);
}

}  // namespace

void add_redrive_command(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand(
      "redrive", "Send dead letters back through the record path: clean, requeued or parked");
  std::shared_ptr<SettingsFlags> flags = add_settings_flags(*cmd, config::Command::redrive);
  // The spelling of two catalog settings, kept as aliases.
  auto group = std::make_shared<std::string>();
  auto reasons = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--group", *group, "alias of --redrive-group");
  cmd->add_option("--reason", *reasons, "redrive only this reason code (repeatable)");
  cmd->callback([flags, group, reasons, &exit_code] {
    config::LoadResult loaded = flags->load(environ);
    if (!loaded.ok()) {
      std::fprintf(stderr, "skillstream redrive: %s\n", loaded.error.c_str());
      exit_code = 2;
      return;
    }
    config::Settings& s = loaded.settings;
    if (!group->empty()) s.redrive.group = *group;
    for (const std::string& name : *reasons) {
      processor::Reason r;
      if (!processor::parse_reason(name, r) || r == processor::Reason::none) {
        std::fprintf(stderr, "skillstream redrive: --reason %s: unknown reason code\n",
                     name.c_str());
        exit_code = 2;
        return;
      }
      s.redrive.reasons.push_back(r);
    }
    if (std::string error = check_kafka_properties(s); !error.empty()) {
      std::fprintf(stderr, "skillstream redrive: %s\n", error.c_str());
      exit_code = 2;
      return;
    }
    if (s.brokers.empty()) {
      std::fprintf(stderr,
                   "skillstream redrive: no Kafka brokers configured (--brokers, "
                   "SKILLSTREAM_BROKERS or [kafka] brokers)\n");
      exit_code = 2;
      return;
    }
    exit_code = redrive(std::move(s), loaded.warnings);
  });
}

}  // namespace skillstream::apps
