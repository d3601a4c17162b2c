#include "config/load.h"
#include "tests/support/env.h"

#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <toml++/toml.h>

#include "tests/support/files.h"

namespace skillstream::config {
namespace {

using testing::Env;

// Writes `text` to a fresh file under the test temp dir; returns its path.
std::string write_config(const std::string& text) {
  static int counter = 0;
  std::string path = ::testing::TempDir() + "skillstream_config_test_" + std::to_string(getpid()) +
                     "_" + std::to_string(counter++) + ".toml";
  std::ofstream(path) << text;
  return path;
}

std::string sample_path() {
  return std::string(SKILLSTREAM_SOURCE_DIR) + "/config/skillstream.toml";
}

std::string expected_instance_id() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(getpid());
}

// Field by field, so a setter that writes the wrong member is caught.
void expect_same(const Settings& a, const Settings& b) {
  EXPECT_EQ(a.brokers, b.brokers);
  EXPECT_EQ(a.input_topic, b.input_topic);
  EXPECT_EQ(a.clean_topic, b.clean_topic);
  EXPECT_EQ(a.dlq_topic, b.dlq_topic);
  EXPECT_EQ(a.group, b.group);
  EXPECT_EQ(a.instance_id, b.instance_id);
  EXPECT_EQ(a.consumer_properties, b.consumer_properties);
  EXPECT_EQ(a.producer_properties, b.producer_properties);
  EXPECT_EQ(a.workers, b.workers);
  EXPECT_EQ(a.processor.max_record_bytes, b.processor.max_record_bytes);
  EXPECT_EQ(a.processor.max_depth, b.processor.max_depth);
  EXPECT_EQ(a.processor.strict, b.processor.strict);
  EXPECT_EQ(a.processor.privacy, b.processor.privacy);
  EXPECT_EQ(a.max_inflight_bytes, b.max_inflight_bytes);
  EXPECT_EQ(a.batch_max_records, b.batch_max_records);
  EXPECT_EQ(a.key_from_session_id, b.key_from_session_id);
  EXPECT_EQ(a.on_undeliverable, b.on_undeliverable);
  EXPECT_EQ(a.shutdown_timeout, b.shutdown_timeout);
  EXPECT_EQ(a.stop_at_end, b.stop_at_end);
  EXPECT_EQ(a.log_level, b.log_level);
  EXPECT_EQ(a.log_format, b.log_format);
  EXPECT_EQ(a.http_addr, b.http_addr);
  EXPECT_EQ(a.summary_interval, b.summary_interval);
}

Settings defaults_with_instance_id() {
  Settings s;
  s.instance_id = expected_instance_id();
  return s;
}

LoadResult load_text(const std::string& toml, std::initializer_list<std::string> env = {},
                     const FlagValues& flags = {}) {
  Env e(env);
  return load_settings(write_config(toml), flags, e.get());
}

std::string load_error(const std::string& toml, std::initializer_list<std::string> env = {}) {
  LoadResult r = load_text(toml, env);
  EXPECT_FALSE(r.ok()) << toml;
  return r.error;
}

TEST(LoadSettings, NoLayersGivesTheDefaults) {
  Env env({});
  LoadResult r = load_settings(std::nullopt, {}, env.get());
  ASSERT_TRUE(r.ok()) << r.error;
  expect_same(r.settings, defaults_with_instance_id());
  EXPECT_TRUE(r.warnings.empty());
}

TEST(LoadSettings, NullEnvironmentIsEmpty) {
  LoadResult r = load_settings(std::nullopt, {{"workers", "2"}}, nullptr);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.settings.workers, 2u);
}

TEST(LoadSettings, SampleFileGivesExactlyTheDefaults) {
  Env env({});
  LoadResult r = load_settings(sample_path(), {}, env.get());
  ASSERT_TRUE(r.ok()) << r.error;
  expect_same(r.settings, defaults_with_instance_id());
}

