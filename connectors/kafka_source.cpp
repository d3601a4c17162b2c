#include "connectors/kafka_source.h"

#include <algorithm>
#include <future>
#include <memory>
#include <thread>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

namespace skillstream::connectors {

KafkaSource::~KafkaSource() {
  if (rk_ == nullptr) return;
  if (!closed_) close();
  if (!close_incomplete_) {
    rd_kafka_destroy(rk_);
    return;
  }
  // The group did not answer: librdkafka's destroy would still wait for its group
  // handler (up to a session timeout). Destroy on a detached thread and wait for it
  // only briefly; at process exit the thread simply ends with the process.
  rd_kafka_set_log_level(rk_, 0);  // no log callback into a process that may be exiting
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  std::thread([rk = rk_, done] {
    rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    done->set_value();
  }).detach();
  if (finished.wait_for(std::chrono::milliseconds(500)) != std::future_status::ready) {
    spdlog::warn("consumer: left behind while it waits for the unreachable group coordinator");
  }
}

KafkaProperties consumer_properties(const KafkaSourceOptions& options) {
  KafkaProperties props = {
      {"bootstrap.servers", options.brokers},
      {"group.id", options.group},
      {"client.id", options.client_id},
      {"partition.assignment.strategy", "cooperative-sticky"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", "earliest"},
      {"enable.partition.eof", options.partition_eof ? "true" : "false"},
      // 10 s, not librdkafka's 45 s: a crashed instance's partitions move on within
      // 10 s instead of stalling their commits for 45 s (plus the broker's rebalance
      // delay). A C++ process has no GC pauses to ride out, and cooperative rebalances
      // are cheap. With group.instance.id (static membership, real clusters) a restart
      // within the session timeout keeps its partitions without any rebalance.
      {"session.timeout.ms", "10000"},
      {"heartbeat.interval.ms", "3000"},
  };
  props.insert(props.end(), options.properties.begin(), options.properties.end());
  // The guarantees rest on these: passthrough properties cannot turn them back on.
  props.emplace_back("enable.auto.commit", "false");
  props.emplace_back("enable.auto.offset.store", "false");
  return props;
}

Result<std::unique_ptr<KafkaSource>> KafkaSource::create(const KafkaSourceOptions& options,
                                                         RebalanceFn on_rebalance) {
  KafkaProperties props = consumer_properties(options);
  std::unique_ptr<KafkaSource> source(new KafkaSource());
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  source->set_observers_(options, conf, props);

  if (Status s = apply_properties(conf, props); !s.ok()) {
    rd_kafka_conf_destroy(conf);
    return Status::failure(s.code, fmt::format("consumer property {}", s.error));
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
    return Status::failure(Errc::client, fmt::format("consumer: {}", errstr));
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
  if (err)
    return Status::failure(Errc::kafka,
                           fmt::format("subscribe {}: {}", topic_, rd_kafka_err2str(err)));
  return Status::success();
}

rd_kafka_message_t* KafkaSource::poll(int timeout_ms) {
  return rd_kafka_consumer_poll(rk_, timeout_ms);
}

Status KafkaSource::incremental_assign(const rd_kafka_topic_partition_list_t* partitions) {
  if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk_, partitions)) {
    Status s = Status::failure(Errc::kafka, fmt::format("assign: {}", rd_kafka_error_string(e)));
    rd_kafka_error_destroy(e);
    return s;
  }
  return Status::success();
}

Status KafkaSource::incremental_unassign(const rd_kafka_topic_partition_list_t* partitions) {
  if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk_, partitions)) {
    Status s = Status::failure(Errc::kafka, fmt::format("unassign: {}", rd_kafka_error_string(e)));
    rd_kafka_error_destroy(e);
    return s;
  }
  return Status::success();
}

namespace {

rd_kafka_topic_partition_list_t* offset_list(
    const std::string& topic, const std::vector<std::pair<std::int32_t, std::int64_t>>& offsets) {
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (const auto& [partition, offset] : offsets) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), partition)->offset = offset;
  }
  return list;
}

struct CommitWait {
  bool done = false;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
};

}  // namespace

