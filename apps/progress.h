#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace skillstream::apps {

// A progress line on standard error, redrawn at most four times a second, for long
// runs on a terminal. Disabled, it does nothing. One thread.
class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled) {}

  static bool on_terminal() noexcept { return ::isatty(STDERR_FILENO) == 1; }

  void update(std::uint64_t records, std::uint64_t bytes, std::uint64_t rejects) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "\r\033[K%llu records, %.1f MB/s, %llu rejects",
                 static_cast<unsigned long long>(records),
                 seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0.0,
                 static_cast<unsigned long long>(rejects));
    drawn_ = true;
  }

  // "1200 / 5000 records (24%)": for a read whose end is known at start.
  void update_of(std::uint64_t done, std::uint64_t total) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    std::fprintf(
        stderr, "\r\033[K%llu / %llu records (%.0f%%)", static_cast<unsigned long long>(done),
        static_cast<unsigned long long>(total),
        total > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0);
    drawn_ = true;
  }

  void finish() {
    if (drawn_) std::fputs("\r\033[K", stderr);
    drawn_ = false;
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_ = start_;
};

}  // namespace skillstream::apps
