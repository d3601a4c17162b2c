#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "processor/privacy_kind.h"
#include "processor/reason.h"

namespace skillstream::generator {

struct GeneratorOptions {
  std::uint64_t seed = 1;
  double invalid_ratio = 0.0;  // share of records with exactly one defect
  double secret_ratio = 0.02;  // share of valid records carrying secrets, e-mails or user paths
  std::size_t max_record_bytes = 1u << 20;  // the validator's limit: too_large defects exceed it
};

// What the generator intended for one record, under the default rules (privacy
// redact, not strict).
struct GeneratedLabel {
  processor::Reason reason = processor::Reason::none;  // none: valid
  processor::KindSet privacy;  // kinds planted in a valid record (it will be redacted)
};

// A deterministic source of synthetic session logs: the same options give the same
// records, byte for byte, on every machine. Owns its random state; one per thread.
class SessionGenerator {
 public:
  explicit SessionGenerator(const GeneratorOptions& options);
  ~SessionGenerator();
  SessionGenerator(const SessionGenerator&) = delete;
  SessionGenerator& operator=(const SessionGenerator&) = delete;

  // Replaces `out` with the next record (no trailing newline; never contains '\n'
  // except as the escape `\n`) and returns its intended verdict.
  GeneratedLabel next(std::string& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skillstream::generator
