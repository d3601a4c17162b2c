#include "pipeline/kafka_stats.h"

#include <charconv>

#include <simdjson.h>

namespace skillstream::pipeline {

namespace {

using simdjson::dom::element;

std::string string_at(element e, const char* key) {
  std::string_view v;
  return e[key].get(v) ? std::string() : std::string(v);
}

void read_lags(element partitions, ConsumerStats& out) {
  simdjson::dom::object parts;
  if (partitions.get(parts)) return;
  for (auto [key, p] : parts) {
    std::int32_t id = -1;
    auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), id);
    bool desired = false;
    std::int64_t lag = -1;
    // -1 is librdkafka's internal "unassigned" partition; a lag of -1 is unknown.
    if (ec != std::errc{} || id < 0 || p["desired"].get(desired) || !desired ||
        p["consumer_lag"].get(lag) || lag < 0) {
      continue;
    }
    out.lag.push_back({id, lag});
  }
}

}  // namespace

bool parse_consumer_stats(std::string_view json, std::string_view topic, ConsumerStats& out) {
  simdjson::dom::parser parser;  // once per statistics interval: not worth keeping
  element doc;
  if (parser.parse(json.data(), json.size()).get(doc)) return false;
  out = ConsumerStats{};
  element cgrp;
  if (!doc["cgrp"].get(cgrp)) {
    out.group_state = string_at(cgrp, "state");
    out.join_state = string_at(cgrp, "join_state");
  }
  simdjson::dom::object brokers;
  if (!doc["brokers"].get(brokers)) {
    for (auto [name, b] : brokers) {
      (void)name;
      std::string_view source, state;
      // "internal" and "logical" (the group coordinator's alias) are not connections.
      if (b["source"].get(source) || (source != "learned" && source != "configured")) continue;
      ++out.brokers_known;
      if (!b["state"].get(state) && state == "UP") ++out.brokers_up;
    }
  }
  element t;
  if (!doc["topics"].at_key(topic).get(t)) read_lags(t["partitions"], out);
  return true;
}

}  // namespace skillstream::pipeline
