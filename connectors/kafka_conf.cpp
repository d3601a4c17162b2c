#include "connectors/kafka_conf.h"

#include <memory>

#include <fmt/format.h>
#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

namespace skillstream::connectors {

namespace {
// librdkafka calls this from its own threads; spdlog loggers are thread-safe.
void log_to_spdlog(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
  spdlog::level::level_enum lvl = spdlog::level::debug;
  if (level <= 2)
    lvl = spdlog::level::critical;
  else if (level == 3)
    lvl = spdlog::level::err;
  else if (level == 4)
    lvl = spdlog::level::warn;
  else if (level <= 6)
    lvl = spdlog::level::info;
  spdlog::log(lvl, "kafka {} {}: {}", rd_kafka_name(rk), fac, buf);
}

PropertyProblem set_one(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char errstr[512];  // not used: it may quote the value
  switch (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof errstr)) {
    case RD_KAFKA_CONF_OK:
      return PropertyProblem::none;
    case RD_KAFKA_CONF_UNKNOWN:
      return PropertyProblem::unknown;
    case RD_KAFKA_CONF_INVALID:
      break;
  }
  return PropertyProblem::invalid;
}
}  // namespace

const char* describe(PropertyProblem problem) noexcept {
  switch (problem) {
    case PropertyProblem::none:
      return "accepted";
    case PropertyProblem::unknown:
      return "unknown librdkafka property";
    case PropertyProblem::invalid:
      break;
  }
  return "invalid value for this librdkafka property (value not shown)";
}

PropertyCheck check_properties(const KafkaProperties& properties) {
  const std::unique_ptr<rd_kafka_conf_t, void (*)(rd_kafka_conf_t*)> conf(rd_kafka_conf_new(),
                                                                          rd_kafka_conf_destroy);
  for (std::size_t i = 0; i < properties.size(); ++i) {
    const auto& [name, value] = properties[i];
    if (PropertyProblem p = set_one(conf.get(), name, value); p != PropertyProblem::none) {
      return PropertyCheck{p, i};
    }
  }
  return PropertyCheck{};
}

Status apply_properties(rd_kafka_conf_t* conf, const KafkaProperties& properties) {
  for (const auto& [name, value] : properties) {
    if (PropertyProblem p = set_one(conf, name, value); p != PropertyProblem::none) {
      return Status::failure(
          Errc::config, fmt::format("{}: {}", name,
                                    p == PropertyProblem::unknown ? "unknown property"
                                                                  : "invalid value (not shown)"));
    }
  }
  rd_kafka_conf_set_log_cb(conf, log_to_spdlog);
  return Status::success();
}

void KafkaErrors::on_error(rd_kafka_t* rk, int err_code, const char* reason) {
  auto err = static_cast<rd_kafka_resp_err_t>(err_code);
  std::string line;
  bool fatal = false;
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char errstr[512];
    rd_kafka_resp_err_t orig = rd_kafka_fatal_error(rk, errstr, sizeof errstr);
    line = fmt::format("fatal Kafka error: {}: {}", rd_kafka_err2name(orig), errstr);
    fatal = true;
  } else if (err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
             err == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED ||
             err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
             err == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED ||
             err == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED) {
    line = fmt::format("Kafka authentication/authorization failed: {}", reason);
    fatal = true;
  }
  if (!fatal) {
    // Connection failures are already logged once by librdkafka's log line (FAIL,
    // routed through log_to_spdlog): logging the error event too said it twice.
    const bool logged = err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__RESOLVE ||
                        err == RD_KAFKA_RESP_ERR__SSL || err == RD_KAFKA_RESP_ERR__AUTHENTICATION;
    spdlog::log(logged ? spdlog::level::debug : spdlog::level::warn, "kafka {}: {}: {}",
                rd_kafka_name(rk), rd_kafka_err2name(err), reason);
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (message_.empty()) message_ = std::move(line);
  }
  fatal_.store(true, std::memory_order_release);
}

std::string KafkaErrors::message() const {
  std::lock_guard lock(mu_);
  return message_;
}

}  // namespace skillstream::connectors
