#include "processor/json_syntax.h"

#include "processor/verdict.h"

#include <cstddef>
#include <cstdint>

namespace skillstream::processor {
namespace {

constexpr bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
constexpr bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads \uXXXX at text[i] (pointing at the backslash); -1 when it is not one.
std::int32_t read_u_escape(std::string_view text, std::size_t i) noexcept {
  if (i + 6 > text.size() || text[i] != '\\' || text[i + 1] != 'u') return -1;
  std::int32_t cp = 0;
  for (std::size_t k = i + 2; k < i + 6; ++k) {
    int h = hex_value(text[k]);
    if (h < 0) return -1;
    cp = cp * 16 + h;
  }
  return cp;
}

// Scans the string starting at text[i] == '"'; returns the index after the closing
// quote, or npos.
std::size_t scan_string(std::string_view text, std::size_t i) noexcept {
  const std::size_t n = text.size();
  for (++i; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"') return i + 1;
    if (c < 0x20) return std::string_view::npos;
    if (c != '\\') continue;
    if (i + 1 >= n) return std::string_view::npos;
    switch (text[i + 1]) {
      case '"':
      case '\\':
      case '/':
      case 'b':
      case 'f':
      case 'n':
      case 'r':
      case 't':
        ++i;
        break;
      case 'u': {
        const std::int32_t cp = read_u_escape(text, i);
        if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) return std::string_view::npos;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          const std::int32_t low = read_u_escape(text, i + 6);
          if (low < 0xDC00 || low > 0xDFFF) return std::string_view::npos;
          i += 6;
        }
        i += 5;
        break;
      }
      default:
        return std::string_view::npos;
    }
  }
  return std::string_view::npos;
}

// Scans a number starting at text[i]; returns the index after it, or npos.
std::size_t scan_number(std::string_view text, std::size_t i) noexcept {
  const std::size_t n = text.size();
  if (i < n && text[i] == '-') ++i;
  if (i >= n) return std::string_view::npos;
  if (text[i] == '0') {
    ++i;
  } else if (is_digit(text[i])) {
    while (i < n && is_digit(text[i])) ++i;
  } else {
    return std::string_view::npos;
  }
  if (i < n && text[i] == '.') {
    ++i;
    if (i >= n || !is_digit(text[i])) return std::string_view::npos;
    while (i < n && is_digit(text[i])) ++i;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    if (i >= n || !is_digit(text[i])) return std::string_view::npos;
    while (i < n && is_digit(text[i])) ++i;
  }
  return i;
}

std::size_t scan_literal(std::string_view text, std::size_t i, std::string_view word) noexcept {
  return text.substr(i, word.size()) == word ? i + word.size() : std::string_view::npos;
}

}  // namespace

bool is_json_number(std::string_view token) noexcept {
  return !token.empty() && scan_number(token, 0) == token.size();
}

bool is_well_formed_json(std::string_view text, std::string& stack) noexcept {
  constexpr auto npos = std::string_view::npos;
  const std::size_t n = text.size();
  std::size_t i = 0;
  stack.clear();
  auto skip_ws = [&] {
    while (i < n && is_ws(text[i])) ++i;
  };

  for (;;) {
    // A value is expected at i.
    skip_ws();
    if (i >= n) return false;
    switch (text[i]) {
      case '{':
        ++i;
        skip_ws();
        if (i < n && text[i] == '}') {
          ++i;
          break;
        }
        stack.push_back('{');
        // A member: key, colon, then loop back for the value.
        if (i >= n || text[i] != '"' || (i = scan_string(text, i)) == npos) return false;
        skip_ws();
        if (i >= n || text[i] != ':') return false;
        ++i;
        continue;
      case '[':
        ++i;
        skip_ws();
        if (i < n && text[i] == ']') {
          ++i;
          break;
        }
        stack.push_back('[');
        continue;
      case '"':
        i = scan_string(text, i);
        break;
      case 't':
        i = scan_literal(text, i, "true");
        break;
      case 'f':
        i = scan_literal(text, i, "false");
        break;
      case 'n':
        i = scan_literal(text, i, "null");
        break;
      default:
        i = scan_number(text, i);
        break;
    }
    if (i == npos) return false;

    // After a value: close containers, or move to the next element or member.
    for (;;) {
      skip_ws();
      if (stack.empty()) return i == n;
      if (i >= n) return false;
      const char open = stack.back();
      const char c = text[i++];
      if (c == (open == '{' ? '}' : ']')) {
        stack.pop_back();
        continue;
      }
      if (c != ',') return false;
      if (open == '{') {
        skip_ws();
        if (i >= n || text[i] != '"' || (i = scan_string(text, i)) == npos) return false;
        skip_ws();
        if (i >= n || text[i] != ':') return false;
        ++i;
      }
      break;  // a value follows
    }
  }
}

void append_json_escaped(std::string_view text, std::string& out) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::size_t copied = 0;  // text before this index is in `out`
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text, copied, i - copied);
    copied = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
    }
  }
  out.append(text, copied);
}

void append_defects_json(std::span<const Defect> defects, bool truncated, std::string& out,
                         std::size_t max_bytes) {
  constexpr std::string_view kTruncated = "{\"reason\":\"truncated\"}";
  const std::size_t start = out.size();
  out += '[';
  for (const Defect& d : defects) {
    const std::size_t entry = out.size();
    if (entry > start + 1) out += ',';
    out += "{\"reason\":\"";
    out += to_string(d.reason);
    out += "\",\"path\":\"";
    append_json_escaped(d.path, out);
    out += "\",\"message\":\"";
    append_json_escaped(d.message, out);
    out += "\"}";
    // Room must stay for "]", and for ",{truncated}" too unless this entry ends the list.
    const bool last = &d == &defects.back() && !truncated;
    const std::size_t tail = last ? 1 : 1 + kTruncated.size() + 1;
    if (max_bytes != 0 && out.size() - start + tail > max_bytes) {
      out.resize(entry);
      truncated = true;
      break;
    }
  }
  if (truncated) {
    if (out.size() > start + 1) out += ',';
    out += kTruncated;
  }
  out += ']';
}

}  // namespace skillstream::processor
