#include "config/load.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

namespace skillstream::config {
namespace {

using EnvMap = std::map<std::string, std::string, std::less<>>;

constexpr std::string_view env_prefix = "SKILLSTREAM_";
constexpr std::int64_t int_max = std::numeric_limits<std::int64_t>::max();

// A setting's raw value: a TOML node from the file, or text from a variable or a flag.
struct Input {
  const toml::node* node = nullptr;
  std::string_view text;
};

// One setting: where each layer finds it and how it is read and shown. Every layer
// goes through `apply`, so the file, the environment and the flags share one parser.
struct SettingSpec {
  std::string_view section;
  std::string_view key;
  std::string_view flag;  // also the variable: SKILLSTREAM_ + upper case, '-' -> '_'
  std::string_view help;
  ValueKind kind;
  CommandSet commands;                            // which commands offer it as a flag
  std::string (*apply)(Settings&, const Input&);  // returns the problem, empty when fine
  std::string (*show)(const Settings&);
};

std::string quote_text(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) {
      out += '?';  // keep the message on one line
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a floating-point number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "an unknown value";
  }
}

// The type and, for scalars, the value: settings are not secret.
std::string found(const Input& in) {
  if (in.node == nullptr) return quote_text(in.text);
  const toml::node& n = *in.node;
  if (auto s = n.as_string()) return quote_text(s->get());
  if (auto i = n.as_integer()) return std::to_string(i->get());
  if (auto b = n.as_boolean()) return b->get() ? "true" : "false";
  return type_name(n);
}

std::string read_string(const Input& in, std::string& out) {
  if (in.node == nullptr) {
    out = in.text;
    return {};
  }
  auto s = in.node->as_string();
  if (!s) return "expected a string, found " + found(in);
  out = s->get();
  return {};
}

std::string read_int(const Input& in, std::int64_t lo, std::int64_t hi, std::int64_t& out) {
  std::int64_t v = 0;
  if (in.node == nullptr) {
    const char* first = in.text.data();
    const char* last = first + in.text.size();
    auto [ptr, ec] = std::from_chars(first, last, v);
    if (ec != std::errc{} || ptr != last) return "expected an integer, found " + found(in);
  } else {
    auto i = in.node->as_integer();
    if (!i) return "expected an integer, found " + found(in);
    v = i->get();
  }
  if (v < lo || v > hi) {
    std::string range = hi == int_max
                            ? "an integer >= " + std::to_string(lo)
                            : "an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    return "expected " + range + ", found " + std::to_string(v);
  }
  out = v;
  return {};
}

template <typename T>
std::string read_unsigned(const Input& in, std::int64_t lo, std::int64_t hi, T& out) {
  std::int64_t v = 0;
  if (auto err = read_int(in, lo, hi, v); !err.empty()) return err;
  out = static_cast<T>(v);
  return {};
}

std::string read_ms(const Input& in, std::int64_t lo, std::int64_t hi,
                    std::chrono::milliseconds& out) {
  std::int64_t v = 0;
  if (auto err = read_int(in, lo, hi, v); !err.empty()) return err;
  out = std::chrono::milliseconds{v};
  return {};
}

std::string read_bool(const Input& in, bool& out) {
  if (in.node == nullptr) {
    // "1"/"0" too: the usual spelling in environment files.
    if (in.text == "true" || in.text == "1") {
      out = true;
    } else if (in.text == "false" || in.text == "0") {
      out = false;
    } else {
      return "expected true or false, found " + found(in);
    }
    return {};
  }
  auto b = in.node->as_boolean();
  if (!b) return "expected a boolean (true or false), found " + found(in);
  out = b->get();
  return {};
}

template <typename E>
using EnumNames = std::initializer_list<std::pair<std::string_view, E>>;

template <typename E>
std::string read_enum(const Input& in, EnumNames<E> names, E& out) {
  std::string text;
  std::string err = read_string(in, text);
  if (err.empty()) {
    for (const auto& [name, value] : names) {
      if (text == name) {
        out = value;
        return {};
      }
    }
  }
  std::string list;
  for (const auto& [name, value] : names) {
    if (!list.empty()) list += ", ";
    list += name;
  }
  return "expected one of " + list + ", found " + found(in);
}

template <typename E>
std::string enum_name(EnumNames<E> names, E value) {
  for (const auto& [name, v] : names) {
    if (v == value) return std::string(name);
  }
  return "unknown";
}

const EnumNames<processor::PrivacyPolicy> privacy_names = {
    {"redact", processor::PrivacyPolicy::redact},
    {"reject", processor::PrivacyPolicy::reject},
    {"off", processor::PrivacyPolicy::off},
};
const EnumNames<OnUndeliverable> undeliverable_names = {
    {"dead_letter", OnUndeliverable::dead_letter},
    {"halt", OnUndeliverable::halt},
};
const EnumNames<LogFormat> format_names = {{"text", LogFormat::text}, {"json", LogFormat::json}};
// spdlog's level names.
const EnumNames<int> level_names = {{"trace", 0}, {"debug", 1},    {"info", 2}, {"warn", 3},
                                    {"error", 4}, {"critical", 5}, {"off", 6}};

std::string read_level(const Input& in, std::string& out) {
  int level = 0;
  if (auto err = read_enum(in, level_names, level); !err.empty()) return err;
  out = enum_name(level_names, level);
  return {};
}

// Kafka's legal topic names: a typo here would silently create or read another topic.
std::string read_topic(const Input& in, std::string& out) {
  std::string text;
  if (auto err = read_string(in, text); !err.empty()) return err;
  bool legal = !text.empty() && text.size() <= 249 && text != "." && text != "..";
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    legal = legal && ok;
  }
  if (!legal) {
    return "expected a Kafka topic name (1 to 249 of A-Z a-z 0-9 . _ -), found " + found(in);
  }
  out = std::move(text);
  return {};
}

