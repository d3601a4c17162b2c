// The validator walks the whole document once with simdjson's on-demand API. Field
// defects do not stop the walk: the first one is remembered and the walk goes on, so
// that a syntax error anywhere (malformed_json), excessive nesting (too_deep) or a
// duplicate key, which the rules rank before field defects, still win. Section 1's
// order is thus: empty, size, UTF-8 (whichever check finds it), then malformed >
// too_deep > not_an_object > duplicate_key > the first field defect in document order
// (missing fields are noticed when their object closes).
//
// Speed: the walk costs about what simdjson needs to read every value, so the hot
// path avoids work on top of it. UTF-8 is left to simdjson's stage 1 (which checks
// the whole record); each listed value is read with its typed getter, the type being
// looked up only on failure; listed keys are matched on their raw bytes with
// constant-length compares; and the small readers are inlined into each object's loop.
#include "processor/session_validator.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "processor/json_syntax.h"
#include "processor/privacy_scanner.h"

namespace skillstream::processor {

namespace od = simdjson::ondemand;

void append_path(const PathFrame& frame, std::string& out, PrivacyScanner* keys) {
  std::array<const PathFrame*, 80> chain{};  // deeper paths are cut at the root side
  std::size_t n = 0;
  for (const PathFrame* f = &frame; f != nullptr && f->parent != nullptr && n < chain.size();
       f = f->parent) {
    chain[n++] = f;
  }
  const std::size_t start = out.size();
  while (n > 0) {
    const PathFrame* f = chain[--n];
    if (f->is_index) {
      char digits[24];
      auto [end, ec] = std::to_chars(digits, digits + sizeof digits, f->index);
      out += '[';
      out.append(digits, end);
      out += ']';
    } else {
      if (out.size() > start) out += '.';
      if (keys != nullptr) {
        keys->append_path_key(f->key, out);
      } else {
        append_json_escaped(f->key, out);
      }
    }
  }
}

namespace {

constexpr std::string_view type_name(od::json_type t) noexcept {
  switch (t) {
    case od::json_type::object:
      return "object";
    case od::json_type::array:
      return "array";
    case od::json_type::string:
      return "string";
    case od::json_type::number:
      return "number";
    case od::json_type::boolean:
      return "boolean";
    case od::json_type::null:
      return "null";
  }
  return "value";
}

constexpr bool is_json_ws(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// "Non-empty": at least one character outside Unicode White_Space. Input is UTF-8.
bool has_non_whitespace_slow(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) {
      if (!(c == ' ' || (c >= 0x09 && c <= 0x0D))) return true;
      ++p;
      continue;
    }
    const std::size_t left = static_cast<std::size_t>(end - p);
    if (c == 0xC2 && left >= 2 && (p[1] == 0x85 || p[1] == 0xA0)) {  // U+0085, U+00A0
      p += 2;
      continue;
    }
    if (left >= 3) {
      const unsigned b1 = p[1], b2 = p[2];
      const bool ws = (c == 0xE1 && b1 == 0x9A && b2 == 0x80) ||  // U+1680
                      (c == 0xE2 && b1 == 0x80 &&
                       (b2 <= 0x8A || b2 == 0xA8 ||               // U+2000-200A,
                        b2 == 0xA9 || b2 == 0xAF)) ||             // 2028, 2029, 202F
                      (c == 0xE2 && b1 == 0x81 && b2 == 0x9F) ||  // U+205F
                      (c == 0xE3 && b1 == 0x80 && b2 == 0x80);    // U+3000
      if (ws) {
        p += 3;
        continue;
      }
    }
    return true;
  }
  return false;
}

// Nearly every value starts with a printable ASCII character: decide on it at once.
inline bool has_non_whitespace(std::string_view s) noexcept {
  if (!s.empty() && static_cast<unsigned char>(s[0]) > ' ' &&
      static_cast<unsigned char>(s[0]) < 0x80) {
    return true;
  }
  return has_non_whitespace_slow(s);
}

// The value of `count` decimal digits at s[pos], or false. Callers check the length.
bool read_digits(std::string_view s, std::size_t pos, std::size_t count, unsigned& out) noexcept {
  unsigned v = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    const unsigned d = static_cast<unsigned char>(s[i]) - unsigned{'0'};
    if (d > 9) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

// Proleptic Gregorian: year 0 exists and is a leap year.
bool is_real_date(unsigned y, unsigned m, unsigned d) noexcept {
  static constexpr std::array<unsigned, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= days[m - 1] + ((m == 2 && leap) ? 1u : 0u);
}

// YYYY-MM-DD at s[pos..pos+10), which the caller has checked is inside `s`.
inline bool parse_date(std::string_view s, std::size_t pos) noexcept {
  unsigned y, m, d;
  return read_digits(s, pos, 4, y) && s[pos + 4] == '-' && read_digits(s, pos + 5, 2, m) &&
         s[pos + 7] == '-' && read_digits(s, pos + 8, 2, d) && is_real_date(y, m, d);
}

// [A-Za-z0-9] as a table: one load per character instead of three range tests.
constexpr auto kAlnum = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) {
    t[static_cast<std::size_t>(c)] =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  }
  return t;
}();

