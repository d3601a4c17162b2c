#include "apps/session_producer.h"

#include <chrono>
#include <thread>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

namespace skillstream::apps {

rd_kafka_t* new_kafka_client(int type, const KafkaProperties& props, std::string& error,
                             void (*prepare)(rd_kafka_conf_t*, void*), void* opaque) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      error = fmt::format("{}: {}", k, errstr);
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  if (prepare != nullptr) prepare(conf, opaque);
  rd_kafka_t* rk = rd_kafka_new(static_cast<rd_kafka_type_t>(type), conf, errstr, sizeof errstr);
  if (rk == nullptr) {
    error = errstr;
    rd_kafka_conf_destroy(conf);
  }
  return rk;
}

namespace {

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    static_cast<SessionProduceProgress*>(opaque)->failed.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace

std::string produce_sessions(const SessionProduceOptions& o, SessionProduceProgress& progress,
                             const std::atomic<bool>& stop) {
  struct Done {
    SessionProduceProgress& p;
    ~Done() { p.done.store(true, std::memory_order_release); }
  } done{progress};
  KafkaProperties props = {{"bootstrap.servers", o.brokers},
                           {"linger.ms", "20"},
                           {"message.max.bytes", "50000000"},
                           {"batch.num.messages", "10000"},
                           {"queue.buffering.max.messages", "200000"}};
  for (const auto& p : o.properties) props.push_back(p);
  std::string error;
  rd_kafka_t* rk = new_kafka_client(
      RD_KAFKA_PRODUCER, props, error,
      [](rd_kafka_conf_t* conf, void* opaque) {
        rd_kafka_conf_set_dr_msg_cb(conf, &on_delivery);
        rd_kafka_conf_set_opaque(conf, opaque);
      },
      &progress);
  if (rk == nullptr) return error;
  generator::SessionGenerator gen(o.generator);
  std::string rec;
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < o.count && !stop.load(std::memory_order_relaxed); ++i) {
    (void)gen.next(rec);
    if (o.record_bytes > 0 && !rec.empty() && rec.size() < o.record_bytes) {
      rec.insert(rec.size() - 1, o.record_bytes - rec.size(), ' ');
    }
    if (o.rate > 0) {  // open loop: each record at its time, never later to catch up
      const auto due = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double>(static_cast<double>(i) / o.rate));
      while (std::chrono::steady_clock::now() < due) {
        rd_kafka_poll(rk, 0);
        std::this_thread::sleep_until(
            std::min(due, std::chrono::steady_clock::now() + std::chrono::milliseconds(5)));
      }
    }
    for (;;) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(o.topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_PARTITION(
              static_cast<std::int32_t>(i % static_cast<std::size_t>(o.partitions))),
          RD_KAFKA_V_VALUE(rec.data(), rec.size()), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && !stop.load(std::memory_order_relaxed)) {
        rd_kafka_poll(rk, 10);
        continue;
      }
      if (err) error = rd_kafka_err2str(err);
      break;
    }
    if (!error.empty()) break;
    progress.produced.store(i + 1, std::memory_order_relaxed);
    progress.bytes.fetch_add(rec.size(), std::memory_order_relaxed);
    rd_kafka_poll(rk, 0);
  }
  if (stop.load(std::memory_order_relaxed)) {  // stopped: drop what is left, do not wait
    (void)rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    (void)rd_kafka_flush(rk, 1'000);
  } else if (error.empty() && rd_kafka_flush(rk, 60'000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    error = "input produce did not finish within 60 s";
  }
  rd_kafka_destroy(rk);
  return error;
}

}  // namespace skillstream::apps
