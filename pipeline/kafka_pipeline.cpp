#include "pipeline/kafka_pipeline.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <thread>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include "connectors/delivery_errors.h"
#include "connectors/kafka_sink.h"
#include "connectors/kafka_source.h"
#include "connectors/topic_reader.h"
#include "pipeline/committer.h"
#include "pipeline/delivery_tracker.h"
#include "pipeline/http_server.h"
#include "pipeline/kafka_stats.h"
#include "pipeline/pipeline_metrics.h"
#include "pipeline/record_batch.h"
#include "pipeline/redrive_selection.h"
#include "pipeline/router.h"
#include "processor/assert.h"
#include "processor/offset_tracker.h"
#include "processor/privacy_scanner.h"
#include "processor/record_processor.h"
#include "processor/worker_pool.h"

#ifndef SKILLSTREAM_VERSION
#define SKILLSTREAM_VERSION "0.0.0"
#endif

namespace skillstream::pipeline {

std::string_view skillstream_version() noexcept { return SKILLSTREAM_VERSION; }

namespace {

using Clock = std::chrono::steady_clock;
using connectors::DeliveryErrorClass;
using connectors::DeliveryReport;
using connectors::KafkaSink;
using connectors::KafkaSinkOptions;
using connectors::KafkaSource;
using connectors::KafkaSourceOptions;
using connectors::Status;
using processor::Reason;

std::int64_t steady_ns(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

std::vector<HttpServer::Route> observability_routes(const PipelineMetrics& m) {
  auto probe = [](bool ok, const char* bad) {
    return HttpServer::Response{ok ? 200 : 503, ok ? "ok\n" : bad};
  };
  return {
      {"/metrics",
       [&m] {
         return HttpServer::Response{200, m.render(), "text/plain; version=0.0.4; charset=utf-8"};
       }},
      {"/healthz", [&m, probe] { return probe(m.healthy(), "stalled\n"); }},
      {"/readyz", [&m, probe] { return probe(m.ready(), "not ready\n"); }},
  };
}

void release_message(void* m) { rd_kafka_message_destroy(static_cast<rd_kafka_message_t*>(m)); }

InputMeta input_meta(const rd_kafka_message_t* m) {
  rd_kafka_timestamp_type_t type;
  InputMeta in;
  in.partition = m->partition;
  in.offset = m->offset;
  in.timestamp_ms = rd_kafka_message_timestamp(m, &type);
  in.value = std::string_view(static_cast<const char*>(m->payload), m->len);
  in.key = std::string_view(static_cast<const char*>(m->key), m->key_len);
  return in;
}

// The value bytes an acknowledged output carried.
std::size_t output_bytes(const Record& r) {
  if (r.stub) return 0;
  return r.reason == Reason::none && !r.redacted.empty() ? r.value.size : r.in.value.size();
}

Refusal refusal_of(rd_kafka_resp_err_t err, bool by_client) {
  return Refusal{rd_kafka_err2name(err), rd_kafka_err2str(err), by_client};
}

}  // namespace

struct KafkaPipeline::Impl {
  using Pool = processor::OrderedWorkerPool<std::unique_ptr<Batch>>;

  config::Settings s;
  std::shared_ptr<const processor::PrivacyPatterns> patterns;
  PipelineMode mode;
  std::string input_topic;  // run: input_topic; redrive: dlq_topic
  // Declared first, destroyed last: workers and the HTTP threads read it.
  std::unique_ptr<PipelineMetrics> metrics;
  std::unique_ptr<HttpServer> http;  // stopped before `metrics` goes
  std::atomic<std::uint16_t> http_port{0};

  std::unique_ptr<KafkaSink> sink;
  std::unique_ptr<KafkaSource> source;
  std::vector<std::unique_ptr<processor::RecordProcessor>> processors;
  std::unique_ptr<Pool> pool;
  std::size_t max_jobs = 4;

