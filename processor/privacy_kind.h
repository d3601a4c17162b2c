#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace skillstream::processor {

// The kinds of privacy match of section 3 of the rules. The order is the one the
// rules use for ties and for the `skillstream.redacted` header: secret, email,
// user_path.
enum class PrivacyKind : std::uint8_t {
  secret,     // API keys, tokens, private keys
  email,      // e-mail addresses (not git@)
  user_path,  // a user's home directory name
};

inline constexpr std::size_t kPrivacyKindCount = 3;

constexpr std::string_view to_string(PrivacyKind k) noexcept {
  switch (k) {
    case PrivacyKind::secret:
      return "secret";
    case PrivacyKind::email:
      return "email";
    case PrivacyKind::user_path:
      return "user_path";
  }
  return "unknown";
}

// A set of kinds, one bit each.
class KindSet {
 public:
  constexpr void add(PrivacyKind k) noexcept { bits_ |= bit(k); }
  constexpr bool has(PrivacyKind k) const noexcept { return (bits_ & bit(k)) != 0; }
  constexpr bool empty() const noexcept { return bits_ == 0; }
  constexpr void clear() noexcept { bits_ = 0; }
  constexpr KindSet& operator|=(KindSet o) noexcept {
    bits_ |= o.bits_;
    return *this;
  }
  constexpr bool operator==(const KindSet&) const = default;

  // "secret,email": the kinds present, in enum order, comma-separated.
  std::string to_string() const {
    std::string out;
    for (std::size_t i = 0; i < kPrivacyKindCount; ++i) {
      auto k = static_cast<PrivacyKind>(i);
      if (!has(k)) continue;
      if (!out.empty()) out += ',';
      out += skillstream::processor::to_string(k);
    }
    return out;
  }

 private:
  static constexpr std::uint8_t bit(PrivacyKind k) noexcept {
    return static_cast<std::uint8_t>(1u << static_cast<unsigned>(k));
  }
  std::uint8_t bits_ = 0;
};

// A privacy match inside one unescaped string value: bytes [begin, end).
struct Span {
  std::uint32_t begin;
  std::uint32_t end;
  PrivacyKind kind;
  bool operator==(const Span&) const = default;
};

}  // namespace skillstream::processor
