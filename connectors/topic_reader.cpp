#include "connectors/topic_reader.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>

namespace skillstream::connectors {

namespace {

int timeout_ms(std::chrono::milliseconds t) {
  return static_cast<int>(std::clamp<std::int64_t>(t.count(), 1, 3'600'000));
}

// Errors of a partition that cannot end by waiting: the read fails at once.
bool fatal_read_error(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR__FATAL:
      return true;
    default:
      return false;
  }
}

}  // namespace

TopicReader::~TopicReader() {
  if (rk_ == nullptr) return;
  // Never joined a group and never commits: nothing to leave, so no consumer close
  // (which would wait for an unreachable coordinator).
  rd_kafka_destroy_flags(rk_, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}

Result<std::unique_ptr<TopicReader>> TopicReader::create(const TopicReaderOptions& options) {
  KafkaProperties props = {
      {"bootstrap.servers", options.brokers},
      {"group.id", options.group.empty() ? std::string("skillstream-reader") : options.group},
      {"client.id", options.client_id},
      {"auto.offset.reset", "earliest"},
      {"enable.partition.eof", "true"},
      {"allow.auto.create.topics", "false"},
  };
  props.insert(props.end(), options.properties.begin(), options.properties.end());
  // A reader must not move anyone's offsets: passthrough cannot turn these back on.
  props.emplace_back("enable.auto.commit", "false");
  props.emplace_back("enable.auto.offset.store", "false");

  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (Status s = apply_properties(conf, props); !s.ok()) {
    rd_kafka_conf_destroy(conf);
    return Status::failure(s.code, fmt::format("consumer property {}", s.error));
  }
  std::unique_ptr<TopicReader> reader(new TopicReader());
  reader->options_ = options;
  char errstr[512];
  reader->rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (reader->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::failure(Errc::client, fmt::format("consumer: {}", errstr));
  }
  rd_kafka_poll_set_consumer(reader->rk_);
  return reader;
}

Result<std::vector<PartitionOffsets>> TopicReader::offsets() {
  const int wait = timeout_ms(options_.timeout);
  const std::string& topic = options_.topic;
  // Metadata of every topic, not of this one: asking for one topic by name may
  // create it on clusters that auto-create topics.
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, 1, nullptr, &md, wait); err) {
    return Status::failure(
        Errc::kafka,
        fmt::format("no answer from the brokers {} within {} ms ({})", options_.brokers,
                    options_.timeout.count(), rd_kafka_err2str(err)));
  }
  std::vector<PartitionOffsets> out;
  bool found = false;
  rd_kafka_resp_err_t topic_err = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (int t = 0; t < md->topic_cnt; ++t) {
    const rd_kafka_metadata_topic_t& mt = md->topics[t];
    if (topic != mt.topic) continue;
    found = true;
    topic_err = mt.err;
    for (int p = 0; p < mt.partition_cnt; ++p) {
      out.push_back(PartitionOffsets{mt.partitions[p].id, 0, 0, -1});
    }
  }
  rd_kafka_metadata_destroy(md);
  if (!found || topic_err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
    return Status::failure(Errc::not_found, fmt::format("topic {} does not exist", topic));
  }
  if (topic_err) {
    return Status::failure(Errc::kafka,
                           fmt::format("topic {}: {}", topic, rd_kafka_err2str(topic_err)));
  }
  std::sort(out.begin(), out.end(), [](const PartitionOffsets& a, const PartitionOffsets& b) {
    return a.partition < b.partition;
  });

  for (PartitionOffsets& p : out) {
    if (rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(rk_, topic.c_str(), p.partition,
                                                                   &p.low, &p.high, wait);
        err) {
      return Status::failure(Errc::kafka, fmt::format("watermarks of {} [{}]: {}", topic,
                                                      p.partition, rd_kafka_err2str(err)));
    }
  }
  if (options_.group.empty() || out.empty()) return out;

  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(out.size()));
  for (const PartitionOffsets& p : out) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p.partition);
  }
  rd_kafka_resp_err_t err = rd_kafka_committed(rk_, list, wait);
  if (err) {
    rd_kafka_topic_partition_list_destroy(list);
    return Status::failure(Errc::kafka, fmt::format("committed offsets of group {}: {}",
                                                    options_.group, rd_kafka_err2str(err)));
  }
  std::map<std::int32_t, std::int64_t> committed;
  for (int i = 0; i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& e = list->elems[i];
    if (e.err == RD_KAFKA_RESP_ERR_NO_ERROR && e.offset >= 0) committed[e.partition] = e.offset;
  }
  rd_kafka_topic_partition_list_destroy(list);
  for (PartitionOffsets& p : out) {
    auto it = committed.find(p.partition);
    if (it != committed.end()) p.committed = it->second;
  }
  return out;
}

