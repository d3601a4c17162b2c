// The record path: validate (sections 1-2), then privacy (section 3).
//
// The privacy scan costs one Hyperscan call per record on the fast path: while
// validating, every string value is appended to one buffer, and the pre-filter runs
// over it. Only the few records it flags are walked a second time, string by string
// with paths, to find exact spans, reject or redact, and re-validate the redaction.
#include "processor/record_processor.h"

#include <vector>

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
      : options(o), validator(o) {
    if (o.privacy != PrivacyPolicy::off)
      scanner = std::make_unique<PrivacyScanner>(std::move(patterns));
  }

  // A string value holding matches: where its content starts in the record and its
  // spans in `spans`.
  struct Hit {
    std::size_t raw_offset;
    std::size_t first_span;
    std::size_t span_count;
  };

  ProcessorOptions options;
  SessionValidator validator;
  std::unique_ptr<PrivacyScanner> scanner;
  std::string joined;  // every string value of the record, '\0'-separated
  std::string output;  // the redacted record
  std::vector<Span> spans;
  std::vector<Span> string_spans;
  std::vector<Hit> hits;
  std::string path;  // the first string holding a match
  std::string message;
  PrivacyKind first_kind = PrivacyKind::secret;
  KindSet kinds;

  void on_string(const PathFrame& where, std::size_t raw_offset, std::string_view value) override {
    string_spans.clear();
    scanner->find_spans(value, string_spans);
    if (string_spans.empty()) return;
    if (hits.empty()) {
      path.clear();
      append_path(where, path);
      first_kind = string_spans.front().kind;
    }
    hits.push_back({raw_offset, spans.size(), string_spans.size()});
    for (const Span& s : string_spans) kinds.add(s.kind);
    spans.insert(spans.end(), string_spans.begin(), string_spans.end());
  }

  Outcome process(const char* data, std::size_t size) noexcept {
    const bool scan = scanner != nullptr;
    joined.clear();
    const Verdict verdict = validator.validate(data, size, scan ? &joined : nullptr);
    if (!verdict.clean()) return {verdict, {}, {}, {}};
    const std::string_view input(data, size);
    if (!scan || !scanner->may_match(joined)) return {verdict, input, validator.session_id(), {}};

    hits.clear();
    spans.clear();
    kinds.clear();
    validator.visit_strings(*this);
    if (hits.empty()) return {verdict, input, validator.session_id(), {}};  // pre-filter only

    if (options.privacy == PrivacyPolicy::reject) {
      message.assign(path);
      message += ": holds a match of kind ";
      message += to_string(first_kind);
      message += " (privacy policy reject)";
      return {{Reason::privacy_violation, path, message}, {}, {}, {}};
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
    const Verdict redacted = validator.validate(output.data(), output.size(), nullptr);
    if (!redacted.clean()) {
      message.assign("redacting ");
      message += kinds.to_string();
      message += " breaks a rule: ";
      message += redacted.message.empty() ? to_string(redacted.reason) : redacted.message;
      path.assign(redacted.path);
      return {{Reason::privacy_violation, path, message}, {}, {}, {}};
    }
    return {redacted, output, validator.session_id(), kinds};
  }
};

RecordProcessor::RecordProcessor(const ProcessorOptions& options,
                                 std::shared_ptr<const PrivacyPatterns> patterns)
    : impl_(std::make_unique<Impl>(options, std::move(patterns))) {}

RecordProcessor::~RecordProcessor() = default;

Outcome RecordProcessor::process(const char* data, std::size_t size) noexcept {
  return impl_->process(data, size);
}

const ProcessorOptions& RecordProcessor::options() const noexcept { return impl_->options; }

}  // namespace skillstream::processor