std::string read_non_empty(const Input& in, std::string& out) {
  std::string text;
  if (auto err = read_string(in, text); !err.empty()) return err;
  if (text.empty()) return "must not be empty";
  out = std::move(text);
  return {};
}

// A comma-separated list of reason codes ("wrong_type,unknown_field"); empty: none.
std::string read_reasons(const Input& in, std::vector<processor::Reason>& out) {
  std::string text;
  if (auto err = read_string(in, text); !err.empty()) return err;
  std::vector<processor::Reason> reasons;
  std::string_view rest = text;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view name = rest.substr(0, comma);
    processor::Reason r;
    if (!processor::parse_reason(name, r) || r == processor::Reason::none) {
      return "unknown reason code \"" + std::string(name) + "\"";
    }
    reasons.push_back(r);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  out = std::move(reasons);
  return {};
}

std::string show_reasons(const std::vector<processor::Reason>& reasons) {
  std::string out;
  for (auto r : reasons) {
    if (!out.empty()) out += ',';
    out += processor::to_string(r);
  }
  return out;
}

// A point in time: RFC 3339 ("2025-02-01T14:30:00Z", an offset, a fraction) or
// milliseconds since the epoch; empty: unbounded (`unset`).
std::string read_time(const Input& in, std::int64_t unset, std::int64_t& out) {
  std::string text;
  if (auto err = read_string(in, text); !err.empty()) return err;
  if (text.empty()) {
    out = unset;
    return {};
  }
  std::int64_t ms = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec == std::errc{} && end == text.data() + text.size()) {
    out = ms;
    return {};
  }
  int y, mo, d, h, mi, sec;
  char tail[16] = {0};
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%15s", &y, &mo, &d, &h, &mi, &sec, tail) <
      6) {
    return "expected RFC 3339 (2025-02-01T14:30:00Z) or milliseconds since the epoch";
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  std::int64_t t = static_cast<std::int64_t>(timegm(&tm)) * 1000;
  const char* p = tail;
  if (*p == '.') {  // a fraction: milliseconds kept
    int digits = 0, frac = 0;
    for (++p; *p >= '0' && *p <= '9'; ++p) {
      if (digits < 3) frac = frac * 10 + (*p - '0'), ++digits;
    }
    while (digits < 3) frac *= 10, ++digits;
    t += frac;
  }
  if (*p == 'Z' || *p == 'z') {
    ++p;
  } else if ((*p == '+' || *p == '-') && std::strlen(p) == 6) {
    const int oh = (p[1] - '0') * 10 + (p[2] - '0'), om = (p[4] - '0') * 10 + (p[5] - '0');
    const std::int64_t off = (oh * 60 + om) * 60'000;
    t += *p == '+' ? -off : off;
    p += 6;
  } else {
    return "expected RFC 3339 with Z or an offset, or milliseconds since the epoch";
  }
  if (*p != '\0') return "unexpected text after the time";
  out = t;
  return {};
}

