// The validator walks the whole document once with simdjson's on-demand API. Field
// defects do not stop the walk: the first one is remembered and the walk goes on, so
// that a syntax error anywhere (malformed_json), excessive nesting (too_deep) or a
// duplicate key, which the rules rank before field defects, still win. Section 1's
// order is thus: empty, size, UTF-8 (before parsing), then malformed > too_deep >
// not_an_object > duplicate_key > the first field defect in document order (missing
// fields are noticed when their object closes).
#include "processor/session_validator.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include <simdjson.h>

#include "processor/json_syntax.h"

namespace skillstream::processor {

namespace od = simdjson::ondemand;

void append_path(const PathFrame& frame, std::string& out) {
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
      out += f->key;
    }
  }
}

namespace {

constexpr std::string_view type_name(od::json_type t) noexcept {
  switch (t) {
    case od::json_type::object: return "object";
    case od::json_type::array: return "array";
    case od::json_type::string: return "string";
    case od::json_type::number: return "number";
    case od::json_type::boolean: return "boolean";
    case od::json_type::null: return "null";
  }
  return "value";
}

constexpr bool is_json_ws(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// "Non-empty": at least one character outside Unicode White_Space. Input is UTF-8.
bool has_non_whitespace(std::string_view s) noexcept {
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
      const bool ws = (c == 0xE1 && b1 == 0x9A && b2 == 0x80) ||                 // U+1680
                      (c == 0xE2 && b1 == 0x80 && (b2 <= 0x8A || b2 == 0xA8 ||   // U+2000-200A,
                                                   b2 == 0xA9 || b2 == 0xAF)) ||  // 2028, 2029, 202F
                      (c == 0xE2 && b1 == 0x81 && b2 == 0x9F) ||                 // U+205F
                      (c == 0xE3 && b1 == 0x80 && b2 == 0x80);                   // U+3000
      if (ws) {
        p += 3;
        continue;
      }
    }
    return true;
  }
  return false;
}

bool read_digits(std::string_view s, std::size_t pos, std::size_t count, unsigned& out) noexcept {
  if (pos + count > s.size()) return false;
  unsigned v = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    const char c = s[i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
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

// YYYY-MM-DD at s[pos..pos+10).
bool parse_date(std::string_view s, std::size_t pos) noexcept {
  unsigned y, m, d;
  return read_digits(s, pos, 4, y) && s[pos + 4] == '-' && read_digits(s, pos + 5, 2, m) &&
         s[pos + 7] == '-' && read_digits(s, pos + 8, 2, d) && is_real_date(y, m, d);
}

constexpr bool is_alnum(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

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

// A fixed set of names, found by linear search (each schema object has a dozen at
// most; comparing sizes first rejects nearly all).
template <std::size_t N>
int find_name(const std::array<std::string_view, N>& names, std::string_view key) noexcept {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == key) return static_cast<int>(i);
  }
  return -1;
}

template <std::size_t N>
void append_names(const std::array<std::string_view, N>& names, std::string& out) {
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) out += ", ";
    out += names[i];
  }
}

constexpr std::array<std::string_view, 10> kCategories = {
    "deployment",   "training",    "inference", "debugging", "configuration",
    "optimization", "integration", "testing",   "documentation", "other"};
constexpr std::array<std::string_view, 4> kIssueTypes = {"error", "warning", "confusion",
                                                         "performance"};
constexpr std::array<std::string_view, 3> kResourceTypes = {"post", "comment", "evolving_skill"};

// Keys with more than this many members are checked for duplicates by sorting once
// when the object closes, instead of comparing each new key to the previous ones.
constexpr std::size_t kLinearKeyLimit = 16;

}  // namespace

struct SessionValidator::Impl {
  explicit Impl(const ProcessorOptions& o) : options(o) {}

  ProcessorOptions options;
  od::parser parser;
  std::unique_ptr<char[]> buffer;  // the record, padded for simdjson
  std::size_t capacity = 0;
  std::size_t size = 0;

  // Per-record state.
  Reason stop = Reason::none;   // malformed_json or too_deep: the walk stopped
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

