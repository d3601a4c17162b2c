#include "pipeline/committer.h"

#include <cstring>

#include <fmt/format.h>

namespace skillstream::pipeline {

OffsetList Committer::due(const processor::OffsetTracker& tracker,
                          const std::vector<std::int32_t>& partitions) const {
  OffsetList out;
  for (std::int32_t p : partitions) {
    auto c = tracker.committable(p);
    if (!c) continue;
    auto it = sent_.find(p);
    if (it != sent_.end() && it->second == *c) continue;
    out.emplace_back(p, *c);
  }
  return out;
}

OffsetList Committer::all(const processor::OffsetTracker& tracker,
                          const std::vector<std::int32_t>& partitions) const {
  OffsetList out;
  for (std::int32_t p : partitions) {
    if (auto c = tracker.committable(p)) out.emplace_back(p, *c);
  }
  return out;
}

void Committer::sent(const OffsetList& offsets) {
  for (auto [p, o] : offsets) sent_[p] = o;
}

void RetryLog::note(const char* error_name) {
  for (auto& [name, n] : counts_) {
    if (std::strcmp(name, error_name) == 0) {
      ++n;
      return;
    }
  }
  counts_.emplace_back(error_name, 1);
}

std::string RetryLog::take() {
  std::string out;
  for (const auto& [name, n] : counts_) {
    if (!out.empty()) out += ' ';
    fmt::format_to(std::back_inserter(out), "{}={}", name, n);
  }
  counts_.clear();
  return out;
}

}  // namespace skillstream::pipeline
