#include "pipeline/delivery_tracker.h"

#include <algorithm>

#include "processor/assert.h"

namespace skillstream::pipeline {

using connectors::DeliveryErrorClass;

DeliveryTracker::DeliveryTracker(DeliveryLimits limits, OnPermanent on_permanent)
    : limits_(limits), on_permanent_(on_permanent) {}

DeliveryTracker::~DeliveryTracker() { release_all(); }

void DeliveryTracker::on_read(std::size_t value_bytes) noexcept {
  ++inflight_records_;
  inflight_bytes_ += value_bytes;
}

void DeliveryTracker::add(std::unique_ptr<Batch> batch) {
  Batch* b = batch.release();
  if (b->records.empty()) {
    delete b;
    return;
  }
  b->pending = b->records.size();
  live_.insert(b);
  for (Record& r : b->records) {
    r.batch = b;  // the batch object never moves once made; set again for clarity
    queue_.push_back(&r);
  }
}

Record* DeliveryTracker::next(Clock::time_point now) {
  if (halted_ != nullptr) return nullptr;
  if (!retries_.empty() && retries_.top().due <= now) {
    Record* r = retries_.top().record;
    retries_.pop();
    return r;
  }
  if (queue_.empty()) return nullptr;
  Record* r = queue_.front();
  queue_.pop_front();
  return r;
}

void DeliveryTracker::produced(Record&) noexcept {}

void DeliveryTracker::unproduced(Record& r) { queue_.push_front(&r); }

void DeliveryTracker::delivered(Record& r) noexcept {
  ++counts_.delivered;
  release(r);
}

void DeliveryTracker::failed(Record& r, DeliveryErrorClass cls, const Refusal& refusal,
                             Clock::time_point now) {
  switch (cls) {
    case DeliveryErrorClass::ok:
      delivered(r);
      return;
    case DeliveryErrorClass::retriable: {
      // librdkafka already retried within message.timeout.ms; try again with backoff,
      // never skip it.
      ++r.attempts;
      ++counts_.retries;
      const auto backoff = std::chrono::milliseconds(std::min(100u * r.attempts, 2000u));
      retries_.push(Retry{&r, now + backoff});
      return;
    }
    case DeliveryErrorClass::permanent:
      if (!r.stub && on_permanent_ == OnPermanent::stub) {
        ++counts_.undeliverable;
        r.stub = true;
        r.refusal = refusal;
        queue_.push_front(&r);
        return;
      }
      // A stub refused too, or halt: keep the record (never committed) and stop.
      if (halted_ == nullptr) halted_ = &r;
      r.refusal = refusal;
      return;
    case DeliveryErrorClass::fatal:
      if (!fatal()) fatal_ = refusal;
      ++counts_.dropped;
      release(r);
      return;
    case DeliveryErrorClass::purged:
      ++counts_.dropped;
      release(r);
      return;
  }
  SKILLSTREAM_ASSERT(false, "unhandled DeliveryErrorClass");
}

bool DeliveryTracker::over_limits() const noexcept {
  return inflight_bytes_ >= limits_.max_inflight_bytes ||
         inflight_records_ >= limits_.max_inflight_records;
}

bool DeliveryTracker::under_resume_mark() const noexcept {
  return inflight_bytes_ < limits_.max_inflight_bytes / 2 &&
         inflight_records_ < limits_.max_inflight_records / 2;
}

void DeliveryTracker::release(Record& r) noexcept {
  Batch* b = r.batch;
  SKILLSTREAM_ASSERT(b != nullptr && b->pending > 0, "record released twice");
  SKILLSTREAM_ASSERT(inflight_records_ > 0, "in-flight record count underflow");
  --inflight_records_;
  inflight_bytes_ -= std::min(inflight_bytes_, r.in.value.size());
  if (--b->pending == 0) {
    live_.erase(b);
    delete b;  // releases its consumed messages
  }
}

void DeliveryTracker::release_all() noexcept {
  for (Batch* b : live_) {
    counts_.dropped += b->pending;
    delete b;
  }
  live_.clear();
  queue_.clear();
  retries_ = {};
  halted_ = nullptr;
  inflight_records_ = 0;  // records read but never batched are the caller's to drop
  inflight_bytes_ = 0;
}

}  // namespace skillstream::pipeline