// The sample is the user's reference: every catalog row, with its default, and no
// key that is no setting.
TEST(LoadSettings, SampleFileShowsEverySettingWithItsDefault) {
  toml::table sample;
  ASSERT_NO_THROW(sample = toml::parse_file(sample_path()));
  for (const auto& info : setting_catalog()) {
    const toml::node* node = sample[info.section][info.key].node();
    ASSERT_NE(node, nullptr) << "sample lacks [" << info.section << "] " << info.key;
    std::string text;
    if (auto s = node->as_string()) {
      text = s->get();
    } else if (auto i = node->as_integer()) {
      text = std::to_string(i->get());
    } else if (auto b = node->as_boolean()) {
      text = b->get() ? "true" : "false";
    }
    EXPECT_EQ(text, info.default_value) << "[" << info.section << "] " << info.key;
  }
  for (auto&& [section, table] : sample) {
    ASSERT_TRUE(table.is_table()) << section.str();
    for (auto&& [key, node] : *table.as_table()) {
      if (section.str() == "kafka" && node.is_table()) continue;  // [kafka.common] and the like
      bool known = false;
      for (const auto& info : setting_catalog()) {
        known = known || (info.section == section.str() && info.key == key.str());
      }
      EXPECT_TRUE(known) << "sample has [" << section.str() << "] " << key.str()
                         << ", which is no setting";
    }
  }
}

TEST(SettingCatalog, RowsSayWhichCommandsOfferThem) {
  for (const auto& info : setting_catalog()) {
    // run takes every setting but redrive's own; redrive every one but the input's.
    EXPECT_EQ(info.commands.has(Command::run), info.section != "redrive") << info.flag;
    EXPECT_EQ(info.commands.has(Command::validate), info.section == "processor") << info.flag;
    const bool run_input = info.key == "input_topic" ||
                           (info.section == "kafka" && info.key == "group") ||
                           info.key == "stop_at_end";
    EXPECT_EQ(info.commands.has(Command::redrive), !run_input) << info.flag;
    EXPECT_EQ(info.commands.has(Command::dlq_stats), info.flag == "brokers") << info.flag;
  }
  EXPECT_EQ(command_name(Command::dlq_stats), "dlq stats");
  EXPECT_EQ(command_name(Command::run), "run");
  EXPECT_EQ(command_name(Command::validate), "validate");
  constexpr CommandSet none = {};
  EXPECT_FALSE(none.has(Command::run));
}

TEST(LoadSettings, EachLayerOverridesTheOneBefore) {
  LoadResult r = load_text(
      "[kafka]\ninput_topic = \"file.in\"\nclean_topic = \"file.clean\"\n"
      "dlq_topic = \"file.dlq\"\n"
      "[processor]\nworkers = 3\nprivacy = \"reject\"\nstrict = true\n",
      {"SKILLSTREAM_INPUT_TOPIC=env.in", "SKILLSTREAM_CLEAN_TOPIC=env.clean",
       "SKILLSTREAM_WORKERS=5", "SKILLSTREAM_STRICT=false"},
      {{"input-topic", "flag.in"}, {"workers", "7"}});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.settings.input_topic, "flag.in");    // flag > env > file
  EXPECT_EQ(r.settings.workers, 7u);               // flag > env > file
  EXPECT_EQ(r.settings.clean_topic, "env.clean");  // env > file
  EXPECT_FALSE(r.settings.processor.strict);       // env > file
  EXPECT_EQ(r.settings.dlq_topic, "file.dlq");     // file > default
  EXPECT_EQ(r.settings.processor.privacy, processor::PrivacyPolicy::reject);
  EXPECT_EQ(r.settings.group, "skillstream");  // default
}

