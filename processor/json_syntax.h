#pragma once

#include <string>
#include <string_view>

namespace skillstream::processor {

// A strict, iterative JSON grammar check (RFC 8259) with no depth limit: one value,
// optional surrounding whitespace, escapes valid (surrogate escapes must pair), no
// raw control characters in strings. Numbers are checked for grammar only, so 1e400
// passes. `stack` is scratch storage, reused across calls. Input must already be
// valid UTF-8. Used off the hot path: to tell `too_deep` from `malformed_json` once
// the validator stopped descending at max_depth.
[[nodiscard]] bool is_well_formed_json(std::string_view text, std::string& stack) noexcept;

// True when `token` is exactly one JSON number by the grammar (range not checked).
[[nodiscard]] bool is_json_number(std::string_view token) noexcept;

// Appends `text` (UTF-8) escaped as the content of a JSON string: quotes, backslashes
// and control characters (U+0000-U+001F) become escapes (`\n`, `\u001b`), every other
// byte is copied. For keys written into paths and messages: the result holds no raw
// control byte, so it cannot break a log line or a header.
void append_json_escaped(std::string_view text, std::string& out);

}  // namespace skillstream::processor