  Verdict validate(const char* data, std::size_t n, std::string* joined_out) noexcept;
  Verdict run_walk() noexcept;

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
  template <class... Parts>
  bool field_defect(Reason r, const PathFrame& at, const Parts&... parts) {
    if (defect != Reason::none) return true;
    defect = r;
    path.clear();
    append_path(at, path);
    message.assign(path);
    message += ": ";
    (message.append(parts), ...);
    return true;
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

  void note_duplicate(const PathFrame& member) {
    duplicate = true;
    dup_path.clear();
    append_path(member, dup_path);
    dup_message.assign(dup_path);
    dup_message += ": the same key appears twice in one object";
  }

  // ---- generic values -------------------------------------------------------------
  bool type_of(od::value& v, od::json_type& t) noexcept {
    if (auto e = v.type().get(t)) return malformed(e);
    return true;
  }

  bool read_string(od::value& v, const PathFrame& at, std::string_view& out) noexcept {
    const char* raw = visitor ? v.raw_json_token().data() : nullptr;
    if (auto e = v.get_string().get(out)) return malformed(e);
    if (joined) {
      joined->append(out);
      joined->push_back('\0');
    } else if (visitor) {
      visitor->on_string(at, static_cast<std::size_t>(raw + 1 - buffer.get()), out);
    }
    return true;
  }

  // A number: `finite` false when it is valid JSON that overflows a double.
  bool read_number(od::value& v, double& out, bool& finite) noexcept {
    std::string_view raw = v.raw_json_token();
    finite = true;
    if (!v.get_double().get(out)) return true;
    while (!raw.empty() && is_json_ws(raw.back())) raw.remove_suffix(1);
    if (!is_json_number(raw)) return malformed("invalid number");
    finite = false;
    out = raw.front() == '-' ? -HUGE_VAL : HUGE_VAL;
    return true;
  }

  // Any value, walked to its end. `depth`: the level of the container holding it.
  bool walk_any(od::value v, const PathFrame& at, std::size_t depth) noexcept {
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
        return read_string(v, at, s);
      }
      case od::json_type::number: {
        double d;
        bool finite;
        return read_number(v, d, finite);
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
      od::field field;
      if (auto e = std::move(result).get(field)) return malformed(e);
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return malformed(e);
      PathFrame member{&at, key};
      add_key(first, key, member);
      if (!walk_any(field.value(), member, depth)) return false;
    }
    close_keys(first, at);
    return true;
  }

  bool walk_free_array(od::array& a, const PathFrame& at, std::size_t depth) noexcept {
    std::size_t i = 0;
    for (auto result : a) {
      od::value element;
      if (auto e = std::move(result).get(element)) return malformed(e);
      PathFrame item{&at, {}, i++, true};
      if (!walk_any(element, item, depth)) return false;
    }
    return true;
  }

  // ---- typed schema fields ----------------------------------------------------------
  // Each reads one listed field. On a type mismatch it records wrong_type and walks
  // the value anyway (its syntax still counts). They return false only to stop.

  // `ok` is set when the value is a string (then `s` holds it).
  bool expect_string(od::value v, const PathFrame& at, std::size_t depth, std::string_view& s,
                     bool& ok) noexcept {
    od::json_type t;
    if (!type_of(v, t)) return false;
    ok = t == od::json_type::string;
    if (!ok) {
      wrong_type(at, "string", t);
      return walk_typed(v, t, at, depth);
    }
    return read_string(v, at, s);
  }

  bool optional_string(od::value v, const PathFrame& at, std::size_t depth) noexcept {
    std::string_view s;
    bool ok;
    return expect_string(v, at, depth, s, ok);
  }

