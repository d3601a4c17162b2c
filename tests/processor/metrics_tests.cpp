// Prometheus text rendering (exposition format 0.0.4) and the single-writer counters.
#include "processor/metrics.h"

#include <array>
#include <cmath>
#include <string>

#include <gtest/gtest.h>

namespace skillstream::processor {
namespace {

TEST(PromWriter, WritesHelpTypeAndUnlabelledSample) {
  PromWriter w;
  w.family("x_total", PromWriter::Type::counter, "Things.\nSecond line \\ too.");
  w.sample("x_total", {}, std::uint64_t{42});
  EXPECT_EQ(w.text(),
            "# HELP x_total Things.\\nSecond line \\\\ too.\n"
            "# TYPE x_total counter\n"
            "x_total 42\n");
}

TEST(PromWriter, EscapesBackslashQuoteAndNewlineInLabelValues) {
  PromWriter w;
  w.sample("g", {{"a", "x\\y"}, {"b", "say \"hi\"\nbye"}}, std::int64_t{-3});
  EXPECT_EQ(w.text(), "g{a=\"x\\\\y\",b=\"say \\\"hi\\\"\\nbye\"} -3\n");
}

TEST(PromWriter, WritesSpecialFloatValues) {
  PromWriter w;
  w.sample("f", {}, 0.25);
  w.sample("f", {}, HUGE_VAL);
  w.sample("f", {}, -HUGE_VAL);
  EXPECT_EQ(w.text(), "f 0.25\nf +Inf\nf -Inf\n");
}

TEST(PromWriter, HistogramHasCumulativeBucketsInfSumAndCount) {
  static constexpr std::array<double, 3> bounds = {0.5, 1, 2.5};
  Histogram h(bounds);
  h.observe(0.1);
  h.observe(0.5);  // le is inclusive
  h.observe(2);
  h.observe(100);
  HistogramSnapshot snap;
  h.add_to(snap);
  PromWriter w;
  w.family("lat_seconds", PromWriter::Type::histogram, "Latency.");
  w.histogram("lat_seconds", {{"stage", "x"}}, snap);
  EXPECT_EQ(w.text(),
            "# HELP lat_seconds Latency.\n"
            "# TYPE lat_seconds histogram\n"
            "lat_seconds_bucket{stage=\"x\",le=\"0.5\"} 2\n"
            "lat_seconds_bucket{stage=\"x\",le=\"1\"} 2\n"
            "lat_seconds_bucket{stage=\"x\",le=\"2.5\"} 3\n"
            "lat_seconds_bucket{stage=\"x\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{stage=\"x\"} 102.6\n"
            "lat_seconds_count{stage=\"x\"} 4\n");
}

TEST(PromWriter, EmptyHistogramStillHasInfBucket) {
  HistogramSnapshot snap;
  snap.bounds = kBatchSecondsBounds;
  PromWriter w;
  w.histogram("b", {}, snap);
  EXPECT_NE(w.text().find("b_bucket{le=\"+Inf\"} 0\nb_sum 0\nb_count 0\n"), std::string::npos);
  EXPECT_EQ(w.text().rfind("b_bucket{le=\"0.0001\"} 0\n", 0), 0u);  // fixed, not 1e-04
}

TEST(Histogram, SnapshotsOfSeveralWritersMerge) {
  Histogram a(kRecordLatencySecondsBounds), b(kRecordLatencySecondsBounds);
  a.observe(0.001);
  b.observe(0.001);
  b.observe(1000);
  HistogramSnapshot snap;
  a.add_to(snap);
  b.add_to(snap);
  EXPECT_EQ(snap.counts[0], 2u);
  EXPECT_EQ(snap.counts[kRecordLatencySecondsBounds.size()], 1u);
  EXPECT_DOUBLE_EQ(snap.sum, 1000.002);
}

// Percentiles from bucket counts, as Prometheus' histogram_quantile: linear within
// the bucket holding the rank, the highest finite bound for the +Inf bucket.
TEST(Quantile, InterpolatesWithinTheBucketHoldingTheRank) {
  static constexpr std::array<double, 3> bounds = {1, 2, 4};
  HistogramSnapshot h;
  h.bounds = bounds;
  h.counts[0] = 10;                          // <= 1
  h.counts[1] = 30;                          // (1, 2]
  h.counts[2] = 50;                          // (2, 4]
  h.counts[3] = 10;                          // +Inf
  EXPECT_DOUBLE_EQ(quantile(h, 0.10), 1.0);  // rank 10: the top of the first bucket
  EXPECT_DOUBLE_EQ(quantile(h, 0.05), 0.5);  // rank 5: halfway from 0
  EXPECT_DOUBLE_EQ(quantile(h, 0.25), 1.5);  // rank 25: 15 of 30 into (1, 2]
  EXPECT_DOUBLE_EQ(quantile(h, 0.50), 2.4);  // rank 50: 10 of 50 into (2, 4]
  EXPECT_DOUBLE_EQ(quantile(h, 0.90), 4.0);
  EXPECT_DOUBLE_EQ(quantile(h, 0.99), 4.0) << "rank in +Inf: the highest finite bound";
  h.counts = {};
  EXPECT_TRUE(std::isnan(quantile(h, 0.5))) << "no observations";
  h.counts[2] = 1;  // empty buckets below the rank are skipped
  EXPECT_DOUBLE_EQ(quantile(h, 0.5), 3.0);
}

TEST(Quantile, OfObservedLatenciesLandsInTheirBucket) {
  Histogram lat(kRecordLatencySecondsBounds);
  for (int i = 0; i < 98; ++i) lat.observe(0.004);  // (0.003, 0.005]
  lat.observe(0.040);                               // (0.03, 0.05]
  lat.observe(0.040);
  HistogramSnapshot h;
  lat.add_to(h);
  EXPECT_GT(quantile(h, 0.5), 0.003);
  EXPECT_LE(quantile(h, 0.5), 0.005);
  EXPECT_GT(quantile(h, 0.99), 0.03);
  EXPECT_LE(quantile(h, 0.99), 0.05);
}

TEST(WorkerCounters, CountRecordCountsVerdictAndEachRedactedKind) {
  WorkerCounters c;
  Outcome clean;
  clean.redacted.add(PrivacyKind::secret);
  clean.redacted.add(PrivacyKind::user_path);
  Outcome rejected;
  rejected.verdict.reason = Reason::missing_field;
  count_record(c, clean);
  count_record(c, rejected);
  count_record(c, rejected);
  EXPECT_EQ(c.verdicts[0].value(), 1u);
  EXPECT_EQ(c.verdicts[static_cast<std::size_t>(Reason::missing_field)].value(), 2u);
  EXPECT_EQ(c.redactions[0].value(), 1u);
  EXPECT_EQ(c.redactions[1].value(), 0u);
  EXPECT_EQ(c.redactions[2].value(), 1u);
  EXPECT_EQ(alignof(WorkerCounters), 64u);
}

TEST(FormatReasons, ListsNonZeroRejectsInEnumOrder) {
  std::array<std::uint64_t, kReasonCount> counts{};
  counts[0] = 9;  // clean: not a reject
  counts[static_cast<std::size_t>(Reason::wrong_type)] = 2;
  counts[static_cast<std::size_t>(Reason::empty_payload)] = 1;
  EXPECT_EQ(format_reasons(counts), "empty_payload=1 wrong_type=2");
}

}  // namespace
}  // namespace skillstream::processor
