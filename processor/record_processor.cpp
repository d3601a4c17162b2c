// The record path: validate (sections 1-2), then privacy (section 3, rules v2).
//
// The privacy scan costs one Hyperscan call per record on the fast path: while
// validating, every string value and every key that is not a listed schema name is
// appended to one buffer, and the pre-filter runs over it. Only the few records it
// flags are walked a second time, token by token with paths, to find exact spans,
// reject or redact, and re-validate the redaction. A key token is rewritten like a
// value token; the re-validation then also finds keys of one object that became equal
// (duplicate_key on the output: privacy_violation), at no cost to other records.
// Keys printed in paths and messages are redacted by the same scanner under every
// policy, `off` included (see append_path).
#include "processor/record_processor.h"

#include <cstdint>
#include <vector>

#include <simdjson.h>

#include "processor/privacy_scanner.h"
#include "processor/session_validator.h"

namespace skillstream::processor {

namespace {

// The index one past the closing quote of the JSON string whose content starts at
// `begin` in `text` (which is valid JSON).
std::size_t string_end(std::string_view text, std::size_t begin) noexcept {
  std::size_t i = begin;
  while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
  return i;
}

}  // namespace

struct RecordProcessor::Impl final : StringVisitor {
  Impl(const ProcessorOptions& o, std::shared_ptr<const PrivacyPatterns> patterns)
      : options(o),
        scanner(patterns != nullptr ? std::move(patterns) : PrivacyScanner::shared_patterns()),
        validator(o, &scanner) {}

  // A string value or key holding matches: where its content starts in the record and
  // its spans in `spans`.
  struct Hit {
    std::size_t raw_offset;
    std::size_t first_span;
    std::size_t span_count;
  };

  ProcessorOptions options;
  // Scans records unless the policy is off, and under every policy redacts the keys
  // the validator prints in paths; before `validator`, which points to it.
  PrivacyScanner scanner;
  SessionValidator validator;
  std::string joined;  // every scanned string value and key of the record, '\0'-separated
  std::string output;  // the redacted record
  std::vector<Span> spans;
  std::vector<Span> token_spans;
  std::vector<Hit> hits;
  std::string path;  // the first string or key holding a match
  std::string message;
  PrivacyKind first_kind = PrivacyKind::secret;
  bool first_is_key = false;
  KindSet kinds;
  // Under `reject`, the strings and keys holding a match after the first, up to
  // max_errors in all: offsets of their path and message in `more_text`.
  struct MoreMatch {
    std::uint32_t path_offset, path_size, message_offset, message_size;
  };
  std::vector<MoreMatch> more;
  std::string more_text;
  bool more_cut = false;
  std::vector<Defect> listed;  // the defects of a privacy_violation

  void on_string(const PathFrame& where, std::size_t raw_offset, std::string_view value) override {
    on_token(where, raw_offset, value, false);
  }
  void on_key(const PathFrame& member, std::size_t raw_offset, std::string_view key) override {
    on_token(member, raw_offset, key, true);
  }

  void on_token(const PathFrame& where, std::size_t raw_offset, std::string_view text,
                bool is_key) {
    token_spans.clear();
    scanner.find_spans(text, token_spans);
    if (token_spans.empty()) return;
    if (hits.empty()) {
      path.clear();
      append_path(where, path, &scanner);
      first_kind = token_spans.front().kind;
      first_is_key = is_key;
    } else if (options.privacy == PrivacyPolicy::reject) {
      note_more(where, token_spans.front().kind, is_key);
    }
    hits.push_back({raw_offset, spans.size(), token_spans.size()});
    for (const Span& s : token_spans) kinds.add(s.kind);
    spans.insert(spans.end(), token_spans.begin(), token_spans.end());
  }

  static void append_match_message(PrivacyKind kind, bool is_key, std::string& out) {
    out += is_key ? ": the key holds a match of kind " : ": holds a match of kind ";
    out += to_string(kind);
    out += " (privacy policy reject)";
  }

