#include "fulcrum/marketdata/file_source.h"

#include <zip.h>
#include <zlib.h>

#include <cstring>
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

std::string read_gzip(const std::string& path) {
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
  }
  // gzread reports a stream cut short as EOF without error; gzclose_r tells us.
  const int rc = gzclose_r(f);
  if (rc != Z_OK) throw core::DataError(path, 0, "truncated or corrupt gzip file (zlib code " + std::to_string(rc) + ")");
  return out;
}

std::string read_zip(const std::string& path) {
  int err = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err);
  if (!archive) {
    zip_error_t ze;
    zip_error_init_with_code(&ze, err);
    std::string msg = zip_error_strerror(&ze);
    zip_error_fini(&ze);
    throw core::DataError(path, 0, "cannot open zip archive: " + msg);
  }
  if (zip_get_num_entries(archive, 0) < 1) {
    zip_close(archive);
    throw core::DataError(path, 0, "zip archive has no entries");
  }
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_stat_index(archive, 0, 0, &st) != 0) {
    zip_close(archive);
    throw core::DataError(path, 0, "cannot stat first zip entry");
  }
  zip_file_t* entry = zip_fopen_index(archive, 0, 0);
  if (!entry) {
    std::string msg = zip_strerror(archive);
    zip_close(archive);
    throw core::DataError(path, 0, "cannot open zip entry: " + msg);
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
  if (short_read) throw core::DataError(path, 0, "truncated or corrupt zip entry: " + msg);
  return out;
}

}  // namespace

std::string read_file_bytes(const std::string& path) {
  if (ends_with(path, ".gz")) return read_gzip(path);
  if (ends_with(path, ".zip")) return read_zip(path);
  return read_plain(path);
}

}  // namespace fulcrum::marketdata