  bool non_empty_string(od::value v, const PathFrame& at, std::size_t depth) noexcept {
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

  template <std::size_t N>
  bool enum_string(od::value v, const PathFrame& at, std::size_t depth,
                   const std::array<std::string_view, N>& allowed) noexcept {
    std::string_view s;
    bool ok;
    if (!expect_string(v, at, depth, s, ok)) return false;
    if (ok && find_name(allowed, s) < 0 && defect == Reason::none) {
      field_defect(Reason::invalid_enum, at, "expected one of ");
      append_names(allowed, message);
      message += ", found another value";
    }
    return true;
  }

  // `ok` set when the value is a boolean (then `b` holds it).
  bool expect_bool(od::value v, const PathFrame& at, std::size_t depth, bool& b,
                   bool& ok) noexcept {
    od::json_type t;
    if (!type_of(v, t)) return false;
    ok = t == od::json_type::boolean;
    if (!ok) {
      wrong_type(at, "boolean", t);
      return walk_typed(v, t, at, depth);
    }
    if (auto e = v.get_bool().get(b)) return malformed(e);
    return true;
  }

  bool boolean(od::value v, const PathFrame& at, std::size_t depth) noexcept {
    bool b, ok;
    return expect_bool(v, at, depth, b, ok);
  }

  // A listed number: finite as a double and not below 0 (-0 passes).
  bool non_negative_number(od::value v, const PathFrame& at, std::size_t depth) noexcept {
    od::json_type t;
    if (!type_of(v, t)) return false;
    if (t != od::json_type::number) {
      wrong_type(at, "number", t);
      return walk_typed(v, t, at, depth);
    }
    double d;
    bool finite;
    if (!read_number(v, d, finite)) return false;
    if (!finite) {
      field_defect(Reason::out_of_range, at,
                   "expected a finite number >= 0, found a number that overflows a double");
    } else if (d < 0) {
      field_defect(Reason::out_of_range, at, "expected a number >= 0, found a negative number");
    }
    return true;
  }

  // An array whose elements are each checked by `element(value, frame, depth)`.
  template <class Element>
  bool array_of(od::value v, const PathFrame& at, std::size_t depth, Element&& element) noexcept {
    od::json_type t;
    if (!type_of(v, t)) return false;
    if (t != od::json_type::array) {
      wrong_type(at, "array", t);
      return walk_typed(v, t, at, depth);
    }
    if (depth + 1 > options.max_depth) return too_deep();
    od::array a;
    if (auto e = v.get_array().get(a)) return malformed(e);
    std::size_t i = 0;
    for (auto result : a) {
      od::value item;
      if (auto e = std::move(result).get(item)) return malformed(e);
      PathFrame frame{&at, {}, i++, true};
      if (!element(item, frame, depth + 1)) return false;
    }
    return true;
  }

  bool string_array(od::value v, const PathFrame& at, std::size_t depth) noexcept {
    return array_of(v, at, depth, [this](od::value item, const PathFrame& f, std::size_t d) {
      return optional_string(item, f, d);
    });
  }

  // A schema object: `names` are its listed members, `required` a bit per required
  // name; `member(index, value, frame, depth)` checks one listed member. Unlisted
  // members pass through (walked), or are unknown_field in strict mode.
  template <std::size_t N, class Member, class Close>
  bool schema_object(od::value v, const PathFrame& at, std::size_t depth,
                     const std::array<std::string_view, N>& names, std::uint32_t required,
                     Member&& member, Close&& close) noexcept {
    od::json_type t;
    if (!type_of(v, t)) return false;
    if (t != od::json_type::object) {
      wrong_type(at, "object", t);
      return walk_typed(v, t, at, depth);
    }
    if (depth + 1 > options.max_depth) return too_deep();
    od::object o;
    if (auto e = v.get_object().get(o)) return malformed(e);
    return schema_members(o, at, depth + 1, names, required, member, close);
  }

  template <std::size_t N, class Member, class Close>
  bool schema_members(od::object& o, const PathFrame& at, std::size_t depth,
                      const std::array<std::string_view, N>& names, std::uint32_t required,
                      Member& member, Close& close) noexcept {
    static_assert(N <= 32);
    std::uint32_t seen = 0;
    const std::size_t first = keys.size();
    for (auto result : o) {
      od::field field;
      if (auto e = std::move(result).get(field)) return malformed(e);
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return malformed(e);
      PathFrame frame{&at, key};
      const int index = find_name(names, key);
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
        add_key(first, key, frame);
        if (options.strict) {
          field_defect(Reason::unknown_field, frame, "field not allowed in strict mode");
        }
        ok = walk_any(field.value(), frame, depth);
      }
      if (!ok) return false;
    }
    close_keys(first, at);
    const std::uint32_t missing = required & ~seen;
    if (missing != 0 && defect == Reason::none) {
      PathFrame frame{&at, names[static_cast<std::size_t>(std::countr_zero(missing))]};
      field_defect(Reason::missing_field, frame, "required field is missing");
    }
    close(seen);
    return true;
  }

  static constexpr auto no_close = [](std::uint32_t) {};

  // ---- the session log schema -------------------------------------------------------
  static constexpr std::array<std::string_view, 11> kTop = {
      "session_id", "agent_id",           "timestamp", "skill",
      "task",       "outcome",            "issues_encountered", "learnings",
      "community_resources_used", "environment", "duration_minutes"};

