#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace skillstream::connectors {

// Where an output record goes.
enum class Destination : std::uint8_t {
  clean,        // the clean topic
  dead_letter,  // the dead-letter topic
  parking,      // the parking topic (redrive: records that used up their attempts)
};

struct HeaderView {
  std::string_view name;
  std::string_view value;
};

// One record to write, as views: nothing is copied until KafkaSink::produce(), which
// copies the headers and borrows value and key until the delivery report. Free of
// librdkafka types, so that building it (pipeline::Router) is a pure function tested
// without a broker.
struct OutRecord {
  static constexpr std::size_t kMaxHeaders = 16;
  static constexpr std::size_t kMaxDropped = 8;

  Destination destination = Destination::clean;
  std::string_view value;         // data() == nullptr: a null value
  std::string_view key;           // data() == nullptr: no key
  std::int64_t timestamp_ms = 0;  // 0: now
  // A consumed rd_kafka_message_t whose headers are copied first (null: none).
  const void* headers_of = nullptr;
  // Headers of `headers_of` left out of the copy (every header of each name).
  std::array<std::string_view, kMaxDropped> dropped{};
  std::size_t dropped_count = 0;
  std::array<HeaderView, kMaxHeaders> headers{};
  std::size_t header_count = 0;
  void* opaque = nullptr;  // handed back with the delivery report

  void add_header(std::string_view name, std::string_view value_text) noexcept {
    if (header_count < kMaxHeaders) headers[header_count++] = HeaderView{name, value_text};
  }
  void drop_input_header(std::string_view name) noexcept {
    if (dropped_count < kMaxDropped) dropped[dropped_count++] = name;
  }
  [[nodiscard]] bool drops(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < dropped_count; ++i) {
      if (dropped[i] == name) return true;
    }
    return false;
  }
  [[nodiscard]] std::string_view header(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < header_count; ++i) {
      if (headers[i].name == name) return headers[i].value;
    }
    return {};
  }
};

}  // namespace skillstream::connectors
