#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "config/load.h"

namespace skillstream::apps {

// The settings flags of one command, generated from config::setting_catalog(): one
// CLI11 option per catalog row that applies to the command (help text and default
// from the row), plus --config. So a setting cannot exist as a file key and variable
// without its flag, nor the other way round.
//
// Values are kept as text and passed on only when given: config::load_settings()
// parses and layers them (defaults < file < SKILLSTREAM_* variables < flags), so the
// three layers share one parser and one error format. A boolean that is off by
// default is a bare flag (--strict; --strict=false also works); one that is on by
// default takes its value (--key-from-session-id false), since a bare flag could
// only repeat the default.
//
// Lifecycle: add_settings_flags() while the command line is built; the options write
// into the returned object, which the subcommand's callback keeps and reads after
// parsing. One thread.
class SettingsFlags {
 public:
  SettingsFlags() = default;
  SettingsFlags(const SettingsFlags&) = delete;
  SettingsFlags& operator=(const SettingsFlags&) = delete;

  // The flags given on the command line, as load_settings() takes them.
  [[nodiscard]] config::FlagValues given() const;
  // --config when given, else SKILLSTREAM_CONFIG from `envp` when set and not empty.
  [[nodiscard]] std::optional<std::string> config_path(char** envp) const;
  // load_settings() over the file, `envp` and the given flags.
  [[nodiscard]] config::LoadResult load(char** envp) const;
  // The option generated for a catalog flag ("workers"), or null.
  [[nodiscard]] CLI::Option* option(std::string_view flag) const;

 private:
  friend std::shared_ptr<SettingsFlags> add_settings_flags(CLI::App& cmd, config::Command command);
  struct Flag {
    const config::SettingInfo* info = nullptr;
    CLI::Option* option = nullptr;
    std::string value;  // CLI11 writes here
  };
  std::deque<Flag> flags_;  // a deque: CLI11 keeps pointers to each `value`
  std::string config_path_;
};

// Adds --config and one option per catalog row that applies to `command` to `cmd`,
// grouped by TOML table in --help.
[[nodiscard]] std::shared_ptr<SettingsFlags> add_settings_flags(CLI::App& cmd,
                                                                config::Command command);

}  // namespace skillstream::apps
