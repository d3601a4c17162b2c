// DlqStats without a broker: counts by reason, bounded paths, time range, stubs,
// redrive attempts, the live queue, and the JSON read back with simdjson.
#include "pipeline/dlq_stats.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

namespace skillstream::pipeline {
namespace {

using Headers = std::vector<DlqStats::Header>;

// A dead-letter record's headers as the router writes them.
Headers dlq_headers(std::string_view reason, std::string_view path, std::string_view ts = "1000",
                    std::string_view topic = "sessions.raw", std::string_view partition = "0") {
  return {{"trace-id", "t1"},
          {"skillstream.source.topic", topic},
          {"skillstream.source.partition", partition},
          {"skillstream.source.offset", "7"},
          {"skillstream.source.timestamp", ts},
          {"skillstream.instance", "i-1"},
          {"skillstream.reason", reason},
          {"skillstream.path", path},
          {"skillstream.message", "m"},
          {"skillstream.version", "0.1.0"}};
}

void add(DlqStats& s, const Headers& h, std::size_t bytes = 10) { s.add(bytes, h); }

const ReasonSummary* find_reason(const DlqSummary& s, std::string_view reason) {
  for (const ReasonSummary& r : s.reasons) {
    if (r.reason == reason) return &r;
  }
  return nullptr;
}

TEST(DlqStats, CountsRecordsBytesReasonsAndSources) {
  DlqStats stats;
  add(stats, dlq_headers("malformed_json", ""), 5);
  add(stats, dlq_headers("missing_field", "$.session_id", "1000", "sessions.raw", "1"), 7);
  add(stats, dlq_headers("missing_field", "$.session_id", "1000", "other.raw", "1"), 9);
  DlqSummary s = stats.summary("dlq", "g", {});
  EXPECT_EQ(s.records, 3u);
  EXPECT_EQ(s.bytes, 21u);
  ASSERT_EQ(s.reasons.size(), 2u);
  EXPECT_EQ(s.reasons[0].reason, "missing_field");  // most records first
  EXPECT_EQ(s.reasons[0].records, 2u);
  EXPECT_EQ(s.reasons[1].reason, "malformed_json");
  EXPECT_EQ(s.without_reason, 0u);
  ASSERT_EQ(s.sources.size(), 3u);
  EXPECT_EQ(s.sources[0].topic, "other.raw");
  EXPECT_EQ(s.sources[0].partition, 1);
  EXPECT_EQ(s.sources[1].topic, "sessions.raw");
  EXPECT_EQ(s.sources[1].partition, 0);
  EXPECT_EQ(s.sources[2].partition, 1);
  EXPECT_EQ(s.undeliverable, 0u);
  EXPECT_EQ(s.redriven, 0u);
}

TEST(DlqStats, TopPathsByCountThenPath) {
  DlqStatsOptions o;
  o.top_paths = 3;
  DlqStats stats(o);
  for (int i = 0; i < 2; ++i) add(stats, dlq_headers("wrong_type", "$.b"));
  for (int i = 0; i < 2; ++i) add(stats, dlq_headers("wrong_type", "$.a"));  // tie with $.b
  for (int i = 0; i < 5; ++i) add(stats, dlq_headers("wrong_type", "$.z"));
  add(stats, dlq_headers("wrong_type", "$.c"));
  add(stats, dlq_headers("wrong_type", "$.0"));
  DlqSummary s = stats.summary("dlq", "g", {});
  const ReasonSummary* r = find_reason(s, "wrong_type");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->records, 11u);
  EXPECT_EQ(r->distinct_paths, 5u);
  ASSERT_EQ(r->top_paths.size(), 3u);
  EXPECT_EQ(r->top_paths[0].path, "$.z");
  EXPECT_EQ(r->top_paths[0].records, 5u);
  EXPECT_EQ(r->top_paths[1].path, "$.a");
  EXPECT_EQ(r->top_paths[2].path, "$.b");
}

TEST(DlqStats, DefaultShowsTwentyPaths) {
  DlqStats stats;
  for (int i = 0; i < 30; ++i) add(stats, dlq_headers("invalid_enum", "$.p" + std::to_string(i)));
  DlqSummary s = stats.summary("dlq", "g", {});
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].top_paths.size(), 20u);
  EXPECT_EQ(s.reasons[0].distinct_paths, 30u);
  EXPECT_EQ(s.reasons[0].top_paths[0].path, "$.p0");  // all tied: by path
  EXPECT_EQ(s.reasons[0].top_paths[1].path, "$.p1");
  EXPECT_EQ(s.reasons[0].top_paths[2].path, "$.p10");
}

