// `redrive` on the embedded broker: the conformance sample judged in strict mode, then
// its dead letters sent back without --strict. Every record is followed by its
// skillstream.source.* headers: nothing lost, nothing duplicated.
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "pipeline/kafka_pipeline.h"
#include "tests/integration/cluster.h"
#include "tests/support/files.h"

namespace skillstream {
namespace {

using testing::InRecord;
using testing::OutRecord;
using testing::SourceId;

constexpr int kParts = 4;

struct Sample {
  std::vector<std::string> lines;
  std::vector<std::string> default_verdict;  // per line: "clean", "clean, redacted", a reason
};

Sample conformance() {
  const std::string dir = std::string(SKILLSTREAM_SOURCE_DIR) + "/tests/data/";
  Sample s;
  s.lines = testing::split_lines(testing::read_file(dir + "conformance.jsonl"));
  simdjson::dom::parser parser;
  for (const std::string& l :
       testing::split_lines(testing::read_file(dir + "conformance.v2.expected.jsonl"))) {
    if (l.empty()) continue;
    std::string_view v;
    if (parser.parse(l).at_key("default").get(v)) ADD_FAILURE() << "bad expected line";
    s.default_verdict.emplace_back(v);
  }
  return s;
}

pipeline::PipelineResult redrive(const config::Settings& s) {
  pipeline::KafkaPipeline p(s, testing::privacy_patterns(), pipeline::PipelineMode::redrive);
  const std::atomic<bool> never{false};
  return p.run(never);
}

std::uint64_t sum(const std::array<std::uint64_t, processor::kReasonCount>& a) {
  std::uint64_t n = 0;
  for (auto v : a) n += v;
  return n;
}

// Records of `topic` from offset `from` on (per partition) of a `parts`-partition topic.
std::vector<OutRecord> after(const testing::Cluster& c, const std::string& topic, int parts,
                             const std::vector<std::int64_t>& from) {
  std::vector<OutRecord> out;
  for (OutRecord& o : testing::read_all(c.bootstraps(), topic, parts)) {
    if (o.offset >= from[static_cast<std::size_t>(o.partition)]) out.push_back(std::move(o));
  }
  return out;
}

TEST(Redrive, StrictRejectsComeBackCleanTheRestIsRequeuedThenParked) {
  const Sample sample = conformance();
  ASSERT_EQ(sample.lines.size(), sample.default_verdict.size());
  testing::Topics topics;
  topics.input_partitions = topics.clean_partitions = topics.dlq_partitions = kParts;
  const testing::Cluster c(topics);
  ASSERT_TRUE(c.broker().create_topic("parked", 2).ok());
  std::vector<InRecord> in(sample.lines.size());
  std::map<SourceId, std::size_t> line_of;
  for (std::size_t i = 0; i < in.size(); ++i) {
    in[i].value = sample.lines[i];
    in[i].partition = static_cast<std::int32_t>(i % kParts);
    line_of[{in[i].partition, static_cast<std::int64_t>(i / kParts)}] = i;
  }
  c.produce(in);

  config::Settings run = c.settings("strict-run", "run-1");
  run.processor.strict = true;
  const auto strict = testing::run_pipeline(run);
  ASSERT_EQ(strict.exit, pipeline::PipelineExit::ok) << strict.error;
  const std::uint64_t dead = sum(strict.stats.rejected);
  const std::uint64_t unknown =
      strict.stats.rejected[static_cast<std::size_t>(processor::Reason::unknown_field)];
  ASSERT_GT(unknown, 0u);
  const auto dlq_before = c.high_watermarks("dlq");
  const auto clean_before = c.high_watermarks("clean");

  config::Settings s = c.settings("unused", "redrive-1");
  s.redrive.parking_topic = "parked";
  // A dry run writes and commits nothing, and says what would move.
  s.redrive.dry_run = true;
  const auto dry = redrive(s);
  ASSERT_EQ(dry.exit, pipeline::PipelineExit::ok) << dry.error;
  EXPECT_EQ(sum(dry.stats.redrive.moved), unknown);
  EXPECT_EQ(sum(dry.stats.redrive.requeued), dead - unknown);
  EXPECT_EQ(c.high_watermarks("dlq"), dlq_before);
  EXPECT_EQ(c.high_watermarks("clean"), clean_before);
  for (auto off : testing::committed_offsets(c.bootstraps(), "skillstream-redrive", "dlq", kParts))
    EXPECT_LT(off, 0) << "a dry run commits nothing";

  // The real redrive: exactly the unknown_field rejects move (without --strict each is
  // what the sample's default column says), every other one is requeued, attempt 1.
  s.redrive.dry_run = false;
  const auto first = redrive(s);
  ASSERT_EQ(first.exit, pipeline::PipelineExit::ok) << first.error;
  EXPECT_EQ(first.stats.read, dead);
  EXPECT_EQ(sum(first.stats.redrive.moved), unknown);
  EXPECT_EQ(first.stats.redrive.moved[static_cast<std::size_t>(processor::Reason::unknown_field)],
            unknown);
  EXPECT_EQ(sum(first.stats.redrive.requeued), dead - unknown);
  std::set<SourceId> seen;
  for (const OutRecord& o : after(c, "clean", kParts, clean_before)) {
    const SourceId id = testing::source_of(o);
    EXPECT_TRUE(seen.insert(id).second) << "duplicate";
    EXPECT_TRUE(sample.default_verdict[line_of.at(id)].starts_with("clean"));
    EXPECT_FALSE(o.header("skillstream.reason").has_value()) << "old verdict removed";
    EXPECT_FALSE(o.header("skillstream.path").has_value());
    EXPECT_EQ(o.header("skillstream.redrive.attempt"), "1");
    EXPECT_TRUE(o.header("skillstream.redrive.from")->starts_with("dlq:"));
    EXPECT_EQ(o.header("skillstream.source.topic"), "in") << "the original input is named";
  }
  const auto requeued = after(c, "dlq", kParts, dlq_before);
  for (const OutRecord& o : requeued) {
    const SourceId id = testing::source_of(o);
    EXPECT_TRUE(seen.insert(id).second) << "duplicate";
    EXPECT_EQ(o.header("skillstream.reason"), sample.default_verdict[line_of.at(id)]);
    EXPECT_EQ(o.header("skillstream.redrive.attempt"), "1");
    EXPECT_EQ(*o.value, sample.lines[line_of.at(id)]) << "the value is kept";
  }
  EXPECT_EQ(seen.size(), dead) << "every dead letter once: moved or requeued";

  // A second redrive moves nothing new; a filter requeues what it does not select
  // unchanged (attempt stays 1), the selected ones get attempt 2.
  const auto dlq_mid = c.high_watermarks("dlq");
  s.redrive.reasons = {processor::Reason::malformed_json};
  const auto second = redrive(s);
  ASSERT_EQ(second.exit, pipeline::PipelineExit::ok) << second.error;
  EXPECT_EQ(second.stats.read, dead - unknown) << "only the live part after the commits";
  EXPECT_EQ(sum(second.stats.redrive.moved), 0u);
  const std::uint64_t malformed =
      second.stats.redrive.requeued[static_cast<std::size_t>(processor::Reason::malformed_json)];
  EXPECT_GT(malformed, 0u);
  EXPECT_EQ(second.stats.redrive.skipped, dead - unknown - malformed);
  for (const OutRecord& o : after(c, "dlq", kParts, dlq_mid)) {
    const bool selected = o.header("skillstream.reason") == "malformed_json";
    EXPECT_EQ(o.header("skillstream.redrive.attempt"), selected ? "2" : "1");
  }

  // max_attempts 2: every record still failing is parked, so nothing loops for ever.
  s.redrive.reasons.clear();
  s.redrive.max_attempts = 2;
  const auto third = redrive(s);
  ASSERT_EQ(third.exit, pipeline::PipelineExit::ok) << third.error;
  EXPECT_EQ(sum(third.stats.redrive.parked), dead - unknown);
  EXPECT_EQ(sum(third.stats.redrive.requeued), 0u);
  std::set<SourceId> parked;
  for (const OutRecord& o : testing::read_all(c.bootstraps(), "parked", 2)) {
    EXPECT_TRUE(parked.insert(testing::source_of(o)).second) << "parked twice";
  }
  EXPECT_EQ(parked.size(), dead - unknown);
  const auto fourth = redrive(s);
  ASSERT_EQ(fourth.exit, pipeline::PipelineExit::ok) << fourth.error;
  EXPECT_EQ(fourth.stats.read, 0u) << "the queue is empty";
}

}  // namespace
}  // namespace skillstream
