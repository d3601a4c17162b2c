#include "apps/settings_flags.h"

#include <string_view>

namespace skillstream::apps {

namespace {

// "validator threads; 0: every hardware thread (default 0; SKILLSTREAM_WORKERS;
// [processor] workers)": the three spellings of one setting, side by side in --help.
std::string help_text(const config::SettingInfo& info) {
  std::string text(info.help);
  text += " (default ";
  text += info.default_value.empty() ? std::string("empty") : info.default_value;
  text += "; " + info.env + "; [";
  text.append(info.section).append("] ").append(info.key) += ")";
  return text;
}

const char* type_name(config::ValueKind kind) {
  switch (kind) {
    case config::ValueKind::integer:
      return "INT";
    case config::ValueKind::boolean:
      return "BOOL";
    case config::ValueKind::text:
      break;
  }
  return "TEXT";
}

}  // namespace

std::shared_ptr<SettingsFlags> add_settings_flags(CLI::App& cmd, config::Command command) {
  auto flags = std::make_shared<SettingsFlags>();
  cmd.add_option("--config", flags->config_path_,
                 "TOML settings file (or SKILLSTREAM_CONFIG); see config/skillstream.toml");
  for (const config::SettingInfo& info : config::setting_catalog()) {
    if (!info.commands.has(command)) continue;
    SettingsFlags::Flag& flag = flags->flags_.emplace_back();
    flag.info = &info;
    const std::string name = "--" + std::string(info.flag);
    const std::string help = help_text(info);
    if (info.is_bool() && info.default_value == "false") {
      flag.option = cmd.add_flag(name, flag.value, help);
    } else {
      flag.option = cmd.add_option(name, flag.value, help)->type_name(type_name(info.kind));
    }
    flag.option->group("Settings [" + std::string(info.section) + "]");
  }
  return flags;
}

config::FlagValues SettingsFlags::given() const {
  config::FlagValues out;
  for (const Flag& flag : flags_) {
    if (flag.option->count() == 0) continue;
    out.emplace_back(std::string(flag.info->flag), flag.value);
  }
  return out;
}

std::optional<std::string> SettingsFlags::config_path(char** envp) const {
  if (!config_path_.empty()) return config_path_;
  constexpr std::string_view prefix = "SKILLSTREAM_CONFIG=";
  for (char** e = envp; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (entry.substr(0, prefix.size()) != prefix) continue;
    if (entry.size() == prefix.size()) return std::nullopt;  // set but empty: no file
    return std::string(entry.substr(prefix.size()));
  }
  return std::nullopt;
}

config::LoadResult SettingsFlags::load(char** envp) const {
  return config::load_settings(config_path(envp), given(), envp);
}

CLI::Option* SettingsFlags::option(std::string_view flag) const {
  for (const Flag& f : flags_) {
    if (f.info->flag == flag) return f.option;
  }
  return nullptr;
}

}  // namespace skillstream::apps
