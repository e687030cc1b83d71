#include "fulcrum/binance/signing.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <stdexcept>

namespace fulcrum::binance {
namespace {

std::shared_ptr<EVP_PKEY> own(EVP_PKEY* key) { return {key, EVP_PKEY_free}; }

std::shared_ptr<BIO> memory_bio(std::string_view text) {
  return {BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), BIO_free};
}

// What a PEM block says it holds, for errors that must name the kind but never the content.
std::string pem_label(std::string_view pem) {
  const auto begin = pem.find("-----BEGIN ");
  const auto end = begin == std::string_view::npos ? begin : pem.find("-----", begin + 11);
  return end == std::string_view::npos ? std::string("?") : std::string(pem.substr(begin + 11, end - begin - 11));
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    const auto b1 = i + 1 < bytes.size() ? static_cast<unsigned char>(bytes[i + 1]) : 0u;
    const auto b2 = i + 2 < bytes.size() ? static_cast<unsigned char>(bytes[i + 2]) : 0u;
    out += kAlphabet[b0 >> 2];
    out += kAlphabet[((b0 & 3) << 4) | (b1 >> 4)];
    out += i + 1 < bytes.size() ? kAlphabet[((b1 & 15) << 2) | (b2 >> 6)] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[b2 & 63] : '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  const auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const int pad = last ? (text[i + 3] == '=') + (text[i + 2] == '=') : 0;
    if (pad == 1 && text[i + 2] == '=') return std::nullopt;  // "x=y=" is no padding
    int v[4];
    for (int k = 0; k < 4 - pad; ++k)
      if ((v[k] = value(text[i + k])) < 0) return std::nullopt;
    out += static_cast<char>((v[0] << 2) | (v[1] >> 4));
    if (pad < 2) out += static_cast<char>(((v[1] & 15) << 4) | (v[2] >> 2));
    if (pad < 1) out += static_cast<char>(((v[2] & 3) << 6) | v[3]);
  }
  return out;
}

SigningKey SigningKey::from_secret(std::string secret) {
  SigningKey k;
  if (secret.find("-----BEGIN") == std::string::npos) {
    k.hmac_secret_ = std::move(secret);
    return k;
  }
  const auto label = pem_label(secret);
  if (label != "PRIVATE KEY")
    throw std::invalid_argument("the API secret is a PEM '" + label + "' block: an Ed25519 key must be an unencrypted PKCS#8 'PRIVATE KEY' (openssl genpkey -algorithm ed25519)");
  const auto bio = memory_bio(secret);
  auto key = own(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) throw std::invalid_argument("the API secret's PEM 'PRIVATE KEY' does not parse");
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519)
    throw std::invalid_argument(std::string("the API secret is a ") + EVP_PKEY_get0_type_name(key.get()) + " key: only Ed25519 and HMAC keys are supported (RSA is not)");
  k.ed25519_ = std::move(key);
  return k;
}

SigningKey SigningKey::ed25519_from_seed(std::string_view seed32) {
  if (seed32.size() != 32) throw std::invalid_argument("an Ed25519 seed is 32 bytes, not " + std::to_string(seed32.size()));
  SigningKey k;
  k.ed25519_ = own(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(seed32.data()), 32));
  if (!k.ed25519_) throw std::runtime_error("Ed25519: OpenSSL refused the seed");
  return k;
}

std::string SigningKey::sign_raw(std::string_view payload) const {
  if (!ed25519_) throw std::logic_error("sign_raw: not an Ed25519 key");
  const std::shared_ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char sig[64];
  size_t length = sizeof sig;
  // Ed25519 is one-shot (PureEdDSA): no digest to name, the whole payload at once.
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, ed25519_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), sig, &length, reinterpret_cast<const unsigned char*>(payload.data()), payload.size()) != 1 || length != sizeof sig)
    throw std::runtime_error("Ed25519 signing failed");
  return std::string(reinterpret_cast<const char*>(sig), length);
}

std::string SigningKey::sign(std::string_view payload) const { return ed25519_ ? base64_encode(sign_raw(payload)) : hmac_sha256_hex(hmac_secret_, payload); }

std::string SigningKey::public_key_pem() const {
  if (!ed25519_) throw std::logic_error("public_key_pem: not an Ed25519 key");
  const std::shared_ptr<BIO> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), ed25519_.get()) != 1) throw std::runtime_error("Ed25519: cannot write the public key");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::pair<std::string, std::string> make_ed25519_key_pair() {
  EVP_PKEY* raw = nullptr;
  const std::shared_ptr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr), EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1) throw std::runtime_error("Ed25519: key generation failed");
  const auto key = own(raw);
  const std::shared_ptr<BIO> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) throw std::runtime_error("Ed25519: cannot write the private key");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  std::string private_pem(data, static_cast<size_t>(n));
  auto public_pem = SigningKey::from_secret(private_pem).public_key_pem();
  return {std::move(private_pem), std::move(public_pem)};
}

VerifyingKey VerifyingKey::from_pem(std::string_view pem) {
  if (pem_label(pem) != "PUBLIC KEY") throw std::invalid_argument("an Ed25519 public key must be a PEM 'PUBLIC KEY' block, not '" + pem_label(pem) + "'");
  const auto bio = memory_bio(pem);
  VerifyingKey v;
  v.key_ = own(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!v.key_) throw std::invalid_argument("the PEM 'PUBLIC KEY' does not parse");
  if (EVP_PKEY_get_id(v.key_.get()) != EVP_PKEY_ED25519) throw std::invalid_argument(std::string("the public key is ") + EVP_PKEY_get0_type_name(v.key_.get()) + ", not Ed25519");
  return v;
}

bool VerifyingKey::verify(std::string_view payload, std::string_view signature_base64) const {
  const auto sig = base64_decode(signature_base64);
  if (!sig || sig->size() != 64) return false;
  const std::shared_ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(sig->data()), sig->size(), reinterpret_cast<const unsigned char*>(payload.data()),
                          payload.size()) == 1;
}

std::string hmac_sha256_hex(std::string_view secret, std::string_view payload) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(payload.data()), payload.size(), digest,
            &length))
    throw std::runtime_error("HMAC-SHA256 failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool url_decode(std::string_view text, std::string& out) {
  out.clear();
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      if (i + 2 >= text.size()) return false;  // two hex digits must follow
      const int hi = hex(text[i + 1]), lo = hex(text[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return true;
}

bool parse_query(std::string_view query, std::vector<std::pair<std::string, std::string>>& out) {
  out.clear();
  if (query.empty()) return true;
  size_t start = 0;
  while (start <= query.size()) {
    const auto amp = query.find('&', start);
    const auto part = query.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    const auto eq = part.find('=');
    std::string key, value;
    if (!url_decode(part.substr(0, eq), key) || key.empty()) return false;
    if (eq != std::string_view::npos && !url_decode(part.substr(eq + 1), value)) return false;
    out.emplace_back(std::move(key), std::move(value));
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return true;
}

QueryString& QueryString::add(std::string key, std::string value) {
  params_.emplace_back(std::move(key), std::move(value));
  return *this;
}

std::string QueryString::str() const {
  std::string out;
  for (const auto& [k, v] : params_) {
    if (!out.empty()) out += '&';
    out += url_encode(k);
    out += '=';
    out += url_encode(v);
  }
  return out;
}

std::string QueryString::signed_with(const SigningKey& key) const {
  const auto query = str();
  return query + (query.empty() ? "" : "&") + "signature=" + url_encode(key.sign(query));
}

bool signatures_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace fulcrum::binance
