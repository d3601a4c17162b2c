#pragma once

#include <string>
#include <utility>

namespace skillstream::connectors {

// The result of an infrastructure call (Kafka, files): ok, or one line saying what
// failed. Bad data never goes through here (it is a Verdict).
struct [[nodiscard]] Status {
  std::string error;  // empty: ok

  [[nodiscard]] bool ok() const noexcept { return error.empty(); }
  static Status success() { return {}; }
  static Status failure(std::string message) { return Status{std::move(message)}; }
};

}  // namespace skillstream::connectors