constexpr bool is_alnum(char c) noexcept { return kAlnum[static_cast<unsigned char>(c)]; }

// sess-YYYY-MM-DD-R, R = 1..64 of [A-Za-z0-9].
bool is_valid_session_id(std::string_view s) noexcept {
  constexpr std::size_t prefix = 16;  // "sess-YYYY-MM-DD-"
  if (s.size() < prefix + 1 || s.size() > prefix + 64) return false;
  if (s.substr(0, 5) != "sess-" || !parse_date(s, 5) || s[15] != '-') return false;
  return std::all_of(s.begin() + prefix, s.end(), is_alnum);
}

// RFC 3339 date-time as the rules narrow it.
bool is_valid_timestamp(std::string_view s) noexcept {
  if (s.size() < 20 || !parse_date(s, 0)) return false;
  if (s[10] != 'T' && s[10] != 't') return false;
  unsigned hh, mm, ss;
  if (!read_digits(s, 11, 2, hh) || s[13] != ':' || !read_digits(s, 14, 2, mm) || s[16] != ':' ||
      !read_digits(s, 17, 2, ss) || hh > 23 || mm > 59 || ss > 60) {
    return false;
  }
  std::size_t i = 19;
  if (s[i] == '.') {
    const std::size_t first = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == first || i - first > 9) return false;
  }
  if (i >= s.size()) return false;
  if (s[i] == 'Z' || s[i] == 'z') return i + 1 == s.size();
  if (s[i] != '+' && s[i] != '-') return false;
  unsigned oh, om;
  return i + 6 == s.size() && read_digits(s, i + 1, 2, oh) && s[i + 3] == ':' &&
         read_digits(s, i + 4, 2, om) && oh <= 23 && om <= 59;
}

// Fixed sets of names (schema members, enum values). The lookups are folds over the
// array, so every comparison has a constant length and compiles to a few loads
// instead of a memcmp call.
template <const auto& Names>
constexpr auto kIndices =
    std::make_index_sequence<std::tuple_size_v<std::remove_cvref_t<decltype(Names)>>>{};

template <const auto& Names, std::size_t... I>
int find_name(std::string_view s, std::index_sequence<I...>) noexcept {
  int found = -1;
  (void)((s.size() == Names[I].size() &&
          std::memcmp(s.data(), Names[I].data(), Names[I].size()) == 0 &&
          (found = static_cast<int>(I), true)) ||
         ...);
  return found;
}

// The index of `s` in `Names`, or -1.
template <const auto& Names>
int find_name(std::string_view s) noexcept {
  return find_name<Names>(s, kIndices<Names>);
}

template <const auto& Names, std::size_t... I>
int match_raw_key(const char* raw, std::index_sequence<I...>) noexcept {
  int found = -1;
  (void)((raw[Names[I].size()] == '"' && std::memcmp(raw, Names[I].data(), Names[I].size()) == 0 &&
          (found = static_cast<int>(I), true)) ||
         ...);
  return found;
}

// The index of the name in `Names` that a key spells without escapes, or -1. `raw`:
// the key's bytes after its opening quote. A match is exact, as no name holds a quote
// or a backslash; the byte read past a name is in the record or its padding.
template <const auto& Names>
int match_raw_key(const char* raw) noexcept {
  return match_raw_key<Names>(raw, kIndices<Names>);
}

// "a, b, c": the names of `Names` as an enum message lists them, built at compile time.
template <const auto& Names>
constexpr auto kNamesTextStorage = [] {
  constexpr std::size_t size = [] {
    std::size_t n = 0;
    for (std::string_view name : Names) n += name.size() + 2;
    return n - 2;
  }();
  std::array<char, size> text{};
  std::size_t k = 0;
  for (std::string_view name : Names) {
    if (k > 0) {
      text[k++] = ',';
      text[k++] = ' ';
    }
    for (char c : name) text[k++] = c;
  }
  return text;
}();

template <const auto& Names>
constexpr std::string_view kNamesText{kNamesTextStorage<Names>.data(),
                                      kNamesTextStorage<Names>.size()};

constexpr std::array<std::string_view, 10> kCategories = {
    "deployment",   "training",    "inference", "debugging",     "configuration",
    "optimization", "integration", "testing",   "documentation", "other"};
constexpr std::array<std::string_view, 4> kIssueTypes = {"error", "warning", "confusion",
                                                         "performance"};
constexpr std::array<std::string_view, 3> kResourceTypes = {"post", "comment", "evolving_skill"};

// The schema objects' listed members. None of them can hold a privacy match (no `@`,
// `/`, `-` or pattern head), so the pre-filter and the visitor see only the other keys
// (rules v2 scan keys; tests/processor/privacy_scanner_tests.cpp checks the names).
constexpr std::array<std::string_view, 11> kTop = {"session_id",
                                                   "agent_id",
                                                   "timestamp",
                                                   "skill",
                                                   "task",
                                                   "outcome",
                                                   "issues_encountered",
                                                   "learnings",
                                                   "community_resources_used",
                                                   "environment",
                                                   "duration_minutes"};
constexpr std::array<std::string_view, 5> kSkill = {"name", "source_repo", "source_path",
                                                    "source_version", "local_path"};