TEST(DlqStats, DistinctPathsAreBoundedPerReasonAndTheRestCountAsOther) {
  DlqStatsOptions o;
  o.max_paths_per_reason = 100;
  DlqStats stats(o);
  for (int i = 0; i < 1000; ++i) add(stats, dlq_headers("wrong_type", "$.p" + std::to_string(i)));
  for (int i = 0; i < 10; ++i) add(stats, dlq_headers("wrong_type", "$.p0"));  // kept: counted
  for (int i = 0; i < 50; ++i) add(stats, dlq_headers("too_deep", "$.d" + std::to_string(i)));
  DlqSummary s = stats.summary("dlq", "g", {});
  const ReasonSummary* r = find_reason(s, "wrong_type");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->records, 1010u);
  EXPECT_EQ(r->distinct_paths, 100u);
  EXPECT_EQ(r->other_path_records, 900u);
  EXPECT_EQ(r->top_paths[0].path, "$.p0");
  EXPECT_EQ(r->top_paths[0].records, 11u);
  const ReasonSummary* d = find_reason(s, "too_deep");  // its own bound
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->distinct_paths, 50u);
  EXPECT_EQ(d->other_path_records, 0u);
  EXPECT_NE(format_text(s).find("other: paths beyond the first 100 distinct"), std::string::npos);
}

TEST(DlqStats, ReasonsSourcesAndAttemptsAreBoundedToo) {
  DlqStatsOptions o;
  o.max_reasons = 2;
  o.max_sources = 1;
  o.max_attempts = 1;
  DlqStats stats(o);
  for (const char* reason : {"a", "b", "c", "c"}) {
    Headers h = dlq_headers(reason, "", "1", reason);
    h.emplace_back("skillstream.redrive.attempt", reason[0] == 'a' ? "1" : "2");
    add(stats, h);
  }
  DlqSummary s = stats.summary("dlq", "g", {});
  EXPECT_EQ(s.reasons.size(), 2u);
  EXPECT_EQ(s.other_reason_records, 2u);
  EXPECT_EQ(s.sources.size(), 1u);
  EXPECT_EQ(s.other_source_records, 3u);
  EXPECT_EQ(s.redriven, 4u);
  ASSERT_EQ(s.by_attempt.size(), 1u);
  EXPECT_EQ(s.other_attempt_records, 3u);
}

