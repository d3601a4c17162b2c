#include "connectors/file_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace skillstream::connectors {

FileSink::FileSink(const std::string& path, std::size_t buffer_bytes)
    : path_(path), capacity_(buffer_bytes) {
  buffer_.reserve(capacity_);
  if (path == "-") {
    fd_ = STDOUT_FILENO;
  } else if (path == "stderr") {
    fd_ = STDERR_FILENO;
  } else {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      error_ = "cannot open " + path + " for writing: " + std::strerror(errno);
      return;
    }
    owns_fd_ = true;
  }
}

FileSink::~FileSink() {
  flush();
  if (owns_fd_) ::close(fd_);
}

void FileSink::write_out_(std::string_view bytes) {
  while (!bytes.empty() && error_.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = "cannot write to " + (path_ == "-" ? std::string("standard output") : path_) + ": " +
               std::strerror(errno);
      return;
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

bool FileSink::flush() {
  if (fd_ >= 0 && error_.empty() && !buffer_.empty()) write_out_(buffer_);
  buffer_.clear();
  return error_.empty();
}

}  // namespace skillstream::connectors
