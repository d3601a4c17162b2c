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
  Histogram a(kLatencySecondsBounds), b(kLatencySecondsBounds);
  a.observe(0.001);
  b.observe(0.001);
  b.observe(1000);
  HistogramSnapshot snap;
  a.add_to(snap);
  b.add_to(snap);
  EXPECT_EQ(snap.counts[0], 2u);
  EXPECT_EQ(snap.counts[kLatencySecondsBounds.size()], 1u);
  EXPECT_DOUBLE_EQ(snap.sum, 1000.002);
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
