// Inputs found by the fuzzer (tests/fuzz/fuzz_record_path.cpp), each pinned to the
// verdict the rules give it.
#include <string>

#include <gtest/gtest.h>

#include "processor/session_validator.h"

namespace skillstream::processor {
namespace {

std::string reason_of(const std::string& record) {
  SessionValidator validator{ProcessorOptions{}};
  return std::string(to_string(validator.validate(record.data(), record.size()).reason));
}

// simdjson 3.0.1's root get_bool() copies at most five bytes of the token, so `false`
// plus exactly one byte at the end of the record parses as `false`
// (simdjson/simdjson#1981). The record is not one JSON value: malformed_json, which
// section 1 ranks before not_an_object.
TEST(Regression, RootFalseWithOneTrailingByteIsMalformed) {
  for (const std::string record : {"false-", "falsex", "false0", "false.", "  false-"}) {
    EXPECT_EQ(reason_of(record), "malformed_json") << record;
  }
}

// The same copy refuses a root boolean followed by three or more whitespace bytes
// (simdjson/simdjson#2354), which is one well-formed JSON value, just not an object.
TEST(Regression, RootBooleanWithTrailingWhitespaceIsNotAnObject) {
  for (const std::string record : {"true   ", "false   ", "true \t\r\n ", "false\n\n\n\n"}) {
    EXPECT_EQ(reason_of(record), "not_an_object") << record;
  }
}

}  // namespace
}  // namespace skillstream::processor
