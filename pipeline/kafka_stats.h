#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace skillstream::pipeline {

// What the pipeline reads from a consumer's statistics JSON (librdkafka's stats_cb,
// every statistics.interval.ms; see librdkafka's STATISTICS.md).
struct ConsumerStats {
  struct Lag {
    std::int32_t partition;
    std::int64_t records;  // high watermark (or last stable offset) - consumer position
  };
  std::vector<Lag> lag;     // assigned partitions of the topic whose lag is known
  std::string group_state;  // cgrp.state: "up" once the coordinator is joined
  std::string join_state;   // cgrp.join_state: "steady" when no rebalance is under way
  int brokers_known = 0;    // brokers from the bootstrap list or the metadata
  int brokers_up = 0;       // ... of which the connection is up

  // No broker reachable: an outage, not an idle topic.
  [[nodiscard]] bool disconnected() const noexcept { return brokers_known > 0 && brokers_up == 0; }

  [[nodiscard]] bool group_settled() const noexcept {
    return group_state == "up" && join_state == "steady";
  }
};

// Parses one statistics document (simdjson); false when it is not valid JSON.
[[nodiscard]] bool parse_consumer_stats(std::string_view json, std::string_view topic,
                                        ConsumerStats& out);

}  // namespace skillstream::pipeline
