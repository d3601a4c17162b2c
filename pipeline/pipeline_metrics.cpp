#include "pipeline/pipeline_metrics.h"

#include <algorithm>

#include <fmt/format.h>

namespace skillstream::pipeline {

using processor::Labels;
using processor::PromWriter;
using Type = processor::PromWriter::Type;

namespace {

std::int64_t to_ns(PipelineMetrics::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// "latency p50=3.1 p99=12.0 ms" over the records acknowledged in the interval.
std::string latency_text(const processor::HistogramSnapshot& now,
                         const processor::HistogramSnapshot& before) {
  processor::HistogramSnapshot d = now;
  std::uint64_t n = 0;
  for (std::size_t i = 0; i <= d.bounds.size(); ++i) {
    d.counts[i] -= before.bounds.empty() ? 0 : before.counts[i];
    n += d.counts[i];
  }
  if (n == 0) return "latency p50=- p99=- ms";
  return fmt::format("latency p50={:.1f} p99={:.1f} ms", processor::quantile(d, 0.5) * 1e3,
                     processor::quantile(d, 0.99) * 1e3);
}

}  // namespace

PipelineMetrics::PipelineMetrics(std::size_t workers, std::string input_topic)
    : workers_(std::make_unique<processor::WorkerCounters[]>(workers)),
      worker_count_(workers),
      topic_(std::move(input_topic)) {
  heartbeat_ns_.set(to_ns(Clock::now()));
}

void PipelineMetrics::on_delivered(bool dead_letter, std::size_t bytes,
                                   std::int64_t input_timestamp_ms, Clock::time_point read_at,
                                   Clock::time_point now) noexcept {
  (dead_letter ? delivered_dlq_ : delivered_clean_).add();
  (dead_letter ? bytes_dlq_ : bytes_clean_).add(bytes);
  auto observe = [this](Stage stage, double seconds) {
    (stage == Stage::end_to_end ? e2e_latency_ : processing_latency_).observe(seconds);
    double& max = latency_max_[static_cast<std::size_t>(stage)];
    max = std::max(max, seconds);
  };
  if (input_timestamp_ms > 0) {
    // Now in microseconds against the millisecond timestamp: no extra truncation.
    const std::int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
    observe(
        Stage::end_to_end,
        static_cast<double>(std::max<std::int64_t>(now_us - input_timestamp_ms * 1000, 0)) / 1e6);
  }
  if (read_at.time_since_epoch().count() != 0) {
    observe(Stage::processing, std::max(std::chrono::duration<double>(now - read_at).count(), 0.0));
  }
}

processor::HistogramSnapshot PipelineMetrics::latency(Stage stage) const noexcept {
  processor::HistogramSnapshot h;
  (stage == Stage::end_to_end ? e2e_latency_ : processing_latency_).add_to(h);
  return h;
}

void PipelineMetrics::on_rebalance(bool assigned) noexcept {
  rebalances_.add();
  assigned_.store(assigned, std::memory_order_relaxed);
}

void PipelineMetrics::on_consumer_stats(ConsumerStats stats) {
  group_settled_.store(stats.group_settled(), std::memory_order_relaxed);
  disconnected_.store(stats.disconnected(), std::memory_order_relaxed);
  std::lock_guard lock(lag_mu_);
  lag_ = std::move(stats.lag);
}

void PipelineMetrics::publish(std::size_t inflight, std::size_t producer_queue) noexcept {
  heartbeat_ns_.set(to_ns(Clock::now()));
  inflight_.set(static_cast<std::int64_t>(inflight));
  producer_queue_.set(static_cast<std::int64_t>(producer_queue));
  // All four terms are this thread's own: the difference is exact, not a racy read.
  unaccounted_.set(static_cast<std::int64_t>(read_.value() - delivered_clean_.value() -
                                             delivered_dlq_.value() - inflight));
}

bool PipelineMetrics::healthy(Clock::time_point now) const noexcept {
  const std::int64_t limit = to_ns(now - kStallLimit);
  if (heartbeat_ns_.value() < limit) return false;
  for (std::size_t i = 0; i < worker_count_; ++i) {
    std::int64_t busy = workers_[i].busy_since_ns.value();
    if (busy != 0 && busy < limit) return false;
  }
  return true;
}

bool PipelineMetrics::ready() const noexcept {
  return assigned_.load(std::memory_order_relaxed) &&
         group_settled_.load(std::memory_order_relaxed) &&
         !stopping_.load(std::memory_order_relaxed);
}

PipelineMetrics::Totals PipelineMetrics::totals() const noexcept {
  Totals t;
  t.read = read_.value();
  t.bytes_in = bytes_in_.value();
  for (std::size_t i = 0; i < worker_count_; ++i) {
    for (std::size_t r = 0; r < processor::kReasonCount; ++r) {
      t.rejected[r] += workers_[i].verdicts[r].value();
    }
  }
  t.rejected[static_cast<std::size_t>(processor::Reason::none)] = 0;  // clean, not a reject
  t.rejected[static_cast<std::size_t>(processor::Reason::undeliverable)] = undeliverable_.value();
  return t;
}

std::int64_t PipelineMetrics::total_lag() const {
  std::lock_guard lock(lag_mu_);
  std::int64_t sum = 0;
  for (const auto& l : lag_) sum += l.records;
  return sum;
}

std::string PipelineMetrics::render() const {
  PromWriter w;
  render_records(w);
  render_kafka(w);
  render_histograms(w);
  return w.take();
}

void PipelineMetrics::render_records(PromWriter& w) const {
  w.family("skillstream_records_read_total", Type::counter,
           "Records consumed from the input topic.");
  w.sample("skillstream_records_read_total", {}, read_.value());
  w.family(
      "skillstream_records_total", Type::counter,
      "Records acknowledged in their output topic, by outcome (clean or rejected = dead-letter).");
  w.sample("skillstream_records_total", {{"outcome", "clean"}}, delivered_clean_.value());
  w.sample("skillstream_records_total", {{"outcome", "rejected"}}, delivered_dlq_.value());

  Totals t = totals();
  w.family("skillstream_rejects_total", Type::counter,
           "Records judged rejected, by reason code (undeliverable: stubs written).");
  for (std::size_t r = 1; r < processor::kReasonCount; ++r) {
    w.sample("skillstream_rejects_total",
             {{"reason", to_string(static_cast<processor::Reason>(r))}}, t.rejected[r]);
  }
  w.family("skillstream_redactions_total", Type::counter,
           "Clean records redacted, by kind of match (a record counts once per kind).");
  for (std::size_t k = 0; k < processor::kPrivacyKindCount; ++k) {
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < worker_count_; ++i) n += workers_[i].redactions[k].value();
    w.sample("skillstream_redactions_total",
             {{"kind", to_string(static_cast<processor::PrivacyKind>(k))}}, n);
  }
  w.family("skillstream_bytes_total", Type::counter,
           "Value bytes read (in) and acknowledged in the clean and dead-letter topics.");
  w.sample("skillstream_bytes_total", {{"stream", "in"}}, bytes_in_.value());
  w.sample("skillstream_bytes_total", {{"stream", "clean"}}, bytes_clean_.value());
  w.sample("skillstream_bytes_total", {{"stream", "dlq"}}, bytes_dlq_.value());
  w.family("skillstream_inflight_records", Type::gauge,
           "Records read and not yet acknowledged (not committable yet).");
  w.sample("skillstream_inflight_records", {}, inflight_.value());
  w.family("skillstream_unaccounted_records", Type::gauge,
           "Records read minus clean, dead-letter and in flight: always 0.");
  w.sample("skillstream_unaccounted_records", {}, unaccounted_.value());
}

void PipelineMetrics::render_kafka(PromWriter& w) const {
  w.family(
      "skillstream_consumer_lag_records", Type::gauge,
      "Records behind the partition's end, per assigned input partition (consumer statistics).");
  {
    std::lock_guard lock(lag_mu_);
    for (const auto& l : lag_) {
      w.sample("skillstream_consumer_lag_records",
               {{"topic", topic_}, {"partition", std::to_string(l.partition)}}, l.records);
    }
  }
  w.family("skillstream_producer_queue_messages", Type::gauge,
           "Messages in the producer's queue, not yet acknowledged by the broker.");
  w.sample("skillstream_producer_queue_messages", {}, producer_queue_.value());
  w.family("skillstream_commits_total", Type::counter, "Offset commits, by result.");
  w.sample("skillstream_commits_total", {{"result", "ok"}}, commits_ok_.value());
  w.sample("skillstream_commits_total", {{"result", "failed"}}, commits_failed_.value());
  w.family("skillstream_rebalances_total", Type::counter,
           "Rebalance events served (each assignment and each revocation).");
  w.sample("skillstream_rebalances_total", {}, rebalances_.value());
  w.family("skillstream_delivery_retries_total", Type::counter,
           "Records produced again after a transient delivery failure.");
  w.sample("skillstream_delivery_retries_total", {}, retries_.value());
  w.family("skillstream_undeliverable_total", Type::counter,
           "Records the broker refused for good (an undeliverable stub was written, or halted).");
  w.sample("skillstream_undeliverable_total", {}, undeliverable_.value());
}

void PipelineMetrics::render_histograms(PromWriter& w) const {
  processor::HistogramSnapshot batch;
  for (std::size_t i = 0; i < worker_count_; ++i) workers_[i].batch_seconds.add_to(batch);
  w.family("skillstream_batch_processing_seconds", Type::histogram,
           "Time a worker spends validating one batch.");
  w.histogram("skillstream_batch_processing_seconds", {}, batch);
  w.family("skillstream_record_latency_seconds", Type::histogram,
           "Per record, by stage: end_to_end from its input timestamp, processing from its "
           "read by the consumer, to the delivery acknowledgement of its output.");
  w.histogram("skillstream_record_latency_seconds", {{"stage", "end_to_end"}},
              latency(Stage::end_to_end));
  w.histogram("skillstream_record_latency_seconds", {{"stage", "processing"}},
              latency(Stage::processing));
}

SummaryLog::SummaryLog(PipelineMetrics::Clock::time_point start) : last_at_(start) {}

std::string SummaryLog::next(const PipelineMetrics& m, PipelineMetrics::Clock::time_point now) {
  PipelineMetrics::Totals t = m.totals();
  const processor::HistogramSnapshot latency = m.latency(PipelineMetrics::Stage::end_to_end);
  const double secs = std::chrono::duration<double>(now - last_at_).count();
  std::array<std::uint64_t, processor::kReasonCount> rejected{};
  for (std::size_t r = 0; r < rejected.size(); ++r) rejected[r] = t.rejected[r] - last_.rejected[r];
  const double records = static_cast<double>(t.read - last_.read);
  const double mb = static_cast<double>(t.bytes_in - last_.bytes_in) / 1e6;
  // During an outage the lag is stale and 0 records/s means nothing: say so.
  std::string line =
      m.disconnected()
          ? fmt::format("summary: last {:.1f}s: disconnected (no broker reachable) inflight={}",
                        secs, m.inflight())
          : fmt::format(
                "summary: last {:.1f}s: records/s={:.0f} MB/s={:.2f} lag={} inflight={} {} "
                "rejected=[{}]",
                secs, secs > 0 ? records / secs : 0.0, secs > 0 ? mb / secs : 0.0, m.total_lag(),
                m.inflight(), latency_text(latency, last_latency_),
                processor::format_reasons(rejected));
  last_latency_ = latency;
  last_ = t;
  last_at_ = now;
  return line;
}

}  // namespace skillstream::pipeline
