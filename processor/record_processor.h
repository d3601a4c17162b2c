#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "processor/privacy_kind.h"
#include "processor/verdict.h"

namespace skillstream::processor {

class PrivacyPatterns;

// What section 3 of the rules does with a privacy match.
enum class PrivacyPolicy : std::uint8_t {
  redact,  // replace each match by [REDACTED:<kind>] (the default)
  reject,  // reject the record as privacy_violation
  off,     // no scan
};

constexpr std::string_view to_string(PrivacyPolicy p) noexcept {
  switch (p) {
    case PrivacyPolicy::redact:
      return "redact";
    case PrivacyPolicy::reject:
      return "reject";
    case PrivacyPolicy::off:
      return "off";
  }
  return "unknown";
}

constexpr bool parse_privacy_policy(std::string_view s, PrivacyPolicy& out) noexcept {
  if (s == "redact")
    out = PrivacyPolicy::redact;
  else if (s == "reject")
    out = PrivacyPolicy::reject;
  else if (s == "off")
    out = PrivacyPolicy::off;
  else
    return false;
  return true;
}

struct ProcessorOptions {
  std::size_t max_record_bytes = 1u << 20;  // larger values are too_large
  std::size_t max_depth = 64;               // deeper nesting is too_deep
  bool strict = false;                      // unlisted fields are unknown_field
  PrivacyPolicy privacy = PrivacyPolicy::redact;
  // No record path at all: every record is clean with its value unchanged, nothing is
  // parsed or scanned. Only for measuring what the rest costs (`skillstream bench
  // --processor none`); no setting of the catalog sets it.
  bool pass_through = false;
  // A reject lists up to this many defects (Outcome::defects), the first being its
  // verdict. 1: the first only, at the cost of the verdict alone.
  std::size_t max_errors = 16;
};

// The simdjson kernel the record path was compiled for ("haswell", "icelake",
// "westmere", "fallback", ...): SIMDJSON_BUILTIN_IMPLEMENTATION in this library.
[[nodiscard]] std::string_view simdjson_kernel() noexcept;

// The result of processing one record. Views stay valid until the next process().
struct Outcome {
  Verdict verdict;
  // Clean records: the bytes for the clean topic, the input itself or its redacted
  // copy. Rejects: empty (the dead-letter topic gets the original value).
  std::string_view value;
  // Clean records: the unescaped session_id (the default key when the input has none).
  std::string_view session_id;
  // The kinds redacted; empty when `value` is the input byte-for-byte.
  KindSet redacted;
  // Rejects: every defect found, in document order, at most max_errors; the first is
  // `verdict`. Envelope rejects and failed redactions have exactly one. Empty when clean.
  std::span<const Defect> defects{};
  // Rejects: more defects were found than `defects` lists.
  bool defects_truncated = false;
};

// The whole record path of the rules for one record: sections 1 and 2 (validation)
// then section 3 (privacy). Owns one simdjson parser, one Hyperscan scratch and its
// buffers, all reused across records: one per worker thread, not thread-safe. No heap
// allocation per record in steady state; no exceptions.
class RecordProcessor {
 public:
  // `patterns` may be null: then the process-wide copy is used
  // (PrivacyScanner::shared_patterns), compiled on first use. Even under privacy off
  // the processor redacts keys it writes into reject paths and messages.
  RecordProcessor(const ProcessorOptions& options, std::shared_ptr<const PrivacyPatterns> patterns);
  ~RecordProcessor();
  RecordProcessor(const RecordProcessor&) = delete;
  RecordProcessor& operator=(const RecordProcessor&) = delete;

  // Processes one record value. `data == nullptr` is a Kafka null value (tombstone).
  [[nodiscard]] Outcome process(const char* data, std::size_t size) noexcept;
  [[nodiscard]] Outcome process(std::string_view value) noexcept {
    return process(value.data() ? value.data() : "", value.size());
  }

  [[nodiscard]] const ProcessorOptions& options() const noexcept;

  // Section 3 over a Kafka record key (scan_kafka_key): the kinds found, and when any,
  // the key with each match replaced by [REDACTED:<kind>] appended to `redacted`. The
  // key is scanned as text (a binary key simply holds no match). Cold: off by default.
  [[nodiscard]] KindSet scan_key(std::string_view key, std::string& redacted);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skillstream::processor
