#pragma once
// Client-level helpers for the integration tests: produce to and read back from a
// broker, committed offsets, high watermarks. The fixture on top is cluster.h.

#include <chrono>
#include <cstdint>
#include <map>
#include <numeric>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include "generator/session_generator.h"
#include "tests/support/wait.h"

namespace skillstream::testing {

struct InRecord {
  std::optional<std::string> value;  // nullopt: null value (tombstone)
  std::optional<std::string> key;
  std::vector<std::pair<std::string, std::string>> headers;
  std::int64_t timestamp_ms = 0;  // 0: now
  std::int32_t partition = -1;    // -1: partitioner
};

struct OutRecord {
  std::string topic;
  std::int32_t partition = 0;
  std::int64_t offset = 0;
  std::optional<std::string> value;
  std::optional<std::string> key;
  std::int64_t timestamp_ms = 0;
  std::vector<std::pair<std::string, std::string>> headers;

  std::optional<std::string> header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return v;
    }
    return std::nullopt;
  }
};

// An output record's input (partition, offset), from its skillstream.source.* headers;
// (-1, -1) without them.
using SourceId = std::pair<std::int32_t, std::int64_t>;

inline SourceId source_of(const OutRecord& r) {
  return {std::stoi(r.header("skillstream.source.partition").value_or("-1")),
          std::stoll(r.header("skillstream.source.offset").value_or("-1"))};
}

inline std::int64_t total(const std::vector<std::int64_t>& v) {
  return std::accumulate(v.begin(), v.end(), std::int64_t{0});
}

// `n` generated session logs with the generator's mix of defects and planted secrets,
// round robin over `partitions` input partitions.
inline std::vector<InRecord> generated_inputs(std::size_t n, std::uint64_t seed,
                                              double invalid_ratio, double secret_ratio,
                                              int partitions) {
  generator::GeneratorOptions g;
  g.seed = seed;
  g.invalid_ratio = invalid_ratio;
  g.secret_ratio = secret_ratio;
  generator::SessionGenerator gen(g);
  std::vector<InRecord> out(n);
  std::string rec;
  for (std::size_t i = 0; i < n; ++i) {
    (void)gen.next(rec);
    out[i].value = rec;
    out[i].partition = static_cast<std::int32_t>(i % static_cast<std::size_t>(partitions));
  }
  return out;
}

inline rd_kafka_t* make_client(rd_kafka_type_t type,
                               const std::vector<std::pair<std::string, std::string>>& props) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [k, v] : props) {
    EXPECT_EQ(rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof errstr),
              RD_KAFKA_CONF_OK)
        << k << ": " << errstr;
  }
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
  EXPECT_NE(rk, nullptr) << errstr;
  return rk;
}

// Produces every record (acks=all) and waits for all deliveries.
inline void produce_all(const std::string& brokers, const std::string& topic,
                        const std::vector<InRecord>& records) {
  rd_kafka_t* rk = make_client(
      RD_KAFKA_PRODUCER,
      {{"bootstrap.servers", brokers}, {"linger.ms", "5"}, {"message.max.bytes", "20000000"}});
  ASSERT_NE(rk, nullptr);
  for (const InRecord& r : records) {
    rd_kafka_headers_t* h = rd_kafka_headers_new(r.headers.size() + 1);
    for (const auto& [n, v] : r.headers) {
      rd_kafka_header_add(h, n.c_str(), -1, v.data(), static_cast<ssize_t>(v.size()));
    }
    void* value = r.value ? const_cast<char*>(r.value->data()) : nullptr;
    std::size_t value_size = r.value ? r.value->size() : 0;
    const void* key = r.key ? r.key->data() : nullptr;
    std::size_t key_size = r.key ? r.key->size() : 0;
    for (;;) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_PARTITION(r.partition < 0 ? RD_KAFKA_PARTITION_UA : r.partition),
          RD_KAFKA_V_VALUE(value, value_size), RD_KAFKA_V_KEY(key, key_size),
          RD_KAFKA_V_TIMESTAMP(r.timestamp_ms), RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk, 10);
        continue;
      }
      ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
      break;
    }
    rd_kafka_poll(rk, 0);
  }
  ASSERT_EQ(rd_kafka_flush(rk, 60'000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
}

// Reads every partition of `topic` from the beginning to its end.
// One consumed message as an OutRecord (value, key, timestamp, headers copied).
inline OutRecord out_record(const std::string& topic, const rd_kafka_message_t* m) {
  OutRecord r;
  r.topic = topic;
  r.partition = m->partition;
  r.offset = m->offset;
  if (m->payload != nullptr) r.value.emplace(static_cast<const char*>(m->payload), m->len);
  if (m->key != nullptr) r.key.emplace(static_cast<const char*>(m->key), m->key_len);
  rd_kafka_timestamp_type_t tt;
  r.timestamp_ms = rd_kafka_message_timestamp(m, &tt);
  rd_kafka_headers_t* h = nullptr;
  if (rd_kafka_message_headers(m, &h) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name;
    const void* v;
    size_t size;
    for (size_t i = 0; rd_kafka_header_get_all(h, i, &name, &v, &size) == 0; ++i) {
      r.headers.emplace_back(name, v ? std::string(static_cast<const char*>(v), size) : "");
    }
  }
  return r;
}

inline std::vector<OutRecord> read_all(const std::string& brokers, const std::string& topic,
                                       int partitions) {
  std::vector<OutRecord> out;
  rd_kafka_t* rk = make_client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", brokers},
                                                   {"group.id", "test-reader"},
                                                   {"enable.auto.commit", "false"},
                                                   {"enable.partition.eof", "true"},
                                                   {"fetch.wait.max.ms", "10"}});
  if (rk == nullptr) return out;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  EXPECT_EQ(rd_kafka_assign(rk, list), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_partition_list_destroy(list);
  int eofs = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (eofs < partitions && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 100);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      ++eofs;
    } else if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      out.push_back(out_record(topic, m));
    }
    rd_kafka_message_destroy(m);
  }
  EXPECT_EQ(eofs, partitions) << "timed out reading " << topic;
  rd_kafka_destroy(rk);
  return out;
}

// The group's committed offsets on `topic` partitions 0..partitions-1 (-1001: none).
inline std::vector<std::int64_t> committed_offsets(const std::string& brokers,
                                                   const std::string& group,
                                                   const std::string& topic, int partitions) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(partitions), -1);
  rd_kafka_t* rk =
      make_client(RD_KAFKA_CONSUMER, {{"bootstrap.servers", brokers}, {"group.id", group}});
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  EXPECT_EQ(rd_kafka_committed(rk, list, 10'000), RD_KAFKA_RESP_ERR_NO_ERROR);
  for (int i = 0; i < list->cnt; ++i) {
    out[static_cast<std::size_t>(list->elems[i].partition)] = list->elems[i].offset;
  }
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
  return out;
}

// High watermark per partition.
inline std::vector<std::int64_t> high_watermarks(const std::string& brokers,
                                                 const std::string& topic, int partitions) {
  std::vector<std::int64_t> out;
  rd_kafka_t* rk = make_client(RD_KAFKA_PRODUCER, {{"bootstrap.servers", brokers}});
  for (int p = 0; p < partitions; ++p) {
    int64_t lo = 0, hi = 0;
    EXPECT_EQ(rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 10'000),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    out.push_back(hi);
  }
  rd_kafka_destroy(rk);
  return out;
}

}  // namespace skillstream::testing
