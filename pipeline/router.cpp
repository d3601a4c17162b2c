#include "pipeline/router.h"

#include <charconv>

#include <fmt/format.h>
#include <openssl/evp.h>

#include "processor/reason.h"

namespace skillstream::pipeline {

namespace {

using connectors::Destination;
using connectors::OutRecord;

constexpr std::string_view kCutMarker = "...[cut]";

void sha256_hex(std::string_view data, std::string& out) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  out.clear();
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 15]);
  }
}

}  // namespace

std::string_view cut_utf8(std::string_view text, std::size_t max_bytes) noexcept {
  if (text.size() <= max_bytes) return text;
  std::size_t n = max_bytes;
  // Back off continuation bytes (10xxxxxx) so that no character is split.
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  return text.substr(0, n);
}

Router::Router(RouterOptions options) : options_(std::move(options)) {}

std::string_view Router::number(std::size_t slot, std::int64_t value) {
  auto& buf = numbers_[slot];
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  (void)ec;  // 24 bytes hold every int64
  return std::string_view(buf.data(), static_cast<std::size_t>(end - buf.data()));
}

std::string_view Router::bounded(std::string& scratch, std::string_view text) const {
  if (options_.max_header_bytes == 0 || text.size() <= options_.max_header_bytes) return text;
  scratch.assign(cut_utf8(text, options_.max_header_bytes));
  scratch.append(kCutMarker);
  return scratch;
}

void Router::source_headers(const Record& r, OutRecord& out) {
  out.add_header("skillstream.source.topic", options_.input_topic);
  out.add_header("skillstream.source.partition", number(0, r.in.partition));
  out.add_header("skillstream.source.offset", number(1, r.in.offset));
  out.add_header("skillstream.source.timestamp", number(2, r.in.timestamp_ms));
  out.add_header("skillstream.instance", options_.instance_id);
}

void Router::route(const Record& r, OutRecord& out) {
  out = OutRecord{};
  out.opaque = const_cast<Record*>(&r);
  out.timestamp_ms = r.in.timestamp_ms > 0 ? r.in.timestamp_ms : 0;
  out.key = r.in.key;
  if (r.stub) {
    route_stub(r, out);
    return;
  }
  out.headers_of = r.message;  // input headers are kept
  if (options_.redrive) {
    route_redrive(r, out);
    return;
  }
  source_headers(r, out);
  if (r.reason == processor::Reason::none) {
    clean(r, out);
    return;
  }
  out.destination = Destination::dead_letter;
  out.value = r.in.value;
  reject_headers(r, out);
}

void Router::clean(const Record& r, OutRecord& out) {
  const Batch& b = *r.batch;
  out.destination = Destination::clean;
  out.value = r.redacted.empty() ? r.in.value : b.view(r.value);
  if (out.key.data() == nullptr && r.session_id.size > 0) out.key = b.view(r.session_id);
  if (!r.key_redacted.empty()) out.key = b.view(r.key);
  processor::KindSet kinds = r.redacted;
  kinds |= r.key_redacted;
  if (!kinds.empty()) {
    // KindSet::to_string allocates; redacted records are the rare path (2%).
    message_ = kinds.to_string();
    out.add_header("skillstream.redacted", message_);
  }
}

void Router::reject_headers(const Record& r, OutRecord& out) {
  const Batch& b = *r.batch;
  out.add_header("skillstream.reason", processor::to_string(r.reason));
  out.add_header("skillstream.path", bounded(path_, b.view(r.path)));
  out.add_header("skillstream.message", bounded(message_, b.view(r.message_text)));
  // Every defect, the first being the three above; bounded (8 KiB) when rendered.
  if (r.errors.size > 0) out.add_header("skillstream.errors", b.view(r.errors));
  out.add_header("skillstream.version", options_.version);
}

// Redrive: the dead-letter record's headers are kept (skillstream.source.* name the
// original input) but for the verdict and redrive ones, which are written anew.
void Router::route_redrive(const Record& r, OutRecord& out) {
  if (!r.judge) {  // not selected (or a stub): back to the queue unchanged
    out.destination = Destination::dead_letter;
    out.value = r.in.value;
    return;
  }
  for (std::string_view name : {"skillstream.reason", "skillstream.path", "skillstream.message",
                                "skillstream.errors", "skillstream.version", "skillstream.redacted",
                                "skillstream.redrive.from", "skillstream.redrive.attempt"}) {
    out.drop_input_header(name);
  }
  const std::uint32_t attempt = r.attempt + 1;
  from_ = fmt::format("{}:{}:{}", options_.input_topic, r.in.partition, r.in.offset);
  out.add_header("skillstream.redrive.from", from_);
  out.add_header("skillstream.redrive.attempt", number(4, attempt));
  if (r.reason == processor::Reason::none) {
    clean(r, out);
    return;
  }
  out.destination =
      attempt >= options_.max_attempts ? Destination::parking : Destination::dead_letter;
  out.value = r.in.value;
  reject_headers(r, out);
}

// A record refused for good: an empty value that names what was refused and by whom,
// so that nothing is skipped silently (README: undeliverable).
void Router::route_stub(const Record& r, OutRecord& out) {
  out.destination = Destination::dead_letter;
  out.value = std::string_view("", 0);
  source_headers(r, out);
  out.add_header("skillstream.reason", processor::to_string(processor::Reason::undeliverable));
  out.add_header("skillstream.path", "");
  stub_message_ =
      r.refusal.by_client
          ? fmt::format(
                "refused by the producer's own size check (message.max.bytes), "
                "before reaching the broker: {}",
                r.refusal.description)
          : fmt::format("the broker refused the record for good: {}", r.refusal.description);
  out.add_header("skillstream.message", stub_message_);
  out.add_header("skillstream.version", options_.version);
  out.add_header("skillstream.original.reason", processor::to_string(r.reason));
  out.add_header("skillstream.original.size",
                 number(3, static_cast<std::int64_t>(r.in.value.size())));
  sha256_hex(r.in.value, sha256_);
  out.add_header("skillstream.original.sha256", sha256_);
  out.add_header("skillstream.broker.error", r.refusal.name);
}

}  // namespace skillstream::pipeline
