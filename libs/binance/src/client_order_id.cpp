#include "fulcrum/binance/client_order_id.h"

#include <openssl/sha.h>

#include <stdexcept>

namespace fulcrum::binance {
namespace {
bool allowed(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == ':' || c == '/' || c == '_' || c == '-';
}
constexpr size_t kMaxLength = 36, kHashHex = 12;
}  // namespace

bool valid_client_order_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxLength) return false;
  for (const char c : id)
    if (!allowed(c)) return false;
  return true;
}

std::string exchange_client_order_id(std::string_view mesh_id) {
  if (mesh_id.empty()) throw std::invalid_argument("an order needs a client order id");
  if (valid_client_order_id(mesh_id)) return std::string(mesh_id);
  std::string kept;
  for (const char c : mesh_id)
    if (allowed(c) && kept.size() < kMaxLength - kHashHex - 1) kept += c;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(mesh_id.data()), mesh_id.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hash;
  for (size_t i = 0; hash.size() < kHashHex; ++i) {
    hash += kHex[digest[i] >> 4];
    hash += kHex[digest[i] & 15];
  }
  return (kept.empty() ? std::string("x") : kept) + "-" + hash;
}

}  // namespace fulcrum::binance
