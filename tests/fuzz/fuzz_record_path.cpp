// libFuzzer target over the whole record path (RecordProcessor: sections 1-2, then
// section 3 of spec/session-log-rules.md). It checks properties of the rules,
// not only the absence of crashes; a violation prints what broke and aborts, so
// libFuzzer keeps the input. Every input runs through:
// - the scanner directly on the raw bytes, against a slow reference matcher written
//   from the rules (exact spans, and the pre-filter never missing one);
// - six processors (redact / reject / off, strict on and off) with default limits,
//   and three (one per policy) with tight limits derived from the input size, so
//   too_large, too_deep and "redaction pushes over the limit" are reachable.
// Each verdict is checked for determinism, against an envelope oracle (UTF-8, grammar,
// depth, top-level type) and a schema oracle on simdjson's DOM API, across policies,
// and for the shape of redacted output. Rules v2: keys are scanned like string values,
// keys that collide once redacted are a privacy_violation, and every key in a path or
// a message is redacted and JSON-escaped under every policy; the oracle builds paths
// itself, with the reference matcher and its own escaping.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "processor/json_syntax.h"
#include "processor/privacy_scanner.h"
#include "processor/record_processor.h"
#include "processor/session_validator.h"

namespace skillstream::processor {
namespace {

constexpr std::size_t npos = std::string_view::npos;

// ---- failure reports -------------------------------------------------------------

std::string_view g_input;  // the input being run, for the report
std::string g_context;     // which processor options are being checked

// Octal escapes keep the output a valid C string literal whatever byte follows.
std::string c_escaped(std::string_view s, std::size_t limit = 4096) {
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < limit; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
    }
  }
  if (s.size() > limit) out += "...(truncated)";
  return out;
}

[[noreturn]] void fail(const char* property, const std::string& detail) {
  std::fprintf(stderr,
               "\n==== fuzz_record_path: PROPERTY VIOLATED: %s\n"
               "options: %s\n%s\ninput (%zu bytes): \"%s\"\n",
               property, g_context.c_str(), detail.c_str(), g_input.size(),
               c_escaped(g_input).c_str());
  std::abort();
}

