#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "processor/privacy_kind.h"

namespace skillstream::processor {

// The compiled pattern databases of section 3 of the rules. Compiled once at start,
// immutable afterwards, shared by every worker thread.
class PrivacyPatterns;

// Finds privacy matches in unescaped string values. Owns one Hyperscan scratch
// space: one scanner per worker thread, reused across records; not thread-safe.
class PrivacyScanner {
 public:
  // Compiles the databases (throws std::runtime_error only if Hyperscan refuses
  // them, which is a bug). Call once per process and share the result.
  static std::shared_ptr<const PrivacyPatterns> compile_patterns();

  // One compiled copy for the whole process, compiled on the first call (which may
  // throw as compile_patterns does). For scanners that callers did not ask for: keys
  // written into paths are redacted even when the privacy policy is off.
  static std::shared_ptr<const PrivacyPatterns> shared_patterns();

  explicit PrivacyScanner(std::shared_ptr<const PrivacyPatterns> patterns);
  ~PrivacyScanner();
  PrivacyScanner(const PrivacyScanner&) = delete;
  PrivacyScanner& operator=(const PrivacyScanner&) = delete;

  // The byte that joins several string values into one buffer for may_match(). No
  // pattern can match across it and it is not a word character.
  static constexpr char kSeparator = '\0';

  // Fast pre-filter over one or more unescaped string values joined by kSeparator:
  // true whenever at least one of them holds a match (false positives allowed, such
  // as `git@host` or `/home/Shared`; false negatives never). One Hyperscan call.
  [[nodiscard]] bool may_match(std::string_view joined) noexcept;

  // The exact spans of one unescaped string value, per section 3: each pattern's
  // matches left to right, leftmost-longest, without overlap (PEM ends at its END
  // line or the end of the string); user_path spans are the NAME only; spans of
  // different patterns that overlap are merged transitively and labelled by the
  // earliest-starting one (tie: longest, then secret, email, user_path); spans that
  // only touch stay separate. Appends to `out` in ascending order.
  void find_spans(std::string_view text, std::vector<Span>& out);

  // Appends an unescaped object key as it may be written into a path or a message
  // (rules v2, under every policy): each match replaced by `[REDACTED:<kind>]`, then
  // escaped as JSON escapes a string's content. Cold: only rejects print keys.
  void append_path_key(std::string_view key, std::string& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Appends to `out` the raw content of one JSON string token (the bytes between its
// quotes, escapes as written) with each span replaced by `[REDACTED:<kind>]`. Spans
// are offsets into the *unescaped* value, ascending and disjoint; a span that covers
// any byte produced by an escape sequence (`\u00e9`, a surrogate pair, `\n`) is
// widened to the whole escape sequence. Every other byte is copied as written.
// `raw` must be a valid JSON string body.
void append_redacted(std::string_view raw, std::span<const Span> spans, std::string& out);

}  // namespace skillstream::processor