TEST(LoadSettings, EverySettingHasAFlagAndAVariable) {
  const std::vector<std::string> required = {"brokers",
                                             "input-topic",
                                             "clean-topic",
                                             "dlq-topic",
                                             "group",
                                             "instance-id",
                                             "workers",
                                             "privacy",
                                             "strict",
                                             "stop-at-end",
                                             "log-level",
                                             "log-format",
                                             "max-record-bytes",
                                             "max-inflight-bytes",
                                             "http-addr",
                                             "shutdown-timeout-ms"};
  for (const auto& flag : required) {
    bool found = false;
    for (const auto& info : setting_catalog()) found = found || info.flag == flag;
    EXPECT_TRUE(found) << flag;
  }
  for (const auto& info : setting_catalog()) {
    std::string env = "SKILLSTREAM_";
    for (char c : info.flag) env += c == '-' ? '_' : static_cast<char>(std::toupper(c));
    EXPECT_EQ(info.env, env);
  }
}

TEST(LoadSettings, FlagsAndVariablesReachEverySetting) {
  LoadResult r =
      load_text("",
                {"SKILLSTREAM_BROKERS=b1:9092", "SKILLSTREAM_GROUP=g", "SKILLSTREAM_MAX_DEPTH=10",
                 "SKILLSTREAM_ON_UNDELIVERABLE=halt", "SKILLSTREAM_LOG_FORMAT=json",
                 "SKILLSTREAM_SUMMARY_INTERVAL_MS=1000", "SKILLSTREAM_KEY_FROM_SESSION_ID=0"},
                {{"instance-id", "me"},
                 {"max-record-bytes", "2048"},
                 {"max-inflight-bytes", "4096"},
                 {"batch-max-records", "8"},
                 {"shutdown-timeout-ms", "1500"},
                 {"stop-at-end", "true"},
                 {"log-level", "debug"},
                 {"http-addr", "[::1]:0"},
                 {"privacy", "off"},
                 {"config", "ignored.toml"}});
  ASSERT_TRUE(r.ok()) << r.error;
  const Settings& s = r.settings;
  EXPECT_EQ(s.brokers, "b1:9092");
  EXPECT_EQ(s.group, "g");
  EXPECT_EQ(s.instance_id, "me");
  EXPECT_EQ(s.processor.max_depth, 10u);
  EXPECT_EQ(s.processor.max_record_bytes, 2048u);
  EXPECT_EQ(s.processor.privacy, processor::PrivacyPolicy::off);
  EXPECT_EQ(s.on_undeliverable, OnUndeliverable::halt);
  EXPECT_EQ(s.log_format, LogFormat::json);
  EXPECT_EQ(s.log_level, "debug");
  EXPECT_EQ(s.summary_interval, std::chrono::milliseconds{1000});
  EXPECT_FALSE(s.key_from_session_id);
  EXPECT_EQ(s.max_inflight_bytes, 4096u);
  EXPECT_EQ(s.batch_max_records, 8u);
  EXPECT_EQ(s.shutdown_timeout, std::chrono::milliseconds{1500});
  EXPECT_TRUE(s.stop_at_end);
  EXPECT_EQ(s.http_addr, "[::1]:0");
}

TEST(LoadSettings, UnknownKeyErrorNamesIt) {
  std::string path = write_config("[processor]\nwokers = 4\n");
  Env env({});
  LoadResult r = load_settings(path, {}, env.get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error.rfind("config file " + path + ": [processor] wokers: unknown key", 0), 0u)
      << r.error;
  EXPECT_EQ(r.error.find('\n'), std::string::npos);
}

TEST(LoadSettings, UnknownSectionAndTopLevelKeyAreErrors) {
  EXPECT_NE(load_error("[kafkaa]\nbrokers = \"x\"\n").find("unknown section [kafkaa]"),
            std::string::npos);
  EXPECT_NE(load_error("brokers = \"x\"\n").find("unknown key \"brokers\" at the top level"),
            std::string::npos);
  EXPECT_NE(load_error("[kafka.extra]\nx = 1\n").find("[kafka] extra: unknown key"),
            std::string::npos);
  EXPECT_NE(load_error("processor = 1\n").find("processor must be a table"), std::string::npos);
}

TEST(LoadSettings, PrivacyErrorMatchesTheContract) {
  std::string path = write_config("[processor]\nprivacy = \"maybe\"\n");
  Env env({});
  LoadResult r = load_settings(path, {}, env.get());
  EXPECT_EQ(r.error, "config file " + path +
                         ": [processor] privacy: expected one of redact, reject, off, found "
                         "\"maybe\"");
}

