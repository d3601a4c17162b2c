#pragma once

#include <string>

namespace skillstream::apps {

// Installs the default spdlog logger on stderr: `format` "text" (human lines) or
// "json" (one JSON object per line: time, level, msg). False on an unknown level or
// format (the caller reports it as a bad argument).
[[nodiscard]] bool configure_logging(const std::string& level, const std::string& format);

}  // namespace skillstream::apps
