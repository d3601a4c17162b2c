#include "connectors/file_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace skillstream::connectors {

LineSource::LineSource(const std::string& path, std::size_t max_line_bytes, std::size_t batch_bytes)
    : max_line_bytes_(max_line_bytes), batch_bytes_(batch_bytes), chunk_(1u << 20) {
  if (path == "-") {
    fd_ = STDIN_FILENO;
    return;
  }
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    error_ = "cannot open " + path + ": " + std::strerror(errno);
    return;
  }
  owns_fd_ = true;
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
}

LineSource::~LineSource() {
  if (owns_fd_) ::close(fd_);
}

bool LineSource::fill_() {
  for (;;) {
    const ssize_t n = ::read(fd_, chunk_.data(), chunk_.size());
    if (n > 0) {
      pos_ = 0;
      end_ = static_cast<std::size_t>(n);
      bytes_read_ += end_;
      return true;
    }
    if (n == 0) {
      eof_ = true;
      return false;
    }
    if (errno == EINTR) continue;
    error_ = std::string("read error: ") + std::strerror(errno);
    return false;
  }
}

bool LineSource::next(LineBatch& batch) {
  batch.first_line = next_line_;
  batch.data.clear();
  batch.lines.clear();
  if (fd_ < 0 || !error_.empty()) return false;

  auto emit = [&](const char* tail, std::size_t tail_size) {
    LineBatch::Line line;
    const std::uint64_t total = partial_oversize_ + partial_.size() + tail_size;
    if (partial_oversize_ > 0 || total > max_line_bytes_) {
      line.oversize = total;
    } else {
      line.offset = static_cast<std::uint32_t>(batch.data.size());
      line.size = static_cast<std::uint32_t>(total);
      batch.data += partial_;
      batch.data.append(tail, tail_size);
    }
    batch.lines.push_back(line);
    partial_.clear();
    partial_oversize_ = 0;
    ++next_line_;
  };

  while (batch.data.size() < batch_bytes_ && batch.lines.size() < (1u << 16)) {
    if (pos_ == end_ && (eof_ || !fill_())) {
      if (!error_.empty()) return false;
      // End of input: a last line without '\n' is a record; the empty piece after a
      // final '\n' is not.
      if (!partial_.empty() || partial_oversize_ > 0) emit(nullptr, 0);
      break;
    }
    const char* begin = chunk_.data() + pos_;
    const auto* nl = static_cast<const char*>(std::memchr(begin, '\n', end_ - pos_));
    if (nl == nullptr) {
      // The line goes on in the next chunk. Keep it only while it can be a record.
      const std::size_t n = end_ - pos_;
      if (partial_oversize_ > 0 || partial_.size() + n > max_line_bytes_) {
        partial_oversize_ += partial_.size() + n;
        partial_.clear();
      } else {
        partial_.append(begin, n);
      }
      pos_ = end_;
      continue;
    }
    emit(begin, static_cast<std::size_t>(nl - begin));
    pos_ = static_cast<std::size_t>(nl - chunk_.data()) + 1;
  }
  return !batch.lines.empty();
}

}  // namespace skillstream::connectors
