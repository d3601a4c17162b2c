#include "pipeline/http_server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <deque>
#include <exception>
#include <string_view>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace skillstream::pipeline {

namespace {

using Clock = std::chrono::steady_clock;

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

// A non-blocking listening socket on host:port, or -1 with `error`. `bound` is the
// port it got (port 0 picks a free one).
int open_listener(const std::string& host, int port, std::uint16_t& bound, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc =
          ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
      rc != 0) {
    error = ::gai_strerror(rc);
    return -1;
  }
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    // SO_REUSEADDR: a restart may bind while the last run's connections are in
    // TIME_WAIT. Not SO_REUSEPORT (cpp-httplib set it): a second instance on the same
    // port would then answer half of this one's probes; it fails at start instead.
    int on = 1;
    (void)::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      error = std::strerror(errno);
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) return -1;
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  (void)::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  bound = ntohs(local.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&local)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&local)->sin_port);
  return fd;
}

// One client connection: its request as it arrives, then the answer as it goes out.
struct Connection {
  int fd;
  Clock::time_point deadline;
  std::string in;
  std::string out;  // empty until the request head is in
  std::size_t sent = 0;
};

// Reads what has arrived; false once the client closed the connection or it failed.
bool read_some(Connection& c) {
  char buf[4096];
  while (c.in.size() <= HttpServer::kMaxRequestBytes) {
    const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      c.in.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0) {
      return false;
    } else if (errno != EINTR) {
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
  }
  return true;
}

// Sends what the socket takes; false once all is sent (the connection is done) or the
// send failed.
bool write_some(Connection& c) {
  while (c.sent < c.out.size()) {
    const ssize_t n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
    if (n > 0) {
      c.sent += static_cast<std::size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
  }
  return false;
}

// Where the request head ends (the empty line), or npos while it is incomplete.
std::size_t head_end(const std::string& in) {
  const auto crlf = in.find("\r\n\r\n");
  return crlf != std::string::npos ? crlf : in.find("\n\n");
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

std::string render(const HttpServer::Response& r, bool with_body) {
  return fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}Connection: close\r\n\r\n{}",
      r.status, reason_phrase(r.status), r.content_type, r.body.size(),
      r.status == 405 ? "Allow: GET, HEAD\r\n" : "", with_body ? r.body : "");
}

// The whole answer (status line, headers, body) to one request head.
std::string answer(const std::vector<HttpServer::Route>& routes, const std::string& head) {
  // The request line: METHOD SP TARGET SP HTTP/1.x; headers are not needed.
  const std::string_view line(head.data(), std::min(head.find_first_of("\r\n"), head.size()));
  const auto sp1 = line.find(' ');
  const auto sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1 || !line.substr(sp2 + 1).starts_with("HTTP/1.")) {
    return render({400, "bad request\n"}, true);
  }
  const std::string_view method = line.substr(0, sp1);
  const bool with_body = method != "HEAD";
  if (method != "GET" && with_body) return render({405, "only GET\n"}, true);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view path = target.substr(0, target.find('?'));
  for (const HttpServer::Route& r : routes) {
    if (r.path != path) continue;
    try {
      return render(r.handler(), with_body);
    } catch (const std::exception& e) {
      spdlog::error("http: {} failed: {}", r.path, e.what());
      return render({500, "error\n"}, with_body);
    }
  }
  return render({404, "not found\n"}, with_body);
}

// Moves a connection on as far as its socket allows: read, answer once the request
// head is in, send. False once it is done (answered, closed by the client, failed).
bool progress(Connection& c, const std::vector<HttpServer::Route>& routes) {
  if (c.out.empty()) {
    // A client may close its side once its request is out: answer it all the same.
    const bool readable = read_some(c);
    if (const auto end = head_end(c.in); end != std::string::npos) {
      c.out = answer(routes, c.in.substr(0, end));
    } else if (c.in.size() > HttpServer::kMaxRequestBytes) {
      c.out = render({431, "request too large\n"}, true);
    } else {
      return readable;
    }
  }
  return write_some(c);
}

