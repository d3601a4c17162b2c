#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "connectors/out_record.h"
#include "pipeline/record_batch.h"

namespace skillstream::pipeline {

struct RouterOptions {
  std::string input_topic;
  std::string instance_id;
  std::string version;  // SkillStream's, for skillstream.version
  // Path and message headers are cut to this many bytes (on a UTF-8 boundary, with a
  // marker), so a dead-letter record is never made too large by SkillStream's own
  // headers. 0: no bound.
  std::size_t max_header_bytes = 1024;
  // Redrive: the input is the dead-letter topic itself (input_topic). Judged records
  // go to the clean topic, or back to the dead-letter topic with attempt + 1, or, at
  // max_attempts, to the parking topic; records not judged go back unchanged.
  bool redrive = false;
  unsigned max_attempts = 5;
};

// Turns a judged record and its input metadata into the output record: destination,
// value, key, timestamp and headers (README: "Where each record goes"). A pure
// function of its arguments, tested without a broker (Vector's request_builder).
//
// Not thread-safe: one per thread. The OutRecord's views point into the record, its
// batch, the options, or this router's scratch, valid until the next route() call.
class Router {
 public:
  explicit Router(RouterOptions options);

  void route(const Record& record, connectors::OutRecord& out);

  [[nodiscard]] const RouterOptions& options() const noexcept { return options_; }

 private:
  std::string_view number(std::size_t slot, std::int64_t value);
  std::string_view bounded(std::string& scratch, std::string_view text) const;
  void source_headers(const Record& r, connectors::OutRecord& out);
  void route_stub(const Record& r, connectors::OutRecord& out);
  void route_redrive(const Record& r, connectors::OutRecord& out);
  void clean(const Record& r, connectors::OutRecord& out);
  void reject_headers(const Record& r, connectors::OutRecord& out);

  RouterOptions options_;
  std::array<std::array<char, 24>, 6> numbers_{};
  std::string path_, message_, stub_message_, sha256_, from_;  // reused scratch
};

// At most `max_bytes` bytes of `text`, cut back to a UTF-8 character boundary.
[[nodiscard]] std::string_view cut_utf8(std::string_view text, std::size_t max_bytes) noexcept;

}  // namespace skillstream::pipeline