struct BadValue {
  std::string toml;
  std::string message;  // expected after "config file <path>: "
};

class BadFileValue : public ::testing::TestWithParam<BadValue> {};

TEST_P(BadFileValue, IsAnErrorNamingTheKey) {
  std::string path = write_config(GetParam().toml);
  Env env({});
  LoadResult r = load_settings(path, {}, env.get());
  EXPECT_EQ(r.error, "config file " + path + ": " + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    LoadSettings, BadFileValue,
    ::testing::Values(
        BadValue{"[processor]\nworkers = 2000\n",
                 "[processor] workers: expected an integer from 0 to 1024, found 2000"},
        BadValue{"[processor]\nworkers = -1\n",
                 "[processor] workers: expected an integer from 0 to 1024, found -1"},
        BadValue{"[processor]\nworkers = \"4\"\n",
                 "[processor] workers: expected an integer, found \"4\""},
        BadValue{"[processor]\nmax_depth = 0\n",
                 "[processor] max_depth: expected an integer from 1 to 1024, found 0"},
        BadValue{"[processor]\nmax_record_bytes = -5\n",
                 "[processor] max_record_bytes: expected an integer from 1 to 1073741824, "
                 "found -5"},
        BadValue{"[processor]\nstrict = \"yes\"\n",
                 "[processor] strict: expected a boolean (true or false), found \"yes\""},
        BadValue{"[pipeline]\nmax_inflight_bytes = 0\n",
                 "[pipeline] max_inflight_bytes: expected an integer >= 1, found 0"},
        BadValue{"[pipeline]\nmax_inflight_bytes = 1.5\n",
                 "[pipeline] max_inflight_bytes: expected an integer, found a floating-point "
                 "number"},
        BadValue{"[pipeline]\non_undeliverable = \"drop\"\n",
                 "[pipeline] on_undeliverable: expected one of dead_letter, halt, found "
                 "\"drop\""},
        BadValue{"[pipeline]\nshutdown_timeout_ms = 0\n",
                 "[pipeline] shutdown_timeout_ms: expected an integer from 1 to 3600000, "
                 "found 0"},
        BadValue{"[pipeline]\nkey_from_session_id = 1\n",
                 "[pipeline] key_from_session_id: expected a boolean (true or false), found 1"},
        BadValue{"[log]\nlevel = \"loud\"\n",
                 "[log] level: expected one of trace, debug, info, warn, error, critical, off, "
                 "found \"loud\""},
        BadValue{"[log]\nformat = \"xml\"\n",
                 "[log] format: expected one of text, json, found \"xml\""},
        BadValue{"[http]\naddr = \"nohost\"\n",
                 "[http] addr: expected host:port (port 0-65535) or off, found \"nohost\""},
        BadValue{"[http]\naddr = \"h:99999\"\n",
                 "[http] addr: expected host:port (port 0-65535) or off, found \"h:99999\""},
        BadValue{"[http]\nsummary_interval_ms = 5\n",
                 "[http] summary_interval_ms: expected an integer from 100 to 86400000, found 5"},
        BadValue{"[kafka]\ninput_topic = \"bad topic\"\n",
                 "[kafka] input_topic: expected a Kafka topic name (1 to 249 of A-Z a-z 0-9 . _ "
                 "-), found \"bad topic\""},
        BadValue{"[kafka]\ngroup = \"\"\n", "[kafka] group: must not be empty"},
        BadValue{"[kafka]\nbrokers = [\"a\", \"b\"]\n",
                 "[kafka] brokers: expected a string, found an array"}));

TEST(LoadSettings, BadVariableErrorNamesIt) {
  Env env({"SKILLSTREAM_WORKERS=abc"});
  LoadResult r = load_settings(std::nullopt, {}, env.get());
  EXPECT_EQ(r.error,
            "environment variable SKILLSTREAM_WORKERS: expected an integer, found \"abc\"");
  Env env2({"SKILLSTREAM_STRICT=yes"});
  r = load_settings(std::nullopt, {}, env2.get());
  EXPECT_EQ(r.error,
            "environment variable SKILLSTREAM_STRICT: expected true or false, found \"yes\"");
}

TEST(LoadSettings, BadFlagErrorNamesIt) {
  LoadResult r = load_settings(std::nullopt, {{"max-depth", "0"}}, nullptr);
  EXPECT_EQ(r.error, "flag --max-depth: expected an integer from 1 to 1024, found 0");
  r = load_settings(std::nullopt, {{"workers", "4x"}}, nullptr);
  EXPECT_EQ(r.error, "flag --workers: expected an integer, found \"4x\"");
  r = load_settings(std::nullopt, {{"no-such", "1"}}, nullptr);
  EXPECT_EQ(r.error, "flag --no-such: unknown flag");
}

TEST(LoadSettings, MissingFileIsAnError) {
  std::string path = ::testing::TempDir() + "no_such_dir/missing.toml";
  LoadResult r = load_settings(path, {}, nullptr);
  EXPECT_EQ(r.error, "config file " + path + ": cannot open: No such file or directory");
}

TEST(LoadSettings, DirectoryIsAnError) {
  std::string path = ::testing::TempDir();
  LoadResult r = load_settings(path, {}, nullptr);
  EXPECT_EQ(r.error, "config file " + path + ": is a directory");
}

TEST(LoadSettings, SyntaxErrorGivesLineAndColumn) {
  std::string path = write_config("[kafka]\nbrokers = \n");
  LoadResult r = load_settings(path, {}, nullptr);
  EXPECT_EQ(r.error.rfind("config file " + path + ":2:", 0), 0u) << r.error;
}

TEST(LoadSettings, UnknownSkillstreamVariablesWarnButConfigDoesNot) {
  Env env({"SKILLSTREAM_CONFIG=/etc/x.toml", "SKILLSTREAM_BROKER=oops:9092", "OTHER=1"});
  LoadResult r = load_settings(std::nullopt, {}, env.get());
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], "environment variable SKILLSTREAM_BROKER is not a setting; ignored");
}

