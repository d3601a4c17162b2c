#include "pipeline/http_server.h"

#include <charconv>
#include <chrono>

#include <fmt/format.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

namespace skillstream::pipeline {

namespace {

// Scrapes and probes are rare and quick: two threads, not cpp-httplib's default eight.
constexpr std::size_t kThreads = 2;

bool split_addr(const std::string& addr, std::string& host, int& port) {
  auto colon = addr.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = addr.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const char* first = addr.data() + colon + 1;
  const char* last = addr.data() + addr.size();
  auto [ptr, ec] = std::from_chars(first, last, port);
  return ec == std::errc{} && ptr == last && port >= 0 && port <= 65535;
}

}  // namespace

HttpServer::HttpServer() : server_(std::make_unique<httplib::Server>()) {}

HttpServer::~HttpServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::unique_ptr<HttpServer> HttpServer::start(const std::string& addr, std::vector<Route> routes,
                                              std::string& error) {
  std::string host;
  int port = 0;
  if (!split_addr(addr, host, port)) {
    error = fmt::format("http: bad address {}", addr);
    return nullptr;
  }
  std::unique_ptr<HttpServer> self(new HttpServer());
  httplib::Server& s = *self->server_;
  s.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  for (Route& r : routes) {
    s.Get(r.path, [h = std::move(r.handler)](const httplib::Request&, httplib::Response& res) {
      Response out = h();
      res.status = out.status;
      res.set_content(std::move(out.body), out.content_type.c_str());
    });
  }
  port = port == 0 ? s.bind_to_any_port(host) : (s.bind_to_port(host, port) ? port : -1);
  if (port <= 0) {
    error = fmt::format("http: cannot listen on {}", addr);
    return nullptr;
  }
  self->port_ = static_cast<std::uint16_t>(port);
  self->thread_ = std::thread([&s] { s.listen_after_bind(); });
  // stop() is a no-op before the loop runs: wait for it, so the destructor can't hang.
  while (!s.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  spdlog::info("http: listening on {}:{}", host, port);
  return self;
}

}  // namespace skillstream::pipeline
