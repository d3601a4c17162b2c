#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/out_record.h"
#include "processor/privacy_kind.h"
#include "processor/reason.h"

namespace skillstream::processor {
class RecordProcessor;
struct WorkerCounters;
}  // namespace skillstream::processor

namespace skillstream::pipeline {

// A piece of a batch's text arena (offsets survive the arena growing).
struct TextRef {
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
};

// What the source read: views into a consumed message that the batch owns.
struct InputMeta {
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::int64_t timestamp_ms = -1;  // -1: none
  std::string_view value;          // data() == nullptr: a null value (tombstone)
  std::string_view key;            // data() == nullptr: no key
};

// Why the output of a record was refused for good (it became an `undeliverable` stub).
struct Refusal {
  const char* name = "";         // the error code's name ("MSG_SIZE_TOO_LARGE")
  const char* description = "";  // its text
  bool by_client = false;        // the client's own size check refused it, not the broker
};

struct Batch;

// One input record on its way out. Lives in its batch until its output is
// acknowledged. The worker fills the verdict fields; the main thread the delivery ones.
struct Record {
  Batch* batch = nullptr;
  void* message = nullptr;  // the source's native message, freed with the batch
  InputMeta in;
  // When the source handed the record over (steady clock, main thread): the start of
  // the `processing` latency stage.
  std::chrono::steady_clock::time_point read_at{};

  // Redrive only (main thread, at read): not selected records (filters, stubs) are
  // not judged and go back to the queue unchanged; `attempt` is the record's previous
  // skillstream.redrive.attempt (0: none).
  bool judge = true;
  std::uint32_t attempt = 0;
  processor::Reason prev_reason = processor::Reason::none;  // its skillstream.reason

  // The verdict (worker thread).
  processor::Reason reason = processor::Reason::none;
  processor::KindSet redacted;
  TextRef path, message_text;       // rejects
  TextRef errors;                   // rejects: every defect, the skillstream.errors JSON array
  TextRef value;                    // clean and redacted: the rewritten value
  TextRef session_id;               // clean, when the input has no key
  processor::KindSet key_redacted;  // scan_kafka_key: kinds found in the Kafka key
  TextRef key;                      // ... and the redacted key

  // Delivery (main thread).
  bool stub = false;  // refused for good: written as an `undeliverable` stub
  connectors::Destination destination = connectors::Destination::clean;  // where it went
  Refusal refusal;
  std::uint32_t attempts = 0;  // failed deliveries so far

  [[nodiscard]] bool dead_letter() const noexcept {
    return destination != connectors::Destination::clean;
  }
};

// The unit that crosses threads: records read together, judged by one worker, then
// produced and tracked by the main thread. Owns the consumed messages (through
// `release`) and a text arena for paths, messages, redacted values and session ids.
struct Batch {
  using ReleaseFn = void (*)(void* message);

  explicit Batch(ReleaseFn release_fn) : release(release_fn) {}
  ~Batch();
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  [[nodiscard]] std::string_view view(TextRef r) const noexcept {
    return std::string_view(text).substr(r.offset, r.size);
  }
  TextRef stash(std::string_view s);

  std::vector<Record> records;
  std::string text;
  ReleaseFn release;
  std::size_t pending = 0;  // records not yet acknowledged (main thread)
};

// Judges every record of `batch` with `processor` (a worker's own), counting into
// `counters`.
struct JudgeOptions {
  bool key_from_session_id = true;  // keep the session id of clean records without a key
  bool scan_kafka_key = false;      // section 3 over the Kafka record key too
};
void judge_batch(processor::RecordProcessor& processor, processor::WorkerCounters& counters,
                 Batch& batch, const JudgeOptions& options);

}  // namespace skillstream::pipeline
