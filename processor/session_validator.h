#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "processor/record_processor.h"
#include "processor/verdict.h"

namespace skillstream::processor {

class PrivacyScanner;

// Where a value sits in the record: a chain of frames from the value up to the
// root, built on the walker's stack (free unless a path is printed).
struct PathFrame {
  const PathFrame* parent = nullptr;  // nullptr: the root (prints nothing)
  std::string_view key;               // member name, when !is_index
  std::size_t index = 0;              // element index, when is_index
  bool is_index = false;
};

// Appends the path in the rules' notation: `issues_encountered[2].resolved`. Keys are
// record text, so each is written as the rules v2 require of any key in a path or a
// message: its privacy matches replaced by markers (by `keys`; when null, as for a
// validator used alone, they are not) and JSON-escaped, so that neither a secret nor a
// raw control character reaches a header or a reject line.
void append_path(const PathFrame& frame, std::string& out, PrivacyScanner* keys = nullptr);

// Receives, in document order (see visit_strings), every string value of a record and
// every key that may hold a privacy match (rules v2 scan keys too); a key comes before
// its value. Listed schema names are not reported: none of them can hold a match.
class StringVisitor {
 public:
  virtual ~StringVisitor() = default;
  // `raw_offset`: where the string's content (after the opening quote) starts in the
  // record; `value`: the unescaped content, valid until the next validator call.
  virtual void on_string(const PathFrame& where, std::size_t raw_offset,
                         std::string_view value) = 0;
  // The same for a key: `member` is the frame it names (its path ends with the key).
  virtual void on_key(const PathFrame& member, std::size_t raw_offset, std::string_view key) = 0;
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
  // `path_keys`, when given, redacts the keys written into reject paths and messages
  // (see append_path); it must outlive the validator.
  explicit SessionValidator(const ProcessorOptions& options, PrivacyScanner* path_keys = nullptr);

  // Every member name the schema lists (objects' known keys): the validator leaves
  // them out of the privacy scan, since none can hold a match (a test checks that).
  [[nodiscard]] static std::vector<std::string_view> listed_key_names();
  ~SessionValidator();
  SessionValidator(const SessionValidator&) = delete;
  SessionValidator& operator=(const SessionValidator&) = delete;

  // Validates one record (`data == nullptr`: a Kafka null value). When `joined` is
  // given, the unescaped content of every string value and of every key StringVisitor
  // would see is appended to it, in document order, each followed by '\0', for the
  // privacy pre-filter.
  [[nodiscard]] Verdict validate(const char* data, std::size_t size,
                                 std::string* joined = nullptr) noexcept;

  // Walks the record of the last validate() again, which must have been clean,
  // calling `visitor` for every string value and candidate key with its path. For the
  // rare records the privacy pre-filter flags.
  void visit_strings(StringVisitor& visitor) noexcept;

  // The defects of the last validate(), in document order: none when it was clean,
  // one for an envelope reject (section 1, duplicate_key included), else every field
  // defect (section 2) up to options.max_errors, the first being the verdict. Valid
  // until the next call. Defects after the first are collected only once a first one
  // was found, so a valid record costs nothing more.
  [[nodiscard]] std::span<const Defect> defects() const noexcept;
  // True when the last record had more defects than defects() lists.
  [[nodiscard]] bool defects_truncated() const noexcept;

  // The unescaped session_id of the last clean record.
  [[nodiscard]] std::string_view session_id() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace skillstream::processor
