#include <curl/curl.h>

#include <cstdio>
#include <filesystem>
#include <mutex>

#include "fulcrum/download/downloader.h"

namespace fulcrum::download {
namespace fs = std::filesystem;

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

size_t write_to_file(char* data, size_t size, size_t n, void* file) { return std::fwrite(data, size, n, static_cast<std::FILE*>(file)); }

struct Outcome {
  CURLcode code = CURLE_OK;
  long http = 0;
  std::string error;
};

Outcome transfer(const std::string& url, const std::string& dest, curl_off_t resume_from) {
  File out(std::fopen(dest.c_str(), resume_from > 0 ? "ab" : "wb"));
  if (!out) return {CURLE_WRITE_ERROR, 0, "cannot open " + dest + " for writing"};
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return {CURLE_FAILED_INIT, 0, "libcurl could not start"};
  char error[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_to_file);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, out.get());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
  // A stalled transfer (under 1 KiB/s for 60 s) fails and keeps its partial for a resume.
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "fulcrum-download");
  if (resume_from > 0) curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, resume_from);
  Outcome o;
  o.code = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &o.http);
  o.error = error[0] ? error : curl_easy_strerror(o.code);
  if (std::fflush(out.get()) != 0 && o.code == CURLE_OK) return {CURLE_WRITE_ERROR, o.http, "cannot write " + dest};
  return o;
}

}  // namespace

HttpFetcher::HttpFetcher() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string HttpFetcher::fetch(const std::string& url, const std::string& dest) {
  std::error_code ec;
  const auto have = fs::exists(dest, ec) ? static_cast<curl_off_t>(fs::file_size(dest, ec)) : 0;
  auto o = transfer(url, dest, have);
  // The partial is already whole (416), or the server ignores ranges: start over once.
  if (have > 0 && (o.code == CURLE_RANGE_ERROR || o.http == 416)) o = transfer(url, dest, 0);
  if (o.code == CURLE_OK) return {};
  if (o.http == 404) return "not published yet (HTTP 404): " + url;
  if (o.http >= 400) return "HTTP " + std::to_string(o.http) + " for " + url;
  return o.error + " (" + url + ")";
}

}  // namespace fulcrum::download