  bool walk_root(od::object& o) noexcept {
    PathFrame root{};
    auto member = [&](int index, od::value v, const PathFrame& at, std::size_t depth) -> bool {
      switch (index) {
        case 0: return session_id_field(v, at, depth);
        case 1: return agent_id_field(v, at, depth);
        case 2: return timestamp_field(v, at, depth);
        case 3: return skill(v, at, depth);
        case 4: return task(v, at, depth);
        case 5: return outcome(v, at, depth);
        case 6:
          return array_of(v, at, depth, [this](od::value item, const PathFrame& f, std::size_t d) {
            return issue(item, f, d);
          });
        case 7: return string_array(v, at, depth);
        case 8:
          return array_of(v, at, depth, [this](od::value item, const PathFrame& f, std::size_t d) {
            return resource(item, f, d);
          });
        case 9: return environment(v, at, depth);
        default: return non_negative_number(v, at, depth);
      }
    };
    constexpr std::uint32_t required = 0b111111;  // session_id .. outcome
    return schema_members(o, root, 1, kTop, required, member, no_close);
  }

  bool session_id_field(od::value v, const PathFrame& at, std::size_t depth) noexcept {
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

  bool agent_id_field(od::value v, const PathFrame& at, std::size_t depth) noexcept {
    std::string_view s;
    bool ok;
    if (!expect_string(v, at, depth, s, ok)) return false;
    if (!ok) return true;
    if (!has_non_whitespace(s)) {
      field_defect(Reason::empty_value, at,
                   s.empty() ? "expected a non-empty string, found an empty string"
                             : "expected a non-empty string, found only whitespace");
    } else if (s.size() > 256) {
      field_defect(Reason::invalid_format, at,
                   "expected at most 256 bytes, found a longer value");
    }
    return true;
  }

  bool timestamp_field(od::value v, const PathFrame& at, std::size_t depth) noexcept {
    std::string_view s;
    bool ok;
    if (!expect_string(v, at, depth, s, ok)) return false;
    if (ok && !is_valid_timestamp(s)) {
      field_defect(Reason::invalid_format, at,
                   "expected an RFC 3339 date-time YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM) "
                   "with a real date and time, found a value that does not match");
    }
    return true;
  }

  static constexpr std::array<std::string_view, 5> kSkill = {
      "name", "source_repo", "source_path", "source_version", "local_path"};

  bool skill(od::value v, const PathFrame& at, std::size_t depth) noexcept {
    auto member = [&](int index, od::value m, const PathFrame& f, std::size_t d) -> bool {
      return index == 0 ? non_empty_string(m, f, d) : optional_string(m, f, d);
    };
    return schema_object(v, at, depth, kSkill, 0b1, member, no_close);
  }

  static constexpr std::array<std::string_view, 3> kTask = {"description", "category", "tags"};

  bool task(od::value v, const PathFrame& at, std::size_t depth) noexcept {
    auto member = [&](int index, od::value m, const PathFrame& f, std::size_t d) -> bool {
      switch (index) {
        case 0: return non_empty_string(m, f, d);
        case 1: return enum_string(m, f, d, kCategories);
        default: return string_array(m, f, d);
      }
    };
    return schema_object(v, at, depth, kTask, 0b1, member, no_close);
  }

  static constexpr std::array<std::string_view, 3> kOutcome = {"success", "partial", "notes"};

  bool outcome(od::value v, const PathFrame& at, std::size_t depth) noexcept {
    auto member = [&](int index, od::value m, const PathFrame& f, std::size_t d) -> bool {
      return index == 2 ? optional_string(m, f, d) : boolean(m, f, d);
    };
    return schema_object(v, at, depth, kOutcome, 0b1, member, no_close);
  }

  static constexpr std::array<std::string_view, 5> kIssue = {
      "type", "description", "resolved", "resolution", "time_spent_minutes"};

  // `resolution` depends on `resolved`, which may come after it: both are settled
  // when the object closes.
  bool issue(od::value v, const PathFrame& at, std::size_t depth) noexcept {
    bool resolved = false, resolved_is_bool = false;
    bool resolution_is_string = false, resolution_blank = false;
    auto member = [&](int index, od::value m, const PathFrame& f, std::size_t d) -> bool {
      switch (index) {
        case 0: return enum_string(m, f, d, kIssueTypes);
        case 1: return non_empty_string(m, f, d);
        case 2: return expect_bool(m, f, d, resolved, resolved_is_bool);
        case 3: {
          std::string_view s;
          if (!expect_string(m, f, d, s, resolution_is_string)) return false;
          resolution_blank = resolution_is_string && !has_non_whitespace(s);
          return true;
        }
        default: return non_negative_number(m, f, d);
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
    return schema_object(v, at, depth, kIssue, 0b111, member, close);
  }

  static constexpr std::array<std::string_view, 3> kResource = {"type", "id", "helpful"};

  bool resource(od::value v, const PathFrame& at, std::size_t depth) noexcept {
    auto member = [&](int index, od::value m, const PathFrame& f, std::size_t d) -> bool {
      switch (index) {
        case 0: return enum_string(m, f, d, kResourceTypes);
        case 1: return non_empty_string(m, f, d);
        default: return boolean(m, f, d);
      }
    };
    return schema_object(v, at, depth, kResource, 0b111, member, no_close);
  }

  static constexpr std::array<std::string_view, 6> kEnvironment = {"os",   "python", "cuda",
                                                                    "gpus", "memory", "other"};

  bool environment(od::value v, const PathFrame& at, std::size_t depth) noexcept {
    auto member = [&](int index, od::value m, const PathFrame& f, std::size_t d) -> bool {
      if (index < 5) return optional_string(m, f, d);
      od::json_type t;  // `other`: an object, free-form inside (never strict)
      if (!type_of(m, t)) return false;
      if (t != od::json_type::object) wrong_type(f, "object", t);
      return walk_typed(m, t, f, d);
    };
    return schema_object(v, at, depth, kEnvironment, 0, member, no_close);
  }
};

Verdict SessionValidator::Impl::validate(const char* data, std::size_t n,
                                         std::string* joined_out) noexcept {
  session_id = {};
  if (data == nullptr) return {Reason::empty_payload, {}, "the value is null (a tombstone)"};
  if (std::all_of(data, data + n, is_json_ws)) {
    return {Reason::empty_payload, {},
            n == 0 ? "the value is empty" : "the value holds only whitespace"};
  }
  if (n > options.max_record_bytes) {
    message.assign("the value is ");
    message += std::to_string(n);
    message += " bytes, over max_record_bytes ";
    message += std::to_string(options.max_record_bytes);
    return {Reason::too_large, {}, message};
  }
  if (!simdjson::validate_utf8(data, n)) {
    return {Reason::invalid_utf8, {}, "the value is not valid UTF-8"};
  }
  // A byte order mark is not whitespace; simdjson would skip it silently.
  if (n >= 3 && std::memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
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

  od::document doc;
  if (auto e = parser.iterate(buffer.get(), size, capacity).get(doc)) {
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
    case od::json_type::string: {
      std::string_view s;
      walked = !doc.get_string().get(s) || malformed("invalid string");
      break;
    }
    case od::json_type::number: {
      double d;
      if (doc.get_double().get(d)) {
        std::string_view raw;
        if (doc.raw_json_token().get(raw)) raw = {};
        while (!raw.empty() && is_json_ws(raw.back())) raw.remove_suffix(1);
        if (!is_json_number(raw)) return {Reason::malformed_json, {}, "invalid number"};
        // A number that overflows a double: simdjson leaves it unconsumed, so look
        // for trailing content by hand.
        const char* rest = raw.data() + raw.size();
        if (!std::all_of(rest, static_cast<const char*>(buffer.get() + size), is_json_ws)) {
          return {Reason::malformed_json, {}, "content after the JSON value"};
        }
        return {Reason::not_an_object, {}, "expected an object at the top level, found number"};
      }
      break;
    }
    case od::json_type::boolean: {
      bool b;
      walked = !doc.get_bool().get(b) || malformed("invalid literal");
      break;
    }
    case od::json_type::null: {
      bool is_null = false;
      walked = (!doc.is_null().get(is_null) && is_null) || malformed("invalid literal");
      break;
    }
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
  if (defect != Reason::none) return {defect, path, message};
  return {};
}

SessionValidator::SessionValidator(const ProcessorOptions& options)
    : impl_(std::make_unique<Impl>(options)) {}
SessionValidator::~SessionValidator() = default;

Verdict SessionValidator::validate(const char* data, std::size_t size,
                                   std::string* joined) noexcept {
  return impl_->validate(data, size, joined);
}

void SessionValidator::visit_strings(StringVisitor& visitor) noexcept {
  impl_->joined = nullptr;
  impl_->visitor = &visitor;
  (void)impl_->run_walk();
  impl_->visitor = nullptr;
}

std::string_view SessionValidator::session_id() const noexcept { return impl_->session_id; }

}  // namespace skillstream::processor