  Router router;
  DeliveryTracker delivery;
  processor::OffsetTracker offsets;
  Committer committer;
  RetryLog retry_log;
  std::unordered_map<std::int32_t, bool> eof;  // assigned partitions: at their end?
  // Redrive: each partition's offsets at start (read up to `high`, never our own
  // output) and whether an assigned partition is read to there.
  std::unordered_map<std::int32_t, connectors::PartitionOffsets> ranges;
  std::unordered_map<std::int32_t, bool> read_to_end;
  std::vector<std::int32_t> need_pause;  // assigned partitions with nothing to read
  std::unique_ptr<Batch> cur;            // being filled
  std::vector<DeliveryReport> reports;   // this turn's delivery reports
  connectors::OutRecord out;             // reused for every produce

  bool paused = false;
  bool assigned_once = false;
  bool final_phase = false;  // purging at exit: failed reports are released, not retried
  Clock::time_point run_started = Clock::now();
  Clock::time_point stop_deadline = Clock::time_point::max();  // set once stop is seen
  const std::atomic<bool>* stop_flag = nullptr;
  std::string fatal_error;
  PipelineStats stats;
  // progress(): single-writer copies of stats.read / delivered and the join, any reader.
  std::atomic<bool> joined{false};
  std::atomic<std::uint64_t> read_count{0}, delivered_count{0};

  Impl(config::Settings settings, std::shared_ptr<const processor::PrivacyPatterns> p,
       PipelineMode m)
      : s(std::move(settings)),
        patterns(std::move(p)),
        mode(m),
        input_topic(m == PipelineMode::redrive ? s.dlq_topic : s.input_topic),
        router(RouterOptions{input_topic, s.instance_id, std::string(skillstream_version()), 1024,
                             m == PipelineMode::redrive, s.redrive.max_attempts}),
        delivery(DeliveryLimits{s.max_inflight_bytes, s.max_inflight_records},
                 s.on_undeliverable == config::OnUndeliverable::halt ? OnPermanent::halt
                                                                     : OnPermanent::stub) {}

  bool redrive() const { return mode == PipelineMode::redrive; }
  bool dry_run() const { return redrive() && s.redrive.dry_run; }

  // ---- workers -----------------------------------------------------------------
  void judge(std::size_t worker, Batch& b) {
    processor::WorkerCounters& counters = metrics->worker(worker);
    const auto started = Clock::now();
    counters.busy_since_ns.set(steady_ns(started));
    judge_batch(*processors[worker], counters, b,
                JudgeOptions{s.key_from_session_id, s.scan_kafka_key});
    counters.batch_seconds.observe(std::chrono::duration<double>(Clock::now() - started).count());
    counters.busy_since_ns.set(0);
  }

  // ---- one turn's steps, each at one point -------------------------------------
  // Delivery reports: served by the sink's poll, handled here and nowhere else.
  void handle_reports(int timeout_ms) {
    sink->poll(timeout_ms, reports);
    for (const DeliveryReport& rep : reports) {
      Record& r = *static_cast<Record*>(rep.opaque);
      if (rep.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        on_delivered(r);
      } else {
        on_failure(r, rep.err, false);
      }
    }
    reports.clear();
  }

  void on_delivered(Record& r) {
    (void)offsets.on_ack(r.in.partition, r.in.offset);
    ++stats.delivered;
    delivered_count.store(stats.delivered, std::memory_order_relaxed);
    metrics->on_delivered(r.dead_letter(), output_bytes(r), r.in.timestamp_ms, r.read_at);
    if (redrive()) {
      auto& rd = stats.redrive;
      const auto why = static_cast<std::size_t>(r.reason);
      if (!r.judge || r.stub) {
        ++rd.skipped;
      } else if (r.destination == connectors::Destination::clean) {
        ++rd.moved[static_cast<std::size_t>(r.prev_reason)];
      } else if (r.destination == connectors::Destination::parking) {
        ++rd.parked[why];
      } else {
        ++rd.requeued[why];
      }
    }
    delivery.delivered(r);
  }