std::string show_time(std::int64_t ms, std::int64_t unset) {
  return ms == unset ? std::string() : std::to_string(ms);
}

// "off", or host:port with port 0-65535 (host may be a bracketed IPv6 address).
std::string read_http_addr(const Input& in, std::string& out) {
  std::string text;
  if (auto err = read_string(in, text); !err.empty()) return err;
  if (text != "off") {
    auto colon = text.rfind(':');
    bool ok = colon != std::string::npos && colon > 0 && colon + 1 < text.size() &&
              colon + 6 >= text.size();
    unsigned port = 0;
    if (ok) {
      const char* first = text.data() + colon + 1;
      const char* last = text.data() + text.size();
      auto [ptr, ec] = std::from_chars(first, last, port);
      ok = ec == std::errc{} && ptr == last && port <= 65535;
    }
    std::string_view host(text.data(), ok ? colon : 0);
    if (ok && host.front() == '[') {
      ok = host.size() > 2 && host.back() == ']';
    } else if (ok) {
      ok = host.find(':') == std::string_view::npos;
    }
    if (!ok) return "expected host:port (port 0-65535) or off, found " + found(in);
  }
  out = std::move(text);
  return {};
}

std::string show_bool(bool b) { return b ? "true" : "false"; }

// Which commands offer a row as a flag. A new command adds itself to the sets (or
// rows) it takes; its flags then follow from this table (apps/settings_flags.h).
constexpr CommandSet run_only = {Command::run};
constexpr CommandSet run_redrive = {Command::run, Command::redrive};
constexpr CommandSet redrive_only = {Command::redrive};
// The [processor] rows: every command that judges records.
constexpr CommandSet record_path = {Command::run, Command::validate, Command::redrive};
// Where the cluster is: every command that talks to Kafka (`dlq stats` only reads it).
constexpr CommandSet cluster = {Command::run, Command::redrive, Command::dlq_stats};

