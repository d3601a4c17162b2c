#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace skillstream::connectors {

// A buffered writer to a file, standard output ("-") or standard error ("stderr").
// Write errors are sticky: once one happens, error() says why and writes stop.
// Single-threaded.
class FileSink {
 public:
  explicit FileSink(const std::string& path, std::size_t buffer_bytes = 1u << 20);
  ~FileSink();
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  [[nodiscard]] bool ok() const noexcept { return error_.empty(); }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

  void write(std::string_view bytes) {
    if (buffer_.size() + bytes.size() > capacity_) flush();
    if (bytes.size() > capacity_) {
      write_out_(bytes);
    } else {
      buffer_.append(bytes);
    }
  }
  void put(char c) {
    if (buffer_.size() + 1 > capacity_) flush();
    buffer_.push_back(c);
  }
  // Writes what is buffered; false on error.
  bool flush();

 private:
  void write_out_(std::string_view bytes);

  int fd_ = -1;
  bool owns_fd_ = false;
  std::string path_;
  std::string error_;
  std::string buffer_;
  std::size_t capacity_;
};

}  // namespace skillstream::connectors
