// The command line of `run` and `validate` is generated from the settings catalog:
// built here as main() builds it, then inspected and parsed.
#include "apps/settings_flags.h"
#include "tests/support/env.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <CLI/CLI.hpp>

#include "apps/commands.h"
#include "apps/property_check.h"
#include "config/load.h"

namespace skillstream::apps {
namespace {

// The whole `skillstream` command line, as main() builds it.
struct FullApp {
  CLI::App app{"test"};
  int exit_code = 0;
  FullApp() {
    add_validate_command(app, exit_code);
    add_generate_command(app, exit_code);
    add_run_command(app, exit_code);
    add_broker_command(app, exit_code);
    add_demo_command(app, exit_code);
  }
  // The option of subcommand `command` named --`flag`, or null.
  const CLI::Option* flag(const std::string& command, std::string_view flag) {
    for (const CLI::Option* o : app.get_subcommand(command)->get_options()) {
      for (const std::string& name : o->get_lnames()) {
        if (name == flag) return o;
      }
    }
    return nullptr;
  }
};

using testing::Env;

// A file of its own per test: ctest runs tests in parallel.
std::string test_config_path() {
  return ::testing::TempDir() + "settings_flags_" + std::to_string(::getpid()) + "_" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".toml";
}

// Parses `args` (subcommand first) as the command line after the program name.
void parse(CLI::App& app, std::vector<std::string> args) {
  std::reverse(args.begin(), args.end());  // CLI11 takes a vector last argument first
  app.parse(args);
}

TEST(SettingsFlags, EveryCatalogRowIsAFlagOfRun) {
  FullApp cli;
  for (const config::SettingInfo& info : config::setting_catalog()) {
    if (!info.commands.has(config::Command::run)) {
      ASSERT_EQ(info.section, "redrive") << info.flag << ": run takes every row but redrive's";
      continue;
    }
    const CLI::Option* o = cli.flag("run", info.flag);
    ASSERT_NE(o, nullptr) << "run lacks --" << info.flag;
    // Help text and default come from the catalog, with the variable and the TOML key.
    EXPECT_NE(o->get_description().find(std::string(info.help)), std::string::npos) << info.flag;
    EXPECT_NE(
        o->get_description().find(
            "default " + (info.default_value.empty() ? std::string("empty") : info.default_value)),
        std::string::npos)
        << o->get_description();
    EXPECT_NE(o->get_description().find(info.env), std::string::npos) << info.flag;
  }
  EXPECT_NE(cli.flag("run", "config"), nullptr);
}

TEST(SettingsFlags, EveryProcessorRowIsAFlagOfValidateAndNothingElse) {
  FullApp cli;
  std::size_t processor_rows = 0;
  for (const config::SettingInfo& info : config::setting_catalog()) {
    const bool for_validate = info.commands.has(config::Command::validate);
    // The [processor] table is exactly validate's share of the catalog.
    EXPECT_EQ(for_validate, info.section == "processor") << info.flag;
    processor_rows += info.section == "processor" ? 1 : 0;
    EXPECT_EQ(cli.flag("validate", info.flag) != nullptr, for_validate) << "--" << info.flag;
  }
  EXPECT_GE(processor_rows, 5u);  // workers, max_record_bytes, max_depth, strict, privacy
  // validate's own options stay.
  for (const char* own : {"config", "clean", "rejects", "no-progress"}) {
    EXPECT_NE(cli.flag("validate", own), nullptr) << own;
  }
}

TEST(SettingsFlags, CollectsOnlyTheFlagsGiven) {
  CLI::App app{"test"};
  CLI::App* cmd = app.add_subcommand("run");
  auto flags = add_settings_flags(*cmd, config::Command::run);
  parse(app, {"run", "--brokers", "b:1", "--workers", "3", "--strict", "--key-from-session-id",
              "false"});
  const config::FlagValues given = flags->given();
  // Catalog order, each as text; a bare boolean flag reads "true".
  EXPECT_EQ(given, (config::FlagValues{{"brokers", "b:1"},
                                       {"workers", "3"},
                                       {"strict", "true"},
                                       {"key-from-session-id", "false"}}));
  Env env({});
  config::LoadResult r = flags->load(env.get());
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.settings.brokers, "b:1");
  EXPECT_EQ(r.settings.workers, 3u);
  EXPECT_TRUE(r.settings.processor.strict);
  EXPECT_FALSE(r.settings.key_from_session_id);
}

TEST(SettingsFlags, BareBooleanTakesAnExplicitValueWithEquals) {
  CLI::App app{"test"};
  CLI::App* cmd = app.add_subcommand("validate");
  auto flags = add_settings_flags(*cmd, config::Command::validate);
  parse(app, {"validate", "--strict=false"});
  EXPECT_EQ(flags->given(), (config::FlagValues{{"strict", "false"}}));
}

TEST(SettingsFlags, ValidateReadsTheProcessorTableAndVariables) {
  const std::string path = test_config_path();
  std::ofstream(path) << "[processor]\nprivacy = \"reject\"\nmax_depth = 9\n"
                      << "[kafka]\nbrokers = \"ignored-by-validate:1\"\n";
  CLI::App app{"test"};
  CLI::App* cmd = app.add_subcommand("validate");
  auto flags = add_settings_flags(*cmd, config::Command::validate);
  parse(app, {"validate", "--config", path, "--max-record-bytes", "9999"});
  Env env({"SKILLSTREAM_STRICT=1", "SKILLSTREAM_MAX_DEPTH=12"});
  config::LoadResult r = flags->load(env.get());
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.settings.processor.privacy, processor::PrivacyPolicy::reject);  // file
  EXPECT_EQ(r.settings.processor.max_depth, 12u);                             // variable > file
  EXPECT_TRUE(r.settings.processor.strict);                                   // variable
  EXPECT_EQ(r.settings.processor.max_record_bytes, 9999u);                    // flag
}

