#pragma once

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

}  // namespace skillstream::processor
