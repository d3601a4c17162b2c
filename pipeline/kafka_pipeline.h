#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "config/settings.h"
#include "processor/privacy_kind.h"
#include "processor/reason.h"

namespace skillstream::processor {
class PrivacyPatterns;
}

namespace skillstream::pipeline {

struct PipelineStats {
  std::uint64_t read = 0;                                         // records consumed
  std::uint64_t bytes_read = 0;                                   // their value bytes
  std::uint64_t clean = 0;                                        // routed to the clean topic
  std::array<std::uint64_t, processor::kReasonCount> rejected{};  // routed to the DLQ, by reason
  std::array<std::uint64_t, processor::kPrivacyKindCount> redacted{};  // clean records, by kind
  std::uint64_t delivered = 0;                                         // acknowledged by the broker
  std::uint64_t undeliverable = 0;  // refused for good: stub written (or halted)
  std::uint64_t retries = 0;        // re-produced after a failed delivery report
  std::uint64_t undelivered = 0;    // still not delivered when the run ended
  double seconds = 0;               // the whole run
  double join_seconds = 0;          // from the start to the first assignment (the group join)

  // Per record, input timestamp (end to end) or read (processing) to the delivery
  // acknowledgement, from skillstream_record_latency_seconds: percentiles interpolated
  // within its buckets, max exact; milliseconds.
  struct Latency {
    std::uint64_t records = 0;
    double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
  };
  Latency end_to_end, processing;

  // Redrive: what was delivered where (dry run: what would have been).
  struct Redrive {
    std::array<std::uint64_t, processor::kReasonCount> moved{};     // to clean, by old reason
    std::array<std::uint64_t, processor::kReasonCount> requeued{};  // back, by new reason
    std::array<std::uint64_t, processor::kReasonCount> parked{};    // parked, by new reason
    std::uint64_t skipped = 0;  // not selected (filters, stubs): back unchanged
  } redrive;
};

// What the loop reads and where its outputs go.
enum class PipelineMode : std::uint8_t {
  run,      // input_topic -> clean / dead-letter (`skillstream run`)
  redrive,  // dlq_topic, up to its end offsets at start -> clean / dlq / parking
};

enum class PipelineExit : std::uint8_t {
  ok,           // stopped (signal or end of input) with everything delivered and committed
  failed,       // fatal Kafka error or halt: `error` says why; delivered work was committed
  undelivered,  // the shutdown bound passed with records undelivered (not committed)
};

struct PipelineResult {
  PipelineExit exit = PipelineExit::ok;
  std::string error;  // one line, for failed
  PipelineStats stats;
};

// `skillstream run`: Kafka input topic -> worker pool (RecordProcessor per worker) ->
// clean / dead-letter topics, with at-least-once delivery.
//
// A thin loop over units that each do one job (pipeline/README.md): KafkaSource and
// KafkaSink talk to librdkafka, judge_batch runs on the workers, Router builds each
// output record, DeliveryTracker owns records until acknowledged, OffsetTracker and
// Committer decide what to commit.
//
// Lifecycle: construct, run() once, destroy. Threads: run() drives everything on the
// calling thread; only judging runs on the pool's workers, a batch at a time. The
// only cross-thread input is `stop` (set it from a signal handler). Each turn of the
// loop handles, at one point each: delivery reports, judged batches, producing (a
// full producer queue hands the record back, never blocks), pausing, reading,
// commits; `stop` and the shutdown deadline are checked on every turn.
//
// Offsets are committed only up to the first record of each partition that is not
// yet delivered; on revoke the partitions' in-flight records are finished and
// committed before release; consumption pauses while more than max_inflight_bytes or
// max_inflight_records are read and unacknowledged.
class KafkaPipeline {
 public:
  KafkaPipeline(config::Settings settings,
                std::shared_ptr<const processor::PrivacyPatterns> patterns,
                PipelineMode mode = PipelineMode::run);
  ~KafkaPipeline();
  KafkaPipeline(const KafkaPipeline&) = delete;
  KafkaPipeline& operator=(const KafkaPipeline&) = delete;

  // Runs until `stop` is set (then drains within settings.shutdown_timeout), the end
  // of input with stop_at_end, or a fatal error.
  [[nodiscard]] PipelineResult run(const std::atomic<bool>& stop);

  // The port of the /metrics, /healthz, /readyz listener (settings.http_addr) once
  // run() has opened it; 0 before, or when it is "off". It serves until destruction,
  // so a finished run can still be scraped. Any thread.
  [[nodiscard]] std::uint16_t http_port() const noexcept;

  // Where a running pipeline is, for a caller that decides when to stop it (`bench`):
  // joined (first assignment seen), records read and acknowledged so far. Any thread.
  struct Progress {
    bool joined = false;
    std::uint64_t read = 0, delivered = 0;
  };
  [[nodiscard]] Progress progress() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// "skillstream" version written in the skillstream.version header.
std::string_view skillstream_version() noexcept;

}  // namespace skillstream::pipeline
