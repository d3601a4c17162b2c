#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connectors/topic_reader.h"

namespace skillstream::pipeline {

// Bounds of DlqStats: whatever the topic holds, its memory stays under
// max_reasons x max_paths_per_reason paths (each at most 1 KiB, the router's bound on
// the path header) plus the small tables below. What does not fit is counted, not kept.
struct DlqStatsOptions {
  std::size_t max_paths_per_reason = 10'000;  // exact counts; the rest count as "other"
  std::size_t top_paths = 20;                 // paths shown per reason
  std::size_t max_reasons = 64;               // distinct reason header values
  std::size_t max_sources = 4'096;            // distinct (source topic, partition) pairs
  std::size_t max_attempts = 256;             // distinct redrive attempt numbers
  std::size_t max_original_reasons = 64;      // distinct original reasons of stubs
};

struct PathCount {
  std::string path;
  std::uint64_t records = 0;
};

struct ReasonSummary {
  std::string reason;
  std::uint64_t records = 0;
  std::vector<PathCount> top_paths;      // by records (descending), ties by path
  std::uint64_t distinct_paths = 0;      // counted exactly (at most max_paths_per_reason)
  std::uint64_t other_path_records = 0;  // records on paths beyond that bound
};

struct SourceCount {
  std::string topic;
  std::int32_t partition = -1;  // -1: header missing or not a number
  std::uint64_t records = 0;
};

struct LivePartition {
  connectors::PartitionOffsets offsets;
  std::uint64_t live = 0;  // high - max(committed, low); high - low without a commit
};

// Everything `dlq stats` prints, text or JSON. Lists are sorted for stable output.
struct DlqSummary {
  std::string topic;
  std::string group;
  std::uint64_t records = 0;
  std::uint64_t bytes = 0;                      // value bytes
  std::optional<std::int64_t> first_source_ms;  // min skillstream.source.timestamp
  std::optional<std::int64_t> last_source_ms;   // max
  std::uint64_t without_source_timestamp = 0;   // header missing or not a number
  std::vector<ReasonSummary> reasons;           // by records (descending), ties by reason
  std::uint64_t other_reason_records = 0;       // reasons beyond max_reasons
  std::uint64_t without_reason = 0;             // no skillstream.reason header
  std::vector<SourceCount> sources;             // by topic, then partition
  std::uint64_t other_source_records = 0;       // sources beyond max_sources
  std::uint64_t undeliverable = 0;              // stubs: reason `undeliverable`
  std::vector<std::pair<std::string, std::uint64_t>> undeliverable_by_original_reason;
  std::uint64_t redriven = 0;  // records with skillstream.redrive.attempt
  std::vector<std::pair<std::uint64_t, std::uint64_t>> by_attempt;  // attempt -> records
  std::uint64_t attempt_not_a_number = 0;   // redriven, the header no unsigned integer
  std::uint64_t other_attempt_records = 0;  // attempt numbers beyond max_attempts
  std::vector<LivePartition> partitions;    // by partition
  std::uint64_t expected = 0;               // sum of high - low at start
  std::uint64_t live = 0;                   // sum of LivePartition::live
  bool group_has_commit = false;            // on at least one partition
  std::size_t max_paths_per_reason = 0;
  std::size_t top_paths = 0;
};

// The records of a dead-letter topic, counted: one `add` per record with its headers
// (the skillstream.* headers of README.md and pipeline/router.cpp; when a name
// occurs more than once, as on a record that was redriven and rejected again, the
// last occurrence counts). Keeps no record: only bounded counts (DlqStatsOptions).
// Pure: no Kafka, one thread.
class DlqStats {
 public:
  using Header = std::pair<std::string_view, std::string_view>;

  explicit DlqStats(DlqStatsOptions options = {});

  void add(std::size_t value_bytes, std::span<const Header> headers);

  [[nodiscard]] std::uint64_t records() const noexcept { return records_; }

  // The counts so far with the topic's partitions (watermarks and the group's commits
  // at start) for the live queue.
  [[nodiscard]] DlqSummary summary(std::string topic, std::string group,
                                   std::vector<connectors::PartitionOffsets> partitions) const;

 private:
  struct ReasonCounts {
    std::uint64_t records = 0;
    std::map<std::string, std::uint64_t, std::less<>> paths;
    std::uint64_t other_path_records = 0;
  };
  DlqStatsOptions options_;
  std::uint64_t records_ = 0;
  std::uint64_t bytes_ = 0;
  std::optional<std::int64_t> first_ms_;
  std::optional<std::int64_t> last_ms_;
  std::uint64_t without_timestamp_ = 0;
  std::map<std::string, ReasonCounts, std::less<>> reasons_;
  std::uint64_t other_reason_records_ = 0;
  std::uint64_t without_reason_ = 0;
  std::map<std::pair<std::string, std::int32_t>, std::uint64_t> sources_;
  std::uint64_t other_source_records_ = 0;
  std::uint64_t undeliverable_ = 0;
  std::map<std::string, std::uint64_t, std::less<>> original_reasons_;
  std::uint64_t redriven_ = 0;
  std::map<std::uint64_t, std::uint64_t> attempts_;
  std::uint64_t attempt_not_a_number_ = 0;
  std::uint64_t other_attempt_records_ = 0;
};

// The live queue of one partition: what lies after the group's committed offset.
[[nodiscard]] std::uint64_t live_records(const connectors::PartitionOffsets& p) noexcept;

// "2024-05-01T12:00:00.250Z": milliseconds since the epoch as RFC 3339 in UTC.
[[nodiscard]] std::string rfc3339_utc(std::int64_t ms);

// Human text, several lines, each ending in '\n'.
[[nodiscard]] std::string format_text(const DlqSummary& s);
// One JSON object on one line (ending in '\n'); key names in README.md ("Dead letters:
// inspect").
[[nodiscard]] std::string format_json(const DlqSummary& s);

}  // namespace skillstream::pipeline
