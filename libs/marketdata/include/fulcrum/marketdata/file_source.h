#pragma once
// Reads a whole data file into memory: plain, gzip (.gz) or zip (.zip, first entry).
// A missing, truncated or corrupt file throws core::DataError naming the file.
#include <string>

namespace fulcrum::marketdata {
std::string read_file_bytes(const std::string& path);
}  // namespace fulcrum::marketdata
