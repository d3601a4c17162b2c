#pragma once

#include <string>
#include <string_view>

#include "processor/json_syntax.h"

namespace skillstream::apps {

// Appends `text` (UTF-8) as a quoted JSON string.
inline void append_json_string(std::string_view text, std::string& out) {
  out += '"';
  processor::append_json_escaped(text, out);
  out += '"';
}

}  // namespace skillstream::apps
