#pragma once

#include <atomic>
#include <csignal>

namespace skillstream::apps {

// Set by SIGINT/SIGTERM once install_stop_signals() ran. Lock-free, so the handler
// only stores to it.
inline std::atomic<bool> g_stop_requested{false};

inline void install_stop_signals() {
  static_assert(std::atomic<bool>::is_always_lock_free);
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_stop_requested.store(true); };
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace skillstream::apps
