#include "fulcrum/marketdata/file_source.h"

#include <zip.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fulcrum/core/error.h"

namespace fulcrum::marketdata {
namespace {

bool ends_with(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

std::string read_plain(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::DataError(path, 0, "cannot open file: " + std::string(std::strerror(errno)));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void check_inflated(const std::string& name, uint64_t inflated, uint64_t compressed, const InflateLimits& limits) {
  if (inflated > limits.max_bytes)
    throw core::DataError(name, 0, "inflates beyond " + std::to_string(limits.max_bytes >> 20) + " MiB: refusing a possible decompression bomb");
  if (inflated > limits.ratio_applies_above && static_cast<double>(inflated) > limits.max_ratio * static_cast<double>(std::max<uint64_t>(compressed, 1)))
    throw core::DataError(name, 0, "inflates more than " + std::to_string(static_cast<int>(limits.max_ratio)) + "× its compressed size (" +
                                       std::to_string(compressed) + " bytes): refusing a possible decompression bomb");
}

std::string read_gzip(const std::string& path, const InflateLimits& limits) {
  std::error_code ec;
  const uint64_t compressed = std::filesystem::file_size(path, ec);
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw core::DataError(path, 0, "cannot open file: " + std::string(std::strerror(errno)));
  gzbuffer(f, 1 << 17);
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      int errnum = 0;
      std::string msg = gzerror(f, &errnum);
      gzclose(f);
      throw core::DataError(path, 0, "corrupt gzip stream: " + msg);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    try {
      check_inflated(path, out.size(), ec ? 0 : compressed, limits);
    } catch (...) {
      gzclose(f);
      throw;
    }
  }
  // gzread reports a stream cut short as EOF without error; gzclose_r tells us.
  const int rc = gzclose_r(f);
  if (rc != Z_OK) throw core::DataError(path, 0, "truncated or corrupt gzip file (zlib code " + std::to_string(rc) + ")");
  return out;
}

DataFile read_zip(const std::string& path, const InflateLimits& limits) {
  int err = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (!archive) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, err);
    std::string msg = zip_error_strerror(&ze);
    zip_error_fini(&ze);
    throw core::DataError(path, 0, "cannot open zip archive: " + msg);
  }
  // Binance's archives hold one csv; a README or checksum beside it is not the data.
  const zip_int64_t entries = zip_get_num_entries(archive, 0);
  zip_int64_t index = -1;
  std::string names;
  for (zip_int64_t i = 0; i < entries && index < 0; ++i) {
    const char* n = zip_get_name(archive, static_cast<zip_uint64_t>(i), 0);
    const std::string entry_name = n ? n : "";
    names += (names.empty() ? "" : ", ") + entry_name;
    if (entry_name.size() > 4 && entry_name.compare(entry_name.size() - 4, 4, ".csv") == 0) index = i;
  }
  if (index < 0) {
    zip_close(archive);
    throw core::DataError(path, 0, entries < 1 ? "zip archive has no entries" : "zip archive has no .csv entry (entries: " + names + ")");
  }
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(archive, static_cast<zip_uint64_t>(index), 0, &st) != 0) {
    zip_close(archive);
    throw core::DataError(path, 0, "cannot stat zip entry " + std::to_string(index));
  }
  const std::string name = path + "/" + st.name;
  try {
    // The sizes in the archive's directory are checked before a byte is inflated.
    check_inflated(name, st.size, st.comp_size, limits);
  } catch (...) {
    zip_close(archive);
    throw;
  }
  zip_file_t* entry = zip_fopen_index(archive, static_cast<zip_uint64_t>(index), 0);
  if (!entry) {
    std::string msg = zip_strerror(archive);
    zip_close(archive);
    throw core::DataError(name, 0, "cannot open zip entry: " + msg);
  }
  std::string out;
  out.resize(static_cast<size_t>(st.size));
  zip_int64_t total = 0;
  while (total < static_cast<zip_int64_t>(st.size)) {
    const zip_int64_t n = zip_fread(entry, out.data() + total, st.size - static_cast<zip_uint64_t>(total));
    if (n <= 0) break;
    total += n;
  }
  const bool short_read = total != static_cast<zip_int64_t>(st.size);
  std::string msg = short_read ? zip_file_strerror(entry) : "";
  zip_fclose(entry);
  zip_close(archive);
  if (short_read) throw core::DataError(name, 0, "truncated or corrupt zip entry: " + msg);
  return {name, std::move(out)};
}

}  // namespace

DataFile read_data_file(const std::string& path, const InflateLimits& limits) {
  if (ends_with(path, ".gz")) return {path, read_gzip(path, limits)};
  if (ends_with(path, ".zip")) return read_zip(path, limits);
  return {path, read_plain(path)};
}

std::string read_file_bytes(const std::string& path) { return read_data_file(path).bytes; }

}  // namespace fulcrum::marketdata
