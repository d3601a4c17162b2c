#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "processor/offset_tracker.h"

namespace skillstream::pipeline {

using OffsetList = std::vector<std::pair<std::int32_t, std::int64_t>>;

// Which input offsets to commit: each partition's committable position (every record
// up to it acknowledged, processor::OffsetTracker) when it moved since the last commit
// sent. A commit the broker refused is sent again even if the partition gets no new
// record. Pure bookkeeping; the main thread owns it.
class Committer {
 public:
  // The (partition, next offset) pairs to send for `partitions`.
  [[nodiscard]] OffsetList due(const processor::OffsetTracker& tracker,
                               const std::vector<std::int32_t>& partitions) const;
  // Every committable position of `partitions`, sent or not: for the commits that
  // must not rely on an earlier asynchronous one having landed (revoke, exit).
  [[nodiscard]] OffsetList all(const processor::OffsetTracker& tracker,
                               const std::vector<std::int32_t>& partitions) const;
  // They were handed to the consumer.
  void sent(const OffsetList& offsets);
  // The broker refused a commit: forget what was sent, so that it is sent again.
  void refused() noexcept { sent_.clear(); }
  // The partition is gone (revoked or lost).
  void forget(std::int32_t partition) noexcept { sent_.erase(partition); }

 private:
  std::unordered_map<std::int32_t, std::int64_t> sent_;
};

// Retry warnings aggregated: one line per interval with counts by error, never one
// per record. Error names are librdkafka's static strings.
class RetryLog {
 public:
  void note(const char* error_name);
  // "NOT_LEADER_FOR_PARTITION=120 _MSG_TIMED_OUT=3" for the interval, then reset;
  // empty when nothing was retried.
  [[nodiscard]] std::string take();

 private:
  std::vector<std::pair<const char*, std::uint64_t>> counts_;
};

}  // namespace skillstream::pipeline
