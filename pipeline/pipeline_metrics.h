#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pipeline/kafka_stats.h"
#include "processor/metrics.h"

namespace skillstream::pipeline {

// Every metric of `skillstream run` (docs/metrics.md), its health and readiness.
//
// Written without locks: each worker owns its WorkerCounters; everything else has
// one writer, the pipeline's main thread (which owns all Kafka bookkeeping), with
// single-writer relaxed stores. Read from any thread (the HTTP server's) by render(),
// healthy() and ready(); consumer statistics arrive once a second under a mutex.
class PipelineMetrics {
 public:
  using Clock = std::chrono::steady_clock;

  PipelineMetrics(std::size_t workers, std::string input_topic);

  // ---- workers ------------------------------------------------------------------
  [[nodiscard]] processor::WorkerCounters& worker(std::size_t i) noexcept { return workers_[i]; }

  // ---- main thread --------------------------------------------------------------
  void on_read(std::size_t bytes) noexcept {
    read_.add();
    bytes_in_.add(bytes);
  }
  // A delivery acknowledgement: `bytes` written to the clean or dead-letter topic, for
  // a record with input timestamp `input_timestamp_ms` (<= 0: none) read from the
  // source at `read_at` (steady clock). Observes both latency stages.
  void on_delivered(bool dead_letter, std::size_t bytes, std::int64_t input_timestamp_ms,
                    Clock::time_point read_at, Clock::time_point now = Clock::now()) noexcept;
  void on_commit(bool ok) noexcept { (ok ? commits_ok_ : commits_failed_).add(); }
  void on_rebalance(bool assigned) noexcept;
  void on_retry() noexcept { retries_.add(); }
  void on_undeliverable() noexcept { undeliverable_.add(); }
  void on_consumer_stats(ConsumerStats stats);
  // Once per loop turn: the heartbeat and the gauges. `inflight` is the offset
  // tracker's count of read and unacknowledged records.
  void publish(std::size_t inflight, std::size_t producer_queue) noexcept;
  // Shutdown has begun: not ready any more.
  void on_stopping() noexcept { stopping_.store(true, std::memory_order_relaxed); }

  // ---- any thread ---------------------------------------------------------------
  [[nodiscard]] std::string render() const;
  [[nodiscard]] bool healthy(Clock::time_point now = Clock::now()) const noexcept;
  [[nodiscard]] bool ready() const noexcept;
  // No broker reachable, per the latest consumer statistics.
  [[nodiscard]] bool disconnected() const noexcept {
    return disconnected_.load(std::memory_order_relaxed);
  }

  struct Totals {
    std::uint64_t read = 0, bytes_in = 0;
    std::array<std::uint64_t, processor::kReasonCount> rejected{};  // verdicts
  };
  [[nodiscard]] Totals totals() const noexcept;
  [[nodiscard]] std::int64_t total_lag() const;
  [[nodiscard]] std::int64_t inflight() const noexcept { return inflight_.value(); }

  // skillstream_record_latency_seconds, by its `stage` label.
  enum class Stage : std::uint8_t {
    end_to_end,  // input record timestamp to the delivery acknowledgement
    processing,  // read by the consumer to the delivery acknowledgement
  };
  [[nodiscard]] processor::HistogramSnapshot latency(Stage stage) const noexcept;
  // The largest latency observed, in seconds (0: none). Main thread.
  [[nodiscard]] double latency_max(Stage stage) const noexcept {
    return latency_max_[static_cast<std::size_t>(stage)];
  }

  // A worker busy on one batch, or a main loop without a turn, for this long is stuck.
  static constexpr std::chrono::seconds kStallLimit{15};

 private:
  void render_records(processor::PromWriter& w) const;
  void render_kafka(processor::PromWriter& w) const;
  void render_histograms(processor::PromWriter& w) const;

  std::unique_ptr<processor::WorkerCounters[]> workers_;
  std::size_t worker_count_;
  std::string topic_;  // the consumer_lag_records label

  processor::Counter read_, bytes_in_, bytes_clean_, bytes_dlq_;
  processor::Counter delivered_clean_, delivered_dlq_;
  processor::Counter commits_ok_, commits_failed_, rebalances_, retries_, undeliverable_;
  processor::Histogram e2e_latency_{processor::kRecordLatencySecondsBounds};
  processor::Histogram processing_latency_{processor::kRecordLatencySecondsBounds};
  std::array<double, 2> latency_max_{};  // main thread only
  processor::Gauge inflight_, producer_queue_, unaccounted_, heartbeat_ns_;

  std::atomic<bool> assigned_{false};  // the last rebalance event was an assignment
  std::atomic<bool> stopping_{false};
  std::atomic<bool> disconnected_{false};  // per the latest statistics
  std::atomic<bool> group_settled_{true};  // per the latest statistics (none yet: true)

  mutable std::mutex lag_mu_;
  std::vector<ConsumerStats::Lag> lag_;
};

// The periodic summary line: rates and end-to-end latency percentiles (interpolated
// within the buckets of skillstream_record_latency_seconds) over the interval since
// the previous line. Main thread only.
class SummaryLog {
 public:
  explicit SummaryLog(PipelineMetrics::Clock::time_point start);
  // The line for the interval ending at `now`.
  std::string next(const PipelineMetrics& m, PipelineMetrics::Clock::time_point now);

 private:
  PipelineMetrics::Clock::time_point last_at_;
  PipelineMetrics::Totals last_;
  processor::HistogramSnapshot last_latency_;  // end to end, at the previous line
};

}  // namespace skillstream::pipeline
