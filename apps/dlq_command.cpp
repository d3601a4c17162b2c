// `skillstream dlq stats`: what a dead-letter topic holds, read once from its beginning
// to the end seen at start, outside any group.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "apps/commands.h"
#include "apps/logging.h"
#include "apps/progress.h"
#include "apps/property_check.h"
#include "apps/settings_flags.h"
#include "config/load.h"
#include "connectors/topic_reader.h"
#include "pipeline/dlq_stats.h"

extern char** environ;

namespace skillstream::apps {

namespace {

constexpr const char* kPrefix = "skillstream dlq stats";

struct StatsFlags {
  std::string topic;  // empty: [kafka] dlq_topic of the settings
  std::string group = "skillstream-redrive";
  bool json = false;
  int timeout_ms = 10'000;
};

int dlq_stats(const config::Settings& settings, const StatsFlags& flags) {
  connectors::TopicReaderOptions options;
  options.brokers = settings.brokers;
  options.topic = flags.topic.empty() ? settings.dlq_topic : flags.topic;
  options.group = flags.group;
  options.client_id = "skillstream-dlq-stats";
  options.properties = settings.consumer_properties;
  options.timeout = std::chrono::milliseconds(flags.timeout_ms);

  auto reader = connectors::TopicReader::create(options);
  if (!reader.ok()) {
    std::fprintf(stderr, "%s: %s\n", kPrefix, reader.status().error.c_str());
    return reader.status().code == connectors::Errc::config ? 2 : 1;
  }
  auto partitions = reader.value()->offsets();
  if (!partitions.ok()) {
    std::fprintf(stderr, "%s: %s\n", kPrefix, partitions.status().error.c_str());
    return 1;
  }

  pipeline::DlqStats stats;
  std::uint64_t total = 0;
  for (const auto& p : partitions.value()) {
    if (p.high > p.low) total += static_cast<std::uint64_t>(p.high - p.low);
  }
  Progress progress(Progress::on_terminal());
  connectors::Status read =
      reader.value()->read(partitions.value(), [&](const connectors::TopicMessage& m) {
        stats.add(m.value.size(), m.headers);
        progress.update_of(stats.records(), total);
      });
  progress.finish();
  if (!read.ok()) {
    std::fprintf(stderr, "%s: %s\n", kPrefix, read.error.c_str());
    return 1;
  }
  const pipeline::DlqSummary summary =
      stats.summary(options.topic, options.group, std::move(partitions.value()));
  const std::string out =
      flags.json ? pipeline::format_json(summary) : pipeline::format_text(summary);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

void add_dlq_command(CLI::App& app, int& exit_code) {
  CLI::App* dlq = app.add_subcommand("dlq", "Inspect a dead-letter topic");
  dlq->require_subcommand(1);
  CLI::App* cmd = dlq->add_subcommand(
      "stats", "Count what a dead-letter topic holds (read to its current end, outside any group)");
  std::shared_ptr<SettingsFlags> settings_flags =
      add_settings_flags(*cmd, config::Command::dlq_stats);
  auto flags = std::make_shared<StatsFlags>();
  cmd->add_option("--topic", flags->topic,
                  "dead-letter topic (default [kafka] dlq_topic: sessions.dlq)")
      ->check([](const std::string& v) { return v.empty() ? "empty topic name" : std::string(); });
  cmd->add_option("--group", flags->group,
                  "group whose committed offsets bound the live queue (read only, never joined)")
      ->capture_default_str()
      ->check([](const std::string& v) { return v.empty() ? "empty group name" : std::string(); });
  cmd->add_flag("--json", flags->json, "one JSON object instead of text (keys in README.md)");
  cmd->add_option("--timeout-ms", flags->timeout_ms,
                  "give up when the cluster does not answer for this long")
      ->capture_default_str()
      ->check(CLI::Range(100, 3'600'000));
  cmd->callback([settings_flags, flags, &exit_code] {
    config::LoadResult loaded = settings_flags->load(environ);
    if (!loaded.ok()) {
      std::fprintf(stderr, "%s: %s\n", kPrefix, loaded.error.c_str());
      exit_code = 2;
      return;
    }
    if (std::string error = check_kafka_properties(loaded.settings); !error.empty()) {
      std::fprintf(stderr, "%s: %s\n", kPrefix, error.c_str());
      exit_code = 2;
      return;
    }
    if (loaded.settings.brokers.empty()) {
      std::fprintf(stderr,
                   "%s: no Kafka brokers configured (--brokers, SKILLSTREAM_BROKERS or [kafka] "
                   "brokers)\n",
                   kPrefix);
      exit_code = 2;
      return;
    }
    // Our own lines are the output; librdkafka's retries of an unreachable broker
    // would only bury the one error line.
    (void)configure_logging("off", "text");
    exit_code = dlq_stats(loaded.settings, *flags);
  });
}

}  // namespace skillstream::apps
