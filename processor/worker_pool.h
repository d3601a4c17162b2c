#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace skillstream::processor {

// Runs jobs on a fixed set of worker threads and hands them back in the order they
// were submitted. Jobs are batches of records: the pool's lock is taken a few times
// per batch, never per record.
//
// Bounded: at most `max_jobs` jobs are between submit() and next(); submit() blocks
// while the pool is full, which is how a slow consumer pauses the source (never drop).
//
// Threads: one producer thread calls submit(), one consumer thread calls next() /
// try_next() (they may be the same thread when it never blocks on both); `fn` runs
// on the workers with the worker's index, so each worker can own a RecordProcessor.
// close() ends submission; the workers finish every job already submitted; the
// destructor closes and joins.
template <class Job>
class OrderedWorkerPool {
 public:
  using Fn = std::function<void(std::size_t worker, Job& job)>;

  OrderedWorkerPool(std::size_t workers, std::size_t max_jobs, Fn fn)
      : fn_(std::move(fn)), max_jobs_(max_jobs == 0 ? 1 : max_jobs) {
    if (workers == 0) workers = 1;
    threads_.reserve(workers);
    for (std::size_t i = 0; i < workers; ++i) threads_.emplace_back([this, i] { worker_loop_(i); });
  }

  ~OrderedWorkerPool() {
    close();
    for (auto& t : threads_) t.join();
  }

  OrderedWorkerPool(const OrderedWorkerPool&) = delete;
  OrderedWorkerPool& operator=(const OrderedWorkerPool&) = delete;

  // Queues a job; blocks while max_jobs are in flight. False (job dropped by the
  // caller's choice) only after close().
  bool submit(Job job) {
    std::unique_lock lock(mu_);
    space_cv_.wait(lock, [&] { return closed_ || slots_.size() < max_jobs_; });
    if (closed_) return false;
    slots_.push_back(Slot{std::move(job), State::queued});
    ++queued_;
    lock.unlock();
    work_cv_.notify_one();
    return true;
  }

  // The oldest job not yet returned, once done; blocks. nullopt once closed and empty.
  std::optional<Job> next() {
    std::unique_lock lock(mu_);
    done_cv_.wait(lock, [&] { return front_done_() || (closed_ && slots_.empty()); });
    return pop_front_(lock);
  }

  // Like next() but waits at most `timeout`; nullopt when the oldest job is not done.
  std::optional<Job> next_for(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    done_cv_.wait_for(lock, timeout, [&] { return front_done_(); });
    return pop_front_(lock);
  }

  // The oldest job if it is done; never blocks.
  std::optional<Job> try_next() {
    std::unique_lock lock(mu_);
    return pop_front_(lock);
  }

  // Jobs submitted and not yet returned by next().
  [[nodiscard]] std::size_t in_flight() const {
    std::lock_guard lock(mu_);
    return slots_.size();
  }

  [[nodiscard]] std::size_t workers() const noexcept { return threads_.size(); }

  // No more submissions; queued jobs still run and can still be taken with next().
  void close() {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
    }
    work_cv_.notify_all();
    space_cv_.notify_all();
    done_cv_.notify_all();
  }

 private:
  enum class State : unsigned char { queued, running, done };
  struct Slot {
    Job job;
    State state;
  };

  bool front_done_() const { return !slots_.empty() && slots_.front().state == State::done; }

  std::optional<Job> pop_front_(std::unique_lock<std::mutex>& lock) {
    if (!front_done_()) return std::nullopt;
    std::optional<Job> out(std::move(slots_.front().job));
    slots_.pop_front();
    lock.unlock();
    space_cv_.notify_one();
    return out;
  }

  void worker_loop_(std::size_t index) {
    std::unique_lock lock(mu_);
    for (;;) {
      work_cv_.wait(lock, [&] { return queued_ > 0 || (closed_ && queued_ == 0); });
      if (queued_ == 0) return;  // closed and nothing left to run
      // Workers take jobs in submission order, so the queued slots are the newest
      // `queued_` ones. Deque references stay valid while slots are appended or the
      // front is popped (only done slots are popped, and this one is not).
      Slot* slot = &slots_[slots_.size() - queued_];
      slot->state = State::running;
      --queued_;
      lock.unlock();
      fn_(index, slot->job);
      lock.lock();
      slot->state = State::done;
      if (slot == &slots_.front()) done_cv_.notify_all();
    }
  }

  Fn fn_;
  const std::size_t max_jobs_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;   // a job was queued, or closed
  std::condition_variable space_cv_;  // a slot was freed, or closed
  std::condition_variable done_cv_;   // the front job is done, or closed
  std::deque<Slot> slots_;            // submission order
  std::size_t queued_ = 0;            // slots in State::queued
  bool closed_ = false;
  std::vector<std::thread> threads_;  // last: started after every member above exists
};

}  // namespace skillstream::processor
