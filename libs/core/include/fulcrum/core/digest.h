#pragma once
// Content hashes that name a config: in run folders, in gRPC status, in reload audits.
#include <string>

namespace fulcrum::core {
std::string sha256_hex(const std::string& bytes);  // 64 lowercase hex digits
}  // namespace fulcrum::core
