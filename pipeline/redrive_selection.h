#pragma once

#include <cstdint>
#include <string_view>

#include "config/settings.h"
#include "processor/reason.h"

namespace skillstream::pipeline {

// The headers of a dead-letter record that redrive reads (empty: absent).
struct DeadLetterHeaders {
  std::string_view reason;            // skillstream.reason
  std::string_view source_timestamp;  // skillstream.source.timestamp, ms since the epoch
  std::string_view attempt;           // skillstream.redrive.attempt
};

struct RedriveSelection {
  bool judge = false;         // judged again; else back to the queue unchanged
  std::uint32_t attempt = 0;  // the record's previous attempt (0: never redriven)
  processor::Reason reason = processor::Reason::none;  // its recorded reason
};

// Which dead letters `redrive` judges again: not `undeliverable` stubs, and only those
// the filters select (reasons, when given; source timestamp in [since, until)). A record
// without a readable timestamp is selected only when no time bound is set. Pure.
[[nodiscard]] RedriveSelection select_for_redrive(const DeadLetterHeaders& headers,
                                                  const config::Settings::Redrive& filters);

}  // namespace skillstream::pipeline
