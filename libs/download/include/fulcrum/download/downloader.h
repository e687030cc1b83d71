#pragma once
// Fetches Binance's public-data archives (data.binance.vision layout), verifies each
// against its published .CHECKSUM, resumes partial downloads, and fetches several at once.
// The transfer is an IFetcher (HttpFetcher: libcurl), so the path, URL, checksum and resume
// logic is testable offline.
#include <string>
#include <vector>

namespace fulcrum::download {

struct ArchiveRequest {
  std::string symbol;               // BTCUSDT
  std::string data_type = "klines"; // klines | markPriceKlines | fundingRate
  std::string interval = "1m";      // ignored for fundingRate
  int year = 0;
  int month = 0;
  int day = 0;                      // 0: the monthly archive; else the daily one
};

// data/futures/um/{monthly|daily}/{type}/{SYM}/{interval}/{SYM}-{interval}-{YYYY-MM[-DD]}.zip
std::string archive_relative_path(const ArchiveRequest& req);
// Where it goes under the output folder: the same path without the leading "data/", so
// `--out data` gives data/futures/um/…, not data/data/futures/um/….
std::string archive_local_path(const ArchiveRequest& req);

// The archives for months [first, last] (year·12 + month − 1). Binance publishes a month's
// archive after the month ends, so the current UTC month comes as daily archives, one per
// day before `today`. Throws std::invalid_argument for a month after the current one.
struct DateYmd {
  int year = 0, month = 0, day = 0;
};
std::vector<ArchiveRequest> plan_archives(const std::vector<std::string>& symbols, const std::string& data_type, const std::string& interval,
                                          int first_month_index, int last_month_index, DateYmd today_utc);
std::string archive_url(const ArchiveRequest& req, const std::string& base_url = "https://data.binance.vision");

std::string sha256_file_hex(const std::string& path);
// The .CHECKSUM file holds "<sha256 hex>  <file name>". Returns an empty string when the
// archive matches, else what is wrong.
// `archive_name` is the name the checksum file must name (default: archive_path's own).
std::string verify_checksum(const std::string& archive_path, const std::string& checksum_path,
                            const std::string& archive_name = "");

class IFetcher {
 public:
  virtual ~IFetcher() = default;
  // Appends to `dest` if it exists (resume). Returns an empty string on success, else the
  // error. Called from several threads at once by download_archives.
  virtual std::string fetch(const std::string& url, const std::string& dest) = 0;
};

// HTTPS through libcurl: resumes with a byte range (and starts over when the server will
// not serve one), fails on any HTTP error, and says "not published yet" on a 404.
class HttpFetcher final : public IFetcher {
 public:
  HttpFetcher();
  std::string fetch(const std::string& url, const std::string& dest) override;
};

struct DownloadResult {
  std::string path;
  bool skipped_existing = false;
  std::string error;  // empty on success
};

// Downloads each archive into out_dir (archive_local_path), verified, `parallel` at a time;
// a verified file already present is not fetched again. Results are in request order.
std::vector<DownloadResult> download_archives(const std::vector<ArchiveRequest>& requests, const std::string& out_dir,
                                              IFetcher& fetcher, const std::string& base_url = "https://data.binance.vision", size_t parallel = 4);

}  // namespace fulcrum::download
