#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/settings.h"

namespace skillstream::config {

// One command-line flag as the user gave it: its long name without dashes
// ("input-topic") and its value as text ("true" for a bare boolean flag).
using FlagValues = std::vector<std::pair<std::string, std::string>>;

struct LoadResult {
  Settings settings;
  std::string error;  // empty on success; else one line naming the key and the problem
  // Non-fatal notes, one line each: SKILLSTREAM_* variables that are no setting
  // (names only, never values). Callers log them once the logger is up.
  std::vector<std::string> warnings;
  [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

// Builds the settings: defaults, then `config_path` (when given; a missing or
// unreadable file is an error), then SKILLSTREAM_<FLAG> variables from `envp`
// (a null-terminated array like `environ`), then `flags`. Unknown keys, bad values
// and librdkafka properties the delivery guarantees rest on are errors.
// The flag "config" and SKILLSTREAM_CONFIG are the caller's (they pick the file) and
// are skipped here.
[[nodiscard]] LoadResult load_settings(const std::optional<std::string>& config_path,
                                       const FlagValues& flags, char** envp);

// "******" when the librdkafka property looks secret (its name contains password,
// secret, key, token, credential, sasl.oauthbearer.config...), else `value`: for
// logging the effective configuration.
[[nodiscard]] std::string redact_property_value(std::string_view key, std::string_view value);

// The commands that take settings. Each catalog row says which of them it applies
// to: a command offers a flag for exactly those rows (apps/settings_flags.h). Every
// command reads and checks the whole file and every SKILLSTREAM_* variable the same
// way, so a file one command accepts, every command accepts. A new command adds
// itself here and to the rows it takes (load.cpp, setting_specs).
enum class Command : std::uint8_t {
  run,        // skillstream run: every setting
  validate,   // skillstream validate: the [processor] settings
  redrive,    // skillstream redrive: Kafka, [processor], [pipeline], [log], [http], [redrive]
  dlq_stats,  // skillstream dlq stats: [kafka] brokers (and the file's properties and dlq_topic)
};
[[nodiscard]] std::string_view command_name(Command command) noexcept;

// A set of commands, one bit each.
class CommandSet {
 public:
  constexpr CommandSet(std::initializer_list<Command> commands) noexcept {
    for (Command c : commands) bits_ |= bit_(c);
  }
  [[nodiscard]] constexpr bool has(Command command) const noexcept {
    return (bits_ & bit_(command)) != 0;
  }

 private:
  static constexpr std::uint32_t bit_(Command c) noexcept {
    return std::uint32_t{1} << static_cast<unsigned>(c);
  }
  std::uint32_t bits_ = 0;
};

enum class ValueKind : std::uint8_t {
  text,     // any text; the reader checks it (topic names, enums, host:port)
  integer,  // decimal integer in a range
  boolean,  // true/false (1/0 in variables and flags)
};

// One row of the table load_settings() reads every layer with, for callers that
// declare one flag per setting or print help.
struct SettingInfo {
  std::string_view section;   // TOML table: "kafka"
  std::string_view key;       // TOML key: "input_topic"
  std::string_view flag;      // long flag without dashes: "input-topic"
  std::string env;            // environment variable: "SKILLSTREAM_INPUT_TOPIC"
  std::string default_value;  // the default as text
  std::string_view help;      // one line
  ValueKind kind = ValueKind::text;
  CommandSet commands{};  // the commands that offer this setting as a flag
  [[nodiscard]] bool is_bool() const noexcept { return kind == ValueKind::boolean; }
};
[[nodiscard]] const std::vector<SettingInfo>& setting_catalog();

// Where a librdkafka property was given, for an error line: `config file PATH:
// [kafka.consumer] "name"`, plus ` (value from ${VAR})` when the value came from
// environment variables. Never the value.
[[nodiscard]] std::string property_origin(const PropertySource& property);

// The effective settings as ("section.key", value text) pairs, librdkafka properties
// last ("kafka.consumer.<name>") with secret-looking values redacted: safe to log.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> describe_settings(
    const Settings& settings);

}  // namespace skillstream::config