// The one table: TOML key, flag (and so variable), commands, reader, printer.
const SettingSpec setting_specs[] = {
    // [kafka]
    {"kafka", "brokers", "brokers", "Kafka bootstrap servers, host:port[,host:port...]",
     ValueKind::text, cluster,
     [](Settings& s, const Input& in) { return read_string(in, s.brokers); },
     [](const Settings& s) { return s.brokers; }},
    {"kafka", "input_topic", "input-topic", "topic the session logs are read from", ValueKind::text,
     run_only, [](Settings& s, const Input& in) { return read_topic(in, s.input_topic); },
     [](const Settings& s) { return s.input_topic; }},
    {"kafka", "clean_topic", "clean-topic", "topic valid (possibly redacted) records go to",
     ValueKind::text, run_redrive,
     [](Settings& s, const Input& in) { return read_topic(in, s.clean_topic); },
     [](const Settings& s) { return s.clean_topic; }},
    {"kafka", "dlq_topic", "dlq-topic", "dead-letter topic for rejected records", ValueKind::text,
     run_redrive, [](Settings& s, const Input& in) { return read_topic(in, s.dlq_topic); },
     [](const Settings& s) { return s.dlq_topic; }},
    {"kafka", "group", "group", "consumer group id", ValueKind::text, run_only,
     [](Settings& s, const Input& in) { return read_non_empty(in, s.group); },
     [](const Settings& s) { return s.group; }},
    {"kafka", "instance_id", "instance-id", "this instance's id; empty: hostname:pid",
     ValueKind::text, run_redrive,
     [](Settings& s, const Input& in) { return read_string(in, s.instance_id); },
     [](const Settings& s) { return s.instance_id; }},
    // [processor]
    {"processor", "workers", "workers", "validator threads; 0: every hardware thread",
     ValueKind::integer, record_path,
     [](Settings& s, const Input& in) { return read_unsigned(in, 0, 1024, s.workers); },
     [](const Settings& s) { return std::to_string(s.workers); }},
    {"processor", "max_record_bytes", "max-record-bytes", "larger records are too_large",
     ValueKind::integer, record_path,
     [](Settings& s, const Input& in) {
       return read_unsigned(in, 1, std::int64_t{1} << 30, s.processor.max_record_bytes);
     },
     [](const Settings& s) { return std::to_string(s.processor.max_record_bytes); }},
    {"processor", "max_depth", "max-depth", "deeper JSON nesting is too_deep", ValueKind::integer,
     record_path,
     [](Settings& s, const Input& in) { return read_unsigned(in, 1, 1024, s.processor.max_depth); },
     [](const Settings& s) { return std::to_string(s.processor.max_depth); }},
    {"processor", "strict", "strict", "reject unlisted fields as unknown_field", ValueKind::boolean,
     record_path, [](Settings& s, const Input& in) { return read_bool(in, s.processor.strict); },
     [](const Settings& s) { return show_bool(s.processor.strict); }},
    {"processor", "max_errors", "max-errors",
     "defects listed per reject (skillstream.errors); 1: the first only", ValueKind::integer,
     record_path,
     [](Settings& s, const Input& in) {
       return read_unsigned(in, 1, 1000, s.processor.max_errors);
     },
     [](const Settings& s) { return std::to_string(s.processor.max_errors); }},
    {"processor", "privacy", "privacy", "privacy matches: redact, reject or off", ValueKind::text,
     record_path,
     [](Settings& s, const Input& in) { return read_enum(in, privacy_names, s.processor.privacy); },
     [](const Settings& s) { return enum_name(privacy_names, s.processor.privacy); }},
    // [pipeline]
    {"pipeline", "max_inflight_bytes", "max-inflight-bytes",
     "consumption pauses above this many bytes in flight", ValueKind::integer, run_redrive,
     [](Settings& s, const Input& in) {
       return read_unsigned(in, 1, int_max, s.max_inflight_bytes);
     },
     [](const Settings& s) { return std::to_string(s.max_inflight_bytes); }},
    {"pipeline", "max_inflight_records", "max-inflight-records",
     "consumption pauses above this many records in flight", ValueKind::integer, run_redrive,
     [](Settings& s, const Input& in) {
       return read_unsigned(in, 1, int_max, s.max_inflight_records);
     },
     [](const Settings& s) { return std::to_string(s.max_inflight_records); }},
    {"pipeline", "batch_max_records", "batch-max-records", "records per batch handed to a worker",
     ValueKind::integer, run_redrive,
     [](Settings& s, const Input& in) {
       return read_unsigned(in, 1, 1'000'000, s.batch_max_records);
     },
     [](const Settings& s) { return std::to_string(s.batch_max_records); }},
    {"pipeline", "key_from_session_id", "key-from-session-id",
     "clean records without a key get session_id as key", ValueKind::boolean, run_redrive,
     [](Settings& s, const Input& in) { return read_bool(in, s.key_from_session_id); },
     [](const Settings& s) { return show_bool(s.key_from_session_id); }},
    {"pipeline", "scan_kafka_key", "scan-kafka-key",
     "also scan the Kafka record key for e-mails, secrets and user paths", ValueKind::boolean,
     run_redrive, [](Settings& s, const Input& in) { return read_bool(in, s.scan_kafka_key); },
     [](const Settings& s) { return show_bool(s.scan_kafka_key); }},
    {"pipeline", "on_undeliverable", "on-undeliverable",
     "a record the broker refuses for good: dead_letter or halt", ValueKind::text, run_redrive,
     [](Settings& s, const Input& in) {
       return read_enum(in, undeliverable_names, s.on_undeliverable);
     },
     [](const Settings& s) { return enum_name(undeliverable_names, s.on_undeliverable); }},
    {"pipeline", "shutdown_timeout_ms", "shutdown-timeout-ms",
     "bound on the drain after SIGTERM, in milliseconds", ValueKind::integer, run_redrive,
     [](Settings& s, const Input& in) { return read_ms(in, 1, 3'600'000, s.shutdown_timeout); },
     [](const Settings& s) { return std::to_string(s.shutdown_timeout.count()); }},
    {"pipeline", "connect_timeout_ms", "connect-timeout-ms",
     "with stop_at_end: exit 1 when no partition is assigned within this many milliseconds",
     ValueKind::integer, run_redrive,
     [](Settings& s, const Input& in) { return read_ms(in, 1, 3'600'000, s.connect_timeout); },
     [](const Settings& s) { return std::to_string(s.connect_timeout.count()); }},
    {"pipeline", "stop_at_end", "stop-at-end",
     "exit once every assigned partition is read to its end", ValueKind::boolean, run_only,
     [](Settings& s, const Input& in) { return read_bool(in, s.stop_at_end); },
     [](const Settings& s) { return show_bool(s.stop_at_end); }},
    // [log]
    {"log", "level", "log-level", "trace, debug, info, warn, error, critical or off",
     ValueKind::text, run_redrive,
     [](Settings& s, const Input& in) { return read_level(in, s.log_level); },
     [](const Settings& s) { return s.log_level; }},
    {"log", "format", "log-format", "log lines as text or json", ValueKind::text, run_redrive,
     [](Settings& s, const Input& in) { return read_enum(in, format_names, s.log_format); },
     [](const Settings& s) { return enum_name(format_names, s.log_format); }},
    // [http]
    {"http", "addr", "http-addr", "metrics and health endpoint host:port, or off", ValueKind::text,
     run_redrive, [](Settings& s, const Input& in) { return read_http_addr(in, s.http_addr); },
     [](const Settings& s) { return s.http_addr; }},
    // [redrive]
    {"redrive", "group", "redrive-group",
     "redrive's consumer group on the dead-letter topic (also --group on redrive)", ValueKind::text,
     redrive_only, [](Settings& s, const Input& in) { return read_non_empty(in, s.redrive.group); },
     [](const Settings& s) { return s.redrive.group; }},
    {"redrive", "parking_topic", "parking-topic", "records still failing at max_attempts go here",
     ValueKind::text, redrive_only,
     [](Settings& s, const Input& in) { return read_topic(in, s.redrive.parking_topic); },
     [](const Settings& s) { return s.redrive.parking_topic; }},
    {"redrive", "reasons", "reasons",
     "redrive only these reason codes, comma-separated (also --reason R, repeatable); empty: all",
     ValueKind::text, redrive_only,
     [](Settings& s, const Input& in) { return read_reasons(in, s.redrive.reasons); },
     [](const Settings& s) { return show_reasons(s.redrive.reasons); }},
    {"redrive", "since", "since",
     "redrive records whose skillstream.source.timestamp is at or after this (RFC 3339 or ms)",
     ValueKind::text, redrive_only,
     [](Settings& s, const Input& in) { return read_time(in, INT64_MIN, s.redrive.since_ms); },
     [](const Settings& s) { return show_time(s.redrive.since_ms, INT64_MIN); }},
    {"redrive", "until", "until",
     "redrive records whose skillstream.source.timestamp is before this (RFC 3339 or ms)",
     ValueKind::text, redrive_only,
     [](Settings& s, const Input& in) { return read_time(in, INT64_MAX, s.redrive.until_ms); },
     [](const Settings& s) { return show_time(s.redrive.until_ms, INT64_MAX); }},
    {"redrive", "max_attempts", "max-attempts",
     "a record still failing at this redrive attempt goes to the parking topic", ValueKind::integer,
     redrive_only,
     [](Settings& s, const Input& in) {
       return read_unsigned(in, 1, 1000, s.redrive.max_attempts);
     },
     [](const Settings& s) { return std::to_string(s.redrive.max_attempts); }},
    {"redrive", "dry_run", "dry-run", "write and commit nothing; print what would move",
     ValueKind::boolean, redrive_only,
     [](Settings& s, const Input& in) { return read_bool(in, s.redrive.dry_run); },
     [](const Settings& s) { return show_bool(s.redrive.dry_run); }},
    {"http", "summary_interval_ms", "summary-interval-ms",
     "period of the summary log line, in milliseconds", ValueKind::integer, run_redrive,
     [](Settings& s, const Input& in) { return read_ms(in, 100, 86'400'000, s.summary_interval); },
     [](const Settings& s) { return std::to_string(s.summary_interval.count()); }},
};

