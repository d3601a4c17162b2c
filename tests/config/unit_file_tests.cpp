// config/skillstream.service against the settings it must agree with.
#include <cctype>
#include <charconv>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/load.h"

namespace skillstream::config {
namespace {

// The [Service] section of a systemd unit: key -> every value given (keys may repeat).
std::map<std::string, std::vector<std::string>> service_section(const std::string& path) {
  std::map<std::string, std::vector<std::string>> out;
  std::ifstream in(path);
  std::string section;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line[0] == '[') {
      section = line;
      continue;
    }
    const auto eq = line.find('=');
    if (section != "[Service]" || eq == std::string::npos) continue;
    out[line.substr(0, eq)].push_back(line.substr(eq + 1));
  }
  return out;
}

// A systemd time span ("40s", "1min 30s", "90", "2m") in seconds; nullopt when it is
// not one this test knows (then the test fails rather than guess).
std::optional<double> seconds_of(const std::string& span) {
  static const std::map<std::string, double> units = {
      {"", 1},         {"s", 1},       {"sec", 1},   {"second", 1},  {"seconds", 1},
      {"ms", 1e-3},    {"msec", 1e-3}, {"m", 60},    {"min", 60},    {"minute", 60},
      {"minutes", 60}, {"h", 3600},    {"hr", 3600}, {"hour", 3600}, {"hours", 3600}};
  double total = 0;
  std::size_t i = 0;
  bool any = false;
  while (i < span.size()) {
    while (i < span.size() && span[i] == ' ') ++i;
    if (i == span.size()) break;
    long value = 0;
    auto [ptr, ec] = std::from_chars(span.data() + i, span.data() + span.size(), value);
    if (ec != std::errc{}) return std::nullopt;
    i = static_cast<std::size_t>(ptr - span.data());
    std::string unit;
    while (i < span.size() && std::isalpha(static_cast<unsigned char>(span[i]))) unit += span[i++];
    auto it = units.find(unit);
    if (it == units.end()) return std::nullopt;
    total += static_cast<double>(value) * it->second;
    any = true;
  }
  return any ? std::optional<double>(total) : std::nullopt;
}

std::string unit_path() {
  return std::string(SKILLSTREAM_SOURCE_DIR) + "/config/skillstream.service";
}

TEST(UnitFile, TimeSpanParserKnowsSystemdSpellings) {
  EXPECT_EQ(seconds_of("40s"), 40.0);
  EXPECT_EQ(seconds_of("40"), 40.0);
  EXPECT_EQ(seconds_of("1min 30s"), 90.0);
  EXPECT_EQ(seconds_of("2m"), 120.0);
  EXPECT_EQ(seconds_of("forty"), std::nullopt);
}

// systemd sends SIGKILL TimeoutStopSec after SIGTERM. The drain is bounded by
// shutdown_timeout_ms; the final commit, the consumer's close and the forced exit
// after the bound get 5 s more. A shorter TimeoutStopSec would SIGKILL a clean drain.
TEST(UnitFile, TimeoutStopSecExceedsTheShutdownBound) {
  std::optional<double> shutdown_ms;
  for (const SettingInfo& info : setting_catalog()) {
    if (info.section == "pipeline" && info.key == "shutdown_timeout_ms") {
      shutdown_ms = std::stod(info.default_value);
    }
  }
  ASSERT_TRUE(shutdown_ms.has_value()) << "the catalog lost [pipeline] shutdown_timeout_ms";
  const auto service = service_section(unit_path());
  ASSERT_EQ(service.count("TimeoutStopSec"), 1u);
  ASSERT_EQ(service.at("TimeoutStopSec").size(), 1u);
  const std::optional<double> stop = seconds_of(service.at("TimeoutStopSec")[0]);
  ASSERT_TRUE(stop.has_value()) << service.at("TimeoutStopSec")[0];
  EXPECT_GT(*stop, *shutdown_ms / 1000 + 5);
  // The drain starts on SIGTERM, and only the main process gets it (KillMode=mixed).
  ASSERT_EQ(service.count("KillSignal"), 1u);
  EXPECT_EQ(service.at("KillSignal")[0], "SIGTERM");
}

// A crash restarts; a configuration error (exit 2) would fail the same way again.
TEST(UnitFile, RestartsOnFailureButNotOnConfigurationErrors) {
  const auto service = service_section(unit_path());
  ASSERT_EQ(service.count("Restart"), 1u);
  EXPECT_EQ(service.at("Restart"), std::vector<std::string>{"on-failure"});
  ASSERT_EQ(service.count("RestartPreventExitStatus"), 1u);
  bool prevents_two = false;
  for (const std::string& value : service.at("RestartPreventExitStatus")) {
    std::string word;
    for (char c : value + " ") {
      if (c == ' ') {
        prevents_two = prevents_two || word == "2";
        word.clear();
      } else {
        word += c;
      }
    }
  }
  EXPECT_TRUE(prevents_two);
}

}  // namespace
}  // namespace skillstream::config
