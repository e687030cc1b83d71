#include "fulcrum/download/downloader.h"

#include <openssl/evp.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

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

std::vector<DownloadResult> download_archives(const std::vector<ArchiveRequest>& requests, const std::string& out_dir,
                                              IFetcher& fetcher, const std::string& base_url) {
  std::vector<DownloadResult> results;
  for (const auto& req : requests) {
    DownloadResult r;
    const fs::path final_path = fs::path(out_dir) / archive_relative_path(req);
    const fs::path checksum_path = final_path.string() + ".CHECKSUM";
    const fs::path partial_path = final_path.string() + ".part";
    r.path = final_path.string();
    fs::create_directories(final_path.parent_path());
    const std::string url = archive_url(req, base_url);

    if (fs::exists(final_path) && fs::exists(checksum_path) && verify_checksum(final_path.string(), checksum_path.string()).empty()) {
      r.skipped_existing = true;
      results.push_back(r);
      continue;
    }
    fs::remove(checksum_path);
    if (auto err = fetcher.fetch(url + ".CHECKSUM", checksum_path.string()); !err.empty()) {
      r.error = "checksum fetch failed: " + err;
      results.push_back(r);
      continue;
    }
    if (auto err = fetcher.fetch(url, partial_path.string()); !err.empty()) {
      r.error = "archive fetch failed (partial kept for resume): " + err;
      results.push_back(r);
      continue;
    }
    if (auto err = verify_checksum(partial_path.string(), checksum_path.string(), final_path.filename().string()); !err.empty()) {
      // The partial may not match because an earlier run wrote garbage; start over next time.
      fs::remove(partial_path);
      r.error = err;
      results.push_back(r);
      continue;
    }
    fs::rename(partial_path, final_path);
    results.push_back(r);
  }
  return results;
}

}  // namespace fulcrum::download
