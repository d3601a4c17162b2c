#include "connectors/kafka_sink.h"

#include <algorithm>

#include <fmt/format.h>

namespace skillstream::connectors {

KafkaSink::~KafkaSink() {
  if (clean_ != nullptr) rd_kafka_topic_destroy(clean_);
  if (dlq_ != nullptr) rd_kafka_topic_destroy(dlq_);
  if (parking_ != nullptr) rd_kafka_topic_destroy(parking_);
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

Result<std::unique_ptr<KafkaSink>> KafkaSink::create(const KafkaSinkOptions& options) {
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
    return Status::failure(s.code, fmt::format("producer property {}", s.error));
  }
  std::unique_ptr<KafkaSink> sink(new KafkaSink());
  sink->message_max_bytes_ = max_bytes;
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    static_cast<KafkaSink*>(opaque)->reports_.push_back(DeliveryReport{m->err, m->_private});
  });
  rd_kafka_conf_set_error_cb(conf, [](rd_kafka_t* rk, int err, const char* reason, void* opaque) {
    static_cast<KafkaSink*>(opaque)->errors_.on_error(rk, err, reason);
  });
  rd_kafka_conf_set_opaque(conf, sink.get());
  char errstr[512];
  sink->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (sink->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::failure(Errc::client, fmt::format("producer: {}", errstr));
  }
  sink->clean_ = rd_kafka_topic_new(sink->rk_, options.clean_topic.c_str(), nullptr);
  sink->dlq_ = rd_kafka_topic_new(sink->rk_, options.dlq_topic.c_str(), nullptr);
  if (!options.parking_topic.empty()) {
    sink->parking_ = rd_kafka_topic_new(sink->rk_, options.parking_topic.c_str(), nullptr);
  }
  if (sink->clean_ == nullptr || sink->dlq_ == nullptr ||
      (!options.parking_topic.empty() && sink->parking_ == nullptr)) {
    return Status::failure(
        Errc::client, fmt::format("producer topics: {}", rd_kafka_err2str(rd_kafka_last_error())));
  }
  return sink;
}

rd_kafka_resp_err_t KafkaSink::produce(const OutRecord& r) {
  rd_kafka_headers_t* headers = nullptr;
  rd_kafka_headers_t* in = nullptr;
  const auto* from = static_cast<const rd_kafka_message_t*>(r.headers_of);
  if (from != nullptr && rd_kafka_message_headers(from, &in) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    headers = rd_kafka_headers_copy(in);
    for (std::size_t i = 0; i < r.dropped_count; ++i) {
      const std::string name(r.dropped[i]);  // rare (redrive): a copy for the C string
      (void)rd_kafka_header_remove(headers, name.c_str());
    }
  } else {
    headers = rd_kafka_headers_new(r.header_count);
  }
  for (std::size_t i = 0; i < r.header_count; ++i) {
    const HeaderView& h = r.headers[i];
    rd_kafka_header_add(headers, h.name.data(), static_cast<ssize_t>(h.name.size()), h.value.data(),
                        static_cast<ssize_t>(h.value.size()));
  }
  rd_kafka_topic_t* topic = r.destination == Destination::clean         ? clean_
                            : r.destination == Destination::dead_letter ? dlq_
                                                                        : parking_;
  if (topic == nullptr) {
    rd_kafka_headers_destroy(headers);
    return RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;  // a parking record without a parking topic
  }
  // No copy flag: value and key stay where the consumer put them until delivery.
  rd_kafka_resp_err_t err = rd_kafka_producev(
      rk_, RD_KAFKA_V_RKT(topic), RD_KAFKA_V_MSGFLAGS(0),
      RD_KAFKA_V_VALUE(const_cast<char*>(r.value.data()), r.value.size()),
      RD_KAFKA_V_KEY(r.key.data(), r.key.size()), RD_KAFKA_V_TIMESTAMP(r.timestamp_ms),
      RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(r.opaque), RD_KAFKA_V_END);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_headers_destroy(headers);  // still ours
  return err;
}

void KafkaSink::poll(int timeout_ms, std::vector<DeliveryReport>& reports) {
  rd_kafka_poll(rk_, timeout_ms);
  if (reports.empty()) {
    reports.swap(reports_);
  } else {
    reports.insert(reports.end(), reports_.begin(), reports_.end());
    reports_.clear();
  }
}

int KafkaSink::outstanding() const { return rd_kafka_outq_len(rk_); }

void KafkaSink::purge() {
  (void)rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
}

}  // namespace skillstream::connectors
