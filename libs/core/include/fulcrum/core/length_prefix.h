#pragma once
// The 4-byte little-endian length that frames an entry in a journal pack and a frame in a
// transport bundle: fixed width, so a reader checks one bound before it reads the bytes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace fulcrum::core {

inline void append_length(std::string& out, uint32_t n) {
  const char bytes[4] = {static_cast<char>(n & 0xff), static_cast<char>((n >> 8) & 0xff), static_cast<char>((n >> 16) & 0xff), static_cast<char>(n >> 24)};
  out.append(bytes, 4);
}

// The length at `at`; the caller has checked that four bytes are there.
inline uint32_t read_length(std::string_view in, size_t at) {
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(in[at + i])); };
  return byte(0) | byte(1) << 8 | byte(2) << 16 | byte(3) << 24;
}

}  // namespace fulcrum::core