constexpr std::array<std::string_view, 3> kTask = {"description", "category", "tags"};
constexpr std::array<std::string_view, 3> kOutcome = {"success", "partial", "notes"};
constexpr std::array<std::string_view, 5> kIssue = {"type", "description", "resolved", "resolution",
                                                    "time_spent_minutes"};
constexpr std::array<std::string_view, 3> kResource = {"type", "id", "helpful"};
constexpr std::array<std::string_view, 6> kEnvironment = {"os",   "python", "cuda",
                                                          "gpus", "memory", "other"};

}  // namespace

std::vector<std::string_view> SessionValidator::listed_key_names() {
  std::vector<std::string_view> out;
  using Names = std::span<const std::string_view>;
  for (Names names : {Names(kTop), Names(kSkill), Names(kTask), Names(kOutcome), Names(kIssue),
                      Names(kResource), Names(kEnvironment)}) {
    out.insert(out.end(), names.begin(), names.end());
  }
  return out;
}

namespace {

// Keys with more than this many members are checked for duplicates by sorting once
// when the object closes, instead of comparing each new key to the previous ones.
constexpr std::size_t kLinearKeyLimit = 16;

// True when a number that simdjson refused is valid JSON that overflows a double
// (1e400), false when it is malformed.
bool is_overflowing_number(od::value& v) noexcept {
  std::string_view raw = v.raw_json_token();
  while (!raw.empty() && is_json_ws(raw.back())) raw.remove_suffix(1);
  return is_json_number(raw);
}

}  // namespace

struct SessionValidator::Impl {
  Impl(const ProcessorOptions& o, PrivacyScanner* scanner) : options(o), path_keys(scanner) {}

  ProcessorOptions options;
  PrivacyScanner* path_keys;  // redacts keys in paths; may be null
  od::parser parser;
  std::unique_ptr<char[]> buffer;  // the record, padded for simdjson
  std::size_t capacity = 0;
  std::size_t size = 0;

  // Per-record state.
  Reason stop = Reason::none;    // malformed_json or too_deep: the walk stopped
  Reason defect = Reason::none;  // the first field defect, or duplicate_key
  bool duplicate = false;
  std::string_view stop_message;
  std::string path;
  std::string message;
  std::string dup_path;
  std::string dup_message;
  std::string syntax_stack;
  std::vector<std::string_view> keys;  // member names of the open objects, for duplicates
  std::string* joined = nullptr;
  StringVisitor* visitor = nullptr;
  std::string_view session_id;

  // Defects after the first (which is path/message), up to options.max_errors in all:
  // offsets into `more_text`, turned into views once the walk is over. Touched only
  // once a first defect was found.
  struct MoreDefect {
    Reason reason;
    std::uint32_t path_offset, path_size, message_offset, message_size;
  };
  std::vector<MoreDefect> more;
  std::string more_text;
  bool more_cut = false;       // a defect was found past max_errors
  bool field_verdict = false;  // the verdict is the first field defect: `more` follows it
  std::vector<Defect> listed;  // defects() of the last validate()

  Verdict validate(const char* data, std::size_t n, std::string* joined_out) noexcept;
  Verdict run_walk() noexcept;
  static Verdict invalid_utf8() noexcept {
    return {Reason::invalid_utf8, {}, "the value is not valid UTF-8"};
  }

  // ---- outcomes -----------------------------------------------------------------
  bool malformed(std::string_view why) noexcept {
    stop = Reason::malformed_json;
    stop_message = why;
    return false;
  }
  bool malformed(simdjson::error_code e) noexcept { return malformed(simdjson::error_message(e)); }

  // The walk met nesting past max_depth. Whether the record is too_deep or
  // malformed_json depends on all of it, so check the grammar of the whole record.
  bool too_deep() noexcept {
    if (is_well_formed_json(std::string_view(buffer.get(), size), syntax_stack)) {
      stop = Reason::too_deep;
      stop_message = "nesting deeper than max_depth";
    } else {
      stop = Reason::malformed_json;
      stop_message = "not a single well-formed JSON value";
    }
    return false;
  }

  // Records the first field defect: "<path>: <what>". Returns true: the walk goes on.
  // Cold: kept out of line so that the hot readers stay small.
  template <class... Parts>
  [[gnu::cold, gnu::noinline]] bool field_defect(Reason r, const PathFrame& at,
                                                 const Parts&... parts) {
    if (defect != Reason::none) {
      note_more(r, at, parts...);
      return true;
    }
    defect = r;
    path.clear();
    append_path(at, path, path_keys);
    message.assign(path);
    message += ": ";
    (message.append(parts), ...);
    return true;
  }

  // A defect after the first: listed while max_errors allows, else only counted as cut.
  template <class... Parts>
  void note_more(Reason r, const PathFrame& at, const Parts&... parts) {
    if (1 + more.size() >= options.max_errors) {
      more_cut = true;
      return;
    }
    const std::size_t path_offset = more_text.size();
    append_path(at, more_text, path_keys);
    const std::size_t message_offset = more_text.size();
    more_text.append(more_text, path_offset, message_offset - path_offset);
    more_text += ": ";
    (more_text.append(parts), ...);
    more.push_back({r, static_cast<std::uint32_t>(path_offset),
                    static_cast<std::uint32_t>(message_offset - path_offset),
                    static_cast<std::uint32_t>(message_offset),
                    static_cast<std::uint32_t>(more_text.size() - message_offset)});
  }

