#include "fulcrum/download/downloader.h"

#include <openssl/evp.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <atomic>
#include <thread>

namespace fulcrum::download {
namespace fs = std::filesystem;

std::string archive_relative_path(const ArchiveRequest& req) {
  char date[48];
  if (req.day > 0) std::snprintf(date, sizeof date, "%04d-%02d-%02d", req.year, req.month, req.day);
  else std::snprintf(date, sizeof date, "%04d-%02d", req.year, req.month);
  const std::string period = req.day > 0 ? "daily" : "monthly";
  const bool has_interval = req.data_type != "fundingRate";
  std::string path = "data/futures/um/" + period + "/" + req.data_type + "/" + req.symbol + "/";
  if (has_interval) path += req.interval + "/";
  path += req.symbol + "-" + (has_interval ? req.interval : req.data_type) + "-" + date + ".zip";
  return path;
}

std::string archive_local_path(const ArchiveRequest& req) { return archive_relative_path(req).substr(std::string("data/").size()); }

std::vector<ArchiveRequest> plan_archives(const std::vector<std::string>& symbols, const std::string& data_type, const std::string& interval,
                                          int first_month_index, int last_month_index, DateYmd today) {
  const int current = today.year * 12 + today.month - 1;
  if (last_month_index > current)
    throw std::invalid_argument("month " + std::to_string(last_month_index / 12) + "-" + std::to_string(last_month_index % 12 + 1) +
                                " has not begun (today is " + std::to_string(today.year) + "-" + std::to_string(today.month) + " UTC)");
  std::vector<ArchiveRequest> out;
  for (const auto& s : symbols)
    for (int ym = first_month_index; ym <= last_month_index; ++ym) {
      if (ym < current) {
        out.push_back({s, data_type, interval, ym / 12, ym % 12 + 1, 0});
        continue;
      }
      for (int day = 1; day < today.day; ++day) out.push_back({s, data_type, interval, ym / 12, ym % 12 + 1, day});
    }
  return out;
}

std::string archive_url(const ArchiveRequest& req, const std::string& base_url) {
  return base_url + "/" + archive_relative_path(req);
}

std::string sha256_file_hex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open for checksum");
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  char buf[1 << 16];
  while (in) {
    in.read(buf, sizeof buf);
    if (in.gcount() > 0) EVP_DigestUpdate(ctx, buf, static_cast<size_t>(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  std::string hex;
  char byte[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    hex += byte;
  }
  return hex;
}

std::string verify_checksum(const std::string& archive_path, const std::string& checksum_path,
                            const std::string& archive_name) {
  const std::string want_name = archive_name.empty() ? fs::path(archive_path).filename().string() : archive_name;
  std::ifstream in(checksum_path);
  if (!in) return checksum_path + ": cannot open checksum file";
  std::string expected, name;
  in >> expected >> name;
  if (expected.size() != 64) return checksum_path + ": malformed checksum line";
  for (auto& c : expected) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!name.empty() && name != want_name) return checksum_path + ": names '" + name + "', not '" + want_name + "'";
  const std::string actual = sha256_file_hex(archive_path);
  if (actual != expected) return archive_path + ": sha256 " + actual + " does not match published " + expected;
  return {};
}

namespace {

DownloadResult download_one(const ArchiveRequest& req, const std::string& out_dir, IFetcher& fetcher, const std::string& base_url) {
  DownloadResult r;
  const fs::path final_path = fs::path(out_dir) / archive_local_path(req);
  const fs::path checksum_path = final_path.string() + ".CHECKSUM";
  const fs::path partial_path = final_path.string() + ".part";
  r.path = final_path.string();
  std::error_code ec;
  fs::create_directories(final_path.parent_path(), ec);
  if (ec) return r.error = "cannot create " + final_path.parent_path().string() + ": " + ec.message(), r;
  const std::string url = archive_url(req, base_url);

  if (fs::exists(final_path) && fs::exists(checksum_path) && verify_checksum(final_path.string(), checksum_path.string()).empty()) {
    r.skipped_existing = true;
    return r;
  }
  fs::remove(checksum_path, ec);
  if (auto err = fetcher.fetch(url + ".CHECKSUM", checksum_path.string()); !err.empty()) {
    fs::remove(checksum_path, ec);
    return r.error = "checksum: " + err, r;
  }
  if (auto err = fetcher.fetch(url, partial_path.string()); !err.empty()) return r.error = "archive (partial kept for resume): " + err, r;
  if (auto err = verify_checksum(partial_path.string(), checksum_path.string(), final_path.filename().string()); !err.empty()) {
    // The partial may not match because an earlier run wrote garbage; start over next time.
    fs::remove(partial_path, ec);
    return r.error = err, r;
  }
  fs::rename(partial_path, final_path, ec);
  if (ec) r.error = "cannot move " + partial_path.string() + " into place: " + ec.message();
  return r;
}

}  // namespace

std::vector<DownloadResult> download_archives(const std::vector<ArchiveRequest>& requests, const std::string& out_dir, IFetcher& fetcher,
                                              const std::string& base_url, size_t parallel) {
  std::vector<DownloadResult> results(requests.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < requests.size(); i = next++) {
      try {
        results[i] = download_one(requests[i], out_dir, fetcher, base_url);
      } catch (const std::exception& e) {
        results[i].path = (fs::path(out_dir) / archive_local_path(requests[i])).string();
        results[i].error = e.what();
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < std::min(std::max<size_t>(parallel, 1), requests.size()); ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  return results;
}

}  // namespace fulcrum::download
