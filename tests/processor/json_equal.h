#pragma once

#include <string>
#include <string_view>

#include <simdjson.h>

namespace skillstream::test {

// Structural JSON equality (objects compared as key sets, strings after unescaping).
inline bool json_equal(simdjson::dom::element a, simdjson::dom::element b) {
  using simdjson::dom::element_type;
  if (a.type() != b.type()) {
    // 1 and 1.0 may parse to different number types.
    const bool numbers = (a.is_number() && b.is_number());
    return numbers && double(a) == double(b);
  }
  switch (a.type()) {
    case element_type::OBJECT: {
      simdjson::dom::object oa = a, ob = b;
      if (oa.size() != ob.size()) return false;
      for (auto [key, value] : oa) {
        simdjson::dom::element other;
        if (ob.at_key(key).get(other) || !json_equal(value, other)) return false;
      }
      return true;
    }
    case element_type::ARRAY: {
      simdjson::dom::array aa = a, ab = b;
      if (aa.size() != ab.size()) return false;
      auto it = ab.begin();
      for (simdjson::dom::element x : aa) {
        if (!json_equal(x, *it)) return false;
        ++it;
      }
      return true;
    }
    case element_type::STRING:
      return std::string_view(a) == std::string_view(b);
    case element_type::INT64:
      return int64_t(a) == int64_t(b);
    case element_type::UINT64:
      return uint64_t(a) == uint64_t(b);
    case element_type::DOUBLE:
      return double(a) == double(b);
    case element_type::BOOL:
      return bool(a) == bool(b);
    case element_type::NULL_VALUE:
      return true;
  }
  return false;
}

inline bool json_equal(std::string_view a, std::string_view b) {
  simdjson::dom::parser pa, pb;
  simdjson::padded_string sa(a), sb(b);
  simdjson::dom::element ea, eb;
  if (pa.parse(sa).get(ea) || pb.parse(sb).get(eb)) return false;
  return json_equal(ea, eb);
}

}  // namespace skillstream::test
