#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <queue>
#include <unordered_set>
#include <vector>

#include "connectors/delivery_errors.h"
#include "pipeline/record_batch.h"

namespace skillstream::pipeline {

struct DeliveryLimits {
  std::size_t max_inflight_bytes = 256u << 20;  // input value bytes read, not acknowledged
  std::size_t max_inflight_records = 100'000;   // records read, not acknowledged
};

enum class OnPermanent : std::uint8_t {
  stub,  // write an `undeliverable` stub to the dead-letter topic
  halt,  // keep the record (never committed) and stop
};

// Owns every record from the moment its judged batch comes back from the workers
// until its output is acknowledged: the queue of records to produce (in batch order,
// retries once due), retry backoff, stubs for records refused for good, and the
// byte and record counts the source pauses on. Knows nothing of Kafka: the loop tells
// it what happened (produced, delivered, failed with a class of error).
//
// Threads: the pipeline's main thread only.
class DeliveryTracker {
 public:
  using Clock = std::chrono::steady_clock;

  DeliveryTracker(DeliveryLimits limits, OnPermanent on_permanent);
  ~DeliveryTracker();
  DeliveryTracker(const DeliveryTracker&) = delete;
  DeliveryTracker& operator=(const DeliveryTracker&) = delete;

  // A record was read (before it is batched): counts towards the limits.
  void on_read(std::size_t value_bytes) noexcept;
  // A judged batch: every record is queued to be produced, in order.
  void add(std::unique_ptr<Batch> batch);

  // The next record to produce at `now` (queued records first, then due retries), or
  // null. The record stays the tracker's; report what happened with one of:
  [[nodiscard]] Record* next(Clock::time_point now);
  void produced(Record& r) noexcept;  // accepted by the producer: in flight
  void unproduced(Record& r);         // the producer's queue was full: first again
  // The delivery report said delivered: the record is released (and its batch once
  // the last one is). The caller acknowledges the offset before calling.
  void delivered(Record& r) noexcept;
  // A failed produce or delivery. retriable: produced again after a backoff;
  // permanent: becomes a stub (or halts); purged or fatal: released, never committed.
  void failed(Record& r, connectors::DeliveryErrorClass cls, const Refusal& refusal,
              Clock::time_point now);

  [[nodiscard]] bool over_limits() const noexcept;
  [[nodiscard]] bool under_resume_mark() const noexcept;  // half of both limits
  [[nodiscard]] bool halted() const noexcept { return halted_ != nullptr; }
  [[nodiscard]] const Record* halted_record() const noexcept { return halted_; }
  // A delivery failed with a fatal class: the pipeline must stop (see Refusal).
  [[nodiscard]] bool fatal() const noexcept { return fatal_.name[0] != '\0'; }
  [[nodiscard]] const Refusal& fatal_error() const noexcept { return fatal_; }

  [[nodiscard]] std::size_t inflight_records() const noexcept { return inflight_records_; }
  [[nodiscard]] std::size_t inflight_bytes() const noexcept { return inflight_bytes_; }
  [[nodiscard]] std::size_t queued() const noexcept { return queue_.size(); }
  [[nodiscard]] std::size_t retrying() const noexcept { return retries_.size(); }
  [[nodiscard]] std::size_t live_batches() const noexcept { return live_.size(); }

  // Counts since the start.
  struct Counts {
    std::uint64_t delivered = 0;
    std::uint64_t retries = 0;        // failed deliveries produced again
    std::uint64_t undeliverable = 0;  // records turned into stubs
    std::uint64_t dropped = 0;        // released undelivered (purged, fatal, shutdown)
  };
  [[nodiscard]] const Counts& counts() const noexcept { return counts_; }

  // Releases every record still held (shutdown), counting them as dropped.
  void release_all() noexcept;

 private:
  void release(Record& r) noexcept;

  struct Retry {
    Record* record;
    Clock::time_point due;
    bool operator>(const Retry& o) const noexcept { return due > o.due; }
  };

  DeliveryLimits limits_;
  OnPermanent on_permanent_;
  std::deque<Record*> queue_;  // to produce, in order
  // To produce again, earliest due first.
  std::priority_queue<Retry, std::vector<Retry>, std::greater<Retry>> retries_;
  std::unordered_set<Batch*> live_;  // batches with records not yet acknowledged
  std::size_t inflight_records_ = 0;
  std::size_t inflight_bytes_ = 0;
  const Record* halted_ = nullptr;
  Refusal fatal_;
  Counts counts_;
};

}  // namespace skillstream::pipeline
