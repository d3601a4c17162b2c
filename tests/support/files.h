#pragma once
// File helpers shared by the tests: read a whole file, split text into lines.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace skillstream::testing {

// The whole file, byte for byte; empty when it cannot be opened (the caller's
// assertions on the content then fail, naming what was expected).
inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Lines split on `\n` only; the empty piece after a final `\n` is not a line (the
// record framing of `skillstream validate`).
inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

}  // namespace skillstream::testing