void close_oldest(std::deque<Connection>& conns) {
  ::close(conns.front().fd);
  conns.pop_front();
}

// Takes every pending connection. At the limit the oldest connection is closed to make
// room, so a flood of stalled clients cannot lock probes out.
void accept_all(int listen_fd, std::deque<Connection>& conns) {
  for (;;) {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      // Out of descriptors: the oldest connection gives its own up, then accept again.
      if ((errno == EMFILE || errno == ENFILE) && !conns.empty()) {
        close_oldest(conns);
        continue;
      }
      return;  // none left (EAGAIN)
    }
    if (conns.size() >= HttpServer::kMaxConnections) close_oldest(conns);
    conns.push_back({fd, Clock::now() + HttpServer::kRequestTimeout, {}, {}, 0});
  }
}

}  // namespace

HttpServer::HttpServer(int listen_fd, int wake_fd, std::uint16_t port, std::vector<Route> routes)
    : listen_fd_(listen_fd), wake_fd_(wake_fd), port_(port), routes_(std::move(routes)) {
  thread_ = std::thread([this] { serve(); });
}

HttpServer::~HttpServer() {
  const std::uint64_t one = 1;
  (void)::write(wake_fd_, &one, sizeof one);
  thread_.join();
  ::close(listen_fd_);
  ::close(wake_fd_);
}

connectors::Result<std::unique_ptr<HttpServer>> HttpServer::start(const std::string& addr,
                                                                  std::vector<Route> routes) {
  using connectors::Errc;
  using connectors::Status;
  std::string host;
  int port = 0;
  if (!split_addr(addr, host, port)) {
    return Status::failure(Errc::config, fmt::format("http: bad address {}", addr));
  }
  std::uint16_t bound = 0;
  std::string why;
  const int fd = open_listener(host, port, bound, why);
  if (fd < 0) {
    return Status::failure(Errc::io, fmt::format("http: cannot listen on {}: {}", addr, why));
  }
  const int wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wake < 0) {
    const std::string err = std::strerror(errno);
    ::close(fd);
    return Status::failure(Errc::io, fmt::format("http: eventfd: {}", err));
  }
  spdlog::info("http: listening on {}:{}", host, bound);
  return std::unique_ptr<HttpServer>(new HttpServer(fd, wake, bound, std::move(routes)));
}

void HttpServer::serve() {
  std::deque<Connection> conns;  // in accept order, so also in deadline order
  std::vector<pollfd> fds;
  for (;;) {
    fds.assign({{wake_fd_, POLLIN, 0}, {listen_fd_, POLLIN, 0}});
    for (const Connection& c : conns) {
      fds.push_back({c.fd, static_cast<short>(c.out.empty() ? POLLIN : POLLOUT), 0});
    }
    int timeout_ms = -1;
    if (!conns.empty()) {
      const auto left = conns.front().deadline - Clock::now();
      timeout_ms = static_cast<int>(
          std::max<std::int64_t>(0, std::chrono::ceil<std::chrono::milliseconds>(left).count()));
    }
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) {
      spdlog::error("http: poll: {}; no longer serving", std::strerror(errno));
      break;
    }
    if (fds[0].revents != 0) break;  // the destructor

    // Connections with news move on; those past their deadline are closed.
    const auto now = Clock::now();
    std::deque<Connection> open;
    for (std::size_t i = 0; i < conns.size(); ++i) {
      Connection& c = conns[i];
      bool alive = now < c.deadline;
      if (!alive) {
        spdlog::debug("http: closing a connection still without its answer after {} s",
                      kRequestTimeout.count());
      } else if (fds[i + 2].revents != 0) {
        alive = progress(c, routes_);
      }
      if (alive) {
        open.push_back(std::move(c));
      } else {
        ::close(c.fd);
      }
    }
    conns = std::move(open);
    if ((fds[1].revents & POLLIN) != 0) accept_all(listen_fd_, conns);
  }
  for (const Connection& c : conns) ::close(c.fd);
}

}  // namespace skillstream::pipeline
