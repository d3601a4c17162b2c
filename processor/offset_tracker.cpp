#include "processor/offset_tracker.h"

#include <algorithm>
#include "processor/assert.h"

namespace skillstream::processor {

void OffsetTracker::add_partition(std::int32_t partition) { partitions_.try_emplace(partition); }

void OffsetTracker::remove_partition(std::int32_t partition) {
  auto it = partitions_.find(partition);
  if (it == partitions_.end()) return;
  pending_total_ -= it->second.unacked;
  partitions_.erase(it);
}

void OffsetTracker::on_read(std::int32_t partition, std::int64_t offset) {
  Partition& p = partitions_[partition];
  SKILLSTREAM_ASSERT(p.window.empty() || p.window.back().offset < offset,
                     "offsets must increase per partition");
  if (p.window.empty() && p.unacked == 0 && p.commit > offset) {
    // A re-read after a seek back: the position restarts here.
    p.commit = -1;
  }
  p.window.push_back(Entry{offset, false});
  ++p.unacked;
  ++pending_total_;
}

bool OffsetTracker::on_ack(std::int32_t partition, std::int64_t offset) {
  auto it = partitions_.find(partition);
  if (it == partitions_.end()) return false;
  Partition& p = it->second;
  auto pos = std::lower_bound(p.window.begin(), p.window.end(), offset,
                              [](const Entry& e, std::int64_t o) { return e.offset < o; });
  if (pos == p.window.end() || pos->offset != offset || pos->acked) return false;
  pos->acked = true;
  --p.unacked;
  --pending_total_;
  while (!p.window.empty() && p.window.front().acked) {
    p.commit = p.window.front().offset + 1;
    p.window.pop_front();
  }
  return true;
}

std::optional<std::int64_t> OffsetTracker::committable(std::int32_t partition) const {
  auto it = partitions_.find(partition);
  if (it == partitions_.end() || it->second.commit < 0) return std::nullopt;
  return it->second.commit;
}

std::size_t OffsetTracker::pending(std::int32_t partition) const {
  auto it = partitions_.find(partition);
  return it == partitions_.end() ? 0 : it->second.unacked;
}

std::vector<std::int32_t> OffsetTracker::partitions() const {
  std::vector<std::int32_t> out;
  out.reserve(partitions_.size());
  for (const auto& [id, p] : partitions_) out.push_back(id);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace skillstream::processor