  void on_failure(Record& r, rd_kafka_resp_err_t err, bool by_client) {
    DeliveryErrorClass cls = connectors::classify_delivery_error(err);
    if (final_phase) cls = DeliveryErrorClass::purged;  // stays uncommitted
    const Refusal why = refusal_of(err, by_client);
    switch (cls) {
      case DeliveryErrorClass::retriable:
        retry_log.note(why.name);
        metrics->on_retry();
        break;
      case DeliveryErrorClass::permanent:
        if (!r.stub && s.on_undeliverable == config::OnUndeliverable::dead_letter) {
          metrics->on_undeliverable();
          spdlog::warn(
              "record {}/{} refused for good by the {} ({}): writing an undeliverable stub",
              r.in.partition, r.in.offset, by_client ? "client" : "broker", why.name);
        } else if (fatal_error.empty()) {
          fatal_error = fmt::format("record {}/{} refused for good: {} (on_undeliverable={})",
                                    r.in.partition, r.in.offset, why.description,
                                    r.stub ? "dead_letter, and its stub too" : "halt");
        }
        break;
      case DeliveryErrorClass::fatal:
        if (fatal_error.empty()) {
          fatal_error = fmt::format("delivery failed with a non-retriable error: {} ({})", why.name,
                                    why.description);
        }
        break;
      case DeliveryErrorClass::ok:
      case DeliveryErrorClass::purged:
        break;
    }
    delivery.failed(r, cls, why, Clock::now());
  }

  // Judged batches, in submission order, go to the delivery tracker.
  void take_judged() {
    while (auto done = pool->try_next()) accept(std::move(*done));
  }

  void accept(std::unique_ptr<Batch> b) {
    for (const Record& r : b->records) {
      if (r.reason == Reason::none) {
        ++stats.clean;
        for (std::size_t k = 0; k < processor::kPrivacyKindCount; ++k) {
          if (r.redacted.has(static_cast<processor::PrivacyKind>(k))) ++stats.redacted[k];
        }
      } else {
        ++stats.rejected[static_cast<std::size_t>(r.reason)];
      }
    }
    delivery.add(std::move(b));
  }

  // Produces what is ready; a full producer queue hands the record back and ends the
  // step (the loop serves delivery reports, then tries again).
  void produce_ready() {
    const auto now = Clock::now();
    while (Record* r = delivery.next(now)) {
      router.route(*r, out);
      r->destination = out.destination;
      if (dry_run()) {  // nothing is written: count what would move
        on_delivered(*r);
        continue;
      }
      const rd_kafka_resp_err_t err = sink->produce(out);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        delivery.produced(*r);
      } else if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        delivery.unproduced(*r);
        return;
      } else {
        on_failure(*r, err, true);  // refused by the client itself (e.g. its size check)
      }
    }
  }

  void update_pause() {
    if (!paused && delivery.over_limits()) {
      source->pause_all();
      paused = true;
      spdlog::debug("paused: {} records, {} bytes in flight", delivery.inflight_records(),
                    delivery.inflight_bytes());
    } else if (paused && stop_deadline == Clock::time_point::max() &&
               delivery.under_resume_mark()) {
      source->resume_all();
      paused = false;
      spdlog::debug("resumed");
    }
  }

  // Reads up to one batch. Blocks up to `timeout_ms` only for the first message.
  void read(int timeout_ms) {
    while (rd_kafka_message_t* m = source->poll(timeout_ms)) {
      timeout_ms = 0;
      on_message(m);
      if (cur && cur->records.size() >= s.batch_max_records) break;
    }
  }

