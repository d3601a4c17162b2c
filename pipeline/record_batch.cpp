#include "pipeline/record_batch.h"

#include "processor/assert.h"
#include "processor/metrics.h"
#include "processor/record_processor.h"

namespace skillstream::pipeline {

Batch::~Batch() {
  for (Record& r : records) {
    if (r.message != nullptr && release != nullptr) release(r.message);
  }
}

TextRef Batch::stash(std::string_view s) {
  SKILLSTREAM_ASSERT(text.size() + s.size() <= UINT32_MAX, "batch text arena over 4 GiB");
  TextRef ref{static_cast<std::uint32_t>(text.size()), static_cast<std::uint32_t>(s.size())};
  text.append(s);
  return ref;
}

namespace {

// scan_kafka_key: a match in a clean record's Kafka key is redacted (the key is then
// rewritten) or, under `reject`, makes the record privacy_violation. Dead letters keep
// their key as they keep their value.
void judge_key(processor::RecordProcessor& processor, Batch& batch, Record& r,
               std::string& scratch) {
  if (r.reason != processor::Reason::none || r.in.key.data() == nullptr) return;
  const processor::PrivacyPolicy policy = processor.options().privacy;
  if (policy == processor::PrivacyPolicy::off) return;
  scratch.clear();
  const processor::KindSet kinds = processor.scan_key(r.in.key, scratch);
  if (kinds.empty()) return;
  if (policy == processor::PrivacyPolicy::reject) {
    r.reason = processor::Reason::privacy_violation;
    r.path = {};
    r.message_text = batch.stash("the Kafka record key holds a match of kind " + kinds.to_string());
    return;
  }
  r.key_redacted = kinds;
  r.key = batch.stash(scratch);
}

}  // namespace

void judge_batch(processor::RecordProcessor& processor, processor::WorkerCounters& counters,
                 Batch& batch, const JudgeOptions& options) {
  const bool key_from_session_id = options.key_from_session_id;
  std::string scratch;
  for (Record& r : batch.records) {
    if (!r.judge) continue;
    processor::Outcome o = processor.process(r.in.value.data(), r.in.value.size());
    processor::count_record(counters, o);
    r.reason = o.verdict.reason;
    if (!o.verdict.clean()) {
      r.path = batch.stash(o.verdict.path);
      r.message_text = batch.stash(o.verdict.message);
      // Rendered straight into the arena (rejects only; bounded at 8 KiB).
      const std::size_t start = batch.text.size();
      processor::append_defects_json(o.defects, o.defects_truncated, batch.text);
      SKILLSTREAM_ASSERT(batch.text.size() <= UINT32_MAX, "batch text arena over 4 GiB");
      r.errors = {static_cast<std::uint32_t>(start),
                  static_cast<std::uint32_t>(batch.text.size() - start)};
      continue;
    }
    r.redacted = o.redacted;
    if (!o.redacted.empty()) r.value = batch.stash(o.value);
    if (key_from_session_id && r.in.key.data() == nullptr && !o.session_id.empty()) {
      r.session_id = batch.stash(o.session_id);
    }
    if (options.scan_kafka_key) judge_key(processor, batch, r, scratch);
  }
}

}  // namespace skillstream::pipeline