  // Fills `listed` for the verdict `v` of the record just walked.
  void list_defects(const Verdict& v) {
    listed.clear();
    if (v.clean()) return;
    listed.push_back({v.reason, v.path, v.message});
    if (!field_verdict) return;
    const std::string_view text(more_text);
    for (const MoreDefect& d : more) {
      listed.push_back({d.reason, text.substr(d.path_offset, d.path_size),
                        text.substr(d.message_offset, d.message_size)});
    }
  }

  bool wrong_type(const PathFrame& at, std::string_view expected, od::json_type found) {
    return field_defect(Reason::wrong_type, at, "expected ", expected, ", found ",
                        type_name(found));
  }

  // ---- keys ---------------------------------------------------------------------
  // Duplicate member names of one object, compared after unescaping. `first` is the
  // index in `keys` where this object's names start.
  void add_key(std::size_t first, std::string_view key, const PathFrame& member) {
    const std::size_t count = keys.size() - first;
    if (count < kLinearKeyLimit && !duplicate) {
      for (std::size_t i = first; i < keys.size(); ++i) {
        if (keys[i] == key) {
          note_duplicate(member);
          break;
        }
      }
    }
    keys.push_back(key);
  }

  void close_keys(std::size_t first, const PathFrame& object) {
    if (keys.size() == first) return;  // the usual case: no unlisted member
    if (keys.size() - first > kLinearKeyLimit && !duplicate) {
      auto begin = keys.begin() + static_cast<std::ptrdiff_t>(first);
      std::sort(begin, keys.end());
      auto it = std::adjacent_find(begin, keys.end());
      if (it != keys.end()) {
        PathFrame member{&object, *it};
        note_duplicate(member);
      }
    }
    keys.resize(first);
  }

  [[gnu::cold]] void note_duplicate(const PathFrame& member) {
    duplicate = true;
    dup_path.clear();
    append_path(member, dup_path, path_keys);
    dup_message.assign(dup_path);
    dup_message += ": the same key appears twice in one object";
  }

  // ---- generic values -------------------------------------------------------------
  bool type_of(od::value& v, od::json_type& t) noexcept {
    if (auto e = v.type().get(t)) return malformed(e);
    return true;
  }

  // Hands a key that may hold a privacy match (any but a listed name) to the privacy
  // pre-filter or the visitor, when there is one; called before its value is walked.
  // `raw`: the key's content in the buffer, taken before unescaped_key(), which
  // consumes the key (key().raw() is null after it).
  [[gnu::always_inline]] void note_key(const char* raw, const PathFrame& member,
                                       std::string_view key) {
    if (joined) {
      joined->append(key);
      joined->push_back('\0');
    } else if (visitor) {
      visitor->on_key(member, static_cast<std::size_t>(raw - buffer.get()), key);
    }
  }

  // Hands a string value to the privacy pre-filter or the visitor, when there is one.
  [[gnu::always_inline]] void note_string(od::value& v, const PathFrame& at, std::string_view s) {
    if (joined) {
      joined->append(s);
      joined->push_back('\0');
    } else if (visitor) {
      const char* raw = v.raw_json_token().data();
      visitor->on_string(at, static_cast<std::size_t>(raw + 1 - buffer.get()), s);
    }
  }

  // Any value, walked to its end. `depth`: the level of the container holding it.
  bool walk_any(od::value& v, const PathFrame& at, std::size_t depth) noexcept {
    od::json_type t;
    if (!type_of(v, t)) return false;
    return walk_typed(v, t, at, depth);
  }

  bool walk_typed(od::value& v, od::json_type t, const PathFrame& at, std::size_t depth) noexcept {
    switch (t) {
      case od::json_type::object: {
        if (depth + 1 > options.max_depth) return too_deep();
        od::object o;
        if (auto e = v.get_object().get(o)) return malformed(e);
        return walk_free_object(o, at, depth + 1);
      }
      case od::json_type::array: {
        if (depth + 1 > options.max_depth) return too_deep();
        od::array a;
        if (auto e = v.get_array().get(a)) return malformed(e);
        return walk_free_array(a, at, depth + 1);
      }
      case od::json_type::string: {
        std::string_view s;
        if (auto e = v.get_string().get(s)) return malformed(e);
        note_string(v, at, s);
        return true;
      }
      case od::json_type::number: {
        double d;
        if (v.get_double().get(d) && !is_overflowing_number(v)) return malformed("invalid number");
        return true;
      }
      case od::json_type::boolean: {
        bool b;
        if (auto e = v.get_bool().get(b)) return malformed(e);
        return true;
      }
      case od::json_type::null: {
        bool is_null = false;
        if (v.is_null().get(is_null) || !is_null) return malformed("invalid literal");
        return true;
      }
    }
    return malformed("unexpected value");
  }

