#include "pipeline/kafka_pipeline.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <chrono>
#include <deque>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>

#include "pipeline/http_server.h"
#include "connectors/kafka_sink.h"
#include "connectors/kafka_source.h"
#include "pipeline/kafka_stats.h"
#include "pipeline/pipeline_metrics.h"
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
using processor::Reason;
using connectors::KafkaSink;
using connectors::KafkaSinkOptions;
using connectors::KafkaSource;
using connectors::KafkaSourceOptions;
using connectors::OutRecord;
using connectors::Status;
using connectors::is_permanent_delivery_error;

struct Batch;

// One input record on its way out. Lives in its batch until delivered.
struct Rec {
  Batch* batch = nullptr;
  rd_kafka_message_t* msg = nullptr;  // the consumed message: value, key, headers
  Reason reason = Reason::none;
  processor::KindSet redacted;
  bool own_value = false;  // the clean value is the redacted copy in batch->text
  bool has_sid = false;    // session_id saved in batch->text (input had no key)
  bool stub = false;       // refused for good: now written as an `undeliverable` stub
  std::uint32_t path_off = 0, path_len = 0, msg_off = 0, msg_len = 0;
  std::uint32_t value_off = 0, value_len = 0, sid_off = 0, sid_len = 0;
  rd_kafka_resp_err_t refused = RD_KAFKA_RESP_ERR_NO_ERROR;  // why it became a stub
  unsigned attempts = 0;
};

// The unit that crosses threads: records read together, processed by one worker.
struct Batch {
  std::vector<Rec> recs;
  std::string text;         // paths, messages, redacted values, session ids (offsets in Rec)
  std::size_t pending = 0;  // records not yet delivered (main thread only)

  ~Batch() {
    for (Rec& r : recs) {
      if (r.msg != nullptr) rd_kafka_message_destroy(r.msg);
    }
  }
  std::string_view view(std::uint32_t off, std::uint32_t len) const {
    return std::string_view(text).substr(off, len);
  }
};

std::uint32_t append(std::string& text, std::string_view s, std::uint32_t& len) {
  auto off = static_cast<std::uint32_t>(text.size());
  text.append(s);
  len = static_cast<std::uint32_t>(s.size());
  return off;
}

void add_header(rd_kafka_headers_t* h, const char* name, std::string_view value) {
  rd_kafka_header_add(h, name, -1, value.data(), static_cast<ssize_t>(value.size()));
}

void add_header(rd_kafka_headers_t* h, const char* name, std::int64_t value) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  (void)ec;
  rd_kafka_header_add(h, name, -1, buf, end - buf);
}

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

std::string sha256_hex(const void* data, std::size_t size) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data, size, digest, &len, EVP_sha256(), nullptr);
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) fmt::format_to(std::back_inserter(out), "{:02x}", digest[i]);
  return out;
}

}  // namespace

struct KafkaPipeline::Impl {
  using Pool = processor::OrderedWorkerPool<std::unique_ptr<Batch>>;

  config::Settings s;
  std::shared_ptr<const processor::PrivacyPatterns> patterns;
  // Declared first, destroyed last: workers and the HTTP threads read it.
  std::unique_ptr<PipelineMetrics> metrics;
  std::unique_ptr<HttpServer> http;  // stopped before `metrics` goes
  std::atomic<std::uint16_t> http_port{0};

  std::unique_ptr<KafkaSink> sink;
  std::unique_ptr<KafkaSource> source;
  std::vector<std::unique_ptr<processor::RecordProcessor>> processors;
  std::unique_ptr<Pool> pool;
  std::size_t max_jobs = 4;

  processor::OffsetTracker tracker;
  std::unordered_map<std::int32_t, std::int64_t> committed;  // last commit sent, per partition
  std::unordered_map<std::int32_t, bool> eof;                // assigned partitions: at end?
  std::unordered_set<Batch*> live;                           // produced, not all delivered
  std::unique_ptr<Batch> cur;                                // being filled
  struct Retry {
    Rec* rec;
    Clock::time_point at;
  };
  std::deque<Retry> retries;

