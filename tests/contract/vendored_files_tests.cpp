// The contract is vendored (spec/, tests/data/) so that the repository stands alone.
// Where the shared origin sits next to the repository (../shared, as in the team's
// checkouts), each copy must still be byte-identical to it: a change upstream then
// fails here instead of silently testing against stale rules. Elsewhere (a clone on
// its own, CI) there is nothing to compare and the test is skipped.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

namespace {

namespace fs = std::filesystem;

struct VendoredFile {
  const char* copy;    // in the repository
  const char* origin;  // in ../shared
};

constexpr VendoredFile kFiles[] = {
    {"spec/session-log-rules.md", "spec/session-log-rules.md"},
    {"spec/session-log-schema.md", "seeds/session-log-schema.md"},
    {"tests/data/conformance.jsonl", "samples/conformance.jsonl"},
    {"tests/data/conformance.v2.expected.jsonl", "samples/conformance.v2.expected.jsonl"},
    {"tests/data/README.md", "samples/README.md"},
};

// The whole file, or false when it cannot be read.
bool read_bytes(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// The repository root comes from CMake (SKILLSTREAM_SOURCE_DIR), never from a literal.
const fs::path kRoot = fs::path(SKILLSTREAM_SOURCE_DIR);

TEST(VendoredContract, EveryCopyIsInTheRepository) {
  for (const VendoredFile& f : kFiles) {
    EXPECT_TRUE(fs::is_regular_file(kRoot / f.copy)) << f.copy << " is missing";
  }
}

TEST(VendoredContract, EveryCopyIsByteIdenticalToItsSharedOrigin) {
  const fs::path shared = (kRoot / ".." / "shared").lexically_normal();
  if (!fs::is_directory(shared)) {
    GTEST_SKIP() << "no " << shared.string()
                 << " next to the repository: nothing to compare the vendored copies with";
  }
  for (const VendoredFile& f : kFiles) {
    SCOPED_TRACE(f.copy);
    std::string copy, origin;
    ASSERT_TRUE(read_bytes(kRoot / f.copy, copy)) << "cannot read " << f.copy;
    ASSERT_TRUE(read_bytes(shared / f.origin, origin))
        << "cannot read the origin " << (shared / f.origin).string();
    EXPECT_EQ(copy.size(), origin.size()) << f.copy << " and " << f.origin << " differ in size";
    // Not EXPECT_EQ on the texts: a 2 MB diff helps nobody. The first differing byte does.
    const auto [c, o] = std::mismatch(copy.begin(), copy.end(), origin.begin(), origin.end());
    EXPECT_TRUE(c == copy.end() && o == origin.end())
        << f.copy << " differs from ../shared/" << f.origin << " from byte " << (c - copy.begin())
        << ": copy it again (cp ../shared/" << f.origin << ' ' << f.copy << ')';
  }
}

}  // namespace
