#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace skillstream::connectors {

// A run of input lines, the unit handed to a worker. Lines are split on '\n' only;
// the newline is not part of a line.
struct LineBatch {
  struct Line {
    std::uint32_t offset = 0;    // into `data`
    std::uint32_t size = 0;      // bytes kept in `data`
    std::uint64_t oversize = 0;  // >0: the line was this long, over the limit; not kept
  };
  std::uint64_t first_line = 1;  // 1-based number of lines[0]
  std::string data;              // the kept lines, back to back
  std::vector<Line> lines;
};

// Reads a file or standard input as lines, in batches of about `batch_bytes`.
// Memory stays flat whatever the input: a line longer than `max_line_bytes` is not
// kept, only measured (it is too large to be a record anyway). Single-threaded.
class LineSource {
 public:
  // `path` "-" is standard input. On failure, error() says why.
  LineSource(const std::string& path, std::size_t max_line_bytes,
             std::size_t batch_bytes = 1u << 20);
  ~LineSource();
  LineSource(const LineSource&) = delete;
  LineSource& operator=(const LineSource&) = delete;

  [[nodiscard]] bool ok() const noexcept { return error_.empty(); }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] std::uint64_t bytes_read() const noexcept { return bytes_read_; }

  // Replaces `batch` with the next lines. False at the end of the input (then the
  // batch is empty) or on a read error (then error() is set).
  [[nodiscard]] bool next(LineBatch& batch);

 private:
  bool fill_();

  int fd_ = -1;
  bool owns_fd_ = false;
  bool eof_ = false;
  std::size_t max_line_bytes_;
  std::size_t batch_bytes_;
  std::string error_;
  std::vector<char> chunk_;  // raw bytes read, [pos_, end_) not yet split
  std::size_t pos_ = 0;
  std::size_t end_ = 0;
  std::string partial_;                 // the start of a line that continues in the next chunk
  std::uint64_t partial_oversize_ = 0;  // >0: the current line passed the limit
  std::uint64_t next_line_ = 1;
  std::uint64_t bytes_read_ = 0;
};

}  // namespace skillstream::connectors
