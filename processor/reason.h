#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace skillstream::processor {

// Why a record goes to the dead-letter topic. The values are the reason codes of
// spec/session-log-rules.md, spelled as there; they are also the label values
// of the reject metrics: a small fixed set, never free text.
enum class Reason : std::uint8_t {
  none,               // not a reject: the record is clean
  empty_payload,      // null, zero bytes, or only JSON whitespace
  too_large,          // longer than max_record_bytes
  invalid_utf8,       // the bytes are not valid UTF-8
  malformed_json,     // not exactly one complete JSON value
  too_deep,           // nesting deeper than max_depth
  not_an_object,      // the top-level value is not an object
  duplicate_key,      // one object holds the same key twice (after unescaping)
  missing_field,      // a required field is absent
  wrong_type,         // a field holds the wrong JSON type (null included)
  empty_value,        // a non-empty string rule is broken
  invalid_format,     // session_id / timestamp pattern or calendar; agent_id too long
  invalid_enum,       // a value outside its list
  out_of_range,       // a listed number below 0 or not finite as a double
  unknown_field,      // strict mode: a field the schema does not list
  privacy_violation,  // a privacy match under `reject`, or a redaction that breaks a rule
  undeliverable,      // the broker refused the record for good (pipeline only)
};

inline constexpr std::size_t kReasonCount = static_cast<std::size_t>(Reason::undeliverable) + 1;

constexpr std::string_view to_string(Reason r) noexcept {
  constexpr std::array<std::string_view, kReasonCount> names = {
      "clean",          "empty_payload", "too_large",     "invalid_utf8",
      "malformed_json", "too_deep",      "not_an_object", "duplicate_key",
      "missing_field",  "wrong_type",    "empty_value",   "invalid_format",
      "invalid_enum",   "out_of_range",  "unknown_field", "privacy_violation",
      "undeliverable"};
  return names[static_cast<std::size_t>(r)];
}

// Parses a reason code (or "clean" for Reason::none); false when unknown.
constexpr bool parse_reason(std::string_view s, Reason& out) noexcept {
  for (std::size_t i = 0; i < kReasonCount; ++i) {
    if (to_string(static_cast<Reason>(i)) == s) {
      out = static_cast<Reason>(i);
      return true;
    }
  }
  return false;
}

}  // namespace skillstream::processor