TEST(DlqStats, TimeRangeFromSourceTimestamps) {
  DlqStats stats;
  add(stats, dlq_headers("too_large", "", "1714564800250"));
  add(stats, dlq_headers("too_large", "", "1700000000000"));
  add(stats, dlq_headers("too_large", "", "soon"));
  Headers none = dlq_headers("too_large", "");
  std::erase_if(none, [](const auto& h) { return h.first == "skillstream.source.timestamp"; });
  add(stats, none);
  DlqSummary s = stats.summary("dlq", "g", {});
  ASSERT_TRUE(s.first_source_ms.has_value());
  EXPECT_EQ(*s.first_source_ms, 1700000000000);
  EXPECT_EQ(*s.last_source_ms, 1714564800250);
  EXPECT_EQ(s.without_source_timestamp, 2u);
  EXPECT_EQ(rfc3339_utc(1714564800250), "2024-05-01T12:00:00.250Z");
  EXPECT_EQ(rfc3339_utc(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(rfc3339_utc(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(rfc3339_utc(951782400000), "2000-02-29T00:00:00.000Z");
  EXPECT_NE(format_text(s).find("2023-11-14T22:13:20.000Z .. 2024-05-01T12:00:00.250Z"),
            std::string::npos);
}

TEST(DlqStats, UndeliverableStubsAndTheirOriginalReasons) {
  DlqStats stats;
  Headers stub = dlq_headers("undeliverable", "");
  stub.emplace_back("skillstream.original.reason", "clean");
  stub.emplace_back("skillstream.original.size", "2000000");
  stub.emplace_back("skillstream.original.sha256", "ab");
  stub.emplace_back("skillstream.broker.error", "MSG_SIZE_TOO_LARGE");
  add(stats, stub, 0);
  add(stats, stub, 0);
  Headers stub2 = dlq_headers("undeliverable", "");
  stub2.emplace_back("skillstream.original.reason", "too_deep");
  add(stats, stub2, 0);
  add(stats, dlq_headers("too_deep", "$.a"));
  DlqSummary s = stats.summary("dlq", "g", {});
  EXPECT_EQ(s.undeliverable, 3u);
  ASSERT_EQ(s.undeliverable_by_original_reason.size(), 2u);
  EXPECT_EQ(s.undeliverable_by_original_reason[0].first, "clean");
  EXPECT_EQ(s.undeliverable_by_original_reason[0].second, 2u);
  EXPECT_EQ(find_reason(s, "undeliverable")->records, 3u);
}

TEST(DlqStats, RedriveAttemptsHistogramAndLastHeaderWins) {
  DlqStats stats;
  // Redriven once, rejected again: the first DLQ headers travel along as input
  // headers, then the pipeline appends its own; the last of each name counts.
  Headers again = dlq_headers("missing_field", "$.a");
  again.emplace_back("skillstream.redrive.attempt", "1");
  again.emplace_back("skillstream.redrive.from", "sessions.dlq/0/4");
  Headers newer = dlq_headers("wrong_type", "$.b");
  again.insert(again.end(), newer.begin(), newer.end());
  add(stats, again);
  Headers twice = dlq_headers("wrong_type", "$.b");
  twice.emplace_back("skillstream.redrive.attempt", "2");
  add(stats, twice);
  add(stats, twice);
  Headers bad = dlq_headers("wrong_type", "$.b");
  bad.emplace_back("skillstream.redrive.attempt", "x");
  add(stats, bad);
  add(stats, dlq_headers("wrong_type", "$.b"));
  DlqSummary s = stats.summary("dlq", "g", {});
  ASSERT_EQ(s.reasons.size(), 1u);
  EXPECT_EQ(s.reasons[0].reason, "wrong_type");
  EXPECT_EQ(s.reasons[0].records, 5u);
  EXPECT_EQ(s.redriven, 4u);
  ASSERT_EQ(s.by_attempt.size(), 2u);
  EXPECT_EQ(s.by_attempt[0], (std::pair<std::uint64_t, std::uint64_t>{1, 1}));
  EXPECT_EQ(s.by_attempt[1], (std::pair<std::uint64_t, std::uint64_t>{2, 2}));
  EXPECT_EQ(s.attempt_not_a_number, 1u);
}

TEST(DlqStats, RecordsWithoutReasonHeader) {
  DlqStats stats;
  stats.add(3, Headers{{"x", "y"}});
  DlqSummary s = stats.summary("dlq", "g", {});
  EXPECT_EQ(s.records, 1u);
  EXPECT_EQ(s.without_reason, 1u);
  EXPECT_TRUE(s.reasons.empty());
  ASSERT_EQ(s.sources.size(), 1u);
  EXPECT_EQ(s.sources[0].partition, -1);
}

TEST(DlqStats, LiveQueueIsWhatLiesAfterTheCommittedOffsets) {
  using connectors::PartitionOffsets;
  EXPECT_EQ(live_records(PartitionOffsets{0, 0, 10, -1}), 10u);  // no commit: all
  EXPECT_EQ(live_records(PartitionOffsets{0, 0, 10, 4}), 6u);
  EXPECT_EQ(live_records(PartitionOffsets{0, 5, 10, 2}), 5u);  // committed below low
  EXPECT_EQ(live_records(PartitionOffsets{0, 0, 10, 10}), 0u);
  EXPECT_EQ(live_records(PartitionOffsets{0, 0, 10, 12}), 0u);
  DlqStats stats;
  DlqSummary s = stats.summary("dlq", "g", {{1, 0, 10, 4}, {0, 2, 7, -1}});
  EXPECT_EQ(s.live, 11u);
  EXPECT_EQ(s.expected, 15u);
  EXPECT_TRUE(s.group_has_commit);
  ASSERT_EQ(s.partitions.size(), 2u);
  EXPECT_EQ(s.partitions[0].offsets.partition, 0);  // sorted
  EXPECT_FALSE(stats.summary("dlq", "g", {{0, 0, 3, -1}}).group_has_commit);
}

TEST(DlqStats, EmptyTopicIsZeros) {
  DlqStats stats;
  DlqSummary s = stats.summary("dlq", "g", {{0, 0, 0, -1}});
  EXPECT_EQ(s.records, 0u);
  EXPECT_FALSE(s.first_source_ms.has_value());
  const std::string text = format_text(s);
  EXPECT_NE(text.find("0 records"), std::string::npos);
  EXPECT_NE(text.find("source time range: none"), std::string::npos);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(format_json(s)).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(doc["records"].get_uint64().value(), 0u);
  EXPECT_TRUE(doc["time_range"]["first"].is_null());
}

TEST(DlqStats, JsonHasTheDocumentedKeysAndTheSameNumbers) {
  DlqStats stats;
  add(stats, dlq_headers("wrong_type", "$.a\"\n\xff", "1000"), 4);
  add(stats, dlq_headers("wrong_type", "$.a\"\n\xff", "2000"), 4);
  Headers stub = dlq_headers("undeliverable", "", "1500");
  stub.emplace_back("skillstream.original.reason", "too_large");
  add(stats, stub, 0);
  Headers redriven = dlq_headers("too_deep", "$.x", "1200", "sessions.raw", "3");
  redriven.emplace_back("skillstream.redrive.attempt", "3");
  add(stats, redriven, 2);
  const std::string json = format_json(
      stats.summary("sessions.dlq", "skillstream-redrive", {{0, 0, 3, 1}, {1, 0, 1, -1}}));
  ASSERT_FALSE(json.empty());
  EXPECT_EQ(json.back(), '\n');
  EXPECT_EQ(json.find('\n'), json.size() - 1);  // one line

  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(json).get(doc), simdjson::SUCCESS) << json;
  EXPECT_EQ(std::string_view(doc["topic"].get_string().value()), "sessions.dlq");
  EXPECT_EQ(std::string_view(doc["group"].get_string().value()), "skillstream-redrive");
  EXPECT_EQ(doc["records"].get_uint64().value(), 4u);
  EXPECT_EQ(doc["bytes"].get_uint64().value(), 10u);
  EXPECT_EQ(std::string_view(doc["time_range"]["first"].get_string().value()),
            "1970-01-01T00:00:01.000Z");
  EXPECT_EQ(doc["time_range"]["last_ms"].get_int64().value(), 2000);
  EXPECT_EQ(doc["time_range"]["without_timestamp"].get_uint64().value(), 0u);
  simdjson::dom::object reasons = doc["reasons"].get_object().value();
  EXPECT_EQ(reasons["wrong_type"]["records"].get_uint64().value(), 2u);
  EXPECT_EQ(reasons["wrong_type"]["distinct_paths"].get_uint64().value(), 1u);
  EXPECT_EQ(reasons["wrong_type"]["other_path_records"].get_uint64().value(), 0u);
  simdjson::dom::array paths = reasons["wrong_type"]["top_paths"].get_array().value();
  ASSERT_EQ(paths.size(), 1u);
  EXPECT_EQ(std::string_view(paths.at(0)["path"].get_string().value()),
            "$.a\"\n\xef\xbf\xbd");  // not UTF-8: U+FFFD
  EXPECT_EQ(paths.at(0)["records"].get_uint64().value(), 2u);
  EXPECT_EQ(reasons["undeliverable"]["records"].get_uint64().value(), 1u);
  EXPECT_EQ(doc["other_reason_records"].get_uint64().value(), 0u);
  EXPECT_EQ(doc["without_reason"].get_uint64().value(), 0u);
  simdjson::dom::array sources = doc["sources"].get_array().value();
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_EQ(sources.at(1)["partition"].get_int64().value(), 3);
  EXPECT_EQ(sources.at(0)["records"].get_uint64().value(), 3u);
  EXPECT_EQ(doc["other_source_records"].get_uint64().value(), 0u);
  EXPECT_EQ(doc["undeliverable"]["records"].get_uint64().value(), 1u);
  EXPECT_EQ(doc["undeliverable"]["by_original_reason"]["too_large"].get_uint64().value(), 1u);
  EXPECT_EQ(doc["redrive"]["records"].get_uint64().value(), 1u);
  EXPECT_EQ(doc["redrive"]["by_attempt"]["3"].get_uint64().value(), 1u);
  EXPECT_EQ(doc["redrive"]["attempt_not_a_number"].get_uint64().value(), 0u);
  EXPECT_EQ(doc["redrive"]["other_attempt_records"].get_uint64().value(), 0u);
  EXPECT_EQ(doc["live_queue"]["records"].get_uint64().value(), 3u);
  EXPECT_EQ(doc["live_queue"]["expected"].get_uint64().value(), 4u);
  EXPECT_TRUE(doc["live_queue"]["group_has_commit"].get_bool().value());
  simdjson::dom::array parts = doc["live_queue"]["partitions"].get_array().value();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts.at(0)["committed"].get_int64().value(), 1);
  EXPECT_EQ(parts.at(0)["live"].get_uint64().value(), 2u);
  EXPECT_TRUE(parts.at(1)["committed"].is_null());
  EXPECT_EQ(parts.at(1)["low"].get_int64().value(), 0);
  EXPECT_EQ(parts.at(1)["high"].get_int64().value(), 1);
  EXPECT_EQ(doc["limits"]["paths_per_reason"].get_uint64().value(), 10'000u);
  EXPECT_EQ(doc["limits"]["top_paths"].get_uint64().value(), 20u);
}

}  // namespace
}  // namespace skillstream::pipeline