  // `depth`: this object's level.
  bool walk_free_object(od::object& o, const PathFrame& at, std::size_t depth) noexcept {
    const std::size_t first = keys.size();
    for (auto result : o) {
      if (auto e = result.error()) return malformed(e);
      od::field&& field = std::move(result).value_unsafe();  // not copied: see walk_free_array
      const char* raw = field.key().raw();
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return malformed(e);
      PathFrame member{&at, key};
      note_key(raw, member, key);
      add_key(first, key, member);
      if (!walk_any(field.value(), member, depth)) return false;
    }
    close_keys(first, at);
    return true;
  }

  // The loops take each field or element by reference into its simdjson_result:
  // copying it out (get()) made a 16-byte load of two fresh smaller stores, which
  // stalls on store forwarding once per value.
  bool walk_free_array(od::array& a, const PathFrame& at, std::size_t depth) noexcept {
    std::size_t i = 0;
    for (auto result : a) {
      if (auto e = result.error()) return malformed(e);
      od::value&& element = std::move(result).value_unsafe();
      PathFrame item{&at, {}, i++, true};
      if (!walk_any(element, item, depth)) return false;
    }
    return true;
  }

  // ---- typed schema fields ----------------------------------------------------------
  // Each reads one listed field with its typed getter at once (simdjson checks the
  // first byte anyway). Only when that fails does mismatch() find out why: a wrong
  // type is recorded and the value walked anyway (its syntax still counts); the right
  // type with bad syntax ("tru", a bad escape) stops the walk. They return false only
  // to stop. The readers are forced inline into each schema object's loop, like
  // simdjson's own functions: a call per value costs more than the value.

  [[gnu::cold, gnu::noinline]] bool mismatch(od::value& v, od::json_type expected,
                                             simdjson::error_code e, const PathFrame& at,
                                             std::size_t depth) noexcept {
    od::json_type t;
    if (!type_of(v, t)) return false;
    if (t == expected) return malformed(e);
    wrong_type(at, type_name(expected), t);
    return walk_typed(v, t, at, depth);
  }

  // `ok` is set when the value is a string (then `s` holds it). `Scanned`: the value is
  // handed to the privacy scan; the timestamp and enum fields pass false, because a
  // value that passes their check cannot hold a match (only digits and `-T:.Z+`, or a
  // listed word) and one that fails rejects the record before any scan. Their bytes
  // then cost neither the copy nor the pre-filter, which pays for scanning keys.
  template <bool Scanned = true>
  [[gnu::always_inline]] bool expect_string(od::value& v, const PathFrame& at, std::size_t depth,
                                            std::string_view& s, bool& ok) noexcept {
    const simdjson::error_code e = v.get_string().get(s);
    ok = e == simdjson::SUCCESS;
    if (!ok) return mismatch(v, od::json_type::string, e, at, depth);
    if constexpr (Scanned) note_string(v, at, s);
    return true;
  }

  [[gnu::always_inline]] bool optional_string(od::value& v, const PathFrame& at,
                                              std::size_t depth) noexcept {
    std::string_view s;
    bool ok;
    return expect_string(v, at, depth, s, ok);
  }

  [[gnu::always_inline]] bool non_empty_string(od::value& v, const PathFrame& at,
                                               std::size_t depth) noexcept {
    std::string_view s;
    bool ok;
    if (!expect_string(v, at, depth, s, ok)) return false;
    if (ok && !has_non_whitespace(s)) {
      field_defect(Reason::empty_value, at,
                   s.empty() ? "expected a non-empty string, found an empty string"
                             : "expected a non-empty string, found only whitespace");
    }
    return true;
  }

  template <const auto& Allowed>
  [[gnu::always_inline]] bool enum_string(od::value& v, const PathFrame& at,
                                          std::size_t depth) noexcept {
    std::string_view s;
    bool ok;
    if (!expect_string<false>(v, at, depth, s, ok)) return false;
    if (ok && find_name<Allowed>(s) < 0) {
      field_defect(Reason::invalid_enum, at, "expected one of ", kNamesText<Allowed>,
                   ", found another value");
    }
    return true;
  }

  // `ok` set when the value is a boolean (then `b` holds it).
  [[gnu::always_inline]] bool expect_bool(od::value& v, const PathFrame& at, std::size_t depth,
                                          bool& b, bool& ok) noexcept {
    const simdjson::error_code e = v.get_bool().get(b);
    ok = e == simdjson::SUCCESS;
    return ok || mismatch(v, od::json_type::boolean, e, at, depth);
  }

  [[gnu::always_inline]] bool boolean(od::value& v, const PathFrame& at,
                                      std::size_t depth) noexcept {
    bool b, ok;
    return expect_bool(v, at, depth, b, ok);
  }

  // A listed number: finite as a double and not below 0 (-0 passes).
  [[gnu::always_inline]] bool non_negative_number(od::value& v, const PathFrame& at,
                                                  std::size_t depth) noexcept {
    double d;
    if (v.get_double().get(d)) return number_mismatch(v, at, depth);
    if (d < 0) {
      field_defect(Reason::out_of_range, at, "expected a number >= 0, found a negative number");
    }
    return true;
  }

