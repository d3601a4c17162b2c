#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "processor/privacy_kind.h"
#include "processor/reason.h"
#include "processor/record_processor.h"

namespace skillstream::processor {

// A monotonic count with ONE writer thread. add() is a relaxed load and store, not a
// read-modify-write: no lock prefix, no cache-line ping-pong; any thread may read it
// (a scrape sees a recent value, never a torn one).
class Counter {
 public:
  void add(std::uint64_t n = 1) noexcept {
    v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> v_{0};
};

// A value set by one writer thread, read by any.
class Gauge {
 public:
  void set(std::int64_t v) noexcept { v_.store(v, std::memory_order_relaxed); }
  [[nodiscard]] std::int64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::int64_t> v_{0};
};

inline constexpr std::size_t kMaxBuckets = 32;

// Bucket counts of one or more histograms with the same bounds, as read on scrape.
struct HistogramSnapshot {
  std::span<const double> bounds;                       // upper bounds, ascending, +Inf implied
  std::array<std::uint64_t, kMaxBuckets + 1> counts{};  // per bucket, NOT cumulative
  double sum = 0;
};

// A Prometheus histogram with ONE writer thread (fixed upper bounds, at most
// kMaxBuckets; `bounds` must outlive it). Readers merge it into a snapshot.
class Histogram {
 public:
  explicit Histogram(std::span<const double> bounds) noexcept : bounds_(bounds) {}
  void observe(double v) noexcept;
  void add_to(HistogramSnapshot& out) const noexcept;
  [[nodiscard]] std::span<const double> bounds() const noexcept { return bounds_; }

 private:
  std::span<const double> bounds_;
  std::array<Counter, kMaxBuckets + 1> counts_;
  std::atomic<double> sum_{0};
};

// Upper bounds in seconds: a worker's batch (hundreds of records, ~1 us each), and a
// record's trip from its input timestamp to the delivery acknowledgement.
inline constexpr std::array<double, 13> kBatchSecondsBounds = {
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1};
// A record's latency (skillstream_record_latency_seconds): 1 ms to 60 s, six buckets
// per decade (1, 1.5, 2, 3, 5, 7.5), fine enough for percentiles by interpolation.
inline constexpr std::array<double, 28> kRecordLatencySecondsBounds = {
    0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15,
    0.2,   0.3,    0.5,   0.75,  1,     1.5,    2,    3,     5,    7.5,  10,   15,    30,  60};

// The q-quantile (0 < q <= 1) of the values in `h`, as Prometheus' histogram_quantile
// computes it: the bucket holding the rank q * count, interpolated linearly between
// its lower bound (0 for the first) and its upper bound; a rank in the +Inf bucket
// gives the highest finite bound. NaN when `h` is empty.
[[nodiscard]] double quantile(const HistogramSnapshot& h, double q) noexcept;

// What one worker thread counts: verdicts and redactions per record, time per batch.
// Each worker owns one (written only by it, read on scrape); cache-line aligned so
// two workers never share a line.
struct alignas(64) WorkerCounters {
  std::array<Counter, kReasonCount> verdicts;  // by Reason; Reason::none = clean
  std::array<Counter, kPrivacyKindCount> redactions;
  Histogram batch_seconds{kBatchSecondsBounds};
  Gauge busy_since_ns;  // steady-clock time the current batch started; 0: idle
};

// Counts one processed record: the whole per-record cost of metrics on the record
// path (the pipeline's workers and bench_validator's Validate_CountersOn call it).
inline void count_record(WorkerCounters& c, const Outcome& o) noexcept {
  c.verdicts[static_cast<std::size_t>(o.verdict.reason)].add();
  if (o.redacted.empty()) return;
  for (std::size_t k = 0; k < kPrivacyKindCount; ++k) {
    if (o.redacted.has(static_cast<PrivacyKind>(k))) c.redactions[k].add();
  }
}

// Reason counts as "a=1 b=2" (non-zero only, enum order): for log lines.
std::string format_reasons(std::span<const std::uint64_t, kReasonCount> counts);

// One metric family's label set: (name, value) pairs.
using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// Writes the Prometheus text exposition format 0.0.4. Call family() once per metric
// name, then its samples; label values are escaped (\\, \", \n).
class PromWriter {
 public:
  enum class Type : std::uint8_t { counter, gauge, histogram };

  void family(std::string_view name, Type type, std::string_view help);
  void sample(std::string_view name, Labels labels, double value);
  void sample(std::string_view name, Labels labels, std::uint64_t value);
  void sample(std::string_view name, Labels labels, std::int64_t value);
  // name_bucket{...,le="..."} (cumulative, le="+Inf" last), name_sum, name_count.
  void histogram(std::string_view name, Labels labels, const HistogramSnapshot& h);

  [[nodiscard]] const std::string& text() const noexcept { return out_; }
  std::string take() noexcept { return std::move(out_); }

 private:
  void series(std::string_view name, std::string_view suffix, Labels labels,
              std::string_view extra_name = {}, std::string_view extra_value = {});
  std::string out_;
};

}  // namespace skillstream::processor