#define FUZZ_CHECK(cond, detail)                   \
  do {                                             \
    if (!(cond)) fail(#cond, std::string(detail)); \
  } while (0)

std::string spans_text(const std::vector<Span>& spans) {
  std::string out;
  for (const Span& s : spans) {
    out += '[' + std::to_string(s.begin) + ',' + std::to_string(s.end) + ')';
    out += to_string(s.kind);
    out += ' ';
  }
  return out;
}

// ---- independent oracles -----------------------------------------------------------

bool is_valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

constexpr bool is_json_ws(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Deepest nesting of a well-formed document (top-level container = 1).
std::size_t nesting_depth(std::string_view s) noexcept {
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

bool is_envelope_reason(Reason r) noexcept {
  return r >= Reason::empty_payload && r <= Reason::not_an_object;
}

// Section 1 decided from the bytes alone; Reason::none means "not an envelope reject".
Reason expected_envelope(std::string_view in, const ProcessorOptions& o, std::string& stack) {
  if (std::all_of(in.begin(), in.end(), is_json_ws)) return Reason::empty_payload;
  if (in.size() > o.max_record_bytes) return Reason::too_large;
  if (!is_valid_utf8(in)) return Reason::invalid_utf8;
  if (in.substr(0, 3) == "\xEF\xBB\xBF") return Reason::malformed_json;
  if (!is_well_formed_json(in, stack)) return Reason::malformed_json;
  if (nesting_depth(in) > o.max_depth) return Reason::too_deep;
  if (in[in.find_first_not_of(" \t\r\n")] != '{') return Reason::not_an_object;
  return Reason::none;
}

// The index of the closing quote of the string whose content starts at `begin`.
std::size_t string_end(std::string_view text, std::size_t begin) noexcept {
  std::size_t i = begin;
  while (i < text.size() && text[i] != '"') i += text[i] == '\\' ? 2 : 1;
  return i;
}

// ---- reference matcher ---------------------------------------------------------------
// Section 3 written the slow, obvious way: for each pattern, try every position left to
// right, take the longest match there, go on after it. Runs of each byte class are
// precomputed so that a failed attempt costs O(1) and the whole scan stays linear.

bool is_upper_digit(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_alnum(char c) { return is_alpha(c) || (c >= '0' && c <= '9'); }
bool is_word(char c) { return is_alnum(c) || c == '_'; }
bool is_key(char c) { return is_word(c) || c == '-'; }
bool is_label(char c) { return is_alnum(c) || c == '-'; }
bool is_local(char c) { return is_alnum(c) || (c != 0 && std::strchr("._%+-", c) != nullptr); }
bool is_name(char c) { return is_alnum(c) || c == '.' || c == '_' || c == '-'; }
bool is_bearer(char c) { return is_alnum(c) || (c != 0 && std::strchr("._~+/-", c) != nullptr); }
bool is_blank(char c) { return c == ' ' || c == '\t'; }

// One per process, its run tables reused from string to string.
class Reference {
 public:
  std::vector<Span> spans(std::string_view t) {
    t_ = t;
    email_at_ = npos;
    email_end_ = npos;
    dropped_ = npos;
    fill(alpha_, is_alpha);
    fill(alnum_, is_alnum);
    fill(word_, is_word);
    fill(key_, is_key);
    fill(label_, is_label);
    fill(local_, is_local);
    fill(name_, is_name);
    fill(bearer_, is_bearer);
    fill(blank_, is_blank);
    fill(upper_digit_, is_upper_digit);
    std::vector<Span> all;
    using Matcher = std::size_t (Reference::*)(std::size_t, std::size_t&);
    struct Pattern {
      Matcher match;
      PrivacyKind kind;
    };
    static constexpr Pattern kPatterns[] = {
        {&Reference::aws, PrivacyKind::secret},
        {&Reference::github_token, PrivacyKind::secret},
        {&Reference::github_pat, PrivacyKind::secret},
        {&Reference::api_key, PrivacyKind::secret},
        {&Reference::slack, PrivacyKind::secret},
        {&Reference::google, PrivacyKind::secret},
        {&Reference::pem, PrivacyKind::secret},
        {&Reference::jwt, PrivacyKind::secret},
        {&Reference::bearer, PrivacyKind::secret},
        {&Reference::email, PrivacyKind::email},
        {&Reference::home, PrivacyKind::user_path},
        {&Reference::users, PrivacyKind::user_path},
        {&Reference::drive_users, PrivacyKind::user_path},
    };
    for (const Pattern& p : kPatterns) {
      for (std::size_t i = 0; i < t_.size();) {
        std::size_t span_begin = i;
        const std::size_t end = (this->*p.match)(i, span_begin);
        if (end == npos || end <= i) {
          ++i;
          continue;
        }
        if (end != dropped_) {
          all.push_back(Span{static_cast<std::uint32_t>(span_begin),
                             static_cast<std::uint32_t>(end), p.kind});
        }
        dropped_ = npos;
        i = end;
      }
    }
    // Merge overlapping spans transitively; the group is named by its earliest, then
    // longest, then lowest-kind member.
    std::sort(all.begin(), all.end(),
              [](const Span& a, const Span& b) { return a.begin < b.begin; });
    std::vector<Span> out;
    for (std::size_t i = 0; i < all.size();) {
      std::size_t j = i;
      std::uint32_t end = all[i].end;
      Span label = all[i];
      for (++j; j < all.size() && all[j].begin < end; ++j) {
        end = std::max(end, all[j].end);
        const Span& s = all[j];
        if (s.begin == label.begin &&
            (s.end > label.end || (s.end == label.end && s.kind < label.kind))) {
          label = s;
        }
      }
      out.push_back(Span{all[i].begin, end, label.kind});
      i = j;
    }
    return out;
  }

 private:
  std::string_view t_;
  std::vector<std::uint32_t> alpha_, alnum_, word_, key_, label_, local_, name_, bearer_, blank_,
      upper_digit_;
  std::size_t dropped_ = npos;  // a match found and then dropped (git@...)

  void fill(std::vector<std::uint32_t>& run, bool (*in)(char)) {
    run.assign(t_.size() + 1, static_cast<std::uint32_t>(t_.size()));
    for (std::size_t i = t_.size(); i-- > 0;) {
      run[i] = in(t_[i]) ? run[i + 1] : static_cast<std::uint32_t>(i);
    }
  }
  std::size_t run(const std::vector<std::uint32_t>& r, std::size_t i) const {
    return i >= t_.size() ? t_.size() : r[i];
  }
  bool at(std::size_t i, std::string_view lit) const { return t_.substr(i, lit.size()) == lit; }
  bool boundary_before(std::size_t i) const { return i == 0 || !is_word(t_[i - 1]); }
  bool word_at(std::size_t i) const { return i < t_.size() && is_word(t_[i]); }
  // At least `min` of a class from i: the end of the run, or npos.
  std::size_t at_least(const std::vector<std::uint32_t>& r, std::size_t i, std::size_t min) const {
    const std::size_t e = run(r, i);
    return e - i >= min ? e : npos;
  }
  // Exactly `count` of a class from i, not followed by a word byte (\b).
  std::size_t exactly_then_boundary(const std::vector<std::uint32_t>& r, std::size_t i,
                                    std::size_t count) const {
    if (i > t_.size() || run(r, i) - i < count) return npos;
    return word_at(i + count) ? npos : i + count;
  }

  std::size_t aws(std::size_t i, std::size_t&) {
    if (!at(i, "AKIA") || !boundary_before(i)) return npos;
    return exactly_then_boundary(upper_digit_, i + 4, 16);
  }
  std::size_t github_token(std::size_t i, std::size_t&) {
    if (!at(i, "gh") || i + 3 >= t_.size() || std::strchr("pousr", t_[i + 2]) == nullptr ||
        t_[i + 2] == 0 || t_[i + 3] != '_' || !boundary_before(i)) {
      return npos;
    }
    return exactly_then_boundary(alnum_, i + 4, 36);
  }
  std::size_t github_pat(std::size_t i, std::size_t&) {
    if (!at(i, "github_pat_") || !boundary_before(i)) return npos;
    return at_least(word_, i + 11, 22);
  }
  std::size_t api_key(std::size_t i, std::size_t&) {
    if (!at(i, "sk-") || !boundary_before(i)) return npos;
    return at_least(key_, i + 3, 20);
  }
  std::size_t slack(std::size_t i, std::size_t&) {
    if (!at(i, "xox") || i + 4 >= t_.size() || t_[i + 3] == 0 ||
        std::strchr("abprs", t_[i + 3]) == nullptr || t_[i + 4] != '-' || !boundary_before(i)) {
      return npos;
    }
    return at_least(label_, i + 5, 10);
  }
  std::size_t google(std::size_t i, std::size_t&) {
    if (!at(i, "AIza") || !boundary_before(i)) return npos;
    return run(key_, i + 4) - (i + 4) >= 35 ? i + 4 + 35 : npos;
  }
  // `([A-Z0-9]+ )*PRIVATE KEY-----` from i, trying every way to split it: its end or npos.
  std::size_t pem_label(std::size_t i) const {
    for (;;) {
      if (at(i, "PRIVATE KEY-----")) return i + 16;
      const std::size_t w = run(upper_digit_, i);
      if (w == i || w >= t_.size() || t_[w] != ' ') return npos;
      i = w + 1;
    }
  }
  std::size_t pem(std::size_t i, std::size_t&) {
    if (!at(i, "-----BEGIN ")) return npos;
    const std::size_t line = pem_label(i + 11);
    if (line == npos) return npos;
    for (std::size_t k = line; k < t_.size(); ++k) {
      if (at(k, "-----END ")) {
        const std::size_t e = pem_label(k + 9);
        if (e != npos) return e;
      }
    }
    return t_.size();
  }
  std::size_t jwt(std::size_t i, std::size_t&) {
    if (!at(i, "eyJ") || !boundary_before(i)) return npos;
    const std::size_t a = at_least(key_, i + 3, 10);
    if (a == npos || a >= t_.size() || t_[a] != '.') return npos;
    const std::size_t b = at_least(key_, a + 1, 10);
    if (b == npos || b >= t_.size() || t_[b] != '.') return npos;
    return at_least(key_, b + 1, 10);
  }
  std::size_t bearer(std::size_t i, std::size_t&) {
    if (!at(i, "Bearer") || !boundary_before(i)) return npos;
    const std::size_t blanks = run(blank_, i + 6);
    if (blanks == i + 6) return npos;
    const std::size_t token = at_least(bearer_, blanks, 20);
    if (token == npos) return npos;
    std::size_t e = token;
    while (e < t_.size() && t_[e] == '=') ++e;
    return e;
  }
  // The longest `[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}` from i. Its last dot
  // must follow only non-empty labels; the farthest such dot with two letters after it
  // gives the longest match, ending where those letters end.
  std::size_t domain(std::size_t i) const {
    std::size_t limit = i;
    while (limit < t_.size() && (is_label(t_[limit]) || t_[limit] == '.')) ++limit;
    std::size_t empty_label = limit;  // the first dot that closes an empty label
    for (std::size_t k = i; k < limit; ++k) {
      if (t_[k] == '.' && (k == i || t_[k - 1] == '.')) {
        empty_label = k;
        break;
      }
    }
    for (std::size_t p = std::min(limit, empty_label); p-- > i;) {
      if (t_[p] != '.') continue;
      const std::size_t letters = run(alpha_, p + 1);
      if (letters - (p + 1) >= 2) return letters;
    }
    return npos;
  }
  std::size_t email(std::size_t i, std::size_t&) {
    const std::size_t a = run(local_, i);
    if (a == i || a >= t_.size() || t_[a] != '@') return npos;
    if (a != email_at_) {  // every start before one `@` shares its domain
      email_at_ = a;
      email_end_ = domain(a + 1);
    }
    if (email_end_ != npos && t_.substr(i, a - i) == "git") dropped_ = email_end_;
    return email_end_;
  }
  std::size_t email_at_ = npos, email_end_ = npos;

  std::size_t user_name(std::size_t name, std::size_t& span_begin) const {
    const std::size_t e = run(name_, name);
    if (e == name) return npos;
    const std::string_view n = t_.substr(name, e - name);
    if (n == "Shared" || n.find_first_not_of('.') == npos) return npos;
    span_begin = name;
    return e;
  }
  std::size_t home(std::size_t i, std::size_t& span_begin) {
    if (!at(i, "/home/") || (i > 0 && is_name(t_[i - 1]))) return npos;
    return user_name(i + 6, span_begin);
  }
  std::size_t users(std::size_t i, std::size_t& span_begin) {
    if (!at(i, "/Users/") || (i > 0 && is_name(t_[i - 1]))) return npos;
    return user_name(i + 7, span_begin);
  }
  std::size_t drive_users(std::size_t i, std::size_t& span_begin) {
    if (i + 9 > t_.size() || !is_alpha(t_[i]) || !boundary_before(i) || t_[i + 1] != ':' ||
        (t_[i + 2] != '/' && t_[i + 2] != '\\') || !at(i + 3, "Users") ||
        (t_[i + 8] != '/' && t_[i + 8] != '\\')) {
      return npos;
    }
    return user_name(i + 9, span_begin);
  }
};

Reference& reference() {
  static Reference r;  // one per process: its run tables are reused
  return r;
}

// `text` with each span replaced by its marker.
std::string marked(std::string_view text, const std::vector<Span>& spans) {
  std::string out;
  std::size_t pos = 0;
  for (const Span& span : spans) {
    out.append(text, pos, span.begin - pos);
    out += "[REDACTED:";
    out += to_string(span.kind);
    out += ']';
    pos = span.end;
  }
  out.append(text, pos);
  return out;
}

// JSON string content, as the rules want keys in paths: ", \ and U+0000-U+001F escaped.
std::string json_escaped(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u >= 0x20) {
      out += c;
    } else if (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
      out += '\\';
      out += c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : c == '\b' ? 'b' : 'f';
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    }
  }
  return out;
}

// A key as a path or a message must show it (rules v2): redacted, then escaped.
std::string safe_key(std::string_view key) {
  return json_escaped(marked(key, reference().spans(key)));
}

// ---- schema oracle -------------------------------------------------------------------
// Section 2 and duplicate_key written again on simdjson's DOM API: every defect of the
// record, as (reason, path). The processor may report any one of them (the first is its
// choice) but no other; with none, the record must be clean. Records the DOM parser
// refuses (1e400 and other numbers outside a double) are left to the other checks.

struct Defect {
  Reason reason;
  std::string path;
};

bool has_non_whitespace(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = p[i];
    std::size_t len = 1;
    if (cp >= 0xF0) {
      len = 4;
      cp &= 0x07;
    } else if (cp >= 0xE0) {
      len = 3;
      cp &= 0x0F;
    } else if (cp >= 0xC0) {
      len = 2;
      cp &= 0x1F;
    }
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (p[i + k] & 0x3F);
    i += len;
    const bool ws = (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 ||
                    cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
                    cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    if (!ws) return true;
  }
  return false;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool real_date(std::string_view s, std::size_t pos) {
  int y, m, d;
  if (!digits(s, pos, 4, y) || s.size() < pos + 10 || s[pos + 4] != '-' ||
      !digits(s, pos + 5, 2, m) || s[pos + 7] != '-' || !digits(s, pos + 8, 2, d)) {
    return false;
  }
  const bool leap = y % 400 == 0 || (y % 4 == 0 && y % 100 != 0);
  const int month_days[] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m >= 1 && m <= 12 && d >= 1 && d <= month_days[m - 1];
}

bool session_id_ok(std::string_view s) {
  if (!s.starts_with("sess-") || !real_date(s, 5) || s.size() < 17 || s[15] != '-') return false;
  const std::string_view r = s.substr(16);
  return !r.empty() && r.size() <= 64 && std::all_of(r.begin(), r.end(), is_alnum);
}

bool timestamp_ok(std::string_view s) {
  int hh, mm, ss;
  if (!real_date(s, 0) || s.size() < 20 || (s[10] != 'T' && s[10] != 't') ||
      !digits(s, 11, 2, hh) || s[13] != ':' || !digits(s, 14, 2, mm) || s[16] != ':' ||
      !digits(s, 17, 2, ss) || hh > 23 || mm > 59 || ss > 60) {
    return false;
  }
  std::string_view rest = s.substr(19);
  if (rest.starts_with(".")) {
    std::size_t n = 1;
    while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
    if (n == 1 || n > 10) return false;
    rest.remove_prefix(n);
  }
  if (rest == "Z" || rest == "z") return true;
  int oh, om;
  return rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && digits(rest, 1, 2, oh) &&
         rest[3] == ':' && digits(rest, 4, 2, om) && oh <= 23 && om <= 59;
}

// A key or string value of the record that holds a match, by the reference matcher.
struct MatchedToken {
  bool is_key;
  std::string text;
  bool operator==(const MatchedToken&) const = default;
};

class SchemaOracle {
 public:
  std::vector<Defect> duplicates, defects;
  // Every key and string value holding a match, in document order: what the privacy
  // scan must find (rules v2: keys too, at any depth).
  std::vector<MatchedToken> matched;

  // False when the DOM parser refuses the record.
  bool check(std::string_view in, bool strict) {
    duplicates.clear();
    defects.clear();
    matched.clear();
    strict_ = strict;
    simdjson::dom::element doc;
    if (parser_.parse(in.data(), in.size()).get(doc) != simdjson::SUCCESS) return false;
    if (doc.type() != simdjson::dom::element_type::OBJECT) return false;
    top(doc);
    tokens(doc);
    return true;
  }

 private:
  using El = simdjson::dom::element;
  using Obj = simdjson::dom::object;
  using Type = simdjson::dom::element_type;
  simdjson::dom::parser parser_;
  bool strict_ = false;

  static std::string join(const std::string& parent, std::string_view key) {
    return parent.empty() ? safe_key(key) : parent + '.' + safe_key(key);
  }
  void add(Reason r, const std::string& path) { defects.push_back({r, path}); }

  void note(bool is_key, std::string_view text) {
    if (!reference().spans(text).empty()) matched.push_back({is_key, std::string(text)});
  }
  // Every key and string value, in document order, for `matched`.
  void tokens(El v) {
    if (v.type() == Type::OBJECT) {
      const Obj o = v.get_object().value_unsafe();  // a copy: the loop needs an lvalue
      for (auto field : o) {
        note(true, field.key);
        tokens(field.value);
      }
    } else if (v.type() == Type::ARRAY) {
      const simdjson::dom::array a = v.get_array().value_unsafe();
      for (El e : a) tokens(e);
    } else if (v.type() == Type::STRING) {
      note(false, v.get_string().value_unsafe());
    }
  }

  // Walks any value for duplicate keys only.
  void free_value(El v, const std::string& path) {
    if (v.type() == Type::OBJECT) {
      members(v.get_object().value_unsafe(), path);
    } else if (v.type() == Type::ARRAY) {
      const simdjson::dom::array a =
          v.get_array().value_unsafe();  // a copy: the loop needs an lvalue
      std::size_t i = 0;
      for (El e : a) free_value(e, path + '[' + std::to_string(i++) + ']');
    }
  }
  // Notes duplicate keys of one object and walks the members for more.
  void members(Obj o, const std::string& path) {
    std::vector<std::string_view> seen;
    for (auto field : o) {
      if (std::find(seen.begin(), seen.end(), field.key) != seen.end()) {
        duplicates.push_back({Reason::duplicate_key, join(path, field.key)});
      }
      seen.push_back(field.key);
      free_value(field.value, join(path, field.key));
    }
  }

  // A value of the wrong type is still walked: it may hold duplicate keys.
  bool expect(El v, Type t, const std::string& path) {
    if (v.type() == t) return true;
    add(Reason::wrong_type, path);
    free_value(v, path);
    return false;
  }
  void string_field(El v, const std::string& path) { expect(v, Type::STRING, path); }
  void non_empty(El v, const std::string& path) {
    if (expect(v, Type::STRING, path) && !has_non_whitespace(v.get_string().value_unsafe())) {
      add(Reason::empty_value, path);
    }
  }
  template <std::size_t N>
  void one_of(El v, const std::string& path, const std::string_view (&allowed)[N]) {
    if (!expect(v, Type::STRING, path)) return;
    const std::string_view s = v.get_string().value_unsafe();
    if (std::find(std::begin(allowed), std::end(allowed), s) == std::end(allowed)) {
      add(Reason::invalid_enum, path);
    }
  }
  void non_negative(El v, const std::string& path) {
    const Type t = v.type();
    if (t != Type::INT64 && t != Type::UINT64 && t != Type::DOUBLE) {
      add(Reason::wrong_type, path);
      return;
    }
    if ((t == Type::INT64 && v.get_int64().value_unsafe() < 0) ||
        (t == Type::DOUBLE && !(v.get_double().value_unsafe() >= 0))) {
      add(Reason::out_of_range, path);
    }
  }
  void boolean(El v, const std::string& path) { expect(v, Type::BOOL, path); }

  // A schema object: `check(key, value, path)` returns false for an unlisted key.
  template <class Check>
  void object(El v, const std::string& path, std::initializer_list<std::string_view> required,
              Check&& check) {
    if (!expect(v, Type::OBJECT, path)) return;
    const Obj o = v.get_object().value_unsafe();
    std::vector<std::string_view> seen;
    for (auto field : o) {
      const std::string at = join(path, field.key);
      if (std::find(seen.begin(), seen.end(), field.key) != seen.end()) {
        duplicates.push_back({Reason::duplicate_key, at});
        free_value(field.value, at);
        continue;
      }
      seen.push_back(field.key);
      if (!check(field.key, field.value, at)) {
        if (strict_) add(Reason::unknown_field, at);
        free_value(field.value, at);
      }
    }
    for (std::string_view r : required) {
      if (std::find(seen.begin(), seen.end(), r) == seen.end())
        add(Reason::missing_field, join(path, r));
    }
  }
  template <class Each>
  void array(El v, const std::string& path, Each&& each) {
    if (!expect(v, Type::ARRAY, path)) return;
    const simdjson::dom::array a = v.get_array().value_unsafe();
    std::size_t i = 0;
    for (El e : a) each(e, path + '[' + std::to_string(i++) + ']');
  }
  void strings(El v, const std::string& path) {
    array(v, path, [&](El e, const std::string& p) { string_field(e, p); });
  }

  void top(El root) {
    static constexpr std::string_view categories[] = {
        "deployment",   "training",    "inference", "debugging",     "configuration",
        "optimization", "integration", "testing",   "documentation", "other"};
    static constexpr std::string_view issue_types[] = {"error", "warning", "confusion",
                                                       "performance"};
    static constexpr std::string_view resource_types[] = {"post", "comment", "evolving_skill"};
    auto top_member = [&](std::string_view key, El v, const std::string& at) {
      if (key == "session_id") {
        if (expect(v, Type::STRING, at) && !session_id_ok(v.get_string().value_unsafe())) {
          add(Reason::invalid_format, at);
        }
      } else if (key == "agent_id") {
        if (!expect(v, Type::STRING, at)) return true;
        const std::string_view s = v.get_string().value_unsafe();
        if (!has_non_whitespace(s))
          add(Reason::empty_value, at);
        else if (s.size() > 256)
          add(Reason::invalid_format, at);
      } else if (key == "timestamp") {
        if (expect(v, Type::STRING, at) && !timestamp_ok(v.get_string().value_unsafe())) {
          add(Reason::invalid_format, at);
        }
      } else if (key == "skill") {
        object(v, at, {"name"}, [&](std::string_view k, El m, const std::string& p) {
          if (k == "name")
            non_empty(m, p);
          else if (k == "source_repo" || k == "source_path" || k == "source_version" ||
                   k == "local_path")
            string_field(m, p);
          else
            return false;
          return true;
        });
      } else if (key == "task") {
        object(v, at, {"description"}, [&](std::string_view k, El m, const std::string& p) {
          if (k == "description")
            non_empty(m, p);
          else if (k == "category")
            one_of(m, p, categories);
          else if (k == "tags")
            strings(m, p);
          else
            return false;
          return true;
        });
      } else if (key == "outcome") {
        object(v, at, {"success"}, [&](std::string_view k, El m, const std::string& p) {
          if (k == "success" || k == "partial")
            boolean(m, p);
          else if (k == "notes")
            string_field(m, p);
          else
            return false;
          return true;
        });
      } else if (key == "issues_encountered") {
        array(v, at, [&](El item, const std::string& ip) {
          bool resolved = false, has_resolution = false;
          std::string_view resolution;
          bool resolution_string = false;
          object(item, ip, {"type", "description", "resolved"},
                 [&](std::string_view k, El m, const std::string& p) {
                   if (k == "type")
                     one_of(m, p, issue_types);
                   else if (k == "description")
                     non_empty(m, p);
                   else if (k == "resolved") {
                     if (expect(m, Type::BOOL, p)) resolved = m.get_bool().value_unsafe();
                   } else if (k == "resolution") {
                     has_resolution = true;
                     resolution_string = expect(m, Type::STRING, p);
                     if (resolution_string) resolution = m.get_string().value_unsafe();
                   } else if (k == "time_spent_minutes")
                     non_negative(m, p);
                   else
                     return false;
                   return true;
                 });
          if (item.type() == Type::OBJECT && resolved) {
            if (!has_resolution)
              add(Reason::missing_field, ip + ".resolution");
            else if (resolution_string && !has_non_whitespace(resolution))
              add(Reason::empty_value, ip + ".resolution");
          }
        });
      } else if (key == "learnings") {
        strings(v, at);
      } else if (key == "community_resources_used") {
        array(v, at, [&](El item, const std::string& ip) {
          object(item, ip, {"type", "id", "helpful"},
                 [&](std::string_view k, El m, const std::string& p) {
                   if (k == "type")
                     one_of(m, p, resource_types);
                   else if (k == "id")
                     non_empty(m, p);
                   else if (k == "helpful")
                     boolean(m, p);
                   else
                     return false;
                   return true;
                 });
        });
      } else if (key == "environment") {
        object(v, at, {}, [&](std::string_view k, El m, const std::string& p) {
          if (k == "os" || k == "python" || k == "cuda" || k == "gpus" || k == "memory")
            string_field(m, p);
          else if (k == "other") {
            if (expect(m, Type::OBJECT, p)) members(m.get_object().value_unsafe(), p);
          } else
            return false;
          return true;
        });
      } else if (key == "duration_minutes") {
        non_negative(v, at);
      } else {
        return false;
      }
      return true;
    };
    object(root, "", {"session_id", "agent_id", "timestamp", "skill", "task", "outcome"},
           top_member);
  }
};

// Spans of one string: in bounds, ascending, disjoint (touching allowed), stable, and
// equal to the reference.
void check_spans(PrivacyScanner& scanner, std::string_view text, std::vector<Span>& spans) {
  spans.clear();
  scanner.find_spans(text, spans);
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const Span& s = spans[i];
    FUZZ_CHECK(s.begin < s.end && s.end <= text.size(),
               "span out of its string: " + spans_text(spans) + " text \"" + c_escaped(text) + '"');
    FUZZ_CHECK(i == 0 || spans[i - 1].end <= s.begin,
               "spans not ascending and disjoint: " + spans_text(spans));
  }
  std::vector<Span> again;
  scanner.find_spans(text, again);
  FUZZ_CHECK(again == spans,
             "find_spans not deterministic: " + spans_text(spans) + " then " + spans_text(again));
  const std::vector<Span> expected = reference().spans(text);
  FUZZ_CHECK(expected == spans, "find_spans differs from the reference: got " + spans_text(spans) +
                                    " expected " + spans_text(expected) + " in \"" +
                                    c_escaped(text) + '"');
}

// ---- the record path -----------------------------------------------------------------

struct Result {
  Reason reason = Reason::none;
  std::string path;
  std::string message;
  std::string value;
  std::string session_id;
  KindSet redacted;
  bool operator==(const Result&) const = default;
};

std::string describe(const Result& r) {
  std::string out = "reason=" + std::string(to_string(r.reason)) + " path=\"" + c_escaped(r.path) +
                    "\" message=\"" + c_escaped(r.message) +
                    "\" redacted=" + r.redacted.to_string();
  if (!r.value.empty()) out += " value=\"" + c_escaped(r.value, 1024) + '"';
  return out;
}

Result run(RecordProcessor& p, std::string_view in) {
  const Outcome o = p.process(in.data() != nullptr ? in.data() : "", in.size());
  return {o.verdict.reason,     std::string(o.verdict.path), std::string(o.verdict.message),
          std::string(o.value), std::string(o.session_id),   o.redacted};
}

// Processes bytes held in an exact-size heap block, so that ASan sees any overread.
Result run_exact(RecordProcessor& p, std::string_view bytes) {
  auto copy = std::make_unique<char[]>(bytes.size() + 1);
  std::memcpy(copy.get(), bytes.data(), bytes.size());
  return run(p, std::string_view(copy.get(), bytes.size()));
}

// A string value or a key the validator hands to the privacy scan.
struct TokenInfo {
  bool is_key;
  std::string path;         // built by the oracle (oracle_path), not by append_path
  std::string parent_path;  // keys: the path of their object
  std::size_t raw_offset;
  std::string value;
  std::vector<Span> spans;
};

// The path of a frame as the rules write it, built here independently of
// append_path: indices as [i], keys redacted and escaped (safe_key), dot-separated.
std::string oracle_path(const PathFrame* frame) {
  std::vector<const PathFrame*> chain;
  for (const PathFrame* f = frame; f != nullptr && f->parent != nullptr; f = f->parent) {
    chain.push_back(f);
  }
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if ((*it)->is_index) {
      out += '[' + std::to_string((*it)->index) + ']';
    } else {
      if (!out.empty()) out += '.';
      out += safe_key((*it)->key);
    }
  }
  return out;
}

// Collects every string value and candidate key of a clean record, in the order the
// validator reports them, with its path and exact spans.
class Collector final : public StringVisitor {
 public:
  explicit Collector(PrivacyScanner* scanner) : scanner_(scanner) {}
  std::vector<TokenInfo> tokens;

  void on_string(const PathFrame& where, std::size_t raw_offset, std::string_view value) override {
    add(false, where, raw_offset, value);
  }
  void on_key(const PathFrame& member, std::size_t raw_offset, std::string_view key) override {
    FUZZ_CHECK(!member.is_index && member.key == key, "on_key names its member's frame");
    add(true, member, raw_offset, key);
  }

  std::vector<MatchedToken> matched() const {
    std::vector<MatchedToken> out;
    for (const TokenInfo& t : tokens) {
      if (!t.spans.empty()) out.push_back({t.is_key, t.value});
    }
    return out;
  }

 private:
  void add(bool is_key, const PathFrame& where, std::size_t raw_offset, std::string_view value) {
    TokenInfo t{is_key, oracle_path(&where), {}, raw_offset, std::string(value), {}};
    if (is_key) t.parent_path = oracle_path(where.parent);
    if (scanner_ != nullptr) check_spans(*scanner_, value, t.spans);
    tokens.push_back(std::move(t));
  }
  PrivacyScanner* scanner_;
};

struct Processors {
  ProcessorOptions options;
  std::unique_ptr<RecordProcessor> redact, reject, off;
  std::unique_ptr<PrivacyScanner> path_keys;  // the validators' key redaction
  std::unique_ptr<SessionValidator> validator, out_validator;

  Processors(ProcessorOptions o, const std::shared_ptr<const PrivacyPatterns>& patterns)
      : options(o) {
    o.privacy = PrivacyPolicy::redact;
    redact = std::make_unique<RecordProcessor>(o, patterns);
    o.privacy = PrivacyPolicy::reject;
    reject = std::make_unique<RecordProcessor>(o, patterns);
    o.privacy = PrivacyPolicy::off;
    off = std::make_unique<RecordProcessor>(o, nullptr);  // the process-wide patterns
    path_keys = std::make_unique<PrivacyScanner>(patterns);
    validator = std::make_unique<SessionValidator>(o, path_keys.get());
    out_validator = std::make_unique<SessionValidator>(o, path_keys.get());
  }
};

std::string options_text(const ProcessorOptions& o) {
  return "max_record_bytes=" + std::to_string(o.max_record_bytes) +
         " max_depth=" + std::to_string(o.max_depth) + " strict=" + (o.strict ? "on" : "off");
}

bool has_control_byte(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

// Properties of one verdict that hold under any policy.
void check_result(const Result& r, std::string_view in, const ProcessorOptions& o,
                  PrivacyPolicy policy, std::string& stack) {
  const std::string what = std::string(to_string(policy)) + ": " + describe(r);
  if (r.reason != Reason::none) {
    FUZZ_CHECK(r.value.empty() && r.redacted.empty() && r.session_id.empty(),
               "a rejected record has no value: " + what);
    FUZZ_CHECK(!r.message.empty(), "a reject says why: " + what);
    FUZZ_CHECK(r.reason != Reason::undeliverable, what);
    FUZZ_CHECK(r.reason != Reason::privacy_violation || policy != PrivacyPolicy::off, what);
    if (is_envelope_reason(r.reason))
      FUZZ_CHECK(r.path.empty(), "envelope rejects have no path: " + what);
    // Keys in paths and messages are escaped: no raw control byte breaks a header.
    FUZZ_CHECK(!has_control_byte(r.path) && !has_control_byte(r.message),
               "a reject's path and message hold no raw control byte: " + what);
  } else {
    const std::size_t first = r.value.find_first_not_of(" \t\r\n");
    FUZZ_CHECK(first != npos && r.value[first] == '{', "clean value is an object: " + what);
    FUZZ_CHECK(is_well_formed_json(r.value, stack), "clean value is one JSON value: " + what);
    FUZZ_CHECK(is_valid_utf8(r.value), "clean value is UTF-8: " + what);
    FUZZ_CHECK(r.value.size() <= o.max_record_bytes, "clean value within the limit: " + what);
    FUZZ_CHECK(r.session_id.starts_with("sess-") && r.session_id.size() >= 17,
               "clean record has its session_id: " + what);
    if (r.redacted.empty()) {
      FUZZ_CHECK(r.value == in, "an unredacted clean record goes out byte-for-byte: " + what);
    } else {
      FUZZ_CHECK(r.value != in && r.value.find("[REDACTED:") != npos,
                 "a redacted record holds a marker: " + what);
    }
  }
  const Reason envelope = expected_envelope(in, o, stack);
  if (envelope != Reason::none) {
    FUZZ_CHECK(r.reason == envelope,
               "envelope oracle expects " + std::string(to_string(envelope)) + ": " + what);
  } else {
    FUZZ_CHECK(!is_envelope_reason(r.reason),
               "envelope oracle expects no envelope reject: " + what);
  }
}

// No reject names a matched text (>= 8 bytes) of a value or a key. The text may still
// appear where the record legitimately shows it: in the redacted, escaped path of some
// token (a key without a match of its own may contain a value's matched text, or two
// keys joined by a dot may spell one).
void check_no_leak(const Result& r, const Collector& c, PrivacyPolicy policy) {
  if (r.reason == Reason::none) return;
  for (const TokenInfo& t : c.tokens) {
    for (const Span& span : t.spans) {
      if (span.end - span.begin < 8) continue;
      const std::string_view text =
          std::string_view(t.value).substr(span.begin, span.end - span.begin);
      // A short user name may be an ordinary word of a fixed message ("expected").
      if (span.kind == PrivacyKind::user_path && text.size() < 20) continue;
      const bool in_path = std::any_of(c.tokens.begin(), c.tokens.end(), [&](const TokenInfo& o) {
        return o.path.find(text) != npos;
      });
      if (in_path) continue;
      FUZZ_CHECK(r.message.find(text) == npos && r.path.find(text) == npos,
                 std::string(to_string(policy)) + ": a reject names the matched text \"" +
                     c_escaped(text) + "\": " + describe(r));
    }
  }
}

// A token's value once redacted.
std::string redacted_value(const TokenInfo& t) { return marked(t.value, t.spans); }

// A redacted record: only the tokens holding a match changed, each to the marked value;
// it validates clean again with privacy off, under the same limits.
void check_redacted(Processors& ps, const Result& r, std::string_view in, const Collector& before,
                    const Result& off) {
  const std::string what = "redact: " + describe(r);
  KindSet kinds;
  for (const TokenInfo& t : before.tokens) {
    for (const Span& span : t.spans) kinds.add(span.kind);
  }
  FUZZ_CHECK(r.redacted == kinds,
             "redacted kinds are the kinds found (" + kinds.to_string() + "): " + what);
  FUZZ_CHECK(r.session_id == off.session_id, "redaction keeps the session_id: " + what);

  const Result again = run_exact(*ps.off, r.value);
  FUZZ_CHECK(
      again.reason == Reason::none && again.value == r.value,
      "redacted output re-validates clean with privacy off: " + describe(again) + " / " + what);

  const Verdict v = ps.out_validator->validate(r.value.data(), r.value.size());
  FUZZ_CHECK(v.clean(), "redacted output validates: " + what);
  Collector after(nullptr);
  ps.out_validator->visit_strings(after);
  FUZZ_CHECK(after.tokens.size() == before.tokens.size(),
             "redaction keeps the number of strings and keys: " + what);
  std::size_t in_pos = 0, out_pos = 0;
  for (std::size_t i = 0; i < before.tokens.size(); ++i) {
    const TokenInfo& b = before.tokens[i];
    const TokenInfo& a = after.tokens[i];
    // A redacted key's path shows its marker either way.
    FUZZ_CHECK(a.is_key == b.is_key && a.path == b.path,
               "redaction keeps paths: " + b.path + " vs " + a.path + ": " + what);
    const std::string expected = b.spans.empty() ? b.value : redacted_value(b);
    FUZZ_CHECK(a.value == expected, "token " + b.path + " redacted to \"" + c_escaped(a.value) +
                                        "\", expected \"" + c_escaped(expected) + "\": " + what);
    if (b.spans.empty()) continue;
    // Bytes between rewritten tokens are unchanged.
    FUZZ_CHECK(in.substr(in_pos, b.raw_offset - in_pos) ==
                   std::string_view(r.value).substr(out_pos, a.raw_offset - out_pos),
               "bytes outside rewritten tokens unchanged (before " + b.path + "): " + what);
    in_pos = string_end(in, b.raw_offset);
    out_pos = string_end(r.value, a.raw_offset);
  }
  FUZZ_CHECK(in.substr(in_pos) == std::string_view(r.value).substr(out_pos),
             "bytes after the last rewritten token unchanged: " + what);
}

// True when two keys of one object are equal once redacted (rules v2: a
// privacy_violation). Listed names are not tokens, and no marker equals one.
bool keys_collide(const Collector& c) {
  std::vector<std::pair<std::string, std::string>> keys;  // (object path, redacted key)
  for (const TokenInfo& t : c.tokens) {
    if (t.is_key) keys.emplace_back(t.parent_path, redacted_value(t));
  }
  std::sort(keys.begin(), keys.end());
  return std::adjacent_find(keys.begin(), keys.end()) != keys.end();
}

SchemaOracle f_schema;  // one DOM parser, reused

// Every property of one option set over one input. Returns the privacy-off result.
Result check_options(Processors& ps, std::string_view in, PrivacyScanner& scanner,
                     std::string& stack) {
  g_context = options_text(ps.options);
  Result results[3];
  RecordProcessor* procs[3] = {ps.redact.get(), ps.reject.get(), ps.off.get()};
  const PrivacyPolicy policies[3] = {PrivacyPolicy::redact, PrivacyPolicy::reject,
                                     PrivacyPolicy::off};
  for (int k = 0; k < 3; ++k) {
    results[k] = run(*procs[k], in);
    const Result again = run(*procs[k], in);
    FUZZ_CHECK(again == results[k], std::string(to_string(policies[k])) +
                                        ": same bytes, same verdict: " + describe(results[k]) +
                                        " then " + describe(again));
    check_result(results[k], in, ps.options, policies[k], stack);
  }
  const Result& redact = results[0];
  const Result& reject = results[1];
  const Result& off = results[2];

  // The validator alone (with a scanner for path keys) agrees with privacy off, and its
  // pre-filter buffer holds every string value and candidate key.
  std::string joined;
  const Verdict v =
      ps.validator->validate(in.data() != nullptr ? in.data() : "", in.size(), &joined);
  FUZZ_CHECK(v.reason == off.reason && v.path == off.path && v.message == off.message,
             "validator and privacy-off processor agree: " + describe(off));

  // The schema oracle, when the envelope is sound and the DOM parser takes the record.
  // Its paths hold keys redacted and escaped: field defects and duplicate keys must name
  // them so under every policy (checked below for redact and reject).
  const bool schema_checked = expected_envelope(in, ps.options, stack) == Reason::none &&
                              f_schema.check(in, ps.options.strict);
  if (schema_checked) {
    const auto listed = [&](const std::vector<Defect>& set) {
      return std::any_of(set.begin(), set.end(), [&](const Defect& d) {
        return d.reason == off.reason && d.path == off.path;
      });
    };
    std::string all;
    for (const auto* set : {&f_schema.duplicates, &f_schema.defects}) {
      for (const Defect& d : *set) all += std::string(to_string(d.reason)) + '@' + d.path + ' ';
    }
    if (!f_schema.duplicates.empty()) {
      FUZZ_CHECK(listed(f_schema.duplicates),
                 "schema oracle expects duplicate_key among: " + all + " got " + describe(off));
    } else if (!f_schema.defects.empty()) {
      FUZZ_CHECK(listed(f_schema.defects),
                 "schema oracle expects one of: " + all + " got " + describe(off));
    } else {
      FUZZ_CHECK(off.reason == Reason::none, "schema oracle expects clean, got " + describe(off));
    }
  }

  if (off.reason != Reason::none) {
    // Field checks come first: the same reject under every policy.
    for (const Result* r : {&redact, &reject}) {
      FUZZ_CHECK(
          r->reason == off.reason && r->path == off.path && r->message == off.message,
          "a field defect wins under every policy: " + describe(*r) + " vs off " + describe(off));
    }
    return off;
  }

  Collector before(&scanner);
  ps.validator->visit_strings(before);
  std::string expected_joined;
  const TokenInfo* first_hit = nullptr;
  for (const TokenInfo& t : before.tokens) {
    expected_joined += t.value;
    expected_joined += '\0';
    if (first_hit == nullptr && !t.spans.empty()) first_hit = &t;
  }
  FUZZ_CHECK(joined == expected_joined,
             "the pre-filter buffer holds every visited string value and key, in order");
  if (first_hit != nullptr) {
    FUZZ_CHECK(scanner.may_match(joined), "the pre-filter misses a match in " + first_hit->path +
                                              ": " + spans_text(first_hit->spans));
  }
  // Rules v2: every key and value with a match, at any depth, is visited (the DOM walk
  // sees them all; the validator skips only listed names, which cannot match).
  if (schema_checked) {
    std::string got, expected;
    for (const MatchedToken& t : before.matched()) got += (t.is_key ? " key " : " ") + t.text;
    for (const MatchedToken& t : f_schema.matched) expected += (t.is_key ? " key " : " ") + t.text;
    FUZZ_CHECK(before.matched() == f_schema.matched,
               "the scan sees every key and value holding a match, in document order: got" +
                   c_escaped(got) + ", expected" + c_escaped(expected));
  }

  // reject
  if (first_hit == nullptr) {
    FUZZ_CHECK(reject.reason == Reason::none && reject.value == in,
               "reject: no match, record clean as is: " + describe(reject));
  } else {
    FUZZ_CHECK(
        reject.reason == Reason::privacy_violation && reject.path == first_hit->path &&
            reject.message.starts_with(first_hit->path + ": "),
        "reject: a match is a privacy_violation at " + first_hit->path + ": " + describe(reject));
    check_no_leak(reject, before, PrivacyPolicy::reject);
  }

  // redact
  if (first_hit == nullptr) {
    FUZZ_CHECK(redact.reason == Reason::none && redact.value == in && redact.redacted.empty(),
               "redact: no match, record clean as is: " + describe(redact));
    return off;
  }
  // When must the redaction break a rule? session_id with a marker never matches its
  // pattern; agent_id may grow past 256 bytes; two keys of one object may become equal;
  // the record may grow past the limit (a marker may also be shorter than its raw span,
  // so that is an upper bound).
  bool must_break = keys_collide(before), may_break = false;
  std::size_t grown = in.size();
  for (const TokenInfo& t : before.tokens) {
    if (t.spans.empty()) continue;
    const std::string redacted_text = redacted_value(t);
    if (!t.is_key && t.path == "session_id") must_break = true;
    if (!t.is_key && t.path == "agent_id" && redacted_text.size() > 256) must_break = true;
    grown += redacted_text.size();
    grown -= std::min(grown, t.value.size());
  }
  if (grown > ps.options.max_record_bytes) may_break = true;
  if (must_break) {
    FUZZ_CHECK(
        redact.reason == Reason::privacy_violation,
        "redact: a redaction that breaks a field rule is a privacy_violation: " + describe(redact));
  } else if (redact.reason == Reason::privacy_violation) {
    FUZZ_CHECK(may_break, "redact: privacy_violation without a broken rule: " + describe(redact));
  } else {
    FUZZ_CHECK(redact.reason == Reason::none, "redact: " + describe(redact));
    check_redacted(ps, redact, in, before, off);
  }
  if (redact.reason == Reason::privacy_violation && !redact.path.empty()) {
    // The rule the redaction broke is named at a token's path, its keys redacted.
    FUZZ_CHECK(
        std::any_of(before.tokens.begin(), before.tokens.end(),
                    [&](const TokenInfo& t) { return t.path == redact.path; }),
        "redact: a privacy_violation names the path of a string or key: " + describe(redact));
  }
  check_no_leak(redact, before, PrivacyPolicy::redact);
  return off;
}

struct Fixture {
  std::shared_ptr<const PrivacyPatterns> patterns = PrivacyScanner::compile_patterns();
  PrivacyScanner scanner{patterns};
  Processors lenient{ProcessorOptions{}, patterns};
  Processors strict{[] {
                      ProcessorOptions o;
                      o.strict = true;
                      return o;
                    }(),
                    patterns};
  std::string stack;
  // Processors for tight limits, by limits: building them per input costs more than
  // the checks.
  std::vector<std::unique_ptr<Processors>> tight;

  Processors& tight_processors(const ProcessorOptions& o) {
    for (auto& p : tight) {
      if (p->options.max_record_bytes == o.max_record_bytes &&
          p->options.max_depth == o.max_depth && p->options.strict == o.strict) {
        return *p;
      }
    }
    if (tight.size() >= 256) tight.clear();
    tight.push_back(std::make_unique<Processors>(o, patterns));
    return *tight.back();
  }
};

}  // namespace
}  // namespace skillstream::processor

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace skillstream::processor;
  static Fixture& f = *new Fixture;  // lives for the whole run, never destroyed
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  g_input = in;

  // The scanner on the raw bytes: exact spans, and the pre-filter sees every one
  // (its separator splits the input into values).
  g_context = "scanner on the raw input";
  if (in.size() <= 16384) {
    std::vector<Span> spans;
    bool any = false;
    for (std::size_t begin = 0; begin <= in.size();) {
      std::size_t end = in.find(PrivacyScanner::kSeparator, begin);
      if (end == npos) end = in.size();
      check_spans(f.scanner, in.substr(begin, end - begin), spans);
      any = any || !spans.empty();
      begin = end + 1;
    }
    if (any) FUZZ_CHECK(f.scanner.may_match(in), "the pre-filter misses a match in the raw input");
  }

  const Result lenient = check_options(f.lenient, in, f.scanner, f.stack);
  const Result strict = check_options(f.strict, in, f.scanner, f.stack);
  if (strict.reason == Reason::none) {
    FUZZ_CHECK(lenient.reason == Reason::none,
               "strict clean implies non-strict clean: " + describe(lenient));
  }

  // Tight limits near the input's size, chosen from the input so a crash reproduces.
  ProcessorOptions tight;
  const std::size_t slack = size % 61 + size % 7;
  tight.max_record_bytes = size + slack > 30 ? size + slack - 30 : 1;
  tight.max_depth = size % 3 == 0 ? 1 + size % 6 : 64;
  tight.strict = size % 2 == 1;
  (void)check_options(f.tight_processors(tight), in, f.scanner, f.stack);
  return 0;
}
