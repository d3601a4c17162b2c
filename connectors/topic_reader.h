#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connectors/errors.h"
#include "connectors/kafka_conf.h"

struct rd_kafka_s;

namespace skillstream::connectors {

struct TopicReaderOptions {
  std::string brokers;
  std::string topic;
  // Only read: the group whose committed offsets `offsets()` reports. The reader never
  // joins it and never commits.
  std::string group;
  std::string client_id = "skillstream-reader";
  KafkaProperties properties;  // passthrough, applied after the defaults
  // Bound of every wait on the cluster: metadata, watermarks, committed offsets, and
  // the longest silence while reading before the reader gives up.
  std::chrono::milliseconds timeout{10'000};
};

// One partition of the topic at the time of `offsets()`.
struct PartitionOffsets {
  std::int32_t partition = 0;
  std::int64_t low = 0;         // low watermark: the first offset still stored
  std::int64_t high = 0;        // high watermark: the offset the next record gets
  std::int64_t committed = -1;  // the group's committed offset; -1: none
};

// One record as read, views into the message: valid during the callback only.
struct TopicMessage {
  using Header = std::pair<std::string_view, std::string_view>;  // name, value (empty if null)
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = -1;  // -1: none
  std::string_view value;          // empty for a null value
  bool null_value = false;
  std::span<const Header> headers;  // in record order
};

// Reads a topic from outside any group: lists its partitions with their watermarks
// and a group's committed offsets, then reads every partition from its low watermark
// up to a given end (assign mode: no group join, no commit, no offset store). Every
// wait is bounded by `timeout`: an unreachable cluster is an error, not a hang.
//
// Threads: every call from one thread. Not restartable: `read` once.
class TopicReader {
 public:
  using MessageFn = std::function<void(const TopicMessage&)>;

  ~TopicReader();
  TopicReader(const TopicReader&) = delete;
  TopicReader& operator=(const TopicReader&) = delete;

  [[nodiscard]] static Result<std::unique_ptr<TopicReader>> create(
      const TopicReaderOptions& options);

  // The topic's partitions (by partition id) with their watermarks and the group's
  // committed offsets. Errc::not_found when the cluster has no such topic;
  // Errc::kafka when the cluster does not answer within the timeout.
  [[nodiscard]] Result<std::vector<PartitionOffsets>> offsets();

  // Hands every record of each partition in [low, high) to `on_message`, partition
  // by partition in fetch order (records of one partition in offset order). Records
  // at or after `high` are not handed over. Errc::kafka when a fetch fails or no
  // record arrives for `timeout` while some are still expected.
  Status read(const std::vector<PartitionOffsets>& ranges, const MessageFn& on_message);

 private:
  TopicReader() = default;
  rd_kafka_s* rk_ = nullptr;
  TopicReaderOptions options_;
};

}  // namespace skillstream::connectors