TEST(LoadSettings, PropertiesMergeCommonIntoEachClient) {
  LoadResult r = load_text(
      "[kafka.common]\n\"security.protocol\" = \"SSL\"\nsocket.timeout.ms = 1000\n"
      "[kafka.consumer]\nsocket.timeout.ms = 2000\ncheck.crcs = true\n"
      "[kafka.producer]\nlinger.ms = 5\n");
  ASSERT_TRUE(r.ok()) << r.error;
  using P = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(
      r.settings.consumer_properties,
      (P{{"security.protocol", "SSL"}, {"socket.timeout.ms", "2000"}, {"check.crcs", "true"}}));
  EXPECT_EQ(r.settings.producer_properties,
            (P{{"security.protocol", "SSL"}, {"socket.timeout.ms", "1000"}, {"linger.ms", "5"}}));
}

TEST(LoadSettings, PropertyValuesExpandEnvironmentVariables) {
  LoadResult r = load_text(
      "[kafka.common]\n\"sasl.password\" = \"${KAFKA_PW}\"\n"
      "\"sasl.username\" = \"u-${KAFKA_USER}-$${LITERAL}\"\n",
      {"KAFKA_PW=hunter2", "KAFKA_USER=bob"});
  ASSERT_TRUE(r.ok()) << r.error;
  using P = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(r.settings.consumer_properties,
            (P{{"sasl.password", "hunter2"}, {"sasl.username", "u-bob-${LITERAL}"}}));
  EXPECT_EQ(r.settings.producer_properties, r.settings.consumer_properties);
}

