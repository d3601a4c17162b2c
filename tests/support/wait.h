#pragma once
// Waiting on a condition with a deadline: the tests' only way to wait for something
// to happen (never a fixed sleep).

#include <chrono>
#include <functional>
#include <thread>

namespace skillstream::testing {

// Polls `done` every 20 ms until it holds or `timeout` passes; true if it held.
inline bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the poll interval
  }
  return done();
}

}  // namespace skillstream::testing
