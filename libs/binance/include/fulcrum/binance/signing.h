#pragma once
// SIGNED requests (Binance "SIGNED (TRADE and USER_DATA) Endpoint security"): the signature
// is HMAC-SHA256 of the exact query string (or form body) sent, keyed by the API secret,
// in lowercase hex, appended as the last parameter `signature`.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fulcrum::binance {

// Lowercase hex HMAC-SHA256 of `payload` keyed by `secret`.
std::string hmac_sha256_hex(std::string_view secret, std::string_view payload);

// Parameters in the order they are sent. Values are percent-encoded as application/
// x-www-form-urlencoded (RFC 3986 unreserved characters pass), which is what the server
// hashes, so the signature is over exactly the bytes on the wire.
class QueryString {
 public:
  QueryString& add(std::string key, std::string value);
  std::string str() const;
  // `str()` followed by "&signature=<hex>".
  std::string signed_with(std::string_view secret) const;
  bool empty() const { return params_.empty(); }
  const std::vector<std::pair<std::string, std::string>>& params() const { return params_; }

 private:
  std::vector<std::pair<std::string, std::string>> params_;
};

std::string url_encode(std::string_view text);
// The inverse, for a server reading a request ('+' is a space); false on a malformed
// escape ("%G1", a trailing "%").
bool url_decode(std::string_view text, std::string& out);

// Splits "a=1&b=2" (already percent-decoded values) in order; false on an empty key or a
// bad escape.
bool parse_query(std::string_view query, std::vector<std::pair<std::string, std::string>>& out);

// Constant-time comparison of two signatures (a server must not leak where they differ).
bool signatures_equal(std::string_view a, std::string_view b);

}  // namespace fulcrum::binance