TEST(LoadSettings, UndefinedVariableErrorNamesItAndNoValue) {
  std::string path = write_config(
      "[kafka.consumer]\n\"sasl.password\" = \"${KAFKA_PW}\"\n"
      "\"ssl.key.password\" = \"${MISSING_PW}\"\n");
  Env env({"KAFKA_PW=hunter2"});
  LoadResult r = load_settings(path, {}, env.get());
  EXPECT_EQ(r.error, "config file " + path +
                         ": [kafka.consumer] \"ssl.key.password\": environment variable "
                         "MISSING_PW is not set");
  EXPECT_EQ(r.error.find("hunter2"), std::string::npos);
}

TEST(LoadSettings, MalformedReferencesAreErrors) {
  EXPECT_NE(load_error("[kafka.common]\nx = \"${OPEN\"\n").find("unterminated ${"),
            std::string::npos);
  EXPECT_NE(load_error("[kafka.common]\nx = \"${A-B}\"\n").find("invalid variable name"),
            std::string::npos);
}

TEST(LoadSettings, PropertyOfAnotherTypeIsAnErrorWithoutItsValue) {
  std::string err = load_error("[kafka.producer]\n\"sasl.password\" = [\"hunter2\"]\n");
  EXPECT_NE(err.find("[kafka.producer] \"sasl.password\": expected a string, an integer or a "
                     "boolean, found an array"),
            std::string::npos)
      << err;
  EXPECT_EQ(err.find("hunter2"), std::string::npos);
}

TEST(LoadSettings, GuaranteePropertiesAreRefused) {
  for (std::string name : {"enable.auto.commit", "auto.commit.enable", "enable.auto.offset.store",
                           "enable.idempotence", "acks", "request.required.acks",
                           "bootstrap.servers", "metadata.broker.list", "group.id"}) {
    for (std::string table : {"common", "consumer", "producer"}) {
      std::string err = load_error("[kafka." + table + "]\n\"" + name + "\" = \"x\"\n");
      EXPECT_NE(err.find("[kafka." + table + "] \"" + name + "\": refused: "), std::string::npos)
          << err;
    }
  }
  // Unquoted dotted keys are nested tables in TOML: still caught.
  EXPECT_NE(load_error("[kafka.consumer]\nenable.auto.commit = true\n").find("refused"),
            std::string::npos);
}

TEST(LoadSettings, EagerAssignmentStrategiesAreRefused) {
  for (std::string table : {"common", "consumer", "producer"}) {
    for (std::string value : {"range", "roundrobin", "RoundRobin", "cooperative-sticky,range",
                              " range , roundrobin "}) {
      std::string path = write_config("[kafka." + table + "]\npartition.assignment.strategy = \"" +
                                      value + "\"\n");
      LoadResult r = load_settings(path, {}, nullptr);
      EXPECT_EQ(r.error, "config file " + path + ": [kafka." + table +
                             "] \"partition.assignment.strategy\": refused: range and roundrobin "
                             "are eager strategies; cooperative rebalancing is what the delivery "
                             "guarantees rest on (use cooperative-sticky)")
          << value;
    }
  }
  // Through a variable: the error names it.
  std::string err =
      load_error("[kafka.consumer]\n\"partition.assignment.strategy\" = \"${S}\"\n", {"S=range"});
  EXPECT_NE(err.find("\"partition.assignment.strategy\" (value from ${S}): refused: range and "
                     "roundrobin are eager"),
            std::string::npos)
      << err;
  // A strategy librdkafka does not know would fail only at client creation.
  err = load_error("[kafka.consumer]\npartition.assignment.strategy = \"sticky\"\n");
  EXPECT_NE(err.find("refused: only cooperative-sticky is accepted"), std::string::npos) << err;
}

TEST(LoadSettings, CooperativeStickyIsAccepted) {
  for (std::string value : {"cooperative-sticky", " Cooperative-Sticky "}) {
    LoadResult r =
        load_text("[kafka.consumer]\npartition.assignment.strategy = \"" + value + "\"\n");
    ASSERT_TRUE(r.ok()) << r.error;
    using P = std::vector<std::pair<std::string, std::string>>;
    EXPECT_EQ(r.settings.consumer_properties, (P{{"partition.assignment.strategy", value}}));
  }
}