  // A listed number simdjson refused: another type, an overflow, or bad syntax.
  [[gnu::cold, gnu::noinline]] bool number_mismatch(od::value& v, const PathFrame& at,
                                                    std::size_t depth) noexcept {
    od::json_type t;
    if (!type_of(v, t)) return false;
    if (t != od::json_type::number) {
      wrong_type(at, "number", t);
      return walk_typed(v, t, at, depth);
    }
    if (!is_overflowing_number(v)) return malformed("invalid number");
    field_defect(Reason::out_of_range, at,
                 "expected a finite number >= 0, found a number that overflows a double");
    return true;
  }

  // An array whose elements are each checked by `element(value, frame, depth)`.
  template <class Element>
  bool array_of(od::value& v, const PathFrame& at, std::size_t depth, Element&& element) noexcept {
    od::array a;
    if (auto e = v.get_array().get(a)) return mismatch(v, od::json_type::array, e, at, depth);
    if (depth + 1 > options.max_depth) return too_deep();
    std::size_t i = 0;
    for (auto result : a) {
      if (auto e = result.error()) return malformed(e);
      od::value&& item = std::move(result).value_unsafe();
      PathFrame frame{&at, {}, i++, true};
      if (!element(item, frame, depth + 1)) return false;
    }
    return true;
  }

  bool string_array(od::value& v, const PathFrame& at, std::size_t depth) noexcept {
    return array_of(v, at, depth, [this](od::value& item, const PathFrame& f, std::size_t d) {
      return optional_string(item, f, d);
    });
  }

  // A schema object: `Names` are its listed members, `required` a bit per required
  // name; `member(index, value, frame, depth)` checks one listed member. Unlisted
  // members pass through (walked), or are unknown_field in strict mode.
  template <const auto& Names, class Member, class Close>
  bool schema_object(od::value& v, const PathFrame& at, std::size_t depth, std::uint32_t required,
                     Member&& member, Close&& close) noexcept {
    od::object o;
    if (auto e = v.get_object().get(o)) return mismatch(v, od::json_type::object, e, at, depth);
    if (depth + 1 > options.max_depth) return too_deep();
    return schema_members<Names>(o, at, depth + 1, required, member, close);
  }

  template <const auto& Names, class Member, class Close>
  bool schema_members(od::object& o, const PathFrame& at, std::size_t depth, std::uint32_t required,
                      Member& member, Close& close) noexcept {
    static_assert(Names.size() <= 32);
    std::uint32_t seen = 0;
    const std::size_t first = keys.size();
    for (auto result : o) {
      if (auto e = result.error()) return malformed(e);
      od::field&& field = std::move(result).value_unsafe();  // not copied: see walk_free_array
      // A listed name spelt without escapes is found on the raw key, which spares
      // unescaping it; any other key is unescaped (checking its escapes) first.
      const char* raw = field.key().raw();
      int index = match_raw_key<Names>(raw);
      std::string_view key;
      if (index >= 0) {
        key = Names[static_cast<std::size_t>(index)];
      } else {
        if (auto e = field.unescaped_key().get(key)) return malformed(e);
        index = find_name<Names>(key);
      }
      PathFrame frame{&at, key};
      bool ok;
      if (index >= 0) {
        const std::uint32_t bit = 1u << index;
        if ((seen & bit) != 0) {
          if (!duplicate) note_duplicate(frame);
          ok = walk_any(field.value(), frame, depth);
        } else {
          seen |= bit;
          ok = member(index, field.value(), frame, depth);
        }
      } else {
        note_key(raw, frame, key);
        add_key(first, key, frame);
        if (options.strict) {
          field_defect(Reason::unknown_field, frame, "field not allowed in strict mode");
        }
        ok = walk_any(field.value(), frame, depth);
      }
      if (!ok) return false;
    }
    close_keys(first, at);
    for (std::uint32_t missing = required & ~seen; missing != 0; missing &= missing - 1) {
      PathFrame frame{&at, Names[static_cast<std::size_t>(std::countr_zero(missing))]};
      field_defect(Reason::missing_field, frame, "required field is missing");
    }
    close(seen);
    return true;
  }

  static constexpr auto no_close = [](std::uint32_t) {};

  // ---- the session log schema -------------------------------------------------------
  bool walk_root(od::object& o) noexcept {
    PathFrame root{};
    auto member = [&](int index, od::value& v, const PathFrame& at, std::size_t depth) -> bool {
      switch (index) {
        case 0:
          return session_id_field(v, at, depth);
        case 1:
          return agent_id_field(v, at, depth);
        case 2:
          return timestamp_field(v, at, depth);
        case 3:
          return skill(v, at, depth);
        case 4:
          return task(v, at, depth);
        case 5:
          return outcome(v, at, depth);
        case 6:
          return array_of(v, at, depth, [this](od::value& item, const PathFrame& f, std::size_t d) {
            return issue(item, f, d);
          });
        case 7:
          return string_array(v, at, depth);
        case 8:
          return array_of(v, at, depth, [this](od::value& item, const PathFrame& f, std::size_t d) {
            return resource(item, f, d);
          });
        case 9:
          return environment(v, at, depth);
        default:
          return non_negative_number(v, at, depth);
      }
    };
    constexpr std::uint32_t required = 0b111111;  // session_id .. outcome
    return schema_members<kTop>(o, root, 1, required, member, no_close);
  }

