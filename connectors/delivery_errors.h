#pragma once

#include <cstdint>
#include <string_view>

#include <librdkafka/rdkafka.h>

namespace skillstream::connectors {

// What a failed delivery (or a refused produce call) means for the record.
enum class DeliveryErrorClass : std::uint8_t {
  ok,         // no error: delivered
  retriable,  // transient (leader moved, broker down, timed out): produce it again later
  permanent,  // the record as it is will never be accepted: an undeliverable stub, or halt
  purged,     // purged by our own shutdown: stays uncommitted, read again after a restart
  fatal,      // the client cannot go on (auth, fencing, unknown code): stop with one line
};

// An exhaustive switch over librdkafka's error codes; unknown codes are fatal.
[[nodiscard]] DeliveryErrorClass classify_delivery_error(rd_kafka_resp_err_t err) noexcept;
[[nodiscard]] std::string_view to_string(DeliveryErrorClass c) noexcept;

}  // namespace skillstream::connectors
