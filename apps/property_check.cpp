#include "apps/property_check.h"

#include "config/load.h"
#include "connectors/kafka_conf.h"

namespace skillstream::apps {

std::string check_kafka_properties(const config::Settings& settings) {
  connectors::KafkaProperties properties;
  properties.reserve(settings.property_sources.size());
  for (const config::PropertySource& p : settings.property_sources) {
    properties.emplace_back(p.name, p.value);
  }
  const connectors::PropertyCheck check = connectors::check_properties(properties);
  if (check.ok()) return {};
  return config::property_origin(settings.property_sources[check.index]) + ": " +
         connectors::describe(check.problem);
}

}  // namespace skillstream::apps