constexpr std::array<std::string_view, 6> section_names = {"kafka", "processor", "pipeline",
                                                           "log",   "http",      "redrive"};
constexpr std::array<std::string_view, 3> property_tables = {"common", "consumer", "producer"};

std::string env_name(std::string_view flag) {
  std::string out(env_prefix);
  for (char c : flag) {
    out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

const SettingSpec* find_by_key(std::string_view section, std::string_view key) {
  for (const auto& spec : setting_specs) {
    if (spec.section == section && spec.key == key) return &spec;
  }
  return nullptr;
}

const SettingSpec* find_by_flag(std::string_view flag) {
  for (const auto& spec : setting_specs) {
    if (spec.flag == flag) return &spec;
  }
  return nullptr;
}

std::string known_keys(std::string_view section) {
  std::string list;
  for (const auto& spec : setting_specs) {
    if (spec.section != section) continue;
    if (!list.empty()) list += ", ";
    list += spec.key;
  }
  if (section == "kafka") list += ", [kafka.common], [kafka.consumer], [kafka.producer]";
  return list;
}

// librdkafka properties the pipeline sets itself: overriding them breaks at-least-once
// delivery, or duplicates a first-class setting.
struct RefusedProperty {
  std::string_view name;
  std::string_view why;
};
constexpr std::string_view why_commit =
    "SkillStream commits offsets itself, only after the record is delivered";
constexpr std::string_view why_store =
    "SkillStream stores offsets itself, in order, only after the record is delivered";
constexpr std::string_view why_idempotence =
    "the producer is always idempotent (no duplicates or reordering on retry)";
constexpr std::string_view why_acks = "the producer always waits for every in-sync replica";
constexpr RefusedProperty refused_properties[] = {
    {"enable.auto.commit", why_commit},
    {"auto.commit.enable", why_commit},  // the old topic-level alias
    {"enable.auto.offset.store", why_store},
    {"enable.idempotence", why_idempotence},
    {"acks", why_acks},
    {"request.required.acks", why_acks},
    {"bootstrap.servers", "set [kafka] brokers (--brokers) instead"},
    {"metadata.broker.list", "set [kafka] brokers (--brokers) instead"},
    {"group.id", "set [kafka] group (--group) instead"},
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// ${NAME} takes NAME's value from the environment; "$${" is a literal "${". The names
// used go to `used`. The problem names the variable, never a value.
std::string expand_env(std::string_view value, const EnvMap& env, std::string& out,
                       std::vector<std::string>& used) {
  out.clear();
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 2;
      continue;
    }
    if (value.compare(i, 2, "${") != 0) {
      out += value[i];
      continue;
    }
    auto close = value.find('}', i + 2);
    if (close == std::string_view::npos) return "unterminated ${ in the value";
    std::string_view name = value.substr(i + 2, close - i - 2);
    bool valid = !name.empty() && !(name.front() >= '0' && name.front() <= '9');
    for (char c : name) {
      valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    }
    if (!valid) return "invalid variable name in ${...}: letters, digits and _ only";
    auto it = env.find(name);
    if (it == env.end()) return "environment variable " + std::string(name) + " is not set";
    out += it->second;
    used.emplace_back(name);
    i = close;
  }
  return {};
}

using Properties = std::vector<std::pair<std::string, std::string>>;

void set_property(Properties& props, std::string key, std::string value) {
  for (auto& [k, v] : props) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  props.emplace_back(std::move(key), std::move(value));
}

// Cooperative rebalancing is what the delivery guarantees rest on: a revoked
// partition's in-flight records are delivered and committed before it is released,
// while the other partitions keep flowing. An eager strategy (range, roundrobin)
// revokes everything on every rebalance and does not call the pipeline the same way.
std::string check_assignment_strategy(std::string_view value) {
  bool eager = false;
  bool other = false;
  bool cooperative = false;
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = std::min(value.find(',', start), value.size());
    std::string name = lower(value.substr(start, comma - start));
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    start = comma + 1;
    if (name.empty()) continue;
    if (name == "range" || name == "roundrobin") {
      eager = true;
    } else if (name == "cooperative-sticky") {
      cooperative = true;
    } else {
      other = true;
    }
  }
  constexpr std::string_view why =
      "cooperative rebalancing is what the delivery guarantees rest on (use cooperative-sticky)";
  if (eager) return "refused: range and roundrobin are eager strategies; " + std::string(why);
  if (other || !cooperative) {
    return "refused: only cooperative-sticky is accepted; " + std::string(why);
  }
  return {};
}

