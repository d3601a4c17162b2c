#include "connectors/kafka_admin.h"

#include <memory>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

namespace skillstream::connectors {

namespace {

struct Client {
  rd_kafka_t* rk = nullptr;
  rd_kafka_queue_t* queue = nullptr;
  ~Client() {
    if (queue != nullptr) rd_kafka_queue_destroy(queue);
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
};

Status open(const std::vector<std::pair<std::string, std::string>>& properties, Client& c) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [k, v] : properties) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::failure(Errc::config, fmt::format("{}: {}", k, errstr));
    }
  }
  c.rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (c.rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::failure(Errc::client, errstr);
  }
  c.queue = rd_kafka_queue_new(c.rk);
  return Status::success();
}

// Waits for the admin result event of `type`; checks every topic's result.
Status wait_result(Client& c, rd_kafka_event_type_t type, std::chrono::milliseconds timeout,
                   const char* what) {
  rd_kafka_event_t* ev = rd_kafka_queue_poll(c.queue, static_cast<int>(timeout.count()) + 1000);
  if (ev == nullptr) {
    return Status::failure(Errc::kafka,
                           fmt::format("{}: no answer within {} ms", what, timeout.count()));
  }
  std::unique_ptr<rd_kafka_event_t, void (*)(rd_kafka_event_t*)> guard(ev, rd_kafka_event_destroy);
  if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::failure(Errc::kafka,
                           fmt::format("{}: {}", what, rd_kafka_event_error_string(ev)));
  }
  const rd_kafka_topic_result_t** results = nullptr;
  size_t n = 0;
  if (type == RD_KAFKA_EVENT_CREATETOPICS_RESULT) {
    results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
  } else {
    results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(ev), &n);
  }
  for (size_t i = 0; i < n; ++i) {
    if (rd_kafka_topic_result_error(results[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* msg = rd_kafka_topic_result_error_string(results[i]);
      return Status::failure(
          Errc::kafka,
          fmt::format(
              "{} {}: {}", what, rd_kafka_topic_result_name(results[i]),
              msg != nullptr ? msg : rd_kafka_err2str(rd_kafka_topic_result_error(results[i]))));
    }
  }
  return Status::success();
}

rd_kafka_AdminOptions_t* admin_options(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                                       std::chrono::milliseconds timeout) {
  rd_kafka_AdminOptions_t* o = rd_kafka_AdminOptions_new(rk, op);
  char errstr[256];
  (void)rd_kafka_AdminOptions_set_request_timeout(o, static_cast<int>(timeout.count()), errstr,
                                                  sizeof errstr);
  (void)rd_kafka_AdminOptions_set_operation_timeout(o, static_cast<int>(timeout.count()), errstr,
                                                    sizeof errstr);
  return o;
}

}  // namespace

Status create_topics(const std::vector<std::pair<std::string, std::string>>& properties,
                     const std::vector<std::string>& names, int partitions,
                     std::chrono::milliseconds timeout) {
  Client c;
  if (Status st = open(properties, c); !st.ok()) return st;
  std::vector<rd_kafka_NewTopic_t*> topics;
  char errstr[512];
  for (const auto& name : names) {
    // Replication -1: the broker's default.replication.factor.
    rd_kafka_NewTopic_t* t =
        rd_kafka_NewTopic_new(name.c_str(), partitions, -1, errstr, sizeof errstr);
    if (t == nullptr) {
      rd_kafka_NewTopic_destroy_array(topics.data(), topics.size());
      return Status::failure(Errc::config, fmt::format("topic {}: {}", name, errstr));
    }
    topics.push_back(t);
  }
  rd_kafka_AdminOptions_t* o = admin_options(c.rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout);
  rd_kafka_CreateTopics(c.rk, topics.data(), topics.size(), o, c.queue);
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_NewTopic_destroy_array(topics.data(), topics.size());
  return wait_result(c, RD_KAFKA_EVENT_CREATETOPICS_RESULT, timeout, "creating topic");
}

Status delete_topics(const std::vector<std::pair<std::string, std::string>>& properties,
                     const std::vector<std::string>& names, std::chrono::milliseconds timeout) {
  Client c;
  if (Status st = open(properties, c); !st.ok()) return st;
  std::vector<rd_kafka_DeleteTopic_t*> topics;
  for (const auto& name : names) topics.push_back(rd_kafka_DeleteTopic_new(name.c_str()));
  rd_kafka_AdminOptions_t* o = admin_options(c.rk, RD_KAFKA_ADMIN_OP_DELETETOPICS, timeout);
  rd_kafka_DeleteTopics(c.rk, topics.data(), topics.size(), o, c.queue);
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_DeleteTopic_destroy_array(topics.data(), topics.size());
  return wait_result(c, RD_KAFKA_EVENT_DELETETOPICS_RESULT, timeout, "deleting topic");
}

}  // namespace skillstream::connectors
