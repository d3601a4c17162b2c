#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

namespace skillstream::processor {

// Delivery accounting for one input topic: per partition, the offsets read and not
// yet acknowledged, and the position that is safe to commit (one past the highest
// offset such that it and every earlier offset read from the partition are acked).
// Acks may arrive in any order (a partition's records go to several output
// partitions); offsets are read in increasing order, possibly with gaps.
//
// Pure bookkeeping, no librdkafka, no locks: one thread owns it (the pipeline's
// main thread, where delivery reports are served).
class OffsetTracker {
 public:
  // Starts tracking a partition (idempotent). Nothing is committable until a read.
  void add_partition(std::int32_t partition);
  // Forgets a partition and its pending offsets (after revoke or loss).
  void remove_partition(std::int32_t partition);

  // Registers an offset read from `partition`; offsets must increase per partition.
  void on_read(std::int32_t partition, std::int64_t offset);
  // Acknowledges a read offset; false when it is unknown (not read, or already acked
  // or the partition was removed): such stale acks change nothing.
  bool on_ack(std::int32_t partition, std::int64_t offset);

  // The offset to commit for `partition` (next offset to read: last contiguous acked
  // + 1), or nullopt when nothing has been acked since tracking began.
  [[nodiscard]] std::optional<std::int64_t> committable(std::int32_t partition) const;
  // Read and not yet acked offsets of `partition` (0 when unknown).
  [[nodiscard]] std::size_t pending(std::int32_t partition) const;
  // Read and not yet acked offsets of every partition.
  [[nodiscard]] std::size_t pending_total() const noexcept { return pending_total_; }
  [[nodiscard]] std::vector<std::int32_t> partitions() const;

 private:
  struct Entry {
    std::int64_t offset;
    bool acked;
  };
  struct Partition {
    std::deque<Entry> window;  // read offsets from the oldest unacked one, ascending
    std::size_t unacked = 0;
    std::int64_t commit = -1;  // next offset to commit; -1: nothing acked yet
  };
  std::unordered_map<std::int32_t, Partition> partitions_;
  std::size_t pending_total_ = 0;
};

}  // namespace skillstream::processor