TEST(LoadSettings, PropertiesRememberWhereTheyWereGiven) {
  std::string path = write_config(
      "[kafka.common]\nlinger.ms = 5\n[kafka.consumer]\n\"sasl.password\" = \"${A}-${B}\"\n"
      "[kafka.producer]\nlinger.ms = 7\n");
  Env env({"A=x", "B=y"});
  LoadResult r = load_settings(path, {}, env.get());
  ASSERT_TRUE(r.ok()) << r.error;
  const auto& sources = r.settings.property_sources;
  ASSERT_EQ(sources.size(), 3u);  // as given: the producer's linger.ms does not replace common's
  EXPECT_EQ(sources[0].file, path);
  EXPECT_EQ(sources[0].table, "kafka.common");
  EXPECT_EQ(sources[0].name, "linger.ms");
  EXPECT_EQ(sources[0].value, "5");
  EXPECT_TRUE(sources[0].variables.empty());
  EXPECT_EQ(sources[1].table, "kafka.consumer");
  EXPECT_EQ(sources[1].value, "x-y");
  EXPECT_EQ(sources[1].variables, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(sources[2].table, "kafka.producer");
  EXPECT_EQ(property_origin(sources[0]), "config file " + path + ": [kafka.common] \"linger.ms\"");
  EXPECT_EQ(property_origin(sources[1]),
            "config file " + path + ": [kafka.consumer] \"sasl.password\" (value from ${A}, ${B})");
  EXPECT_TRUE(load_settings(std::nullopt, {}, nullptr).settings.property_sources.empty());
}

TEST(LoadSettings, DuplicateTopicsAreAnError) {
  LoadResult r = load_settings(std::nullopt, {{"clean-topic", "sessions.raw"}}, nullptr);
  EXPECT_EQ(r.error,
            "settings: [kafka] input_topic and clean_topic are the same topic \"sessions.raw\"; "
            "they must differ");
}

TEST(LoadSettings, InstanceIdDefaultsToHostnameAndPid) {
  LoadResult r = load_settings(std::nullopt, {}, nullptr);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.settings.instance_id, expected_instance_id());
  auto colon = r.settings.instance_id.rfind(':');
  ASSERT_NE(colon, std::string::npos);
  EXPECT_GT(colon, 0u);
  EXPECT_EQ(r.settings.instance_id.substr(colon + 1), std::to_string(getpid()));

  r = load_text("[kafka]\ninstance_id = \"node-7\"\n");
  EXPECT_EQ(r.settings.instance_id, "node-7");
}

TEST(RedactPropertyValue, HidesSecretLookingKeys) {
  for (std::string key :
       {"sasl.password", "ssl.key.password", "ssl.key.pem", "sasl.oauthbearer.config",
        "sasl.oauthbearer.client.secret", "ssl.keystore.location", "SASL.PASSWORD", "my.token",
        "sasl.oauthbearer.extensions"}) {
    EXPECT_EQ(redact_property_value(key, "hunter2"), "******") << key;
  }
  EXPECT_EQ(redact_property_value("linger.ms", "5"), "5");
  EXPECT_EQ(redact_property_value("security.protocol", "SASL_SSL"), "SASL_SSL");
}

TEST(DescribeSettings, ListsEverySettingAndRedactsSecrets) {
  Settings s;
  s.consumer_properties = {{"sasl.password", "hunter2"}, {"linger.ms", "5"}};
  auto lines = describe_settings(s);
  EXPECT_EQ(lines.size(), setting_catalog().size() + 2);
  bool saw_privacy = false;
  for (const auto& [k, v] : lines) {
    EXPECT_EQ(v.find("hunter2"), std::string::npos) << k;
    if (k == "processor.privacy") saw_privacy = v == "redact";
  }
  EXPECT_TRUE(saw_privacy);
  EXPECT_EQ(lines.back(), (std::pair<std::string, std::string>{"kafka.consumer.linger.ms", "5"}));
}

}  // namespace
}  // namespace skillstream::config
