#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "pipeline/record_batch.h"

namespace skillstream::pipeline::testing {

// Batches of fake input records: the "native message" release is counted, so tests see
// exactly when the tracker frees what it owns. Values live in a deque (stable).
struct FakeInput {
  inline static int released = 0;
  inline static std::deque<std::string> values;
  static void release(void*) { ++released; }

  // A batch of `texts`, on `partition` from `first_offset` on.
  static std::unique_ptr<Batch> batch(const std::vector<std::string>& texts,
                                      std::int32_t partition = 0, std::int64_t first_offset = 0) {
    auto b = std::make_unique<Batch>(&FakeInput::release);
    static int token = 0;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      Record& r = b->records.emplace_back();
      r.batch = b.get();
      r.message = &token;
      r.in.partition = partition;
      r.in.offset = first_offset + static_cast<std::int64_t>(i);
      r.in.timestamp_ms = 1'700'000'000'000;
      r.in.value = values.emplace_back(texts[i]);
    }
    return b;
  }
};

}  // namespace skillstream::pipeline::testing
