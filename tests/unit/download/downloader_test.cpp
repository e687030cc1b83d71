// The downloader's paths, URLs, checksum check and resume, offline.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>

#include "fulcrum/download/downloader.h"
#include "test_support.h"

using namespace fulcrum::download;
namespace fs = std::filesystem;

TEST(Downloader, BuildsBinancePublicDataPaths) {
  EXPECT_EQ(archive_url({"BTCUSDT", "klines", "1m", 2025, 1, 0}),
            "https://data.binance.vision/data/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2025-01.zip");
  EXPECT_EQ(archive_relative_path({"ETHUSDT", "klines", "5m", 2024, 12, 3}), "data/futures/um/daily/klines/ETHUSDT/5m/ETHUSDT-5m-2024-12-03.zip");
  EXPECT_EQ(archive_relative_path({"BTCUSDT", "fundingRate", "", 2025, 2, 0}), "data/futures/um/monthly/fundingRate/BTCUSDT/BTCUSDT-fundingRate-2025-02.zip");
  EXPECT_EQ(archive_relative_path({"BTCUSDT", "markPriceKlines", "1h", 2025, 2, 0}),
            "data/futures/um/monthly/markPriceKlines/BTCUSDT/1h/BTCUSDT-1h-2025-02.zip");
}

TEST(Downloader, Sha256OfAKnownVector) {
  const auto dir = fulcrum::test::temp_dir("sha");
  fulcrum::test::write_text(dir + "/abc", "abc");
  // FIPS 180-2 test vector.
  EXPECT_EQ(sha256_file_hex(dir + "/abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Downloader, VerifiesTheRealPublishedChecksumLayout) {
  const auto dir = fulcrum::test::temp_dir("checksum");
  fulcrum::test::write_text(dir + "/X-1m-2025-01.zip", "abc");
  fulcrum::test::write_text(dir + "/X-1m-2025-01.zip.CHECKSUM", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  X-1m-2025-01.zip\n");
  EXPECT_EQ(verify_checksum(dir + "/X-1m-2025-01.zip", dir + "/X-1m-2025-01.zip.CHECKSUM"), "");
  fulcrum::test::write_text(dir + "/X-1m-2025-01.zip", "abd");
  EXPECT_NE(verify_checksum(dir + "/X-1m-2025-01.zip", dir + "/X-1m-2025-01.zip.CHECKSUM").find("does not match"), std::string::npos);
}

namespace {
// Serves files from a local "mirror"; the first archive request stops halfway, like a
// dropped connection, and the next call must resume from the partial file.
class FlakyMirror final : public IFetcher {
 public:
  explicit FlakyMirror(std::string root) : root_(std::move(root)) {}
  std::string fetch(const std::string& url, const std::string& dest) override {
    ++calls;
    const std::string rel = url.substr(url.find("/data/") + 1);
    std::ifstream in(root_ + "/" + rel, std::ios::binary);
    if (!in) return "404 " + url;
    std::string body((std::istreambuf_iterator<char>(in)), {});
    const size_t have = fs::exists(dest) ? fs::file_size(dest) : 0;
    if (have > 0) resumed_from = have;
    std::ofstream out(dest, std::ios::binary | std::ios::app);
    if (!dropped_once && rel.size() > 4 && rel.substr(rel.size() - 4) == ".zip") {
      dropped_once = true;
      out << body.substr(have, body.size() / 2);
      return "connection reset";
    }
    out << body.substr(have);
    return {};
  }
  std::atomic<int> calls{0};
  size_t resumed_from = 0;
  bool dropped_once = false;

 private:
  std::string root_;
};
}  // namespace

TEST(Downloader, ResumesAPartialDownloadAndSkipsVerifiedFiles) {
  const auto mirror = fulcrum::test::temp_dir("mirror");
  const auto out = fulcrum::test::temp_dir("download");
  const ArchiveRequest req{"BTCUSDT", "klines", "1m", 2025, 1, 0};
  const auto rel = archive_relative_path(req);
  fs::create_directories(fs::path(mirror + "/" + rel).parent_path());
  const std::string payload(10'000, 'z');
  fulcrum::test::write_text(mirror + "/" + rel, payload);
  fulcrum::test::write_text(mirror + "/" + rel + ".CHECKSUM", sha256_file_hex(mirror + "/" + rel) + "  BTCUSDT-1m-2025-01.zip\n");

  FlakyMirror fetcher(mirror);
  auto first = download_archives({req}, out, fetcher, "https://mirror.invalid");
  ASSERT_EQ(first.size(), 1u);
  EXPECT_NE(first[0].error, "");
  EXPECT_TRUE(fs::exists(out + "/" + archive_local_path(req) + ".part"));

  auto second = download_archives({req}, out, fetcher, "https://mirror.invalid");
  EXPECT_EQ(second[0].error, "");
  EXPECT_EQ(fetcher.resumed_from, payload.size() / 2);
  EXPECT_EQ(fs::file_size(out + "/" + archive_local_path(req)), payload.size());
  EXPECT_EQ(archive_local_path(req), "futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2025-01.zip") << "no data/data/ nesting under --out data";

  const int calls = fetcher.calls;
  auto third = download_archives({req}, out, fetcher, "https://mirror.invalid");
  EXPECT_TRUE(third[0].skipped_existing);
  EXPECT_EQ(fetcher.calls, calls);
}

TEST(Downloader, TheCurrentMonthComesAsDailyFilesUpToYesterday) {
  // 2026-11-24: October is published as one monthly archive; November as days 1–23.
  const auto plan = plan_archives({"BTCUSDT"}, "klines", "5m", 2026 * 12 + 9, 2026 * 12 + 10, {2026, 11, 24});
  ASSERT_EQ(plan.size(), 1u + 23u);
  EXPECT_EQ(archive_relative_path(plan[0]), "data/futures/um/monthly/klines/BTCUSDT/5m/BTCUSDT-5m-2026-10.zip");
  EXPECT_EQ(archive_relative_path(plan[1]), "data/futures/um/daily/klines/BTCUSDT/5m/BTCUSDT-5m-2026-11-01.zip");
  EXPECT_EQ(archive_relative_path(plan.back()), "data/futures/um/daily/klines/BTCUSDT/5m/BTCUSDT-5m-2026-11-23.zip");
  // On the first of a month nothing of it is published yet.
  EXPECT_TRUE(plan_archives({"BTCUSDT"}, "klines", "5m", 2026 * 12 + 10, 2026 * 12 + 10, {2026, 11, 1}).empty());
  EXPECT_THROW(plan_archives({"BTCUSDT"}, "klines", "5m", 2026 * 12 + 10, 2026 * 12 + 11, {2026, 11, 24}), std::invalid_argument);
}

TEST(Downloader, FetchesInParallelAndKeepsRequestOrder) {
  const auto mirror = fulcrum::test::temp_dir("mirror-par");
  const auto out = fulcrum::test::temp_dir("download-par");
  std::vector<ArchiveRequest> reqs;
  for (int m = 1; m <= 12; ++m) {
    reqs.push_back({"ETHUSDT", "klines", "1h", 2024, m, 0});
    const auto rel = archive_relative_path(reqs.back());
    fs::create_directories(fs::path(mirror + "/" + rel).parent_path());
    fulcrum::test::write_text(mirror + "/" + rel, std::string(1000 + m, 'q'));
    fulcrum::test::write_text(mirror + "/" + rel + ".CHECKSUM", sha256_file_hex(mirror + "/" + rel) + "  " + fs::path(rel).filename().string() + "\n");
  }
  reqs.push_back({"ETHUSDT", "klines", "1h", 2025, 1, 0});  // not on the mirror
  FlakyMirror fetcher(mirror);
  fetcher.dropped_once = true;  // no dropped connection here
  const auto results = download_archives(reqs, out, fetcher, "https://mirror.invalid", 4);
  ASSERT_EQ(results.size(), reqs.size());
  for (size_t i = 0; i + 1 < reqs.size(); ++i) {
    EXPECT_EQ(results[i].error, "") << i;
    EXPECT_EQ(results[i].path, (fs::path(out) / archive_local_path(reqs[i])).string());
    EXPECT_EQ(fs::file_size(results[i].path), 1000u + i + 1);
  }
  EXPECT_NE(results.back().error.find("404"), std::string::npos) << results.back().error;
  EXPECT_FALSE(fs::exists(results.back().path + ".CHECKSUM")) << "a failed checksum fetch leaves nothing behind";
}