std::string origin_text(const PropertySource& p) {
  std::string out = "config file " + p.file + ": [" + p.table + "] " + quote_text(p.name);
  if (!p.variables.empty()) {
    out += " (value from";
    for (std::size_t i = 0; i < p.variables.size(); ++i) {
      out += (i == 0 ? " ${" : ", ${") + p.variables[i] + "}";
    }
    out += ")";
  }
  return out;
}

// Where read_properties() is reading: the file and the table.
struct PropertyTable {
  const std::string& file;
  std::string table;  // "kafka.consumer"
};

// Reads one [kafka.<table>] into `out`, and each property as given into `sources`.
// Unquoted dotted keys (fetch.max.bytes = 1) are nested tables in TOML: they are
// joined back with dots.
std::string read_properties(const toml::table& table, const std::string& prefix,
                            const PropertyTable& where, const EnvMap& env, Properties& out,
                            std::vector<PropertySource>& sources) {
  for (auto&& [k, node] : table) {
    std::string name = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (auto sub = node.as_table()) {
      if (auto err = read_properties(*sub, name, where, env, out, sources); !err.empty()) {
        return err;
      }
      continue;
    }
    PropertySource source{where.file, where.table, name, {}, {}};
    if (k.str().empty()) {
      return "config file " + where.file + ": [" + where.table + "]: empty property name";
    }
    std::string key = lower(name);
    for (const auto& refused : refused_properties) {
      if (key == refused.name)
        return origin_text(source) + ": refused: " + std::string(refused.why);
    }
    if (auto s = node.as_string()) {
      if (auto err = expand_env(s->get(), env, source.value, source.variables); !err.empty()) {
        return origin_text(source) + ": " + err;
      }
    } else if (auto i = node.as_integer()) {
      source.value = std::to_string(i->get());
    } else if (auto b = node.as_boolean()) {
      source.value = show_bool(b->get());
    } else {
      // Only the type: the value might be a secret.
      return origin_text(source) + ": expected a string, an integer or a boolean, found " +
             type_name(node);
    }
    if (key == "partition.assignment.strategy") {
      if (auto err = check_assignment_strategy(source.value); !err.empty()) {
        return origin_text(source) + ": " + err;
      }
    }
    set_property(out, name, source.value);
    sources.push_back(std::move(source));
  }
  return {};
}

