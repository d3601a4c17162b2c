// The Kafka pipeline in-process against the embedded broker: routing, headers,
// order, offsets, restarts, undeliverable records, stopping mid-stream.
#include <atomic>
#include <map>
#include <set>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include "generator/session_generator.h"
#include "pipeline/kafka_pipeline.h"
#include "processor/record_processor.h"
#include "tests/integration/cluster.h"

namespace skillstream {
namespace {

using testing::Cluster;
using testing::InRecord;
using testing::OutRecord;
using testing::source_of;
using testing::SourceId;

constexpr int kInParts = 4;
constexpr int kOutParts = 3;

// Fewer output than input partitions, so that records of several input partitions
// share an output partition (the order check below).
const testing::Topics kTopics{
    .input_partitions = kInParts, .clean_partitions = kOutParts, .dlq_partitions = kOutParts};

// Generated records spread round robin over the input partitions, plus edge cases.
std::vector<InRecord> make_inputs(std::size_t n, std::uint64_t seed) {
  generator::GeneratorOptions g;
  g.seed = seed;
  g.invalid_ratio = 0.2;
  g.secret_ratio = 0.1;
  generator::SessionGenerator gen(g);
  std::vector<InRecord> out;
  std::string rec;
  for (std::size_t i = 0; i < n; ++i) {
    (void)gen.next(rec);
    InRecord r;
    r.value = rec;
    r.partition = static_cast<std::int32_t>(i % kInParts);
    if (i % 7 == 0) r.key = "key-" + std::to_string(i);
    if (i % 11 == 0)
      r.headers = {{"trace-id", "t" + std::to_string(i)}, {"bin", std::string("\0\1", 2)}};
    if (i % 13 == 0) r.timestamp_ms = 1'700'000'000'000 + static_cast<std::int64_t>(i);
    out.push_back(std::move(r));
  }
  InRecord tomb;  // null value
  tomb.partition = 0;
  tomb.key = "tombstone";
  out.push_back(tomb);
  InRecord empty;
  empty.value = "";
  empty.partition = 1;
  out.push_back(empty);
  return out;
}

// Input (partition, offset) of each record: the topics are fresh, offsets start at 0.
std::map<SourceId, const InRecord*> index_inputs(const std::vector<InRecord>& in,
                                                 std::vector<std::int64_t>& next) {
  std::map<SourceId, const InRecord*> out;
  for (const InRecord& r : in) {
    auto p = static_cast<std::size_t>(r.partition);
    out[{r.partition, next[p]++}] = &r;
  }
  return out;
}

TEST(KafkaPipeline, RoutesEveryRecordToExactlyOneTopicWithHeaders) {
  const Cluster c(kTopics);
  const config::Settings s = c.settings("it-group", "it-1");
  auto inputs = make_inputs(3000, 7);
  c.produce(inputs);
  auto result = testing::run_pipeline(s);
  ASSERT_EQ(result.exit, pipeline::PipelineExit::ok) << result.error;
  EXPECT_EQ(result.stats.read, inputs.size());
  EXPECT_EQ(result.stats.delivered, inputs.size());

  std::vector<std::int64_t> next(kInParts, 0);
  auto by_source = index_inputs(inputs, next);
  auto outputs = c.outputs();
  ASSERT_EQ(outputs.size(), inputs.size());

  processor::RecordProcessor proc(s.processor, testing::privacy_patterns());
  std::set<SourceId> seen;
  std::size_t clean = 0, redacted = 0, rejected = 0;
  for (const OutRecord& o : outputs) {
    SourceId id = source_of(o);
    ASSERT_TRUE(seen.insert(id).second) << "duplicate " << id.first << "/" << id.second;
    auto it = by_source.find(id);
    ASSERT_NE(it, by_source.end());
    const InRecord& in = *it->second;
    auto outcome = in.value ? proc.process(*in.value) : proc.process(nullptr, 0);
    EXPECT_EQ(o.header("skillstream.source.topic"), "in");
    EXPECT_EQ(o.header("skillstream.instance"), "it-1");
    ASSERT_TRUE(o.header("skillstream.source.timestamp").has_value());
    if (in.timestamp_ms != 0) {
      EXPECT_EQ(o.timestamp_ms, in.timestamp_ms);
      EXPECT_EQ(o.header("skillstream.source.timestamp"), std::to_string(in.timestamp_ms));
    }
    for (const auto& [n, v] : in.headers) EXPECT_EQ(o.header(n), v) << n;
    if (outcome.verdict.clean()) {
      ++clean;
      ASSERT_EQ(o.topic, "clean");
      EXPECT_EQ(o.value, std::string(outcome.value));
      EXPECT_EQ(o.key, in.key ? *in.key : std::string(outcome.session_id));
      EXPECT_FALSE(o.header("skillstream.reason").has_value());
      if (outcome.redacted.empty()) {
        EXPECT_FALSE(o.header("skillstream.redacted").has_value());
      } else {
        ++redacted;
        EXPECT_EQ(o.header("skillstream.redacted"), outcome.redacted.to_string());
      }
    } else {
      ++rejected;
      ASSERT_EQ(o.topic, "dlq");
      EXPECT_EQ(o.value, in.value);  // original bytes (null stays null)
      EXPECT_EQ(o.key, in.key);
      EXPECT_EQ(o.header("skillstream.reason"), std::string(to_string(outcome.verdict.reason)));
      EXPECT_EQ(o.header("skillstream.path"), std::string(outcome.verdict.path));
      EXPECT_EQ(o.header("skillstream.message"), std::string(outcome.verdict.message));
      EXPECT_TRUE(o.header("skillstream.version").has_value());
    }
  }
  EXPECT_EQ(seen.size(), inputs.size());
  EXPECT_GT(clean, 0u);
  EXPECT_GT(redacted, 0u);
  EXPECT_GT(rejected, 2u);
  EXPECT_EQ(result.stats.clean, clean);

  // Per input partition, records that share an output partition keep their order.
  std::map<std::tuple<std::string, std::int32_t, std::int32_t>, std::int64_t> last;
  std::vector<OutRecord> sorted = outputs;
  std::sort(sorted.begin(), sorted.end(), [](const OutRecord& a, const OutRecord& b) {
    return std::tie(a.topic, a.partition, a.offset) < std::tie(b.topic, b.partition, b.offset);
  });
  for (const OutRecord& o : sorted) {
    SourceId id = source_of(o);
    auto key = std::make_tuple(o.topic, o.partition, id.first);
    auto it = last.find(key);
    if (it != last.end()) {
      EXPECT_LT(it->second, id.second) << "order broken in " << o.topic;
    }
    last[key] = id.second;
  }

  // Everything delivered is committed.
  EXPECT_EQ(c.committed("it-group"), next);
}

TEST(KafkaPipeline, RestartResumesFromCommittedOffsets) {
  const Cluster c(kTopics);
  config::Settings s = c.settings("it-group", "it-1");
  auto first = make_inputs(500, 1);
  c.produce(first);
  auto r1 = testing::run_pipeline(s);
  ASSERT_EQ(r1.exit, pipeline::PipelineExit::ok) << r1.error;
  EXPECT_EQ(r1.stats.read, first.size());

  auto second = make_inputs(300, 2);
  c.produce(second);
  s.instance_id = "it-2";
  auto r2 = testing::run_pipeline(s);
  ASSERT_EQ(r2.exit, pipeline::PipelineExit::ok) << r2.error;
  EXPECT_EQ(r2.stats.read, second.size());  // nothing read twice

  auto outputs = c.outputs();
  std::set<SourceId> seen;
  for (const auto& o : outputs) EXPECT_TRUE(seen.insert(source_of(o)).second);
  EXPECT_EQ(seen.size(), first.size() + second.size());
  EXPECT_EQ(c.committed("it-group"), c.input_high_watermarks());
}

TEST(KafkaPipeline, RecordRefusedForGoodBecomesUndeliverableStub) {
  const Cluster c(kTopics);
  std::vector<InRecord> in(3);
  in[0].value = std::string(3u << 20, 'x');  // too_large, and too large for the producer
  in[0].partition = 0;
  in[0].key = "big";
  in[1].value = "{}";
  in[1].partition = 0;
  in[2].value = "not json";
  in[2].partition = 0;
  c.produce(in);
  config::Settings s = c.settings("it-group", "it-1");
  // The embedded broker accepts ~100 MB: a producer limit of 2 MB stands for a topic's.
  s.producer_properties = {{"message.max.bytes", "2000000"}};
  auto r = testing::run_pipeline(s);
  ASSERT_EQ(r.exit, pipeline::PipelineExit::ok) << r.error;
  EXPECT_EQ(r.stats.undeliverable, 1u);

  auto dlq = c.read("dlq");
  ASSERT_EQ(dlq.size(), 3u);
  const OutRecord* stub = nullptr;
  for (const auto& o : dlq) {
    if (o.header("skillstream.reason") == "undeliverable") stub = &o;
  }
  ASSERT_NE(stub, nullptr);
  EXPECT_EQ(stub->value.value_or("?"), "");
  EXPECT_EQ(stub->key, "big");
  EXPECT_EQ(stub->header("skillstream.source.offset"), "0");
  EXPECT_EQ(stub->header("skillstream.original.size"), std::to_string(3u << 20));
  EXPECT_EQ(stub->header("skillstream.original.reason"), "too_large");
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(in[0].value->data()), in[0].value->size(), digest);
  std::string hex;
  for (unsigned char b : digest) hex += fmt::format("{:02x}", b);
  EXPECT_EQ(stub->header("skillstream.original.sha256"), hex);
  EXPECT_TRUE(stub->header("skillstream.broker.error").has_value());
  EXPECT_NE(stub->header("skillstream.message")->find("producer's own size check"),
            std::string::npos)
      << "the stub says who refused it";
  EXPECT_EQ(c.committed("it-group")[0], 3);
}

TEST(KafkaPipeline, OnUndeliverableHaltFailsAndCommitsOnlyTheDeliveredPrefix) {
  const Cluster c(kTopics);
  config::Settings s = c.settings("it-group", "it-1");
  s.on_undeliverable = config::OnUndeliverable::halt;
  // The embedded broker accepts ~100 MB: a producer limit of 2 MB stands for a topic's.
  s.producer_properties = {{"message.max.bytes", "2000000"}};
  std::vector<InRecord> in(3);
  in[0].value = "{}";
  in[1].value = std::string(3u << 20, 'x');
  in[2].value = "{}";
  for (auto& r : in) r.partition = 0;
  c.produce(in);
  auto r = testing::run_pipeline(s);
  EXPECT_EQ(r.exit, pipeline::PipelineExit::failed);
  EXPECT_NE(r.error.find("refused"), std::string::npos) << r.error;
  EXPECT_EQ(c.committed("it-group")[0], 1);
}

TEST(KafkaPipeline, StopMidStreamLosesNothing) {
  const Cluster c(kTopics);
  config::Settings s = c.settings("it-group", "it-1");
  auto inputs = make_inputs(8000, 3);
  c.produce(inputs);
  s.stop_at_end = false;
  std::atomic<bool> stop{false};
  std::thread stopper([&] {  // stop once the pipeline has started writing
    (void)testing::wait_for([&] { return testing::total(c.high_watermarks("clean")) > 0; },
                            std::chrono::seconds(30));
    stop = true;
  });
  auto r1 = testing::run_pipeline(s, stop);
  stopper.join();
  ASSERT_EQ(r1.exit, pipeline::PipelineExit::ok) << r1.error;
  EXPECT_GT(r1.stats.read, 0u);
  EXPECT_EQ(r1.stats.delivered, r1.stats.read);  // drained before exit

  s.stop_at_end = true;
  auto r2 = testing::run_pipeline(s);
  ASSERT_EQ(r2.exit, pipeline::PipelineExit::ok) << r2.error;
  std::set<SourceId> seen;
  std::size_t duplicates = 0;
  for (const auto& o : c.outputs()) duplicates += seen.insert(source_of(o)).second ? 0 : 1;
  EXPECT_EQ(seen.size(), inputs.size());
  EXPECT_EQ(duplicates, 0u);  // a clean stop commits everything it delivered
  EXPECT_EQ(r1.stats.read + r2.stats.read, inputs.size());
}

}  // namespace
}  // namespace skillstream
