#pragma once
// Reading one field of an exchange JSON object, or failing with a message that names it
// (and, in a list, the entry: "entry 3: field 'origQty' is not a decimal: 'abc'"). Shared
// by every parser in this lib; a JsonFieldError is caught at the parser's edge and becomes
// its error string.
#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

namespace fulcrum::binance::detail {

struct JsonFieldError {
  std::string why;
};

inline std::string field_prefix(const std::string& where) { return where.empty() ? "" : where + ": "; }

inline std::string_view text(simdjson::ondemand::object& o, const char* key, const std::string& where = "") {
  std::string_view s;
  if (o[key].get_string().get(s)) throw JsonFieldError{field_prefix(where) + "field '" + key + "' missing or not a string"};
  return s;
}
inline int64_t integer(simdjson::ondemand::object& o, const char* key, const std::string& where = "") {
  int64_t v = 0;
  if (o[key].get_int64().get(v)) throw JsonFieldError{field_prefix(where) + "field '" + key + "' missing or not an integer"};
  return v;
}
inline bool boolean(simdjson::ondemand::object& o, const char* key, const std::string& where = "") {
  bool v = false;
  if (o[key].get_bool().get(v)) throw JsonFieldError{field_prefix(where) + "field '" + key + "' missing or not a boolean"};
  return v;
}
template <class Fixed>
Fixed decimal(std::string_view s, const char* key, const std::string& where = "") {
  const auto v = Fixed::parse(s);
  if (!v) throw JsonFieldError{field_prefix(where) + "field '" + key + "' is not a decimal: '" + std::string(s) + "'"};
  return *v;
}
template <class Fixed>
Fixed decimal(simdjson::ondemand::object& o, const char* key, const std::string& where = "") {
  return decimal<Fixed>(text(o, key, where), key, where);
}

// A parser's edge: runs `parse`, and turns a field error or malformed JSON into `error`
// and nullopt (`error` is cleared on success).
template <class T, class Parse>
std::optional<T> parse_or_report(std::string& error, Parse parse) {
  try {
    T value = parse();
    error.clear();
    return value;
  } catch (const JsonFieldError& b) {
    error = b.why;
  } catch (const simdjson::simdjson_error& e) {
    error = std::string("malformed JSON: ") + e.what();
  }
  return std::nullopt;
}

}  // namespace fulcrum::binance::detail