Status TopicReader::read(const std::vector<PartitionOffsets>& ranges, const MessageFn& on_message) {
  const std::string& topic = options_.topic;
  std::map<std::int32_t, std::int64_t> ends;  // partitions still to read: their end
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(ranges.size()));
  for (const PartitionOffsets& p : ranges) {
    if (p.high <= p.low) continue;
    ends[p.partition] = p.high;
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p.partition)->offset = p.low;
  }
  if (ends.empty()) {
    rd_kafka_topic_partition_list_destroy(list);
    return Status::success();
  }
  rd_kafka_resp_err_t err = rd_kafka_assign(rk_, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (err) {
    return Status::failure(Errc::kafka, fmt::format("assign {}: {}", topic, rd_kafka_err2str(err)));
  }

  std::vector<TopicMessage::Header> headers;
  Status result = Status::success();
  auto last_progress = std::chrono::steady_clock::now();
  while (!ends.empty()) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, 100);
    const auto now = std::chrono::steady_clock::now();
    if (m == nullptr) {
      if (now - last_progress > options_.timeout) {
        result = Status::failure(
            Errc::kafka,
            fmt::format("no record of {} for {} ms with {} partition(s) unfinished "
                        "(first: {})",
                        topic, options_.timeout.count(), ends.size(), ends.begin()->first));
        break;
      }
      continue;
    }
    auto it = ends.find(m->partition);
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (it != ends.end()) ends.erase(it);
      last_progress = now;
    } else if (m->err) {
      if (fatal_read_error(m->err)) {
        result = Status::failure(Errc::kafka, fmt::format("reading {} [{}]: {}", topic,
                                                          m->partition, rd_kafka_err2str(m->err)));
        rd_kafka_message_destroy(m);
        break;
      }
      // Transient (transport, leader change): librdkafka retries; the silence bound holds.
    } else if (it != ends.end() && m->offset < it->second) {
      last_progress = now;
      headers.clear();
      rd_kafka_headers_t* hdrs = nullptr;
      if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name = nullptr;
        const void* value = nullptr;
        size_t size = 0;
        for (size_t i = 0;
             rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
          headers.emplace_back(std::string_view(name),
                               value != nullptr
                                   ? std::string_view(static_cast<const char*>(value), size)
                                   : std::string_view());
        }
      }
      TopicMessage msg;
      msg.partition = m->partition;
      msg.offset = m->offset;
      rd_kafka_timestamp_type_t type;
      msg.timestamp_ms = rd_kafka_message_timestamp(m, &type);
      msg.null_value = m->payload == nullptr;
      if (m->payload != nullptr) msg.value = {static_cast<const char*>(m->payload), m->len};
      msg.headers = headers;
      on_message(msg);
      if (m->offset + 1 >= it->second) ends.erase(it);
    } else if (it != ends.end()) {
      ends.erase(it);  // past the end seen at start: this partition is done
    }
    rd_kafka_message_destroy(m);
  }
  (void)rd_kafka_assign(rk_, nullptr);
  return result;
}

}  // namespace skillstream::connectors