TEST(SettingsFlags, ConfigPathFromFlagElseVariable) {
  CLI::App app{"test"};
  CLI::App* cmd = app.add_subcommand("run");
  auto flags = add_settings_flags(*cmd, config::Command::run);
  Env with({"SKILLSTREAM_CONFIG=/etc/from-env.toml"});
  Env empty({"SKILLSTREAM_CONFIG="});
  EXPECT_EQ(flags->config_path(with.get()), "/etc/from-env.toml");
  EXPECT_EQ(flags->config_path(empty.get()), std::nullopt);
  EXPECT_EQ(flags->config_path(nullptr), std::nullopt);
  parse(app, {"run", "--config", "/etc/flag.toml"});
  EXPECT_EQ(flags->config_path(with.get()), "/etc/flag.toml");
}

config::Settings settings_from(const std::string& toml, std::initializer_list<std::string> vars) {
  const std::string path = test_config_path();
  std::ofstream(path) << toml;
  Env env(vars);
  config::LoadResult r = config::load_settings(path, {}, env.get());
  EXPECT_TRUE(r.ok()) << r.error;
  return r.settings;
}

TEST(CheckKafkaProperties, AcceptsValidPropertiesOfEveryTable) {
  EXPECT_EQ(check_kafka_properties(settings_from(
                "[kafka.common]\n\"security.protocol\" = \"plaintext\"\n"
                "[kafka.consumer]\nsession.timeout.ms = 6000\nauto.offset.reset = \"latest\"\n"
                "[kafka.producer]\nlinger.ms = 5\n\"compression.type\" = \"lz4\"\n",
                {})),
            "");
  EXPECT_EQ(check_kafka_properties(config::Settings{}), "");
}

TEST(CheckKafkaProperties, NamesFileTableAndKeyButNeverTheValue) {
  const std::string path = test_config_path();
  EXPECT_EQ(
      check_kafka_properties(settings_from(
          "[kafka.common]\nlinger.ms = 5\n[kafka.consumer]\n\"no.such.thing\" = \"s3cr3t\"\n", {})),
      "config file " + path +
          ": [kafka.consumer] \"no.such.thing\": unknown librdkafka "
          "property");
  // librdkafka's own message for this one quotes the value; ours does not.
  const std::string invalid = check_kafka_properties(settings_from(
      "[kafka.producer]\n\"session.timeout.ms\" = \"${PW}\"\n", {"PW=hunter2-s3cr3t"}));
  EXPECT_EQ(invalid, "config file " + path +
                         ": [kafka.producer] \"session.timeout.ms\" (value from ${PW}): invalid "
                         "value for this librdkafka property (value not shown)");
  EXPECT_EQ(invalid.find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace skillstream::apps