  bool session_id_field(od::value& v, const PathFrame& at, std::size_t depth) noexcept {
    std::string_view s;
    bool ok;
    if (!expect_string(v, at, depth, s, ok)) return false;
    if (ok) {
      if (is_valid_session_id(s)) {
        session_id = s;
      } else {
        field_defect(Reason::invalid_format, at,
                     "expected sess-YYYY-MM-DD-R with a real date and R of 1 to 64 "
                     "letters or digits, found a value that does not match");
      }
    }
    return true;
  }

  bool agent_id_field(od::value& v, const PathFrame& at, std::size_t depth) noexcept {
    std::string_view s;
    bool ok;
    if (!expect_string(v, at, depth, s, ok)) return false;
    if (!ok) return true;
    if (!has_non_whitespace(s)) {
      field_defect(Reason::empty_value, at,
                   s.empty() ? "expected a non-empty string, found an empty string"
                             : "expected a non-empty string, found only whitespace");
    } else if (s.size() > 256) {
      field_defect(Reason::invalid_format, at, "expected at most 256 bytes, found a longer value");
    }
    return true;
  }

  bool timestamp_field(od::value& v, const PathFrame& at, std::size_t depth) noexcept {
    std::string_view s;
    bool ok;
    if (!expect_string<false>(v, at, depth, s, ok)) return false;
    if (ok && !is_valid_timestamp(s)) {
      field_defect(Reason::invalid_format, at,
                   "expected an RFC 3339 date-time YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM) "
                   "with a real date and time, found a value that does not match");
    }
    return true;
  }

  bool skill(od::value& v, const PathFrame& at, std::size_t depth) noexcept {
    auto member = [&](int index, od::value& m, const PathFrame& f, std::size_t d) -> bool {
      return index == 0 ? non_empty_string(m, f, d) : optional_string(m, f, d);
    };
    return schema_object<kSkill>(v, at, depth, 0b1, member, no_close);
  }

  bool task(od::value& v, const PathFrame& at, std::size_t depth) noexcept {
    auto member = [&](int index, od::value& m, const PathFrame& f, std::size_t d) -> bool {
      switch (index) {
        case 0:
          return non_empty_string(m, f, d);
        case 1:
          return enum_string<kCategories>(m, f, d);
        default:
          return string_array(m, f, d);
      }
    };
    return schema_object<kTask>(v, at, depth, 0b1, member, no_close);
  }

  bool outcome(od::value& v, const PathFrame& at, std::size_t depth) noexcept {
    auto member = [&](int index, od::value& m, const PathFrame& f, std::size_t d) -> bool {
      return index == 2 ? optional_string(m, f, d) : boolean(m, f, d);
    };
    return schema_object<kOutcome>(v, at, depth, 0b1, member, no_close);
  }

  // `resolution` depends on `resolved`, which may come after it: both are settled
  // when the object closes.
  bool issue(od::value& v, const PathFrame& at, std::size_t depth) noexcept {
    bool resolved = false, resolved_is_bool = false;
    bool resolution_is_string = false, resolution_blank = false;
    auto member = [&](int index, od::value& m, const PathFrame& f, std::size_t d) -> bool {
      switch (index) {
        case 0:
          return enum_string<kIssueTypes>(m, f, d);
        case 1:
          return non_empty_string(m, f, d);
        case 2:
          return expect_bool(m, f, d, resolved, resolved_is_bool);
        case 3: {
          std::string_view s;
          if (!expect_string(m, f, d, s, resolution_is_string)) return false;
          resolution_blank = resolution_is_string && !has_non_whitespace(s);
          return true;
        }
        default:
          return non_negative_number(m, f, d);
      }
    };
    auto close = [&](std::uint32_t seen) {
      if (!resolved_is_bool || !resolved) return;
      PathFrame f{&at, "resolution"};
      if ((seen & (1u << 3)) == 0) {
        field_defect(Reason::missing_field, f, "required when resolved is true, found absent");
      } else if (resolution_is_string && resolution_blank) {
        field_defect(Reason::empty_value, f,
                     "expected a non-empty string when resolved is true, found a blank one");
      }
    };
    return schema_object<kIssue>(v, at, depth, 0b111, member, close);
  }

  bool resource(od::value& v, const PathFrame& at, std::size_t depth) noexcept {
    auto member = [&](int index, od::value& m, const PathFrame& f, std::size_t d) -> bool {
      switch (index) {
        case 0:
          return enum_string<kResourceTypes>(m, f, d);
        case 1:
          return non_empty_string(m, f, d);
        default:
          return boolean(m, f, d);
      }
    };
    return schema_object<kResource>(v, at, depth, 0b111, member, no_close);
  }

  bool environment(od::value& v, const PathFrame& at, std::size_t depth) noexcept {
    auto member = [&](int index, od::value& m, const PathFrame& f, std::size_t d) -> bool {
      if (index < 5) return optional_string(m, f, d);
      od::json_type t;  // `other`: an object, free-form inside (never strict)
      if (!type_of(m, t)) return false;
      if (t != od::json_type::object) wrong_type(f, "object", t);
      return walk_typed(m, t, f, d);
    };
    return schema_object<kEnvironment>(v, at, depth, 0, member, no_close);
  }
};

