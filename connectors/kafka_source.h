#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <librdkafka/rdkafka.h>

#include "connectors/errors.h"
#include "connectors/kafka_conf.h"

namespace skillstream::connectors {

struct KafkaSourceOptions {
  std::string brokers;
  std::string topic;
  std::string group;
  std::string client_id;
  bool partition_eof = false;  // deliver an end-of-partition event (for --stop-at-end)
  KafkaProperties properties;  // passthrough, applied after the defaults
  // Called during poll() on the polling thread: the statistics JSON every
  // stats_interval_ms (when set), and the result of every offset commit.
  std::function<void(std::string_view json)> on_stats;
  int stats_interval_ms = 1000;
  std::function<void(bool ok)> on_commit;
};

// The consumer's properties: our defaults, then `options.properties`, then the ones the
// delivery guarantees rest on (auto commit and auto offset store off), which win.
[[nodiscard]] KafkaProperties consumer_properties(const KafkaSourceOptions& options);

// The input side: one consumer in a group (cooperative-sticky by default), with
// auto commit and auto offset store off: offsets are committed explicitly, only for
// delivered records (see KafkaPipeline). Rebalance events are handed to `on_rebalance`
// during poll(), on the polling thread.
//
// Threads: every call from one thread (the pipeline's main thread). Every message
// returned by poll() must be destroyed (rd_kafka_message_destroy) before close().
class KafkaSource {
 public:
  // `assign` true: partitions added; false: revoked (`lost` when taken away without
  // a clean revoke). The handler must call incremental_assign/unassign.
  using RebalanceFn =
      std::function<void(bool assign, rd_kafka_topic_partition_list_t* partitions, bool lost)>;

  ~KafkaSource();
  KafkaSource(const KafkaSource&) = delete;
  KafkaSource& operator=(const KafkaSource&) = delete;

  [[nodiscard]] static Result<std::unique_ptr<KafkaSource>> create(
      const KafkaSourceOptions& options, RebalanceFn on_rebalance);

  Status subscribe();
  // The next message or event (err set), or nullptr after `timeout_ms`.
  rd_kafka_message_t* poll(int timeout_ms);

  Status incremental_assign(const rd_kafka_topic_partition_list_t* partitions);
  Status incremental_unassign(const rd_kafka_topic_partition_list_t* partitions);
  // Commits (partition, next offset) pairs of the input topic.
  // Asynchronous: the result comes through on_commit during a later poll().
  Status commit(const std::vector<std::pair<std::int32_t, std::int64_t>>& offsets);
  // Synchronous, but bounded: waits at most `timeout` for the broker's answer (a
  // plain synchronous commit waits as long as the coordinator is unreachable).
  Status commit_within(const std::vector<std::pair<std::int32_t, std::int64_t>>& offsets,
                       std::chrono::milliseconds timeout);
  // Pauses / resumes every currently assigned partition.
  void pause_all();
  // Pauses one partition of the topic (redrive: read up to its end offset).
  void pause(std::int32_t partition);
  void resume_all();
  // Leaves the group within `timeout` (a final revoke arrives through on_rebalance).
  // False when it could not (the coordinator is unreachable): the handle is then
  // destroyed without the consumer close, which would wait a session timeout.
  bool close(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  [[nodiscard]] rd_kafka_t* handle() const noexcept { return rk_; }
  [[nodiscard]] const std::string& topic() const noexcept { return topic_; }
  [[nodiscard]] const KafkaErrors& errors() const noexcept { return errors_; }

 private:
  KafkaSource() = default;
  static void rebalance_cb_(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                            rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void set_observers_(const KafkaSourceOptions& options, rd_kafka_conf_t* conf,
                      KafkaProperties& props);
  rd_kafka_t* rk_ = nullptr;
  std::string topic_;
  RebalanceFn on_rebalance_;
  std::function<void(std::string_view)> on_stats_;
  std::function<void(bool)> on_commit_;
  bool closed_ = false;
  bool close_incomplete_ = false;
  KafkaErrors errors_;
};

}  // namespace skillstream::connectors
