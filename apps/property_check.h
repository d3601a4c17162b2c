#pragma once

#include <string>

#include "config/settings.h"

namespace skillstream::apps {

// Checks every librdkafka property of `settings` as it was given (each [kafka.*]
// table's own entries) against librdkafka itself, before any client exists. Returns
// the first refusal as one line naming where the property was given, e.g.
// `config file /etc/x.toml: [kafka.consumer] "foo.bar": unknown librdkafka property`;
// empty when librdkafka accepts them all. Never the value: it may be a secret.
// config/ stays free of librdkafka, so the commands that talk to Kafka call this right
// after config::load_settings() and exit 2 on a refusal.
[[nodiscard]] std::string check_kafka_properties(const config::Settings& settings);

}  // namespace skillstream::apps
