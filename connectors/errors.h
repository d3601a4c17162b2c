#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "processor/assert.h"

namespace skillstream::connectors {

// Infrastructure failures (Kafka, files), one convention throughout: a code saying
// what kind of failure, and one line saying what failed. Bad data never goes through
// here (it is a processor::Verdict); bugs hit SKILLSTREAM_ASSERT.
enum class Errc : std::uint8_t {
  ok,              // no error
  config,          // a client property or setting was refused
  client,          // a client or handle could not be created
  kafka,           // a Kafka call failed (the message names the call and librdkafka's error)
  queue_full,      // the producer's local queue is full: serve delivery reports, then retry
  record_refused,  // the client refused this one record for good (size check)
  fatal,           // the client cannot go on (authentication, fencing): stop
  io,              // a file could not be read or written
  not_found,       // a topic (or file) the call needs does not exist
};

[[nodiscard]] constexpr std::string_view to_string(Errc e) noexcept {
  switch (e) {
    case Errc::ok:
      return "ok";
    case Errc::config:
      return "config";
    case Errc::client:
      return "client";
    case Errc::kafka:
      return "kafka";
    case Errc::queue_full:
      return "queue_full";
    case Errc::record_refused:
      return "record_refused";
    case Errc::fatal:
      return "fatal";
    case Errc::io:
      return "io";
    case Errc::not_found:
      return "not_found";
  }
  return "unknown";
}

// The result of an infrastructure call with no value: ok, or a code and one line.
struct [[nodiscard]] Status {
  Errc code = Errc::ok;
  std::string error;  // one line; empty when ok

  [[nodiscard]] bool ok() const noexcept { return code == Errc::ok; }
  static Status success() { return {}; }
  static Status failure(Errc code, std::string message) {
    SKILLSTREAM_ASSERT(code != Errc::ok, "a failure needs an error code");
    return Status{code, std::move(message)};
  }
};

// A value or the Status saying why there is none (simdjson_result<T>, Redpanda's
// result<T>).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit, like simdjson_result
  Result(Status status) : status_(std::move(status)) {
    SKILLSTREAM_ASSERT(!status_.ok(), "a Result without a value needs an error");
  }
  [[nodiscard]] bool ok() const noexcept { return status_.ok(); }
  [[nodiscard]] const Status& status() const noexcept { return status_; }
  [[nodiscard]] T& value() {
    SKILLSTREAM_ASSERT(ok(), "value() of a failed Result");
    return *value_;
  }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace skillstream::connectors
