// A dead-letter record is never reduced to a stub by SkillStream's own headers, and a
// record over max_record_bytes reaches the dead-letter topic with its value whenever
// the topic accepts it.
#include <atomic>
#include <string>

#include <gtest/gtest.h>

#include "connectors/embedded_broker.h"
#include "kafka_test_util.h"
#include "pipeline/kafka_pipeline.h"
#include "processor/privacy_scanner.h"

namespace skillstream {
namespace {

constexpr int kParts = 2;

pipeline::PipelineResult run_once(const std::string& brokers) {
  config::Settings s;
  s.brokers = brokers;
  s.input_topic = "in";
  s.clean_topic = "clean";
  s.dlq_topic = "dlq";
  s.group = "dl-group";
  s.instance_id = "dl-1";
  s.workers = 1;
  s.stop_at_end = true;
  s.http_addr = "off";
  s.consumer_properties = {{"fetch.wait.max.ms", "10"}, {"session.timeout.ms", "6000"}};
  std::atomic<bool> never{false};
  pipeline::KafkaPipeline p(s, processor::PrivacyScanner::compile_patterns());
  return p.run(never);
}

TEST(DeadLetters, HugeDuplicateKeyAndOversizeRecordKeepTheirValues) {
  std::string error;
  auto broker = connectors::EmbeddedBroker::start(1, error);
  ASSERT_NE(broker, nullptr) << error;
  for (const char* t : {"in", "clean", "dlq"}) ASSERT_TRUE(broker->create_topic(t, kParts).ok());

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
  testing::produce_all(broker->bootstraps(), "in", in);

  const pipeline::PipelineResult r = run_once(broker->bootstraps());
  ASSERT_EQ(r.exit, pipeline::PipelineExit::ok) << r.error;
  EXPECT_EQ(r.stats.undeliverable, 0u);
  const auto dlq = testing::read_all(broker->bootstraps(), "dlq", kParts);
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
