// `skillstream run`: the Kafka pipeline (input topic -> validation -> clean / DLQ).
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "apps/commands.h"
#include "apps/logging.h"
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
      "records/s={:.0f}",
      st.read, st.clean, rejects, st.redacted[0], st.redacted[1], st.redacted[2], st.delivered,
      st.undeliverable, st.retries, st.undelivered, st.seconds, st.join_seconds,
      st.seconds > 0 ? static_cast<double>(st.read) / st.seconds : 0.0);
}

}  // namespace

int run_pipeline(config::Settings settings) {
  if (!configure_logging(settings.log_level,
                         settings.log_format == config::LogFormat::json ? "json" : "text")) {
    std::fprintf(stderr, "skillstream run: bad log level or format\n");
    return 2;
  }
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
  switch (r.exit) {
    case pipeline::PipelineExit::ok:
      return 0;
    case pipeline::PipelineExit::failed:
      std::fprintf(stderr, "skillstream run: %s\n", r.error.c_str());
      return 1;
    case pipeline::PipelineExit::undelivered:
      std::fprintf(stderr, "skillstream run: %s\n", r.error.c_str());
      return 3;
  }
  return 1;
}

void add_run_command(CLI::App& app, int& exit_code) {
  // Every flag is kept as text and only passed on when given: config::load_settings
  // parses and layers them (defaults < file < SKILLSTREAM_* variables < flags).
  struct Flag {
    const char* name;
    const char* help;
    bool boolean;
  };
  static const Flag kFlags[] = {
      {"brokers", "Kafka bootstrap servers host:port[,...]", false},
      {"input-topic", "input topic (default sessions.raw)", false},
      {"clean-topic", "clean topic (default sessions.clean)", false},
      {"dlq-topic", "dead-letter topic (default sessions.dlq)", false},
      {"group", "consumer group id (default skillstream)", false},
      {"instance-id", "instance id (default hostname:pid)", false},
      {"workers", "validator threads; 0: every hardware thread", false},
      {"privacy", "redact, reject or off", false},
      {"strict", "reject unlisted fields as unknown_field", true},
      {"stop-at-end", "exit once every assigned partition is read to its end and delivered", true},
      {"log-level", "trace, debug, info, warn, error, critical, off", false},
      {"log-format", "text or json", false},
      {"max-record-bytes", "larger records are too_large (default 1048576)", false},
      {"max-depth", "deeper nesting is too_deep (default 64)", false},
      {"max-inflight-bytes", "pause consumption above this many undelivered bytes", false},
      {"batch-max-records", "records per batch handed to a worker", false},
      {"key-from-session-id", "clean records without a key get session_id as key", false},
      {"on-undeliverable", "dead_letter or halt", false},
      {"shutdown-timeout-ms", "drain bound after SIGINT/SIGTERM", false},
      {"http-addr", "/metrics, /healthz, /readyz on host:port (port 0: any free one), or off",
       false},
      {"summary-interval-ms", "period of the summary log line", false},
  };
  struct State {
    std::string config_path;
    std::vector<std::pair<const Flag*, CLI::Option*>> options;
    std::vector<std::string> values = std::vector<std::string>(std::size(kFlags));
  };
  auto st = std::make_shared<State>();
  CLI::App* cmd = app.add_subcommand("run", "Run the Kafka pipeline: input -> clean / dead-letter");
  cmd->add_option("--config", st->config_path, "TOML settings file (or SKILLSTREAM_CONFIG)");
  for (std::size_t i = 0; i < std::size(kFlags); ++i) {
    const Flag& f = kFlags[i];
    CLI::Option* o = f.boolean ? cmd->add_flag(std::string("--") + f.name, f.help)
                               : cmd->add_option(std::string("--") + f.name, st->values[i], f.help);
    st->options.emplace_back(&f, o);
  }
  cmd->callback([st, &exit_code] {
    config::FlagValues flags;
    for (std::size_t i = 0; i < st->options.size(); ++i) {
      auto [flag, opt] = st->options[i];
      if (opt->count() == 0) continue;
      flags.emplace_back(flag->name, flag->boolean ? std::string("true") : st->values[i]);
    }
    std::optional<std::string> path;
    if (!st->config_path.empty()) {
      path = st->config_path;
    } else if (const char* env = std::getenv("SKILLSTREAM_CONFIG"); env && *env) {
      path = std::string(env);
    }
    config::LoadResult loaded = config::load_settings(path, flags, environ);
    if (!loaded.ok()) {
      std::fprintf(stderr, "skillstream run: %s\n", loaded.error.c_str());
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
    exit_code = run_pipeline(std::move(loaded.settings));
  });
}

}  // namespace skillstream::apps
