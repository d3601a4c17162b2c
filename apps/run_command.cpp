// `skillstream run`: the Kafka pipeline (input topic -> validation -> clean / DLQ).
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

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

void log_summary(const pipeline::PipelineStats& st) {
  const std::string rejects = processor::format_reasons(st.rejected);
  spdlog::info(
      "summary: read={} clean={} rejected=[{}] redacted secret={} email={} user_path={} "
      "delivered={} undeliverable={} retries={} undelivered={} seconds={:.2f} join_seconds={:.2f} "
      "records/s={:.0f} latency p50={:.1f} p99={:.1f} ms",
      st.read, st.clean, rejects, st.redacted[0], st.redacted[1], st.redacted[2], st.delivered,
      st.undeliverable, st.retries, st.undelivered, st.seconds, st.join_seconds,
      st.seconds > 0 ? static_cast<double>(st.read) / st.seconds : 0.0, st.end_to_end.p50_ms,
      st.end_to_end.p99_ms);
}

// One line with every effective setting, secret-looking property values masked, so
// a log shows what this run was started with.
void log_settings(const config::Settings& settings) {
  std::string line = "settings:";
  for (const auto& [key, value] : config::describe_settings(settings)) {
    line += ' ';
    line += key;
    line += '=';
    line += value.empty() ? std::string("\"\"") : value;
  }
  spdlog::info("{}", line);
}

int run_pipeline(config::Settings settings, const std::vector<std::string>& warnings) {
  if (!configure_logging(settings.log_level,
                         settings.log_format == config::LogFormat::json ? "json" : "text")) {
    std::fprintf(stderr, "skillstream run: bad log level or format\n");
    return 2;
  }
  // Unknown SKILLSTREAM_* variables, by name: the logger is up only now.
  for (const std::string& warning : warnings) spdlog::warn("{}", warning);
  log_settings(settings);
  std::shared_ptr<const processor::PrivacyPatterns> patterns;
  if (settings.processor.privacy != processor::PrivacyPolicy::off) {
    patterns = processor::PrivacyScanner::compile_patterns();
  }
  install_stop_signals();
  spdlog::info("skillstream run: {} -> {} / {} (group {}, instance {})", settings.input_topic,
               settings.clean_topic, settings.dlq_topic, settings.group, settings.instance_id);
  pipeline::KafkaPipeline pipeline(settings, patterns);
  pipeline::PipelineResult r = pipeline.run(g_stop_requested);
  log_summary(r.stats);
  spdlog::default_logger()->flush();
  return pipeline_exit_code("run", r);
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  CLI::App* cmd = app.add_subcommand("run", "Run the Kafka pipeline: input -> clean / dead-letter");
  // Every setting is a flag: generated from the catalog (apps/settings_flags.h).
  std::shared_ptr<SettingsFlags> flags = add_settings_flags(*cmd, config::Command::run);
  cmd->callback([flags, &exit_code] {
    config::LoadResult loaded = flags->load(environ);
    if (!loaded.ok()) {
      std::fprintf(stderr, "skillstream run: %s\n", loaded.error.c_str());
      exit_code = 2;
      return;
    }
    // Before any client exists: a property librdkafka refuses is bad configuration.
    if (std::string error = check_kafka_properties(loaded.settings); !error.empty()) {
      std::fprintf(stderr, "skillstream run: %s\n", error.c_str());
      exit_code = 2;
      return;
    }
    if (loaded.settings.brokers.empty()) {
      std::fprintf(stderr,
                   "skillstream run: no Kafka brokers configured (--brokers, SKILLSTREAM_BROKERS "
                   "or [kafka] brokers); for a local try, see `skillstream demo` and "
                   "`skillstream broker`\n");
      exit_code = 2;
      return;
    }
    exit_code = run_pipeline(std::move(loaded.settings), loaded.warnings);
  });
}

}  // namespace skillstream::apps
