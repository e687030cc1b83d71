#pragma once
// SIGNED requests (Binance "SIGNED (TRADE and USER_DATA) Endpoint security"): the signature
// is over the exact query string (or form body) sent, appended as the last parameter
// `signature`, percent-encoded. Two of Binance's API key types are supported:
//   - HMAC: lowercase hex HMAC-SHA256 keyed by the API secret;
//   - Ed25519 (the type Binance recommends): base64 of the Ed25519 signature (RFC 8032)
//     made with the account's private key; Binance holds only the public key.
// RSA keys are refused by name.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct evp_pkey_st;  // OpenSSL's EVP_PKEY, kept out of this header

namespace fulcrum::binance {

// Lowercase hex HMAC-SHA256 of `payload` keyed by `secret`.
std::string hmac_sha256_hex(std::string_view secret, std::string_view payload);

std::string base64_encode(std::string_view bytes);
// nullopt on a character outside the standard alphabet or bad padding.
std::optional<std::string> base64_decode(std::string_view text);

// The key a client signs with. Never printed: no accessor gives the secret back.
class SigningKey {
 public:
  // A PEM "PRIVATE KEY" (PKCS#8, as `openssl genpkey -algorithm ed25519` writes it) is an
  // Ed25519 key; any other text is an HMAC secret. Throws std::invalid_argument for a PEM
  // that is not an unencrypted Ed25519 private key (naming its type, never its content).
  static SigningKey from_secret(std::string secret);
  // Ed25519 from its 32-byte seed (RFC 8032's test vectors give keys this way).
  static SigningKey ed25519_from_seed(std::string_view seed32);
  bool is_ed25519() const { return ed25519_ != nullptr; }
  // The `signature` parameter's value, before percent-encoding.
  std::string sign(std::string_view payload) const;
  // Ed25519 only: the raw 64-byte signature, and the public key as PEM (what the account
  // registers with the exchange).
  std::string sign_raw(std::string_view payload) const;
  std::string public_key_pem() const;

 private:
  std::string hmac_secret_;
  std::shared_ptr<evp_pkey_st> ed25519_;
};

// A new Ed25519 key pair: {private key PEM (PKCS#8), public key PEM}. For the exchange double's
// accounts made per run.
std::pair<std::string, std::string> make_ed25519_key_pair();

// The exchange's side of an Ed25519 account: its registered public key.
class VerifyingKey {
 public:
  // Throws std::invalid_argument unless `pem` is an Ed25519 "PUBLIC KEY".
  static VerifyingKey from_pem(std::string_view pem);
  // `signature_base64`: the parameter's value after percent-decoding.
  bool verify(std::string_view payload, std::string_view signature_base64) const;

 private:
  std::shared_ptr<evp_pkey_st> key_;
};

// Parameters in the order they are sent. Values are percent-encoded as application/
// x-www-form-urlencoded (RFC 3986 unreserved characters pass), which is what the server
// hashes, so the signature is over exactly the bytes on the wire.
class QueryString {
 public:
  QueryString& add(std::string key, std::string value);
  std::string str() const;
  // `str()` followed by "&signature=<percent-encoded signature>".
  std::string signed_with(const SigningKey& key) const;
  std::string signed_with(std::string_view secret) const { return signed_with(SigningKey::from_secret(std::string(secret))); }
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