std::string apply_file(const std::string& path, const EnvMap& env, Settings& s) {
  const std::string head = "config file " + path;
  std::ifstream file(path, std::ios::binary);
  if (!file) return head + ": cannot open: " + std::strerror(errno);
  // A directory opens fine and reads as empty: it would silently give the defaults.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return head + ": is a directory";
  std::stringstream text;
  text << file.rdbuf();
  if (file.bad()) return head + ": cannot read: " + std::strerror(errno);

  toml::table root;
  try {
    root = toml::parse(text.str(), path);
  } catch (const toml::parse_error& e) {
    const auto& begin = e.source().begin;
    return head + ":" + std::to_string(begin.line) + ":" + std::to_string(begin.column) + ": " +
           std::string(e.description());
  }

  std::string sections;
  for (auto name : section_names) {
    sections += (sections.empty() ? "[" : ", [") + std::string(name) + "]";
  }
  Properties common;
  Properties consumer;
  Properties producer;
  for (auto&& [section_key, section_node] : root) {
    std::string_view section = section_key.str();
    auto table = section_node.as_table();
    bool known =
        std::find(section_names.begin(), section_names.end(), section) != section_names.end();
    if (!known && table) {
      return head + ": unknown section [" + std::string(section) + "]; known sections: " + sections;
    }
    if (!known) {
      return head + ": unknown key " + quote_text(section) +
             " at the top level; settings live in " + sections;
    }
    if (!table)
      return head + ": " + std::string(section) + " must be a table, found " +
             type_name(section_node);
    for (auto&& [key, node] : *table) {
      const std::string where = head + ": [" + std::string(section) + "] " + std::string(key.str());
      if (section == "kafka" && std::find(property_tables.begin(), property_tables.end(),
                                          key.str()) != property_tables.end()) {
        auto props = node.as_table();
        if (!props) {
          return where + ": expected a table of librdkafka properties, found " + type_name(node);
        }
        Properties& into = key.str() == "common"     ? common
                           : key.str() == "consumer" ? consumer
                                                     : producer;
        const PropertyTable table_where{path, "kafka." + std::string(key.str())};
        if (auto err = read_properties(*props, "", table_where, env, into, s.property_sources);
            !err.empty()) {
          return err;
        }
        continue;
      }
      const SettingSpec* spec = find_by_key(section, key.str());
      if (spec == nullptr) return where + ": unknown key; known keys: " + known_keys(section);
      if (auto err = spec->apply(s, Input{&node, {}}); !err.empty()) return where + ": " + err;
    }
  }
  // [kafka.common] goes to both clients; a client's own table wins on the same name.
  s.consumer_properties = common;
  s.producer_properties = common;
  for (auto& [k, v] : consumer) set_property(s.consumer_properties, k, v);
  for (auto& [k, v] : producer) set_property(s.producer_properties, k, v);
  return {};
}

