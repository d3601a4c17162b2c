#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace skillstream::pipeline {

// A small HTTP/1.1 listener (cpp-httplib) for GET endpoints: /metrics, /healthz,
// /readyz. Owns the listening socket and two handler threads.
//
// Lifecycle: start() binds (port 0 picks a free port, logged) and serves on its own
// threads until the destructor stops and joins them. Handlers run on those threads:
// they must be thread-safe and quick.
class HttpServer {
 public:
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

  // `addr` is host:port (IPv6 in brackets). nullptr and `error` set on failure.
  static std::unique_ptr<HttpServer> start(const std::string& addr, std::vector<Route> routes,
                                           std::string& error);

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

 private:
  HttpServer();
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
};

}  // namespace skillstream::pipeline
