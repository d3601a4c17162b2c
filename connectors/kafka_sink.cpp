#include "connectors/kafka_sink.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace skillstream::connectors {

KafkaSink::~KafkaSink() {
  if (clean_ != nullptr) rd_kafka_topic_destroy(clean_);
  if (dlq_ != nullptr) rd_kafka_topic_destroy(dlq_);
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

std::unique_ptr<KafkaSink> KafkaSink::create(const KafkaSinkOptions& options,
                                             DeliveryFn on_delivery, std::string& error) {
  const std::size_t max_bytes = std::max<std::size_t>(options.message_max_bytes, 1000000);
  KafkaProperties props = {
      {"bootstrap.servers", options.brokers},
      {"client.id", options.client_id},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"partitioner", "murmur2_random"},
      {"message.max.bytes", std::to_string(max_bytes)},
      {"linger.ms", "5"},
  };
  props.insert(props.end(), options.properties.begin(), options.properties.end());
  props.emplace_back("enable.idempotence", "true");
  props.emplace_back("acks", "all");

  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (Status s = apply_properties(conf, props); !s.ok()) {
    rd_kafka_conf_destroy(conf);
    error = fmt::format("producer property {}", s.error);
    return nullptr;
  }
  std::unique_ptr<KafkaSink> sink(new KafkaSink());
  sink->on_delivery_ = std::move(on_delivery);
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    static_cast<KafkaSink*>(opaque)->on_delivery_(m->err, m->_private);
  });
  rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    static_cast<KafkaSink*>(opaque)->errors_.on_error(rk, err, reason);
  });
  rd_kafka_conf_set_opaque(conf, sink.get());
  char errstr[512];
  sink->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (sink->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    error = fmt::format("producer: {}", errstr);
    return nullptr;
  }
  sink->clean_ = rd_kafka_topic_new(sink->rk_, options.clean_topic.c_str(), nullptr);
  sink->dlq_ = rd_kafka_topic_new(sink->rk_, options.dlq_topic.c_str(), nullptr);
  if (sink->clean_ == nullptr || sink->dlq_ == nullptr) {
    error = fmt::format("producer topics: {}", rd_kafka_err2str(rd_kafka_last_error()));
    return nullptr;
  }
  return sink;
}

rd_kafka_resp_err_t KafkaSink::produce(OutRecord& r) {
  for (;;) {
    // No copy flag: the payload stays where the consumer put it until delivery.
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_, RD_KAFKA_V_RKT(r.dead_letter ? dlq_ : clean_), RD_KAFKA_V_MSGFLAGS(0),
        RD_KAFKA_V_VALUE(const_cast<void*>(r.value), r.value_size),
        RD_KAFKA_V_KEY(r.key, r.key_size), RD_KAFKA_V_TIMESTAMP(r.timestamp_ms),
        RD_KAFKA_V_HEADERS(r.headers), RD_KAFKA_V_OPAQUE(r.opaque), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) r.headers = nullptr;
      return err;
    }
    rd_kafka_poll(rk_, 10);  // full: serve delivery reports, then retry
  }
}

int KafkaSink::poll(int timeout_ms) { return rd_kafka_poll(rk_, timeout_ms); }

int KafkaSink::outstanding() const { return rd_kafka_outq_len(rk_); }

void KafkaSink::purge() {
  (void)rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
}

bool is_permanent_delivery_error(rd_kafka_resp_err_t err) noexcept {
  switch (err) {
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE:
    case RD_KAFKA_RESP_ERR_INVALID_MSG:
    case RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE:
    case RD_KAFKA_RESP_ERR_INVALID_RECORD:
    case RD_KAFKA_RESP_ERR_POLICY_VIOLATION:
      return true;
    default:
      return false;
  }
}

}  // namespace skillstream::connectors