std::string apply_env(const EnvMap& env, Settings& s, std::vector<std::string>& warnings) {
  for (const auto& spec : setting_specs) {
    std::string name = env_name(spec.flag);
    auto it = env.find(name);
    if (it == env.end()) continue;
    if (auto err = spec.apply(s, Input{nullptr, it->second}); !err.empty()) {
      return "environment variable " + name + ": " + err;
    }
  }
  for (const auto& [name, value] : env) {
    if (name.rfind(env_prefix, 0) != 0 || name == "SKILLSTREAM_CONFIG") continue;
    bool known = std::any_of(std::begin(setting_specs), std::end(setting_specs),
                             [&](const SettingSpec& spec) { return env_name(spec.flag) == name; });
    // Not an error: the variable may only be meant for a ${...} in a property.
    if (!known) warnings.push_back("environment variable " + name + " is not a setting; ignored");
  }
  return {};
}

std::string apply_flags(const FlagValues& flags, Settings& s) {
  for (const auto& [flag, value] : flags) {
    if (flag == "config") continue;  // the caller's: it picked the file
    const SettingSpec* spec = find_by_flag(flag);
    if (spec == nullptr) return "flag --" + flag + ": unknown flag";
    if (auto err = spec->apply(s, Input{nullptr, value}); !err.empty()) {
      return "flag --" + flag + ": " + err;
    }
  }
  return {};
}

// A topic used twice would loop records back into the input or mix rejects with clean data.
std::string check_topics(const Settings& s) {
  const std::pair<std::string_view, const std::string*> topics[] = {{"input_topic", &s.input_topic},
                                                                    {"clean_topic", &s.clean_topic},
                                                                    {"dlq_topic", &s.dlq_topic}};
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::size_t j = i + 1; j < 3; ++j) {
      if (*topics[i].second == *topics[j].second) {
        return "settings: [kafka] " + std::string(topics[i].first) + " and " +
               std::string(topics[j].first) + " are the same topic " +
               quote_text(*topics[i].second) + "; they must differ";
      }
    }
  }
  return {};
}

std::string default_instance_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
    std::strcpy(host, "localhost");
  }
  return std::string(host) + ":" + std::to_string(getpid());
}

}  // namespace

LoadResult load_settings(const std::optional<std::string>& config_path, const FlagValues& flags,
                         char** envp) {
  LoadResult result;
  EnvMap env;
  for (char** e = envp; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    auto eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));  // first wins
  }

  Settings& s = result.settings;
  if (config_path) result.error = apply_file(*config_path, env, s);
  if (result.error.empty()) result.error = apply_env(env, s, result.warnings);
  if (result.error.empty()) result.error = apply_flags(flags, s);
  if (result.error.empty()) result.error = check_topics(s);
  if (result.error.empty() && s.instance_id.empty()) s.instance_id = default_instance_id();
  return result;
}

std::string_view command_name(Command command) noexcept {
  switch (command) {
    case Command::run:
      return "run";
    case Command::validate:
      return "validate";
    case Command::redrive:
      return "redrive";
    case Command::dlq_stats:
      return "dlq stats";
  }
  return "unknown";
}

std::string property_origin(const PropertySource& property) { return origin_text(property); }

std::string redact_property_value(std::string_view key, std::string_view value) {
  // sasl.oauthbearer.extensions: key=value pairs that may carry tokens.
  static constexpr std::string_view secret_words[] = {
      "password", "secret",  "key",       "token", "credential", "sasl.oauthbearer.config",
      "keystore", "private", "extensions"};
  std::string k = lower(key);
  for (auto word : secret_words) {
    if (k.find(word) != std::string::npos) return "******";
  }
  return std::string(value);
}

const std::vector<SettingInfo>& setting_catalog() {
  static const std::vector<SettingInfo> catalog = [] {
    std::vector<SettingInfo> out;
    const Settings defaults;
    for (const auto& spec : setting_specs) {
      out.push_back(SettingInfo{spec.section, spec.key, spec.flag, env_name(spec.flag),
                                spec.show(defaults), spec.help, spec.kind, spec.commands});
    }
    return out;
  }();
  return catalog;
}

std::vector<std::pair<std::string, std::string>> describe_settings(const Settings& settings) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& spec : setting_specs) {
    out.emplace_back(std::string(spec.section) + "." + std::string(spec.key), spec.show(settings));
  }
  for (const auto& [k, v] : settings.consumer_properties) {
    out.emplace_back("kafka.consumer." + k, redact_property_value(k, v));
  }
  for (const auto& [k, v] : settings.producer_properties) {
    out.emplace_back("kafka.producer." + k, redact_property_value(k, v));
  }
  return out;
}

}  // namespace skillstream::config