  void on_message(rd_kafka_message_t* m) {
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (auto it = eof.find(m->partition); it != eof.end()) it->second = true;
      } else {
        spdlog::warn("consumer: {}", rd_kafka_message_errstr(m));
      }
      rd_kafka_message_destroy(m);
      return;
    }
    if (auto it = eof.find(m->partition); it != eof.end()) it->second = false;
    if (redrive() && past_end(m)) return;
    offsets.on_read(m->partition, m->offset);
    delivery.on_read(m->len);
    metrics->on_read(m->len);
    ++stats.read;
    read_count.store(stats.read, std::memory_order_relaxed);
    stats.bytes_read += m->len;
    if (!cur) {
      cur = std::make_unique<Batch>(&release_message);
      cur->records.reserve(s.batch_max_records);
    }
    Record& r = cur->records.emplace_back();
    r.batch = cur.get();
    r.message = m;
    r.in = input_meta(m);
    r.read_at = Clock::now();
    if (redrive()) select(r, m);
  }

  // Redrive reads each partition up to its end offset at start, never its own output:
  // a record at or past it is dropped (read again next time) and the partition paused.
  bool past_end(rd_kafka_message_t* m) {
    auto it = ranges.find(m->partition);
    const std::int64_t end = it != ranges.end() ? it->second.high : 0;
    if (m->offset + 1 >= end) {
      read_to_end[m->partition] = true;
      source->pause(m->partition);
    }
    if (m->offset < end) return false;
    rd_kafka_message_destroy(m);
    return true;
  }

  // Redrive's filters, from the dead-letter record's headers (redrive_selection.h).
  void select(Record& r, const rd_kafka_message_t* m) const {
    rd_kafka_headers_t* h = nullptr;
    (void)rd_kafka_message_headers(m, &h);
    auto text = [h](const char* name) {
      const void* v = nullptr;
      std::size_t n = 0;
      if (h == nullptr || rd_kafka_header_get_last(h, name, &v, &n) != RD_KAFKA_RESP_ERR_NO_ERROR ||
          v == nullptr) {
        return std::string_view();
      }
      return std::string_view(static_cast<const char*>(v), n);
    };
    const RedriveSelection sel = select_for_redrive(
        DeadLetterHeaders{text("skillstream.reason"), text("skillstream.source.timestamp"),
                          text("skillstream.redrive.attempt")},
        s.redrive);
    r.judge = sel.judge;
    r.attempt = sel.attempt;
    r.prev_reason = sel.reason;
  }

  // Hands the current batch to the workers when there is room; false when full.
  bool submit_current() {
    if (!cur || cur->records.empty()) return true;
    if (pool->in_flight() >= max_jobs) return false;
    const bool ok = pool->submit(std::move(cur));
    SKILLSTREAM_ASSERT(ok, "submit to an open pool with room");
    cur.reset();
    return true;
  }

  // ---- commits -----------------------------------------------------------------
  void commit_async() {
    if (dry_run()) return;
    OffsetList due = committer.due(offsets, offsets.partitions());
    if (due.empty()) return;
    if (Status st = source->commit(due); !st.ok()) {
      spdlog::warn("{}", st.error);
      return;
    }
    committer.sent(due);
  }

  // Bounded synchronous commit; false when offsets that should be committed are not.
  bool commit_within(const std::vector<std::int32_t>& partitions, std::chrono::milliseconds t) {
    if (dry_run()) return true;
    // Everything committable, not only what moved: an asynchronous commit still in the
    // air may yet fail.
    OffsetList due = committer.all(offsets, partitions);
    if (due.empty()) return true;
    // Retried while time is left: a commit can fail transiently (coordinator moving).
    const auto deadline = Clock::now() + std::max(t, std::chrono::milliseconds(100));
    Status st;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      st = source->commit_within(due, std::max(left, std::chrono::milliseconds(50)));
      metrics->on_commit(st.ok());
      if (st.ok() || Clock::now() + std::chrono::milliseconds(100) >= deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!st.ok()) {
      spdlog::error(
          "{}: the offsets of {} partition(s) stay uncommitted; their delivered records "
          "will be read again after a restart",
          st.error, due.size());
      return false;
    }
    committer.sent(due);
    return true;
  }

  // ---- draining ------------------------------------------------------------------
  // Sees a stop request (from any step, a revoke's drain included) and starts the
  // shutdown bound. True the first time.
  bool note_stop(Clock::time_point now) {
    if (stop_deadline != Clock::time_point::max() || stop_flag == nullptr ||
        !stop_flag->load(std::memory_order_relaxed)) {
      return false;
    }
    stop_deadline = now + s.shutdown_timeout;
    spdlog::info("stopping: draining in-flight records (bound {} ms)", s.shutdown_timeout.count());
    metrics->on_stopping();
    source->pause_all();
    paused = true;
    return true;
  }

  std::size_t pending(const std::vector<std::int32_t>& partitions) const {
    if (partitions.empty()) return offsets.pending_total();
    std::size_t n = 0;
    for (auto p : partitions) n += offsets.pending(p);
    return n;
  }

  bool must_stop() const {
    return !fatal_error.empty() || delivery.halted() || delivery.fatal() || client_fatal();
  }

  // Halted: nothing more will move once what was produced has been reported.
  bool stuck() const {
    return delivery.halted() && sink->outstanding() == 0 && pool->in_flight() == 0;
  }

  bool client_fatal() const { return sink->errors().fatal() || source->errors().fatal(); }

  // Judges and delivers every record read so far of `partitions` (all when empty),
  // without reading more. True when all are acknowledged before `deadline`.
  bool drain(const std::vector<std::int32_t>& partitions, Clock::time_point deadline) {
    while (pending(partitions) > 0) {
      note_stop(Clock::now());
      if (Clock::now() >= std::min(deadline, stop_deadline) || client_fatal() || delivery.fatal() ||
          stuck()) {
        return false;
      }
      (void)submit_current();
      take_judged();
      produce_ready();
      handle_reports(pool->in_flight() > 0 ? 0 : 2);
      if (pool->in_flight() > 0) {
        if (auto done = pool->next_for(std::chrono::milliseconds(1))) accept(std::move(*done));
      }
      publish();
    }
    return true;
  }

  // ---- rebalances ----------------------------------------------------------------
  void on_rebalance(bool assign, rd_kafka_topic_partition_list_t* parts, bool lost) {
    std::vector<std::int32_t> ids;
    for (int i = 0; i < parts->cnt; ++i) ids.push_back(parts->elems[i].partition);
    metrics->on_rebalance(assign);
    if (assign) {
      for (auto p : ids) {
        offsets.add_partition(p);
        eof[p] = false;
        if (redrive()) {
          auto it = ranges.find(p);
          read_to_end[p] = it == ranges.end() ||
                           std::max(it->second.committed, it->second.low) >= it->second.high;
          if (read_to_end[p]) need_pause.push_back(p);
        }
      }
      if (Status st = source->incremental_assign(parts); !st.ok()) spdlog::error("{}", st.error);
      if (paused && parts->cnt > 0) (void)rd_kafka_pause_partitions(source->handle(), parts);
      for (auto p : need_pause) source->pause(p);
      need_pause.clear();
      if (!assigned_once) {
        stats.join_seconds = std::chrono::duration<double>(Clock::now() - run_started).count();
      }
      assigned_once = true;
      joined.store(true, std::memory_order_relaxed);
      spdlog::info("assigned {} partition(s) of {}", ids.size(), input_topic);
      return;
    }
    // Revoke: finish the in-flight records, commit them, then release.
    if (!final_phase) {
      const auto bound = std::min<Clock::duration>(s.shutdown_timeout, std::chrono::seconds(30));
      const auto deadline = std::min(Clock::now() + bound, stop_deadline);
      if (!drain(ids, deadline)) {
        spdlog::warn("revoke: {} record(s) of revoked partitions still undelivered", pending(ids));
      }
      if (!lost) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::max<Clock::duration>(deadline - Clock::now(), std::chrono::seconds(1)));
        (void)commit_within(ids, std::min(left, std::chrono::milliseconds(10'000)));
      }
    }
    for (auto p : ids) {
      offsets.remove_partition(p);
      eof.erase(p);
      read_to_end.erase(p);
      committer.forget(p);
    }
    if (Status st = source->incremental_unassign(parts); !st.ok()) spdlog::error("{}", st.error);
    spdlog::info("{} {} partition(s) of {}", lost ? "lost" : "revoked", ids.size(), input_topic);
  }

  bool at_end() const {
    if (redrive()) {  // always a batch job: up to the end offsets seen at start
      if (!assigned_once) return false;
      for (const auto& [p, d] : read_to_end) {
        if (!d) return false;
      }
    } else {
      if (!s.stop_at_end || !assigned_once || eof.empty()) return false;
      for (const auto& [p, e] : eof) {
        if (!e) return false;
      }
    }
    return (!cur || cur->records.empty()) && pool->in_flight() == 0 &&
           offsets.pending_total() == 0 && delivery.inflight_records() == 0;
  }

  // The heartbeat and gauges; every turn.
  void publish() {
    metrics->publish(offsets.pending_total(), static_cast<std::size_t>(sink->outstanding()));
  }

  void on_stats(std::string_view json) {
    ConsumerStats st;
    if (parse_consumer_stats(json, input_topic, st)) metrics->on_consumer_stats(std::move(st));
  }

  // ---- set-up ----------------------------------------------------------------------
  Status start(std::size_t workers) {
    metrics = std::make_unique<PipelineMetrics>(workers, input_topic);
    if (s.http_addr != "off") {
      auto started = HttpServer::start(s.http_addr, observability_routes(*metrics));
      if (!started.ok()) return started.status();
      http = std::move(started.value());
      http_port = http->port();
    }

    KafkaSinkOptions so;
    so.brokers = s.brokers;
    so.client_id = "skillstream-" + s.instance_id;
    so.clean_topic = s.clean_topic;
    so.dlq_topic = s.dlq_topic;
    if (redrive()) so.parking_topic = s.redrive.parking_topic;
    // The broker decides what is too large, not the client: a too_large record reaches
    // the dead-letter topic with its value whenever the topic's max.message.bytes
    // accepts it (128 MiB is above any broker's default socket.request.max.bytes).
    so.message_max_bytes =
        std::max<std::size_t>(s.processor.max_record_bytes + (64u << 10), 128u << 20);
    so.properties = s.producer_properties;
    auto made_sink = KafkaSink::create(so);
    if (!made_sink.ok()) return made_sink.status();
    sink = std::move(made_sink.value());

    KafkaSourceOptions co;
    co.brokers = s.brokers;
    co.topic = input_topic;
    co.group = redrive() ? s.redrive.group : s.group;
    co.client_id = "skillstream-" + s.instance_id;
    co.partition_eof = s.stop_at_end;
    co.properties = s.consumer_properties;
    co.on_stats = [this](std::string_view json) { on_stats(json); };
    co.on_commit = [this](bool ok) {
      metrics->on_commit(ok);
      if (!ok) committer.refused();  // main thread, from the consumer's poll
    };
    auto made_source =
        KafkaSource::create(co, [this](bool assign, rd_kafka_topic_partition_list_t* parts,
                                       bool lost) { on_rebalance(assign, parts, lost); });
    if (!made_source.ok()) return made_source.status();
    source = std::move(made_source.value());

    for (std::size_t i = 0; i < workers; ++i) {
      processors.push_back(std::make_unique<processor::RecordProcessor>(s.processor, patterns));
    }
    max_jobs = workers * 2 + 2;
    pool = std::make_unique<Pool>(
        workers, max_jobs, [this](std::size_t w, std::unique_ptr<Batch>& b) { judge(w, *b); });
    if (redrive()) {
      if (Status st = read_ranges(); !st.ok()) return st;
    }
    return source->subscribe();
  }

  // Redrive: the dead-letter topic's partitions, end offsets and the group's commits at
  // start, from outside the group.
  Status read_ranges() {
    connectors::TopicReaderOptions ro;
    ro.brokers = s.brokers;
    ro.topic = input_topic;
    ro.group = s.redrive.group;
    ro.client_id = "skillstream-" + s.instance_id + "-ranges";
    ro.properties = s.consumer_properties;
    ro.timeout = s.connect_timeout;
    auto reader = connectors::TopicReader::create(ro);
    if (!reader.ok()) return reader.status();
    auto parts = reader.value()->offsets();
    if (!parts.ok()) return parts.status();
    for (const auto& p : parts.value()) ranges[p.partition] = p;
    return Status::success();
  }

  // ---- the loop ----------------------------------------------------------------------
  PipelineResult run(const std::atomic<bool>& stop) {
    PipelineResult result;
    run_started = Clock::now();
    stop_flag = &stop;
    std::size_t workers = s.workers != 0 ? s.workers : std::thread::hardware_concurrency();
    workers = std::max<std::size_t>(workers, 1);
    if (Status st = start(workers); !st.ok()) {
      result.exit = PipelineExit::failed;
      result.error = st.error;
      finish();
      return result;
    }

    auto last_commit = Clock::now();
    SummaryLog summary(last_commit);
    auto last_summary = last_commit;
    bool timed_out = false;
    for (;;) {
      auto now = Clock::now();
      note_stop(now);
      const bool stopping = stop_deadline != Clock::time_point::max();
      publish();
      if (must_stop()) break;

      // One turn: reports, judged batches, produce, pause, read, hand to the workers.
      handle_reports(0);
      take_judged();
      produce_ready();
      update_pause();
      const bool room = submit_current();
      if (!stopping && room) {
        const bool busy = pool->in_flight() > 0 || delivery.inflight_records() > 0;
        read(busy ? 1 : 20);
        (void)submit_current();
      } else if (auto done = pool->next_for(std::chrono::milliseconds(1))) {
        accept(std::move(*done));
      } else {
        handle_reports(1);
      }

      now = Clock::now();
      if (stopping) {
        if (pending({}) == 0 && delivery.inflight_records() == 0 && (!cur || cur->records.empty()))
          break;
        if (now >= stop_deadline) {
          timed_out = true;
          break;
        }
        continue;
      }
      if (now - last_commit >= std::chrono::milliseconds(500)) {
        commit_async();
        last_commit = now;
      }
      if (now - last_summary >= s.summary_interval) {
        spdlog::info("{}", summary.next(*metrics, now));
        if (std::string retried = retry_log.take(); !retried.empty()) {
          spdlog::warn("delivery retries in the last {} ms: {}", s.summary_interval.count(),
                       retried);
        }
        last_summary = now;
      }
      if ((s.stop_at_end || redrive()) && !assigned_once &&
          now - run_started >= s.connect_timeout) {
        fatal_error = fmt::format(
            "no partition of {} assigned within {} ms (stop_at_end): are the brokers ({}) "
            "reachable and the topic there?",
            input_topic, s.connect_timeout.count(), s.brokers);
        break;
      }
      if (at_end()) {
        spdlog::info("end of input reached on every assigned partition");
        break;
      }
    }
    metrics->on_stopping();

    // What was delivered is committed, within what is left of the bound.
    const bool stopping = stop_deadline != Clock::time_point::max();
    const auto now = Clock::now();
    const auto left = stopping ? std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::max<Clock::duration>(stop_deadline - now, {}))
                               : std::chrono::milliseconds(10'000);
    if (must_stop()) {
      drain({}, now + std::chrono::seconds(2));  // commit what can be delivered quickly
      result.exit = PipelineExit::failed;
      result.error = !fatal_error.empty()     ? fatal_error
                     : sink->errors().fatal() ? sink->errors().message()
                                              : source->errors().message();
    } else if (timed_out) {
      result.exit = PipelineExit::undelivered;
      result.error = fmt::format("shutdown bound of {} ms passed with {} record(s) undelivered",
                                 s.shutdown_timeout.count(), pending({}));
    }
    if (!commit_within(offsets.partitions(), std::max(left, std::chrono::milliseconds(500))) &&
        result.exit == PipelineExit::ok) {
      result.exit = PipelineExit::undelivered;
      result.error =
          "the final commit failed: delivered records will be read again after a restart";
    }
    if (std::string retried = retry_log.take(); !retried.empty()) {
      spdlog::warn("delivery retries: {}", retried);
    }
    publish();  // final gauges, while the tracker still holds what stays undelivered
    const auto close_left = stopping ? std::max<Clock::duration>(stop_deadline - Clock::now(),
                                                                 std::chrono::milliseconds(500))
                                     : Clock::duration(std::chrono::seconds(10));
    finish(std::chrono::duration_cast<std::chrono::milliseconds>(close_left));
    result.stats = stats;
    result.stats.end_to_end = latency_of(PipelineMetrics::Stage::end_to_end);
    result.stats.processing = latency_of(PipelineMetrics::Stage::processing);
    result.stats.retries = delivery.counts().retries;
    result.stats.undeliverable = delivery.counts().undeliverable;
    result.stats.seconds = std::chrono::duration<double>(Clock::now() - run_started).count();
    return result;
  }

  PipelineStats::Latency latency_of(PipelineMetrics::Stage stage) const {
    const processor::HistogramSnapshot h = metrics->latency(stage);
    PipelineStats::Latency l;
    for (std::size_t i = 0; i <= h.bounds.size(); ++i) l.records += h.counts[i];
    if (l.records == 0) return l;
    l.p50_ms = processor::quantile(h, 0.50) * 1e3;
    l.p90_ms = processor::quantile(h, 0.90) * 1e3;
    l.p99_ms = processor::quantile(h, 0.99) * 1e3;
    l.max_ms = metrics->latency_max(stage) * 1e3;
    // Interpolation within a bucket may pass the largest value seen: cap at it.
    l.p50_ms = std::min(l.p50_ms, l.max_ms);
    l.p90_ms = std::min(l.p90_ms, l.max_ms);
    l.p99_ms = std::min(l.p99_ms, l.max_ms);
    return l;
  }

  // Releases everything in the right order: workers, producer (purged: every report
  // handled), records and their messages, then the consumer (bounded close).
  void finish(std::chrono::milliseconds close_bound = std::chrono::seconds(10)) {
    final_phase = true;
    if (pool) {
      pool->close();
      while (auto done = pool->next()) done->reset();
      pool.reset();
    }
    cur.reset();
    if (sink) {
      sink->purge();
      for (int i = 0; i < 100 && sink->outstanding() > 0; ++i) handle_reports(10);
      handle_reports(0);
      sink.reset();  // no report can name a record after this
    }
    delivery.release_all();
    stats.undelivered = stats.read - std::min(stats.read, stats.delivered);
    if (source) {
      (void)source->close(close_bound);
      source.reset();
    }
  }
};

KafkaPipeline::KafkaPipeline(config::Settings settings,
                             std::shared_ptr<const processor::PrivacyPatterns> patterns,
                             PipelineMode mode)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(patterns), mode)) {}

KafkaPipeline::~KafkaPipeline() = default;

PipelineResult KafkaPipeline::run(const std::atomic<bool>& stop) { return impl_->run(stop); }

std::uint16_t KafkaPipeline::http_port() const noexcept { return impl_->http_port.load(); }

KafkaPipeline::Progress KafkaPipeline::progress() const noexcept {
  return Progress{impl_->joined.load(std::memory_order_relaxed),
                  impl_->read_count.load(std::memory_order_relaxed),
                  impl_->delivered_count.load(std::memory_order_relaxed)};
}

}  // namespace skillstream::pipeline
