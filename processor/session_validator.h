#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "processor/record_processor.h"
#include "processor/verdict.h"

namespace skillstream::processor {

// Where a value sits in the record: a chain of frames from the value up to the
// root, built on the walker's stack (free unless a path is printed).
struct PathFrame {
  const PathFrame* parent = nullptr;  // nullptr: the root (prints nothing)
  std::string_view key;               // member name, when !is_index
  std::size_t index = 0;              // element index, when is_index
  bool is_index = false;
};

// Appends the path in the rules' notation: `issues_encountered[2].resolved`.
void append_path(const PathFrame& frame, std::string& out);

// Receives every string value of a record, in document order (see visit_strings).
class StringVisitor {
 public:
  virtual ~StringVisitor() = default;
  // `raw_offset`: where the string's content (after the opening quote) starts in the
  // record; `value`: the unescaped content, valid until the next validator call.
  virtual void on_string(const PathFrame& where, std::size_t raw_offset,
                         std::string_view value) = 0;
};

// Sections 1 and 2 of the rules on simdjson's on-demand parser. Every byte of the
// document is checked, not only the fields the schema reads: each value is read
// with a typed getter, free-form parts are walked, trailing content is refused, keys
// are compared after unescaping, and nesting is bounded without recursion past
// max_depth. Owns one parser and a padded copy of the record, reused across records:
// one per thread, not thread-safe. No heap allocation per valid record in steady
// state, no exceptions.
class SessionValidator {
 public:
  explicit SessionValidator(const ProcessorOptions& options);
  ~SessionValidator();
  SessionValidator(const SessionValidator&) = delete;
  SessionValidator& operator=(const SessionValidator&) = delete;

  // Validates one record (`data == nullptr`: a Kafka null value). When `joined` is
  // given, the unescaped content of every string value (not keys) is appended to it,
  // each followed by '\0', for the privacy pre-filter.
  [[nodiscard]] Verdict validate(const char* data, std::size_t size,
                                 std::string* joined = nullptr) noexcept;

  // Walks the record of the last validate() again, which must have been clean,
  // calling `visitor` for every string value with its path. For the rare records
  // the privacy pre-filter flags.
  void visit_strings(StringVisitor& visitor) noexcept;

  // The unescaped session_id of the last clean record.
  [[nodiscard]] std::string_view session_id() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skillstream::processor
