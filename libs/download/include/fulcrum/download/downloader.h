#pragma once
// Fetches Binance's public-data archives (data.binance.vision layout), verifies each
// against its published .CHECKSUM, and resumes partial downloads. The network transfer
// itself is an IFetcher so the path, URL and checksum logic is testable offline.
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
  // Appends to `dest` if it exists (resume). Returns an empty string on success, else the error.
  virtual std::string fetch(const std::string& url, const std::string& dest) = 0;
};

struct DownloadResult {
  std::string path;
  bool skipped_existing = false;
  std::string error;  // empty on success
};

// Downloads each archive into out_dir (same relative layout), verified; a verified file
// already present is not fetched again.
std::vector<DownloadResult> download_archives(const std::vector<ArchiveRequest>& requests, const std::string& out_dir,
                                              IFetcher& fetcher, const std::string& base_url = "https://data.binance.vision");

}  // namespace fulcrum::download
