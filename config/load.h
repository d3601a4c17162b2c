#pragma once

#include <optional>
#include <string>
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
  [[nodiscard]] bool ok() const noexcept { return error.empty(); }
};

// Builds the settings: defaults, then `config_path` (when given; a missing or
// unreadable file is an error), then SKILLSTREAM_<FLAG> variables from `envp`
// (a null-terminated array like `environ`), then `flags`. Unknown keys, bad values
// and librdkafka properties the delivery guarantees rest on are errors.
[[nodiscard]] LoadResult load_settings(const std::optional<std::string>& config_path,
                                       const FlagValues& flags, char** envp);

}  // namespace skillstream::config
