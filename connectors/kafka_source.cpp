#include "connectors/kafka_source.h"

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

namespace skillstream::connectors {

KafkaSource::~KafkaSource() {
  if (rk_ == nullptr) return;
  close();
  rd_kafka_destroy(rk_);
}

std::unique_ptr<KafkaSource> KafkaSource::create(const KafkaSourceOptions& options,
                                                 RebalanceFn on_rebalance, std::string& error) {
  KafkaProperties props = {
      {"bootstrap.servers", options.brokers},
      {"group.id", options.group},
      {"client.id", options.client_id},
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"enable.partition.eof", options.partition_eof ? "true" : "false"},
  };
  std::unique_ptr<KafkaSource> source(new KafkaSource());
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  source->set_observers_(options, conf, props);
  props.insert(props.end(), options.properties.begin(), options.properties.end());
  // The guarantees rest on these: passthrough properties cannot turn them back on.
  props.emplace_back("enable.auto.commit", "false");
  props.emplace_back("enable.auto.offset.store", "false");

  if (Status s = apply_properties(conf, props); !s.ok()) {
    rd_kafka_conf_destroy(conf);
    error = fmt::format("consumer property {}", s.error);
    return nullptr;
  }
  source->topic_ = options.topic;
  source->on_rebalance_ = std::move(on_rebalance);
  rd_kafka_conf_set_rebalance_cb(conf, &KafkaSource::rebalance_cb_);
  rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    static_cast<KafkaSource*>(opaque)->errors_.on_error(rk, err, reason);
  });
  rd_kafka_conf_set_opaque(conf, source.get());
  char errstr[512];
  source->rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (source->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    error = fmt::format("consumer: {}", errstr);
    return nullptr;
  }
  rd_kafka_poll_set_consumer(source->rk_);
  return source;
}

// Statistics and commit results are served by poll() on the polling thread, like
// rebalances. Commit results come for synchronous commits too (librdkafka posts them
// to every commit without its own callback).
void KafkaSource::set_observers_(const KafkaSourceOptions& options, rd_kafka_conf_t* conf,
                                 KafkaProperties& props) {
  on_stats_ = options.on_stats;
  on_commit_ = options.on_commit;
  if (on_stats_) {
    props.emplace_back("statistics.interval.ms", std::to_string(options.stats_interval_ms));
    rd_kafka_conf_set_stats_cb(conf, [](rd_kafka_t*, char* json, size_t len, void* opaque) {
      static_cast<KafkaSource*>(opaque)->on_stats_(std::string_view(json, len));
      return 0;  // librdkafka frees the JSON
    });
  }
  if (on_commit_) {
    rd_kafka_conf_set_offset_commit_cb(
        conf, [](rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* offsets,
                 void* opaque) {
          if (err == RD_KAFKA_RESP_ERR__NO_OFFSET) return;  // nothing was to be committed
          bool ok = err == RD_KAFKA_RESP_ERR_NO_ERROR;
          for (int i = 0; ok && offsets != nullptr && i < offsets->cnt; ++i) {
            ok = offsets->elems[i].err == RD_KAFKA_RESP_ERR_NO_ERROR;
          }
          static_cast<KafkaSource*>(opaque)->on_commit_(ok);
        });
  }
}

void KafkaSource::rebalance_cb_(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                rd_kafka_topic_partition_list_t* partitions, void* opaque) {
  auto* self = static_cast<KafkaSource*>(opaque);
  const bool assign = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
  const bool lost = !assign && rd_kafka_assignment_lost(rk) != 0;
  if (self->on_rebalance_) {
    self->on_rebalance_(assign, partitions, lost);
  } else if (assign) {
    (void)self->incremental_assign(partitions);
  } else {
    (void)self->incremental_unassign(partitions);
  }
}

Status KafkaSource::subscribe() {
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, topic_.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (err) return Status::failure(fmt::format("subscribe {}: {}", topic_, rd_kafka_err2str(err)));
  return Status::success();
}

rd_kafka_message_t* KafkaSource::poll(int timeout_ms) {
  return rd_kafka_consumer_poll(rk_, timeout_ms);
}

Status KafkaSource::incremental_assign(const rd_kafka_topic_partition_list_t* partitions) {
  if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk_, partitions)) {
    Status s = Status::failure(fmt::format("assign: {}", rd_kafka_error_string(e)));
    rd_kafka_error_destroy(e);
    return s;
  }
  return Status::success();
}

Status KafkaSource::incremental_unassign(const rd_kafka_topic_partition_list_t* partitions) {
  if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk_, partitions)) {
    Status s = Status::failure(fmt::format("unassign: {}", rd_kafka_error_string(e)));
    rd_kafka_error_destroy(e);
    return s;
  }
  return Status::success();
}

Status KafkaSource::commit(const std::vector<std::pair<std::int32_t, std::int64_t>>& offsets,
                           bool async) {
  if (offsets.empty()) return Status::success();
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (const auto& [partition, offset] : offsets) {
    rd_kafka_topic_partition_list_add(list, topic_.c_str(), partition)->offset = offset;
  }
  rd_kafka_resp_err_t err = rd_kafka_commit(rk_, list, async ? 1 : 0);
  rd_kafka_topic_partition_list_destroy(list);
  if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    return Status::failure(fmt::format("commit: {}", rd_kafka_err2str(err)));
  }
  return Status::success();
}

void KafkaSource::pause_all() {
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (rd_kafka_assignment(rk_, &list) == RD_KAFKA_RESP_ERR_NO_ERROR && list != nullptr) {
    if (list->cnt > 0) (void)rd_kafka_pause_partitions(rk_, list);
    rd_kafka_topic_partition_list_destroy(list);
  }
}

void KafkaSource::resume_all() {
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (rd_kafka_assignment(rk_, &list) == RD_KAFKA_RESP_ERR_NO_ERROR && list != nullptr) {
    if (list->cnt > 0) (void)rd_kafka_resume_partitions(rk_, list);
    rd_kafka_topic_partition_list_destroy(list);
  }
}

void KafkaSource::close() {
  if (closed_ || rk_ == nullptr) return;
  closed_ = true;
  if (rd_kafka_resp_err_t err = rd_kafka_consumer_close(rk_)) {
    spdlog::warn("consumer close: {}", rd_kafka_err2str(err));
  }
}

}  // namespace skillstream::connectors
