#pragma once

#include <span>
#include <string>
#include <string_view>

#include "processor/reason.h"

namespace skillstream::processor {

// The verdict on one record. Bad data is a value, never an exception: a verdict is
// clean, or a reject with its reason, the failing field's path (empty for envelope
// rejects) and a plain message. `path` and `message` point into storage owned by the
// object that produced the verdict and stay valid until its next call.
struct Verdict {
  Reason reason = Reason::none;
  std::string_view path;
  std::string_view message;

  [[nodiscard]] constexpr bool clean() const noexcept { return reason == Reason::none; }
};

// One defect of a rejected record: a reason, the field's path and a plain message,
// like a verdict. A reject lists its defects in document order, the first being its
// verdict; envelope rejects (section 1 but duplicate_key's field rules) have exactly
// one. Views into the producing object's storage, valid until its next call.
struct Defect {
  Reason reason = Reason::none;
  std::string_view path;
  std::string_view message;
};

// The list of a reject as `skillstream.errors` and validate's `errors` carry it: a
// compact JSON array `[{"reason":"wrong_type","path":"a.b","message":"..."},...]`,
// strings JSON-escaped, with a last `{"reason":"truncated"}` entry when `truncated`
// (more defects than listed). At most `max_bytes` bytes (0: no bound): the array is
// cut at an entry boundary, and the truncated entry added, to fit. Appends to `out`.
inline constexpr std::size_t kDefectsJsonMaxBytes = 8192;
void append_defects_json(std::span<const Defect> defects, bool truncated, std::string& out,
                         std::size_t max_bytes = kDefectsJsonMaxBytes);

}  // namespace skillstream::processor