  std::size_t inflight_bytes = 0;
  bool paused = false;
  bool assigned_once = false;
  Clock::time_point run_started = Clock::now();
  bool final_phase = false;  // purging: failed reports are released, not retried
  std::string halt_error;
  PipelineStats stats;

  Impl(config::Settings settings, std::shared_ptr<const processor::PrivacyPatterns> p)
      : s(std::move(settings)), patterns(std::move(p)) {}

  // ---- worker side -------------------------------------------------------------
  void process_batch(std::size_t worker, Batch& b) {
    processor::RecordProcessor& proc = *processors[worker];
    processor::WorkerCounters& counters = metrics->worker(worker);
    const auto started = Clock::now();
    counters.busy_since_ns.set(steady_ns(started));
    process_records(proc, counters, b);
    counters.batch_seconds.observe(std::chrono::duration<double>(Clock::now() - started).count());
    counters.busy_since_ns.set(0);
  }

  void process_records(processor::RecordProcessor& proc, processor::WorkerCounters& counters,
                       Batch& b) {
    const bool sid_keys = s.key_from_session_id;
    for (Rec& r : b.recs) {
      const rd_kafka_message_t* m = r.msg;
      processor::Outcome o = proc.process(static_cast<const char*>(m->payload), m->len);
      processor::count_record(counters, o);
      r.reason = o.verdict.reason;
      if (!o.verdict.clean()) {
        r.path_off = append(b.text, o.verdict.path, r.path_len);
        r.msg_off = append(b.text, o.verdict.message, r.msg_len);
        continue;
      }
      r.redacted = o.redacted;
      if (!o.redacted.empty()) {
        r.own_value = true;
        r.value_off = append(b.text, o.value, r.value_len);
      }
      if (sid_keys && m->key == nullptr && !o.session_id.empty()) {
        r.has_sid = true;
        r.sid_off = append(b.text, o.session_id, r.sid_len);
      }
    }
  }

  // ---- producing ---------------------------------------------------------------
  rd_kafka_headers_t* base_headers(const Rec& r, bool keep_input) {
    const rd_kafka_message_t* m = r.msg;
    rd_kafka_headers_t* h = nullptr;
    rd_kafka_headers_t* in = nullptr;
    if (keep_input && rd_kafka_message_headers(m, &in) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      h = rd_kafka_headers_copy(in);
    } else {
      h = rd_kafka_headers_new(10);
    }
    add_header(h, "skillstream.source.topic", s.input_topic);
    add_header(h, "skillstream.source.partition", static_cast<std::int64_t>(m->partition));
    add_header(h, "skillstream.source.offset", m->offset);
    add_header(h, "skillstream.source.timestamp", input_timestamp(m));
    add_header(h, "skillstream.instance", s.instance_id);
    return h;
  }

  static std::int64_t input_timestamp(const rd_kafka_message_t* m) {
    rd_kafka_timestamp_type_t type;
    return rd_kafka_message_timestamp(m, &type);
  }

