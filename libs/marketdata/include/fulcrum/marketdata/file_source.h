#pragma once
// Reads a whole data file into memory: plain, gzip (.gz) or zip (.zip, its first .csv
// entry). A missing, truncated or corrupt file throws core::DataError naming the file and,
// for a zip, the entry. Inflation is capped in size and in ratio, so a small hostile
// archive cannot take the machine's memory or minutes of CPU.
#include <cstdint>
#include <string>

namespace fulcrum::marketdata {

struct InflateLimits {
  uint64_t max_bytes = uint64_t{2} << 30;      // 2 GiB: ~20 years of 1m klines for one symbol
  double max_ratio = 200;                      // real kline csv compresses 3–10×
  uint64_t ratio_applies_above = 16u << 20;    // small files may compress further
};

struct DataFile {
  std::string name;   // the path, or "archive.zip/entry.csv" for a zip entry
  std::string bytes;
};

DataFile read_data_file(const std::string& path, const InflateLimits& limits = {});
std::string read_file_bytes(const std::string& path);

}  // namespace fulcrum::marketdata