  void note_more(const PathFrame& where, PrivacyKind kind, bool is_key) {
    if (1 + more.size() >= options.max_errors) {
      more_cut = true;
      return;
    }
    const std::size_t path_offset = more_text.size();
    append_path(where, more_text, &scanner);
    const std::size_t message_offset = more_text.size();
    more_text.append(more_text, path_offset, message_offset - path_offset);
    append_match_message(kind, is_key, more_text);
    more.push_back({static_cast<std::uint32_t>(path_offset),
                    static_cast<std::uint32_t>(message_offset - path_offset),
                    static_cast<std::uint32_t>(message_offset),
                    static_cast<std::uint32_t>(more_text.size() - message_offset)});
  }

  // A reject of the processor's own (not the validator's): `verdict` and, under
  // `reject`, the other strings and keys holding a match.
  Outcome own_reject(const Verdict& verdict, bool with_more) {
    listed.clear();
    listed.push_back({verdict.reason, verdict.path, verdict.message});
    if (with_more) {
      const std::string_view text(more_text);
      for (const MoreMatch& m : more) {
        listed.push_back({Reason::privacy_violation, text.substr(m.path_offset, m.path_size),
                          text.substr(m.message_offset, m.message_size)});
      }
    }
    return {verdict, {}, {}, {}, listed, with_more && more_cut};
  }

  Outcome process(const char* data, std::size_t size) noexcept {
    const bool scan = options.privacy != PrivacyPolicy::off;
    joined.clear();
    const Verdict verdict = validator.validate(data, size, scan ? &joined : nullptr);
    if (!verdict.clean()) {
      return {verdict, {}, {}, {}, validator.defects(), validator.defects_truncated()};
    }
    const std::string_view input(data, size);
    if (!scan || !scanner.may_match(joined)) return {verdict, input, validator.session_id(), {}};

    hits.clear();
    spans.clear();
    kinds.clear();
    more.clear();
    more_text.clear();
    more_cut = false;
    validator.visit_strings(*this);
    if (hits.empty()) return {verdict, input, validator.session_id(), {}};  // pre-filter only

    if (options.privacy == PrivacyPolicy::reject) {
      message.assign(path);
      append_match_message(first_kind, first_is_key, message);
      return own_reject({Reason::privacy_violation, path, message}, true);
    }

    output.clear();
    std::size_t pos = 0;
    for (const Hit& hit : hits) {
      const std::size_t end = string_end(input, hit.raw_offset);
      output.append(input, pos, hit.raw_offset - pos);
      append_redacted(input.substr(hit.raw_offset, end - hit.raw_offset),
                      std::span<const Span>(spans.data() + hit.first_span, hit.span_count), output);
      pos = end;
    }
    output.append(input, pos);

    // Redaction is one pass: the output is checked against sections 1-2, not scanned.
    // Keys of one object that became equal are its duplicate_key.
    const Verdict redacted = validator.validate(output.data(), output.size(), nullptr);
    if (!redacted.clean()) {
      message.assign("redacting ");
      message += kinds.to_string();
      message += " breaks a rule: ";
      message += redacted.message.empty() ? to_string(redacted.reason) : redacted.message;
      path.assign(redacted.path);
      return own_reject({Reason::privacy_violation, path, message}, false);
    }
    return {redacted, output, validator.session_id(), kinds};
  }
};

RecordProcessor::RecordProcessor(const ProcessorOptions& options,
                                 std::shared_ptr<const PrivacyPatterns> patterns)
    : impl_(std::make_unique<Impl>(options, std::move(patterns))) {}

RecordProcessor::~RecordProcessor() = default;

Outcome RecordProcessor::process(const char* data, std::size_t size) noexcept {
  if (impl_->options.pass_through) {
    Outcome o;  // clean, the value as it came
    o.value = std::string_view(data != nullptr ? data : "", size);
    return o;
  }
  return impl_->process(data, size);
}

std::string_view simdjson_kernel() noexcept {
  return SIMDJSON_STRINGIFY(SIMDJSON_BUILTIN_IMPLEMENTATION);
}

const ProcessorOptions& RecordProcessor::options() const noexcept { return impl_->options; }

KindSet RecordProcessor::scan_key(std::string_view key, std::string& redacted) {
  KindSet kinds;
  std::vector<Span>& spans = impl_->token_spans;
  spans.clear();
  impl_->scanner.find_spans(key, spans);
  if (spans.empty()) return kinds;
  for (const Span& s : spans) kinds.add(s.kind);
  append_redacted(key, spans, redacted);
  return kinds;
}

}  // namespace skillstream::processor