  void produce_record(Rec& r) {
    const rd_kafka_message_t* m = r.msg;
    const Batch& b = *r.batch;
    OutRecord out;
    out.opaque = &r;
    std::int64_t ts = input_timestamp(m);
    out.timestamp_ms = ts > 0 ? ts : 0;
    out.key = m->key;
    out.key_size = m->key_len;
    static const char kEmpty[1] = {0};
    if (r.stub) {
      out.dead_letter = true;
      out.value = kEmpty;
      out.value_size = 0;
      out.headers = base_headers(r, false);
      add_header(out.headers, "skillstream.reason", processor::to_string(Reason::undeliverable));
      add_header(out.headers, "skillstream.path", "");
      add_header(
          out.headers, "skillstream.message",
          fmt::format("the broker refused the record for good: {}", rd_kafka_err2str(r.refused)));
      add_header(out.headers, "skillstream.version", skillstream_version());
      add_header(out.headers, "skillstream.original.reason", processor::to_string(r.reason));
      add_header(out.headers, "skillstream.original.size", static_cast<std::int64_t>(m->len));
      add_header(out.headers, "skillstream.original.sha256",
                 sha256_hex(m->payload != nullptr ? m->payload : kEmpty, m->len));
      add_header(out.headers, "skillstream.broker.error", rd_kafka_err2name(r.refused));
    } else if (r.reason == Reason::none) {
      out.value = r.own_value ? b.text.data() + r.value_off : m->payload;
      out.value_size = r.own_value ? r.value_len : m->len;
      if (out.key == nullptr && r.has_sid) {
        out.key = b.text.data() + r.sid_off;
        out.key_size = r.sid_len;
      }
      out.headers = base_headers(r, true);
      if (!r.redacted.empty())
        add_header(out.headers, "skillstream.redacted", r.redacted.to_string());
    } else {
      out.dead_letter = true;
      out.value = m->payload;
      out.value_size = m->len;
      out.headers = base_headers(r, true);
      add_header(out.headers, "skillstream.reason", processor::to_string(r.reason));
      add_header(out.headers, "skillstream.path", b.view(r.path_off, r.path_len));
      add_header(out.headers, "skillstream.message", b.view(r.msg_off, r.msg_len));
      add_header(out.headers, "skillstream.version", skillstream_version());
    }
    rd_kafka_resp_err_t err = sink->produce(out);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_headers_destroy(out.headers);
      on_failed(r, err);
    }
  }

  void produce_batch(std::unique_ptr<Batch> owned) {
    Batch* b = owned.release();
    live.insert(b);
    b->pending = b->recs.size();
    for (Rec& r : b->recs) {
      if (r.reason == Reason::none) {
        ++stats.clean;
        for (std::size_t k = 0; k < processor::kPrivacyKindCount; ++k) {
          if (r.redacted.has(static_cast<processor::PrivacyKind>(k))) ++stats.redacted[k];
        }
      } else {
        ++stats.rejected[static_cast<std::size_t>(r.reason)];
      }
      produce_record(r);
    }
  }

  // ---- delivery ----------------------------------------------------------------
  void release(Rec& r) {
    Batch* b = r.batch;
    assert(b->pending > 0);
    inflight_bytes -= std::min(inflight_bytes, r.msg->len);
    if (--b->pending == 0) {
      live.erase(b);
      delete b;  // destroys its consumed messages
    }
  }

  // What a delivered record became: dead-letter or clean, and its value's size there.
  static bool dead_letter(const Rec& r) { return r.stub || r.reason != Reason::none; }
  static std::size_t output_bytes(const Rec& r) {
    if (r.stub) return 0;
    return r.reason == Reason::none && r.own_value ? r.value_len : r.msg->len;
  }

  void on_delivery(rd_kafka_resp_err_t err, void* opaque) {
    Rec& r = *static_cast<Rec*>(opaque);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      (void)tracker.on_ack(r.msg->partition, r.msg->offset);
      ++stats.delivered;
      metrics->on_delivered(dead_letter(r), output_bytes(r), input_timestamp(r.msg));
      release(r);
      return;
    }
    on_failed(r, err);
  }

  void on_failed(Rec& r, rd_kafka_resp_err_t err) {
    if (final_phase) {  // purged at exit: stays uncommitted
      ++stats.undelivered;
      release(r);
      return;
    }
    if (is_permanent_delivery_error(err)) {
      if (!r.stub && s.on_undeliverable == config::OnUndeliverable::dead_letter) {
        ++stats.undeliverable;
        metrics->on_undeliverable();
        r.stub = true;
        r.refused = err;
        retries.push_back(Retry{&r, Clock::now()});
        spdlog::warn("record {}/{} refused for good ({}): writing an undeliverable stub",
                     r.msg->partition, r.msg->offset, rd_kafka_err2name(err));
        return;
      }
      if (halt_error.empty()) {
        halt_error = fmt::format("record {}/{} refused for good: {} (on_undeliverable=halt)",
                                 r.msg->partition, r.msg->offset, rd_kafka_err2str(err));
      }
      retries.push_back(Retry{&r, Clock::time_point::max()});  // kept, never committed
      return;
    }
    // Transient: librdkafka already retried; try again with backoff, never skip it.
    ++r.attempts;
    ++stats.retries;
    metrics->on_retry();
    auto backoff = std::chrono::milliseconds(std::min(100u * r.attempts, 2000u));
    spdlog::warn("delivery of record {}/{} failed ({}), retrying", r.msg->partition, r.msg->offset,
                 rd_kafka_err2name(err));
    retries.push_back(Retry{&r, Clock::now() + backoff});
  }

  void run_retries() {
    if (retries.empty()) return;
    auto now = Clock::now();
    std::size_t n = retries.size();
    for (std::size_t i = 0; i < n; ++i) {
      Retry rt = retries.front();
      retries.pop_front();
      if (rt.at <= now)
        produce_record(*rt.rec);
      else
        retries.push_back(rt);
    }
  }

  // ---- consuming ---------------------------------------------------------------
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
    tracker.on_read(m->partition, m->offset);
    inflight_bytes += m->len;
    metrics->on_read(m->len);
    ++stats.read;
    stats.bytes_read += m->len;
    if (!cur) {
      cur = std::make_unique<Batch>();
      cur->recs.reserve(s.batch_max_records);
    }
    cur->recs.push_back(Rec{});
    cur->recs.back().batch = cur.get();
    cur->recs.back().msg = m;
  }

  // Hands the current batch to the pool, taking finished batches out while it is full.
  void submit_current() {
    if (!cur || cur->recs.empty()) return;
    while (pool->in_flight() >= max_jobs) {
      if (auto done = pool->next_for(std::chrono::milliseconds(5))) produce_batch(std::move(*done));
      sink->poll(0);
    }
    // Rec::batch points at the Batch object, which moves as a unique_ptr (stable).
    [[maybe_unused]] bool ok = pool->submit(std::move(cur));
    assert(ok);
    cur.reset();
  }

  void take_finished() {
    while (auto done = pool->try_next()) produce_batch(std::move(*done));
  }

  // Every record read so far goes through the pool and is produced; then waits for
  // delivery of `partitions` (all when empty) until `deadline`. True when delivered.
  bool drain(const std::vector<std::int32_t>& partitions, Clock::time_point deadline) {
    submit_current();
    while (pool->in_flight() > 0) {
      if (auto done = pool->next_for(std::chrono::milliseconds(5))) produce_batch(std::move(*done));
      sink->poll(0);
      publish();
    }
    auto pending = [&] {
      if (partitions.empty()) return tracker.pending_total();
      std::size_t n = 0;
      for (auto p : partitions) n += tracker.pending(p);
      return n;
    };
    while (pending() > 0) {
      if (Clock::now() >= deadline || !halt_error.empty() || fatal()) return false;
      run_retries();
      sink->poll(5);
      publish();
    }
    return true;
  }

  void commit(bool async, const std::vector<std::int32_t>* only = nullptr) {
    std::vector<std::pair<std::int32_t, std::int64_t>> offsets;
    for (std::int32_t p : only != nullptr ? *only : tracker.partitions()) {
      auto c = tracker.committable(p);
      if (!c) continue;
      auto it = committed.find(p);
      if (it != committed.end() && it->second == *c) continue;
      offsets.emplace_back(p, *c);
    }
    if (offsets.empty()) return;
    if (Status st = source->commit(offsets, async); !st.ok()) {
      spdlog::warn("{}", st.error);
      return;
    }
    for (auto [p, o] : offsets) committed[p] = o;
  }

  void on_rebalance(bool assign, rd_kafka_topic_partition_list_t* parts, bool lost) {
    std::vector<std::int32_t> ids;
    for (int i = 0; i < parts->cnt; ++i) ids.push_back(parts->elems[i].partition);
    metrics->on_rebalance(assign);
    if (assign) {
      for (auto p : ids) {
        tracker.add_partition(p);
        eof[p] = false;
      }
      if (Status st = source->incremental_assign(parts); !st.ok()) spdlog::error("{}", st.error);
      if (paused && parts->cnt > 0) (void)rd_kafka_pause_partitions(source->handle(), parts);
      if (!assigned_once) {
        stats.join_seconds = std::chrono::duration<double>(Clock::now() - run_started).count();
      }
      assigned_once = true;
      spdlog::info("assigned {} partition(s) of {}", ids.size(), s.input_topic);
      return;
    }
    // Revoke: finish the in-flight records, commit them, then release.
    if (!final_phase) {
      auto bound = std::min<Clock::duration>(s.shutdown_timeout, std::chrono::seconds(30));
      if (!drain(ids, Clock::now() + bound)) {
        spdlog::warn("revoke: records of revoked partitions still undelivered");
      }
    }
    if (!lost) commit(false, &ids);
    for (auto p : ids) {
      tracker.remove_partition(p);
      eof.erase(p);
      committed.erase(p);
    }
    if (Status st = source->incremental_unassign(parts); !st.ok()) spdlog::error("{}", st.error);
    spdlog::info("{} {} partition(s) of {}", lost ? "lost" : "revoked", ids.size(), s.input_topic);
  }

  bool fatal() const { return sink->errors().fatal() || source->errors().fatal(); }

  bool at_end() const {
    if (!s.stop_at_end || !assigned_once || eof.empty()) return false;
    for (const auto& [p, e] : eof) {
      if (!e) return false;
    }
    return (!cur || cur->recs.empty()) && pool->in_flight() == 0 && tracker.pending_total() == 0 &&
           retries.empty();
  }

  // The heartbeat and gauges; every turn of a main-thread loop.
  void publish() {
    metrics->publish(tracker.pending_total(), static_cast<std::size_t>(sink->outstanding()));
  }

  void on_stats(std::string_view json) {
    ConsumerStats st;
    if (parse_consumer_stats(json, s.input_topic, st)) metrics->on_consumer_stats(std::move(st));
  }

  // Starts the /metrics, /healthz, /readyz listener unless http_addr is "off".
  bool start_http(std::string& error) {
    if (s.http_addr == "off") return true;
    http = HttpServer::start(s.http_addr, observability_routes(*metrics), error);
    if (http) http_port = http->port();
    return http != nullptr;
  }

  void update_pause() {
    if (!paused && inflight_bytes >= s.max_inflight_bytes) {
      source->pause_all();
      paused = true;
      spdlog::debug("paused: {} bytes in flight", inflight_bytes);
    } else if (paused && inflight_bytes < s.max_inflight_bytes / 2) {
      source->resume_all();
      paused = false;
      spdlog::debug("resumed: {} bytes in flight", inflight_bytes);
    }
  }

  PipelineResult run(const std::atomic<bool>& stop) {
    PipelineResult result;
    const auto started = Clock::now();
    run_started = started;
    std::string error;
    std::size_t workers = s.workers != 0 ? s.workers : std::thread::hardware_concurrency();
    workers = std::max<std::size_t>(workers, 1);
    metrics = std::make_unique<PipelineMetrics>(workers, s.input_topic);
    if (!start_http(error)) return fail(result, error);

    KafkaSinkOptions so;
    so.brokers = s.brokers;
    so.client_id = "skillstream-" + s.instance_id;
    so.clean_topic = s.clean_topic;
    so.dlq_topic = s.dlq_topic;
    so.message_max_bytes = s.processor.max_record_bytes + (64u << 10);
    so.properties = s.producer_properties;
    sink = KafkaSink::create(
        so, [this](rd_kafka_resp_err_t err, void* opaque) { on_delivery(err, opaque); }, error);
    if (!sink) return fail(result, error);

    KafkaSourceOptions co;
    co.brokers = s.brokers;
    co.topic = s.input_topic;
    co.group = s.group;
    co.client_id = "skillstream-" + s.instance_id;
    co.partition_eof = s.stop_at_end;
    co.properties = s.consumer_properties;
    co.on_stats = [this](std::string_view json) { on_stats(json); };
    co.on_commit = [this](bool ok) {
      metrics->on_commit(ok);
      // `committed` holds what was sent, so that unchanged offsets are not sent again.
      // A commit the broker refused must be sent again, even if its partition gets
      // no new record: forget what was sent. (This runs on the main thread, from the
      // consumer's poll, like commit() itself.)
      if (!ok) committed.clear();
    };
    source = KafkaSource::create(
        co,
        [this](bool assign, rd_kafka_topic_partition_list_t* parts, bool lost) {
          on_rebalance(assign, parts, lost);
        },
        error);
    if (!source) return fail(result, error);

    for (std::size_t i = 0; i < workers; ++i) {
      processors.push_back(std::make_unique<processor::RecordProcessor>(s.processor, patterns));
    }
    max_jobs = workers * 2 + 2;
    pool = std::make_unique<Pool>(
        workers, max_jobs,
        [this](std::size_t w, std::unique_ptr<Batch>& b) { process_batch(w, *b); });
    if (Status st = source->subscribe(); !st.ok()) return fail(result, st.error);

    auto last_commit = Clock::now();
    SummaryLog summary(last_commit);
    auto last_summary = last_commit;
    bool undelivered = false;
    for (;;) {
      publish();
      if (fatal() || !halt_error.empty()) break;
      if (stop.load(std::memory_order_relaxed)) {
        spdlog::info("stopping: draining in-flight records");
        metrics->on_stopping();
        source->pause_all();
        undelivered = !drain({}, Clock::now() + s.shutdown_timeout);
        break;
      }
      sink->poll(0);
      run_retries();
      take_finished();
      update_pause();

      // Read up to one batch; block briefly only when nothing else is pending.
      const bool busy = pool->in_flight() > 0 || tracker.pending_total() > 0;
      int timeout = busy ? 1 : 20;
      while (true) {
        rd_kafka_message_t* m = source->poll(timeout);
        if (m == nullptr) break;
        timeout = 0;
        on_message(m);
        if (cur && cur->recs.size() >= s.batch_max_records) break;
      }
      if (cur && !cur->recs.empty()) submit_current();

      auto now = Clock::now();
      if (now - last_commit >= std::chrono::milliseconds(500)) {
        commit(true);
        last_commit = now;
      }
      if (now - last_summary >= s.summary_interval) {
        spdlog::info("{}", summary.next(*metrics, now));
        last_summary = now;
      }
      if (at_end()) {
        spdlog::info("end of input reached on every assigned partition");
        break;
      }
    }

    metrics->on_stopping();
    if (fatal() || !halt_error.empty()) {
      // Commit what was delivered; the rest is redelivered after a restart.
      drain({}, Clock::now() + std::chrono::seconds(2));
      result.exit = PipelineExit::failed;
      result.error = !halt_error.empty()      ? halt_error
                     : sink->errors().fatal() ? sink->errors().message()
                                              : source->errors().message();
    } else if (undelivered) {
      result.exit = PipelineExit::undelivered;
      result.error = fmt::format("shutdown bound of {} ms passed with {} record(s) undelivered",
                                 s.shutdown_timeout.count(), tracker.pending_total());
    }
    commit(false);
    publish();  // final gauges, while the tracker still holds what stays undelivered
    finish();
    result.stats = stats;
    result.stats.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return result;
  }

  // Releases everything in the right order: pool, producer queue (purged), messages,
  // then the consumer.
  void finish() {
    final_phase = true;
    if (pool) {
      pool->close();
      while (auto done = pool->next()) {
        Batch* b = done->release();
        stats.undelivered += b->recs.size();
        delete b;
      }
      pool.reset();
    }
    if (cur) {
      stats.undelivered += cur->recs.size();
      cur.reset();
    }
    if (sink) {
      sink->purge();
      for (int i = 0; i < 200 && !live.empty(); ++i) sink->poll(10);
    }
    std::deque<Retry> left;
    left.swap(retries);
    for (Retry& rt : left) {
      ++stats.undelivered;
      release(*rt.rec);
    }
    for (Batch* b : live) delete b;  // unreported after purge: should not happen
    live.clear();
    if (source) {
      source->close();
      source.reset();
    }
    sink.reset();
  }

  PipelineResult& fail(PipelineResult& result, std::string error) {
    result.exit = PipelineExit::failed;
    result.error = std::move(error);
    finish();
    return result;
  }
};

KafkaPipeline::KafkaPipeline(config::Settings settings,
                             std::shared_ptr<const processor::PrivacyPatterns> patterns)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(patterns))) {}

KafkaPipeline::~KafkaPipeline() = default;

PipelineResult KafkaPipeline::run(const std::atomic<bool>& stop) { return impl_->run(stop); }

std::uint16_t KafkaPipeline::http_port() const noexcept { return impl_->http_port.load(); }

}  // namespace skillstream::pipeline
