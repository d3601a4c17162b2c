#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "connectors/errors.h"

namespace skillstream::pipeline {

// A small HTTP/1.1 listener for GET endpoints: /metrics, /healthz, /readyz. Owns the
// listening socket and one thread, which serves every connection from a poll() loop.
//
// Slow or stalled clients cannot starve the probes: no connection holds a thread
// while it sends its request, so a probe is answered as soon as its own request is in;
// a connection gets one request (Connection: close) and is closed kRequestTimeout after
// it was accepted, answered or not, however slowly it trickles bytes; at most
// kMaxConnections are open, and a new one closes the oldest. (cpp-httplib's server,
// used before, held one of its threads per connection and timed out each read, not the
// request: two clients sending a byte a second blocked every later probe.)
//
// Lifecycle: start() binds and listens (port 0 picks a free port, logged), so the port
// accepts connections when it returns; the thread serves until the destructor stops
// and joins it. Handlers run on that thread: they must be thread-safe and quick.
class HttpServer {
 public:
  static constexpr std::chrono::seconds kRequestTimeout{2};  // accept to answer sent
  static constexpr std::size_t kMaxConnections = 64;
  static constexpr std::size_t kMaxRequestBytes = 8192;  // request line and headers

  struct Response {
    int status = 200;
    std::string body;
    std::string content_type = "text/plain; charset=utf-8";
  };
  struct Route {
    std::string path;
    std::function<Response()> handler;
  };

  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // `addr` is host:port (IPv6 in brackets). Errc::config for a bad address, Errc::io
  // when it cannot listen.
  [[nodiscard]] static connectors::Result<std::unique_ptr<HttpServer>> start(
      const std::string& addr, std::vector<Route> routes);

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

 private:
  HttpServer(int listen_fd, int wake_fd, std::uint16_t port, std::vector<Route> routes);
  void serve();

  int listen_fd_;
  int wake_fd_;  // eventfd: written by the destructor to end serve()
  std::uint16_t port_;
  std::vector<Route> routes_;
  std::thread thread_;
};

}  // namespace skillstream::pipeline