Verdict SessionValidator::Impl::validate(const char* data, std::size_t n,
                                         std::string* joined_out) noexcept {
  session_id = {};
  if (data == nullptr) return {Reason::empty_payload, {}, "the value is null (a tombstone)"};
  if (std::all_of(data, data + n, is_json_ws)) {
    return {Reason::empty_payload,
            {},
            n == 0 ? "the value is empty" : "the value holds only whitespace"};
  }
  if (n > options.max_record_bytes) {
    message.assign("the value is ");
    message += std::to_string(n);
    message += " bytes, over max_record_bytes ";
    message += std::to_string(options.max_record_bytes);
    return {Reason::too_large, {}, message};
  }
  // simdjson's stage 1 validates the UTF-8 of the whole record, so validate_utf8 runs
  // only when parsing fails, to rank invalid_utf8 before malformed_json.
  const bool bom = n >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0;
  // A byte order mark is not whitespace; simdjson would skip it silently.
  if (bom) {
    if (!simdjson::validate_utf8(data, n)) return invalid_utf8();
    return {Reason::malformed_json, {}, "the value starts with a byte order mark"};
  }
  if (capacity < n + simdjson::SIMDJSON_PADDING) {
    capacity = std::max(n + simdjson::SIMDJSON_PADDING, std::size_t{4096});
    buffer = std::make_unique<char[]>(capacity);
  }
  std::memcpy(buffer.get(), data, n);
  std::memset(buffer.get() + n, 0, simdjson::SIMDJSON_PADDING);
  size = n;
  joined = joined_out;
  visitor = nullptr;
  return run_walk();
}

Verdict SessionValidator::Impl::run_walk() noexcept {
  stop = Reason::none;
  defect = Reason::none;
  duplicate = false;
  keys.clear();
  more.clear();
  more_text.clear();
  more_cut = false;

  od::document doc;
  if (auto e = parser.iterate(buffer.get(), size, capacity).get(doc)) {
    if (!simdjson::validate_utf8(buffer.get(), size)) return invalid_utf8();
    return {Reason::malformed_json, {}, simdjson::error_message(e)};
  }
  od::json_type t;
  if (auto e = doc.type().get(t)) return {Reason::malformed_json, {}, simdjson::error_message(e)};

  PathFrame root{};
  bool walked = true;
  switch (t) {
    case od::json_type::object: {
      od::object o;
      walked = doc.get_object().get(o) ? malformed("invalid object") : walk_root(o);
      break;
    }
    case od::json_type::array: {
      od::array a;
      walked = doc.get_array().get(a) ? malformed("invalid array") : walk_free_array(a, root, 1);
      break;
    }
    case od::json_type::string:
    case od::json_type::number:
    case od::json_type::boolean:
    case od::json_type::null:
      // A top-level scalar is never clean, and simdjson 3.0.1's root scalar getters
      // misjudge some (`false-` accepted, `true   ` refused; simdjson#1981, #2354),
      // so the grammar check alone tells malformed_json from not_an_object.
      if (!is_well_formed_json(std::string_view(buffer.get(), size), syntax_stack)) {
        return {Reason::malformed_json, {}, "not a single well-formed JSON value"};
      }
      message.assign("expected an object at the top level, found ");
      message += type_name(t);
      return {Reason::not_an_object, {}, message};
  }
  if (!walked) return {stop, {}, stop_message};
  // One value only: nothing may follow it.
  const char* end;
  if (doc.current_location().get(end) != simdjson::OUT_OF_BOUNDS) {
    return {Reason::malformed_json, {}, "content after the JSON value"};
  }
  if (t != od::json_type::object) {
    message.assign("expected an object at the top level, found ");
    message += type_name(t);
    return {Reason::not_an_object, {}, message};
  }
  if (duplicate) return {Reason::duplicate_key, dup_path, dup_message};
  if (defect != Reason::none) {
    field_verdict = true;
    return {defect, path, message};
  }
  return {};
}

SessionValidator::SessionValidator(const ProcessorOptions& options, PrivacyScanner* path_keys)
    : impl_(std::make_unique<Impl>(options, path_keys)) {}
SessionValidator::~SessionValidator() = default;

Verdict SessionValidator::validate(const char* data, std::size_t size,
                                   std::string* joined) noexcept {
  impl_->field_verdict = false;
  const Verdict v = impl_->validate(data, size, joined);
  impl_->list_defects(v);
  return v;
}

std::span<const Defect> SessionValidator::defects() const noexcept { return impl_->listed; }

bool SessionValidator::defects_truncated() const noexcept {
  return impl_->field_verdict && impl_->more_cut;
}

void SessionValidator::visit_strings(StringVisitor& visitor) noexcept {
  impl_->joined = nullptr;
  impl_->visitor = &visitor;
  (void)impl_->run_walk();
  impl_->visitor = nullptr;
}

std::string_view SessionValidator::session_id() const noexcept { return impl_->session_id; }

}  // namespace skillstream::processor
