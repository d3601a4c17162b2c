#include "pipeline/redrive_selection.h"

#include <algorithm>
#include <charconv>
#include <climits>

namespace skillstream::pipeline {

namespace {

template <typename T>
bool parse_number(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

RedriveSelection select_for_redrive(const DeadLetterHeaders& h,
                                    const config::Settings::Redrive& filters) {
  RedriveSelection out;
  if (!processor::parse_reason(h.reason, out.reason)) out.reason = processor::Reason::none;
  if (!parse_number(h.attempt, out.attempt)) out.attempt = 0;
  if (out.reason == processor::Reason::undeliverable) return out;  // a stub: no value to judge
  if (!filters.reasons.empty() && std::find(filters.reasons.begin(), filters.reasons.end(),
                                            out.reason) == filters.reasons.end()) {
    return out;
  }
  const bool bounded = filters.since_ms != INT64_MIN || filters.until_ms != INT64_MAX;
  std::int64_t ts = 0;
  if (!parse_number(h.source_timestamp, ts)) {
    out.judge = !bounded;
    return out;
  }
  out.judge = ts >= filters.since_ms && ts < filters.until_ms;
  return out;
}

}  // namespace skillstream::pipeline
