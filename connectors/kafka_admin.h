#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "connectors/errors.h"

namespace skillstream::connectors {

// Topic creation and deletion through the Kafka Admin API (CreateTopics, DeleteTopics),
// for `skillstream bench` on a real cluster. Each call makes its own short-lived
// client with `properties` (bootstrap.servers included) and waits up to `timeout`.
// The embedded broker (librdkafka 2.0.2's mock cluster) answers neither API: use
// EmbeddedBroker::create_topic there.
Status create_topics(const std::vector<std::pair<std::string, std::string>>& properties,
                     const std::vector<std::string>& names, int partitions,
                     std::chrono::milliseconds timeout);
Status delete_topics(const std::vector<std::pair<std::string, std::string>>& properties,
                     const std::vector<std::string>& names, std::chrono::milliseconds timeout);

}  // namespace skillstream::connectors
