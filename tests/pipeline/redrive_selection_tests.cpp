#include "pipeline/redrive_selection.h"

#include <gtest/gtest.h>

namespace skillstream::pipeline {
namespace {

using processor::Reason;

TEST(RedriveSelection, EverythingButStubsWithoutFilters) {
  const config::Settings::Redrive all;
  const auto sel = select_for_redrive({"wrong_type", "1700000000000", ""}, all);
  EXPECT_TRUE(sel.judge);
  EXPECT_EQ(sel.reason, Reason::wrong_type);
  EXPECT_EQ(sel.attempt, 0u);
  EXPECT_FALSE(select_for_redrive({"undeliverable", "1700000000000", ""}, all).judge);
  EXPECT_TRUE(select_for_redrive({"", "", ""}, all).judge) << "no headers: judged anyway";
}

TEST(RedriveSelection, ReasonsAndTimeWindowFilter) {
  config::Settings::Redrive f;
  f.reasons = {Reason::unknown_field, Reason::wrong_type};
  f.since_ms = 1000;
  f.until_ms = 2000;
  EXPECT_TRUE(select_for_redrive({"unknown_field", "1000", ""}, f).judge) << "since is inclusive";
  EXPECT_FALSE(select_for_redrive({"unknown_field", "2000", ""}, f).judge) << "until is not";
  EXPECT_FALSE(select_for_redrive({"unknown_field", "999", ""}, f).judge);
  EXPECT_FALSE(select_for_redrive({"missing_field", "1500", ""}, f).judge) << "reason not listed";
  EXPECT_FALSE(select_for_redrive({"wrong_type", "", ""}, f).judge)
      << "a time bound needs a timestamp";
}

TEST(RedriveSelection, ReadsThePreviousAttempt) {
  const config::Settings::Redrive all;
  EXPECT_EQ(select_for_redrive({"wrong_type", "", "3"}, all).attempt, 3u);
  EXPECT_EQ(select_for_redrive({"wrong_type", "", "x"}, all).attempt, 0u);
}

}  // namespace
}  // namespace skillstream::pipeline
