#pragma once

#include <unistd.h>

#include <atomic>
#include <csignal>

namespace skillstream::apps {

// Set by the first SIGINT/SIGTERM once install_stop_signals() ran: the pipeline drains
// within its shutdown bound. Lock-free, so the handler only stores to it.
inline std::atomic<bool> g_stop_requested{false};

// A second SIGINT/SIGTERM forces an immediate exit with code 3 (undelivered records
// are not committed and are read again after a restart), after one line on stderr.
// Only async-signal-safe calls in the handler: write(2) and _exit(2).
inline void install_stop_signals() {
  static_assert(std::atomic<bool>::is_always_lock_free);
  struct sigaction sa {};
  sa.sa_handler = [](int) {
    if (g_stop_requested.exchange(true)) {
      static constexpr char kLine[] =
          "skillstream: second stop signal: exiting now (code 3); records not yet committed "
          "will be read again after a restart\n";
      (void)!::write(2, kLine, sizeof kLine - 1);
      ::_exit(3);
    }
  };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace skillstream::apps
