// The HTTP listener under slow clients (slowloris): a liveness probe with a 1 s
// timeout still answers while clients that trickle their request hold connections (more
// of them than the server keeps open, too), and such a client is disconnected once its
// request is overdue; plus the answers to what it does not serve.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pipeline/http_server.h"
#include "tests/support/wait.h"

namespace skillstream::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

std::unique_ptr<HttpServer> start_server() {
  auto started = HttpServer::start("127.0.0.1:0", {{"/healthz", [] {
                                                      return HttpServer::Response{200, "ok\n"};
                                                    }}});
  EXPECT_TRUE(started.ok()) << started.status().error;
  if (!started.ok()) return nullptr;
  auto server = std::move(started.value());
  return server;
}

// A raw TCP connection that sends a request header one byte at a time, never ending it.
class SlowClient {
 public:
  explicit SlowClient(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~SlowClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  SlowClient(const SlowClient&) = delete;
  SlowClient& operator=(const SlowClient&) = delete;

  [[nodiscard]] bool connected() const { return connected_; }

  // Sends the next byte of "GET /healthz HTTP/1.1\r\nX-Slow: xxxx...". MSG_NOSIGNAL: a
  // connection the server closed must not kill the test with SIGPIPE.
  void send_byte() {
    static const std::string head = "GET /healthz HTTP/1.1\r\nX-Slow: ";
    const char c = sent_ < head.size() ? head[sent_] : 'x';
    if (::send(fd_, &c, 1, MSG_NOSIGNAL) == 1) ++sent_;
  }

  // True once the server has closed the connection (end of stream or reset); does not
  // block. The server sends nothing else before the request is complete.
  [[nodiscard]] bool closed_by_server() const {
    char c;
    const ssize_t n = ::recv(fd_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

 private:
  int fd_;
  bool connected_ = false;
  std::size_t sent_ = 0;
};

// Sends one byte on each client every 500 ms from its own thread until destroyed.
class Trickler {
 public:
  explicit Trickler(std::vector<std::unique_ptr<SlowClient>>& clients) : clients_(clients) {
    for (auto& c : clients_) c->send_byte();
    thread_ = std::thread([this] {
      std::unique_lock lock(mu_);
      // The 500 ms between bytes is the scenario (a slow client's pace), not a wait for
      // a condition; stopping interrupts it.
      while (!cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return stop_; })) {
        for (auto& c : clients_) c->send_byte();
      }
    });
  }
  ~Trickler() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }

 private:
  std::vector<std::unique_ptr<SlowClient>>& clients_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

std::vector<std::unique_ptr<SlowClient>> connect_slow_clients(std::uint16_t port, int n) {
  std::vector<std::unique_ptr<SlowClient>> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(std::make_unique<SlowClient>(port));
    EXPECT_TRUE(out.back()->connected()) << "slow client " << i;
  }
  return out;
}

TEST(HttpServer, LivenessProbeAnswersWhileSlowClientsHoldConnections) {
  auto server = start_server();
  ASSERT_NE(server, nullptr);
  // Connected before the probe: the listener accepts them first and hands them to its
  // threads first.
  auto slow = connect_slow_clients(server->port(), 4);
  Trickler trickle(slow);

  httplib::Client probe("127.0.0.1", server->port());
  probe.set_connection_timeout(std::chrono::seconds(1));
  probe.set_read_timeout(std::chrono::seconds(1));
  probe.set_write_timeout(std::chrono::seconds(1));
  const auto res = probe.Get("/healthz");
  ASSERT_TRUE(res) << "no answer within 1 s: " << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "ok\n");
  for (const auto& c : slow) EXPECT_FALSE(c->closed_by_server()) << "still within its deadline";
}

TEST(HttpServer, ProbeAnswersWhenSlowClientsExceedTheConnectionLimit) {
  auto server = start_server();
  ASSERT_NE(server, nullptr);
  // More than the server keeps open: the oldest are closed to make room.
  auto slow =
      connect_slow_clients(server->port(), static_cast<int>(HttpServer::kMaxConnections) + 8);
  Trickler trickle(slow);
  httplib::Client probe("127.0.0.1", server->port());
  probe.set_connection_timeout(std::chrono::seconds(1));
  probe.set_read_timeout(std::chrono::seconds(1));
  const auto res = probe.Get("/healthz");
  ASSERT_TRUE(res) << "no answer within 1 s: " << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200);
  EXPECT_TRUE(
      testing::wait_for([&] { return slow.front()->closed_by_server(); }, std::chrono::seconds(1)))
      << "the oldest connection is still open";
}

TEST(HttpServer, AnswersOnlyGetOnKnownPaths) {
  auto server = start_server();
  ASSERT_NE(server, nullptr);
  httplib::Client client("127.0.0.1", server->port());
  client.set_read_timeout(std::chrono::seconds(5));
  const auto missing = client.Get("/nothing-here");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  const auto post = client.Post("/healthz", "x", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  const auto query = client.Get("/healthz?verbose=1");
  ASSERT_TRUE(query);
  EXPECT_EQ(query->status, 200);
  EXPECT_EQ(query->get_header_value("Content-Type"), "text/plain; charset=utf-8");
}

TEST(HttpServer, ClientThatTricklesItsRequestIsDisconnected) {
  auto server = start_server();
  ASSERT_NE(server, nullptr);
  auto slow = connect_slow_clients(server->port(), 1);
  const auto started = Clock::now();
  Trickler trickle(slow);
  // A byte every 500 ms passes every per-read timeout: only a deadline on the whole
  // request closes the connection.
  ASSERT_TRUE(
      testing::wait_for([&] { return slow[0]->closed_by_server(); }, std::chrono::seconds(10)))
      << "a client sending one byte every 500 ms still holds its connection after 10 s";
  EXPECT_LT(Clock::now() - started, HttpServer::kRequestTimeout + std::chrono::seconds(2));
}

}  // namespace
}  // namespace skillstream::pipeline