Status KafkaSource::commit_within(const std::vector<std::pair<std::int32_t, std::int64_t>>& offsets,
                                  std::chrono::milliseconds timeout) {
  if (offsets.empty()) return Status::success();
  rd_kafka_topic_partition_list_t* list = offset_list(topic_, offsets);
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk_);
  CommitWait wait;
  rd_kafka_resp_err_t err = rd_kafka_commit_queue(
      rk_, list, q,
      [](rd_kafka_t*, rd_kafka_resp_err_t e, rd_kafka_topic_partition_list_t* parts, void* opaque) {
        auto* w = static_cast<CommitWait*>(opaque);
        w->done = true;
        w->err = e;
        for (int i = 0; e == RD_KAFKA_RESP_ERR_NO_ERROR && parts != nullptr && i < parts->cnt;
             ++i) {
          if (parts->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) w->err = parts->elems[i].err;
        }
      },
      &wait);
  rd_kafka_topic_partition_list_destroy(list);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (err == RD_KAFKA_RESP_ERR_NO_ERROR && !wait.done &&
         std::chrono::steady_clock::now() < deadline) {
    rd_kafka_queue_poll_callback(q, 10);
  }
  // The callback may still fire after a timeout: keep `wait` alive by draining with
  // the queue destroyed first (librdkafka then drops the pending callback).
  rd_kafka_queue_destroy(q);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::failure(Errc::kafka, fmt::format("commit: {}", rd_kafka_err2str(err)));
  }
  if (!wait.done) {
    return Status::failure(Errc::kafka,
                           fmt::format("commit: no answer within {} ms", timeout.count()));
  }
  if (wait.err != RD_KAFKA_RESP_ERR_NO_ERROR && wait.err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    return Status::failure(Errc::kafka, fmt::format("commit: {}", rd_kafka_err2str(wait.err)));
  }
  // An earlier asynchronous commit that librdkafka retried (after a timed-out request)
  // can land after this one and move an offset back: read them back, and say so.
  rd_kafka_topic_partition_list_t* check = offset_list(topic_, offsets);
  const int left_ms = static_cast<int>(std::max<std::int64_t>(
      100, std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                 std::chrono::steady_clock::now())
               .count()));
  err = rd_kafka_committed(rk_, check, left_ms);
  bool behind = err != RD_KAFKA_RESP_ERR_NO_ERROR;
  for (int i = 0; !behind && i < check->cnt; ++i) {
    behind = check->elems[i].offset < offsets[static_cast<std::size_t>(i)].second;
  }
  rd_kafka_topic_partition_list_destroy(check);
  if (behind) {
    return Status::failure(Errc::kafka,
                           "commit: the committed offsets read back are behind "
                           "(an older commit landed later)");
  }
  return Status::success();
}

Status KafkaSource::commit(const std::vector<std::pair<std::int32_t, std::int64_t>>& offsets) {
  if (offsets.empty()) return Status::success();
  rd_kafka_topic_partition_list_t* list = offset_list(topic_, offsets);
  rd_kafka_resp_err_t err = rd_kafka_commit(rk_, list, 1);
  rd_kafka_topic_partition_list_destroy(list);
  if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
    return Status::failure(Errc::kafka, fmt::format("commit: {}", rd_kafka_err2str(err)));
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

void KafkaSource::pause(std::int32_t partition) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic_.c_str(), partition);
  (void)rd_kafka_pause_partitions(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
}

void KafkaSource::resume_all() {
  rd_kafka_topic_partition_list_t* list = nullptr;
  if (rd_kafka_assignment(rk_, &list) == RD_KAFKA_RESP_ERR_NO_ERROR && list != nullptr) {
    if (list->cnt > 0) (void)rd_kafka_resume_partitions(rk_, list);
    rd_kafka_topic_partition_list_destroy(list);
  }
}

bool KafkaSource::close(std::chrono::milliseconds timeout) {
  if (closed_ || rk_ == nullptr) return true;
  closed_ = true;
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk_);
  if (rd_kafka_error_t* e = rd_kafka_consumer_close_queue(rk_, q)) {
    spdlog::warn("consumer close: {}", rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
    rd_kafka_queue_destroy(q);
    close_incomplete_ = true;
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!rd_kafka_consumer_closed(rk_) && std::chrono::steady_clock::now() < deadline) {
    // Events, not callbacks: the consumer's queue (fetched messages included) is
    // forwarded here during close. The final revoke goes to the rebalance handler.
    rd_kafka_event_t* ev = rd_kafka_queue_poll(q, 10);
    if (ev == nullptr) continue;
    if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE) {
      rebalance_cb_(rk_, rd_kafka_event_error(ev), rd_kafka_event_topic_partition_list(ev), this);
    }
    rd_kafka_event_destroy(ev);
  }
  const bool closed = rd_kafka_consumer_closed(rk_) != 0;
  rd_kafka_queue_destroy(q);
  if (!closed) {
    close_incomplete_ = true;
    spdlog::warn(
        "consumer close: the group did not answer within {} ms; leaving without it "
        "(the group notices after session.timeout.ms)",
        timeout.count());
  }
  return closed;
}

}  // namespace skillstream::connectors
