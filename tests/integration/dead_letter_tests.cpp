// A dead-letter record is never reduced to a stub by SkillStream's own headers, and a
// record over max_record_bytes reaches the dead-letter topic with its value whenever
// the topic accepts it.
#include <atomic>
#include <string>

#include <gtest/gtest.h>

#include "pipeline/kafka_pipeline.h"
#include "tests/integration/cluster.h"

namespace skillstream {
namespace {

constexpr int kParts = 2;

TEST(DeadLetters, HugeDuplicateKeyAndOversizeRecordKeepTheirValues) {
  testing::Topics topics;
  topics.input_partitions = topics.clean_partitions = topics.dlq_partitions = kParts;
  const testing::Cluster c(topics);

  // 800 KB with a 400 KB key given twice: duplicate_key, whose path and message would
  // carry the key twice (800 KB of headers) if they were not bounded.
  const std::string key(400'000, 'k');
  std::vector<testing::InRecord> in(2);
  in[0].value = "{\"" + key + "\":1,\"" + key + "\":2}";
  in[0].partition = 0;
  // 2 MB: over max_record_bytes (1 MiB), so too_large; the producer's size check must
  // not turn it into a stub while the topic accepts it.
  in[1].value = "{\"x\":\"" + std::string(2'000'000, 'y') + "\"}";
  in[1].partition = 1;
  c.produce(in);

  const pipeline::PipelineResult r = testing::run_pipeline(c.settings("dl-group", "dl-1"));
  ASSERT_EQ(r.exit, pipeline::PipelineExit::ok) << r.error;
  EXPECT_EQ(r.stats.undeliverable, 0u);
  const auto dlq = c.read("dlq");
  ASSERT_EQ(dlq.size(), 2u);
  for (const auto& rec : dlq) {
    const std::string reason = rec.header("skillstream.reason").value_or("");
    ASSERT_TRUE(rec.value.has_value());
    if (reason == "duplicate_key") {
      EXPECT_EQ(*rec.value, *in[0].value) << "the original value, not a stub";
      EXPECT_LE(rec.header("skillstream.path")->size(), 1024u + 16u);
      EXPECT_LE(rec.header("skillstream.message")->size(), 1024u + 16u);
    } else {
      EXPECT_EQ(reason, "too_large");
      EXPECT_EQ(rec.value->size(), in[1].value->size());
    }
  }
}

}  // namespace
}  // namespace skillstream
