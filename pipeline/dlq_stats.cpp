#include "pipeline/dlq_stats.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

#include <fmt/format.h>

namespace skillstream::pipeline {

namespace {

// The headers DlqStats reads, last occurrence of each name.
struct DlqHeaders {
  std::optional<std::string_view> reason;
  std::string_view path;
  std::optional<std::string_view> source_topic;
  std::optional<std::string_view> source_partition;
  std::optional<std::string_view> source_timestamp;
  std::optional<std::string_view> original_reason;
  std::optional<std::string_view> attempt;
};

DlqHeaders read_headers(std::span<const DlqStats::Header> headers) {
  DlqHeaders h;
  for (const auto& [name, value] : headers) {
    if (name.rfind("skillstream.", 0) != 0) continue;
    const std::string_view n = name.substr(12);
    if (n == "reason") {
      h.reason = value;
    } else if (n == "path") {
      h.path = value;
    } else if (n == "source.topic") {
      h.source_topic = value;
    } else if (n == "source.partition") {
      h.source_partition = value;
    } else if (n == "source.timestamp") {
      h.source_timestamp = value;
    } else if (n == "original.reason") {
      h.original_reason = value;
    } else if (n == "redrive.attempt") {
      h.attempt = value;
    }
  }
  return h;
}

template <typename T>
bool parse_number(std::string_view text, T& out) {
  const char* first = text.data();
  const char* last = first + text.size();
  auto [ptr, ec] = std::from_chars(first, last, out);
  return !text.empty() && ec == std::errc{} && ptr == last;
}

// Counts `key` in `counts` when it is there or there is room; false when neither.
template <typename Map, typename Key>
bool count_bounded(Map& counts, const Key& key, std::size_t limit) {
  auto it = counts.find(key);
  if (it == counts.end()) {
    if (counts.size() >= limit) return false;
    it = counts.emplace(typename Map::key_type(key), 0).first;
  }
  ++it->second;
  return true;
}

// Howard Hinnant's civil_from_days: days since 1970-01-01 -> year, month, day.
void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2 ? 1 : 0;
}

// Length of the valid UTF-8 sequence at the start of `s`, or 0.
std::size_t utf8_length(std::string_view s) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  std::size_t n = 0;
  std::uint32_t cp = 0;
  if (b0 < 0x80) return 1;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4;
    cp = b0 & 0x07;
  } else {
    return 0;
  }
  if (s.size() < n) return 0;
  for (std::size_t i = 1; i < n; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  const bool overlong = (n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// `text` as a JSON string; bytes that are not UTF-8 become U+FFFD (headers are bytes).
void append_json_string(std::string_view text, std::string& out) {
  out += '"';
  while (!text.empty()) {
    const char c = text[0];
    const auto u = static_cast<unsigned char>(c);
    std::size_t n = 1;
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (u < 0x20) {
      out += fmt::format("\\u{:04x}", u);
    } else if (u < 0x80) {
      out += c;
    } else if ((n = utf8_length(text)) == 0) {
      out += "\\ufffd";
      n = 1;
    } else {
      out.append(text.substr(0, n));
    }
    text.remove_prefix(n);
  }
  out += '"';
}

// `text` on one line for the terminal: control bytes as '?', quoted when empty.
std::string printable(std::string_view text) {
  if (text.empty()) return "\"\"";
  std::string out(text);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

}  // namespace

DlqStats::DlqStats(DlqStatsOptions options) : options_(options) {}

void DlqStats::add(std::size_t value_bytes, std::span<const Header> headers) {
  const DlqHeaders h = read_headers(headers);
  ++records_;
  bytes_ += value_bytes;

  std::int64_t ts = 0;
  if (h.source_timestamp && parse_number(*h.source_timestamp, ts)) {
    first_ms_ = first_ms_ ? std::min(*first_ms_, ts) : ts;
    last_ms_ = last_ms_ ? std::max(*last_ms_, ts) : ts;
  } else {
    ++without_timestamp_;
  }

  if (!h.reason) {
    ++without_reason_;
  } else {
    auto it = reasons_.find(*h.reason);
    if (it == reasons_.end() && reasons_.size() < options_.max_reasons) {
      it = reasons_.emplace(std::string(*h.reason), ReasonCounts{}).first;
    }
    if (it == reasons_.end()) {
      ++other_reason_records_;
    } else {
      ReasonCounts& rc = it->second;
      ++rc.records;
      if (!count_bounded(rc.paths, h.path, options_.max_paths_per_reason)) {
        ++rc.other_path_records;
      }
    }
    if (*h.reason == "undeliverable") {
      ++undeliverable_;
      (void)count_bounded(original_reasons_, h.original_reason.value_or(""),
                          options_.max_original_reasons);
    }
  }

  std::int32_t partition = -1;
  if (!h.source_partition || !parse_number(*h.source_partition, partition)) partition = -1;
  const std::pair<std::string, std::int32_t> source{std::string(h.source_topic.value_or("")),
                                                    partition};
  if (!count_bounded(sources_, source, options_.max_sources)) ++other_source_records_;

  if (h.attempt) {
    ++redriven_;
    std::uint64_t attempt = 0;
    if (!parse_number(*h.attempt, attempt)) {
      ++attempt_not_a_number_;
    } else if (!count_bounded(attempts_, attempt, options_.max_attempts)) {
      ++other_attempt_records_;
    }
  }
}

std::uint64_t live_records(const connectors::PartitionOffsets& p) noexcept {
  const std::int64_t from = p.committed >= 0 ? std::max(p.committed, p.low) : p.low;
  return p.high > from ? static_cast<std::uint64_t>(p.high - from) : 0;
}

DlqSummary DlqStats::summary(std::string topic, std::string group,
                             std::vector<connectors::PartitionOffsets> partitions) const {
  DlqSummary s;
  s.topic = std::move(topic);
  s.group = std::move(group);
  s.records = records_;
  s.bytes = bytes_;
  s.first_source_ms = first_ms_;
  s.last_source_ms = last_ms_;
  s.without_source_timestamp = without_timestamp_;
  for (const auto& [reason, rc] : reasons_) {
    ReasonSummary r;
    r.reason = reason;
    r.records = rc.records;
    r.distinct_paths = rc.paths.size();
    r.other_path_records = rc.other_path_records;
    std::vector<std::pair<std::string_view, std::uint64_t>> paths(rc.paths.begin(), rc.paths.end());
    const std::size_t n = std::min(options_.top_paths, paths.size());
    std::partial_sort(paths.begin(), paths.begin() + static_cast<std::ptrdiff_t>(n), paths.end(),
                      [](const auto& a, const auto& b) {
                        return a.second != b.second ? a.second > b.second : a.first < b.first;
                      });
    for (std::size_t i = 0; i < n; ++i) {
      r.top_paths.push_back(PathCount{std::string(paths[i].first), paths[i].second});
    }
    s.reasons.push_back(std::move(r));
  }
  std::stable_sort(s.reasons.begin(), s.reasons.end(),
                   [](const ReasonSummary& a, const ReasonSummary& b) {
                     return a.records > b.records;  // the map gave them by name
                   });
  s.other_reason_records = other_reason_records_;
  s.without_reason = without_reason_;
  for (const auto& [source, count] : sources_) {
    s.sources.push_back(SourceCount{source.first, source.second, count});
  }
  s.other_source_records = other_source_records_;
  s.undeliverable = undeliverable_;
  s.undeliverable_by_original_reason.assign(original_reasons_.begin(), original_reasons_.end());
  s.redriven = redriven_;
  s.by_attempt.assign(attempts_.begin(), attempts_.end());
  s.attempt_not_a_number = attempt_not_a_number_;
  s.other_attempt_records = other_attempt_records_;
  std::sort(partitions.begin(), partitions.end(),
            [](const auto& a, const auto& b) { return a.partition < b.partition; });
  for (const connectors::PartitionOffsets& p : partitions) {
    LivePartition lp{p, live_records(p)};
    s.expected += p.high > p.low ? static_cast<std::uint64_t>(p.high - p.low) : 0;
    s.live += lp.live;
    s.group_has_commit = s.group_has_commit || p.committed >= 0;
    s.partitions.push_back(lp);
  }
  s.max_paths_per_reason = options_.max_paths_per_reason;
  s.top_paths = options_.top_paths;
  return s;
}

std::string rfc3339_utc(std::int64_t ms) {
  std::int64_t secs = ms / 1000;
  std::int64_t milli = ms % 1000;
  if (milli < 0) {
    milli += 1000;
    secs -= 1;
  }
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  std::int64_t y = 0;
  unsigned m = 0;
  unsigned d = 0;
  civil_from_days(days, y, m, d);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", y, m, d, rem / 3600,
                     rem % 3600 / 60, rem % 60, milli);
}

std::string format_text(const DlqSummary& s) {
  std::string out;
  auto line = [&out](const std::string& text) {
    out += text;
    out += '\n';
  };
  line(fmt::format("dead-letter topic {}: {} records, {} value bytes, {} partition(s)", s.topic,
                   s.records, s.bytes, s.partitions.size()));
  if (s.first_source_ms) {
    line(fmt::format("source time range: {} .. {}", rfc3339_utc(*s.first_source_ms),
                     rfc3339_utc(*s.last_source_ms)));
  } else {
    line("source time range: none");
  }
  if (s.without_source_timestamp > 0) {
    line(fmt::format("  {} record(s) without a skillstream.source.timestamp",
                     s.without_source_timestamp));
  }
  line("by reason:");
  if (s.reasons.empty()) line("  none");
  for (const ReasonSummary& r : s.reasons) {
    line(fmt::format("  {:<20} {:>10}", r.reason, r.records));
    if (!r.top_paths.empty()) {
      line(fmt::format("    top {} of {} path(s):", r.top_paths.size(), r.distinct_paths));
    }
    for (const PathCount& p : r.top_paths) {
      line(fmt::format("    {:>10}  {}", p.records, printable(p.path)));
    }
    if (r.other_path_records > 0) {
      line(fmt::format("    {:>10}  other: paths beyond the first {} distinct, not told apart",
                       r.other_path_records, s.max_paths_per_reason));
    }
  }
  if (s.other_reason_records > 0) {
    line(fmt::format("  {:<20} {:>10}", "other reasons", s.other_reason_records));
  }
  if (s.without_reason > 0) {
    line(fmt::format("  {:<20} {:>10}", "no reason header", s.without_reason));
  }
  line("by source:");
  if (s.sources.empty()) line("  none");
  for (const SourceCount& src : s.sources) {
    line(fmt::format("  {} [{}] {:>10}", printable(src.topic), src.partition, src.records));
  }
  if (s.other_source_records > 0) {
    line(fmt::format("  other sources {:>10}", s.other_source_records));
  }
  std::string originals;
  for (const auto& [reason, count] : s.undeliverable_by_original_reason) {
    originals += fmt::format("{}{} {}", originals.empty() ? "" : ", ", printable(reason), count);
  }
  line(fmt::format("undeliverable stubs: {}{}", s.undeliverable,
                   originals.empty() ? "" : " (original reasons: " + originals + ")"));
  std::string attempts;
  for (const auto& [attempt, count] : s.by_attempt) {
    attempts += fmt::format("{}attempt {}: {}", attempts.empty() ? "" : ", ", attempt, count);
  }
  if (s.attempt_not_a_number > 0) {
    attempts +=
        fmt::format("{}not a number: {}", attempts.empty() ? "" : ", ", s.attempt_not_a_number);
  }
  if (s.other_attempt_records > 0) {
    attempts += fmt::format("{}other: {}", attempts.empty() ? "" : ", ", s.other_attempt_records);
  }
  line(fmt::format("redriven (skillstream.redrive.attempt): {}{}", s.redriven,
                   attempts.empty() ? "" : " (" + attempts + ")"));
  line(fmt::format("live queue after group {}'s commits: {} of {} record(s){}", s.group, s.live,
                   s.expected, s.group_has_commit ? "" : " (the group has no commit)"));
  for (const LivePartition& p : s.partitions) {
    const std::string committed =
        p.offsets.committed >= 0 ? std::to_string(p.offsets.committed) : std::string("none");
    line(fmt::format("  partition {}: low {} high {} committed {} live {}", p.offsets.partition,
                     p.offsets.low, p.offsets.high, committed, p.live));
  }
  return out;
}

std::string format_json(const DlqSummary& s) {
  std::string out = "{\"topic\":";
  append_json_string(s.topic, out);
  out += ",\"group\":";
  append_json_string(s.group, out);
  out += fmt::format(",\"records\":{},\"bytes\":{}", s.records, s.bytes);
  out += ",\"time_range\":{\"first\":";
  if (s.first_source_ms) {
    out += fmt::format("\"{}\",\"last\":\"{}\",\"first_ms\":{},\"last_ms\":{}",
                       rfc3339_utc(*s.first_source_ms), rfc3339_utc(*s.last_source_ms),
                       *s.first_source_ms, *s.last_source_ms);
  } else {
    out += "null,\"last\":null,\"first_ms\":null,\"last_ms\":null";
  }
  out += fmt::format(",\"without_timestamp\":{}}}", s.without_source_timestamp);
  out += ",\"reasons\":{";
  bool first = true;
  for (const ReasonSummary& r : s.reasons) {
    if (!first) out += ',';
    first = false;
    append_json_string(r.reason, out);
    out += fmt::format(":{{\"records\":{},\"distinct_paths\":{},\"other_path_records\":{}",
                       r.records, r.distinct_paths, r.other_path_records);
    out += ",\"top_paths\":[";
    for (std::size_t i = 0; i < r.top_paths.size(); ++i) {
      if (i > 0) out += ',';
      out += "{\"path\":";
      append_json_string(r.top_paths[i].path, out);
      out += fmt::format(",\"records\":{}}}", r.top_paths[i].records);
    }
    out += "]}";
  }
  out += fmt::format("}},\"other_reason_records\":{},\"without_reason\":{}", s.other_reason_records,
                     s.without_reason);
  out += ",\"sources\":[";
  for (std::size_t i = 0; i < s.sources.size(); ++i) {
    if (i > 0) out += ',';
    out += "{\"topic\":";
    append_json_string(s.sources[i].topic, out);
    out += fmt::format(",\"partition\":{},\"records\":{}}}", s.sources[i].partition,
                       s.sources[i].records);
  }
  out += fmt::format("],\"other_source_records\":{}", s.other_source_records);
  out +=
      fmt::format(",\"undeliverable\":{{\"records\":{},\"by_original_reason\":{{", s.undeliverable);
  first = true;
  for (const auto& [reason, count] : s.undeliverable_by_original_reason) {
    if (!first) out += ',';
    first = false;
    append_json_string(reason, out);
    out += fmt::format(":{}", count);
  }
  out += fmt::format("}}}},\"redrive\":{{\"records\":{},\"by_attempt\":{{", s.redriven);
  first = true;
  for (const auto& [attempt, count] : s.by_attempt) {
    if (!first) out += ',';
    first = false;
    out += fmt::format("\"{}\":{}", attempt, count);
  }
  out += fmt::format("}},\"attempt_not_a_number\":{},\"other_attempt_records\":{}}}",
                     s.attempt_not_a_number, s.other_attempt_records);
  out += fmt::format(",\"live_queue\":{{\"records\":{},\"expected\":{},\"group_has_commit\":{}",
                     s.live, s.expected, s.group_has_commit ? "true" : "false");
  out += ",\"partitions\":[";
  for (std::size_t i = 0; i < s.partitions.size(); ++i) {
    const LivePartition& p = s.partitions[i];
    if (i > 0) out += ',';
    out += fmt::format("{{\"partition\":{},\"low\":{},\"high\":{},\"committed\":{},\"live\":{}}}",
                       p.offsets.partition, p.offsets.low, p.offsets.high,
                       p.offsets.committed >= 0 ? std::to_string(p.offsets.committed) : "null",
                       p.live);
  }
  out += fmt::format("]}},\"limits\":{{\"paths_per_reason\":{},\"top_paths\":{}}}}}\n",
                     s.max_paths_per_reason, s.top_paths);
  return out;
}

}  // namespace skillstream::pipeline
