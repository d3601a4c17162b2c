// `skillstream broker`: an embedded Kafka cluster for tests, demos and benchmarks.
#include <poll.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "apps/commands.h"
#include "apps/signals.h"
#include "connectors/embedded_broker.h"

namespace skillstream::apps {

namespace {

// One fault command from stdin; the reply line goes to stdout.
std::string run_fault_command(connectors::EmbeddedBroker& broker, const std::string& line) {
  std::istringstream in(line);
  std::string cmd;
  in >> cmd;
  connectors::Status st;
  if (cmd == "down" || cmd == "up") {
    int id = 0;
    if (!(in >> id)) return "error: usage: down|up BROKER";
    st = cmd == "down" ? broker.set_broker_down(id) : broker.set_broker_up(id);
  } else if (cmd == "rtt") {
    int id = 0, ms = 0;
    if (!(in >> id >> ms)) return "error: usage: rtt BROKER MS";
    st = broker.set_broker_rtt(id, ms);
  } else if (cmd == "leader") {
    std::string topic;
    int part = 0, id = 0;
    if (!(in >> topic >> part >> id)) return "error: usage: leader TOPIC PARTITION BROKER";
    st = broker.set_partition_leader(topic, part, id);
  } else if (cmd == "coordinator") {
    std::string type, key;
    int id = 0;
    if (!(in >> type >> key >> id)) return "error: usage: coordinator group|transaction KEY BROKER";
    st = broker.set_coordinator(type, key, id);
  } else if (cmd == "errors") {
    int api = 0, count = 0, err = 0;
    if (!(in >> api >> count >> err)) return "error: usage: errors API_KEY COUNT ERROR_CODE";
    broker.push_request_errors(static_cast<std::int16_t>(api), count, err);
  } else if (cmd == "topic") {
    std::string topic;
    int parts = 0;
    if (!(in >> topic >> parts)) return "error: usage: topic NAME PARTITIONS";
    st = broker.create_topic(topic, parts);
  } else if (cmd.empty()) {
    return {};
  } else {
    return "error: unknown command " + cmd;
  }
  return st.ok() ? "ok" : "error: " + st.error;
}

}  // namespace

void add_broker_command(CLI::App& app, int& exit_code) {
  struct Options {
    int partitions = 8;
    int brokers = 1;
    std::vector<std::string> topics = {"sessions.raw", "sessions.clean", "sessions.dlq"};
  };
  auto opts = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "broker",
      "Run an embedded Kafka cluster (librdkafka mock) on 127.0.0.1: prints the bootstrap "
      "address as the first line, runs until SIGINT/SIGTERM. Fault commands on stdin: "
      "down N, up N, rtt N MS, leader TOPIC PART N, coordinator group|transaction KEY N, "
      "errors API COUNT ERR, topic NAME PARTS (each answers one line: ok or error: ...)");
  cmd->add_option("--partitions", opts->partitions, "Partitions per topic")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--brokers", opts->brokers, "Number of brokers")->check(CLI::Range(1, 16));
  cmd->add_option("--topics", opts->topics, "Topics to create")->delimiter(',');
  cmd->callback([opts, &exit_code] {
    install_stop_signals();
    auto started = connectors::EmbeddedBroker::start(opts->brokers);
    if (!started.ok()) {
      std::fprintf(stderr, "skillstream broker: %s\n", started.status().error.c_str());
      exit_code = 1;
      return;
    }
    auto broker = std::move(started.value());
    for (const auto& t : opts->topics) {
      if (auto st = broker->create_topic(t, opts->partitions); !st.ok()) {
        std::fprintf(stderr, "skillstream broker: %s\n", st.error.c_str());
        exit_code = 1;
        return;
      }
    }
    std::printf("%s\n", broker->bootstraps().c_str());
    std::fflush(stdout);
    bool stdin_open = true;
    std::string pending;
    while (!g_stop_requested.load()) {
      if (!stdin_open) {
        ::usleep(100'000);
        continue;
      }
      pollfd pfd{STDIN_FILENO, POLLIN, 0};
      int n = ::poll(&pfd, 1, 100);
      if (n <= 0) continue;
      char buf[4096];
      ssize_t got = ::read(STDIN_FILENO, buf, sizeof buf);
      if (got <= 0) {
        stdin_open = false;
        continue;
      }
      pending.append(buf, static_cast<std::size_t>(got));
      std::size_t nl;
      while ((nl = pending.find('\n')) != std::string::npos) {
        std::string line = pending.substr(0, nl);
        pending.erase(0, nl + 1);
        std::string reply = run_fault_command(*broker, line);
        if (!reply.empty()) {
          std::printf("%s\n", reply.c_str());
          std::fflush(stdout);
        }
      }
    }
    exit_code = 0;
  });
}

}  // namespace skillstream::apps
