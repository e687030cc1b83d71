// Market-data readers on real Binance files and on broken fixtures written here.
#include <gtest/gtest.h>
#include <zip.h>
#include <zlib.h>

#include <filesystem>
#include <functional>

#include "fulcrum/core/error.h"
#include "fulcrum/marketdata/readers.h"
#include "test_support.h"

using namespace fulcrum;
using marketdata::IssueKind;
using marketdata::ValidationMode;

namespace {
const char* kHeader12 = "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore\n";

std::string row12(int64_t t, const char* o, const char* h, const char* l, const char* c) {
  return std::to_string(t) + "," + o + "," + h + "," + l + "," + c + ",10," + std::to_string(t + 59'999) + ",1000,5,4,400,0\n";
}

void write_gzip(const std::string& path, const std::string& text) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, text.data(), static_cast<unsigned>(text.size()));
  gzclose(f);
}

void write_zip_entries(const std::string& path, const std::vector<std::pair<std::string, std::string>>& entries) {
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  for (const auto& [name, text] : entries) {
    zip_source_t* src = zip_source_buffer(z, text.data(), text.size(), 0);
    zip_file_add(z, name.c_str(), src, ZIP_FL_OVERWRITE);
  }
  zip_close(z);
}
void write_zip(const std::string& path, const std::string& entry, const std::string& text) { write_zip_entries(path, {{entry, text}}); }

// 6-column 5m rows from t = 0, price p.
std::string rows6(size_t n, double p = 100) {
  std::string out = "open_time,open,high,low,close,volume\n";
  for (size_t i = 0; i < n; ++i) {
    const std::string px = std::to_string(p);
    out += std::to_string(i * 300'000) + "," + px + "," + px + "," + px + "," + px + ",10\n";
  }
  return out;
}

// The message a read throws, or "" when it reads.
std::string error_of(const std::function<void()>& read) {
  try {
    read();
  } catch (const core::DataError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(KlineReader, TwelveColumnsWithAndWithoutHeader) {
  const std::string rows = row12(0, "1.0", "1.2", "0.9", "1.1") + row12(60'000, "1.1", "1.3", "1.0", "1.2");
  for (const std::string& text : {std::string(kHeader12) + rows, rows}) {
    auto s = marketdata::parse_klines(text, "mem.csv", ValidationMode::kStrict);
    ASSERT_EQ(s.bars.size(), 2u);
    EXPECT_EQ(s.interval_ms, 60'000);
    ASSERT_TRUE(s.bars[1].taker_buy_volume.has_value());
    EXPECT_EQ(*s.bars[1].taker_buy_volume, core::Qty::from_int(4));
    EXPECT_EQ(s.bars[1].close, *core::Price::parse("1.2"));
  }
}

TEST(KlineReader, PlainGzipAndZipGiveTheSameBars) {
  const auto dir = test::temp_dir("readers");
  const std::string text = std::string(kHeader12) + row12(0, "1", "2", "0.5", "1.5") + row12(60'000, "1.5", "1.6", "1.4", "1.45");
  test::write_text(dir + "/a.csv", text);
  write_gzip(dir + "/a.csv.gz", text);
  write_zip(dir + "/a.zip", "a.csv", text);
  const auto plain = marketdata::read_klines(dir + "/a.csv", ValidationMode::kStrict);
  for (const auto& f : {dir + "/a.csv.gz", dir + "/a.zip"}) {
    const auto other = marketdata::read_klines(f, ValidationMode::kStrict);
    ASSERT_EQ(other.bars.size(), plain.bars.size()) << f;
    for (size_t i = 0; i < plain.bars.size(); ++i) EXPECT_EQ(other.bars[i].close, plain.bars[i].close) << f;
  }
}

TEST(KlineReader, ReportsEveryProblemWithFileAndLine) {
  const std::string text = std::string("open_time,open,high,low,close,volume\n") +
                           "0,1,2,0.5,1.5,10\n"            // line 2
                           "300000,1.5,1.6,1.4,1.45,10\n"  // line 3
                           "300000,1.5,1.6,1.4,1.45,10\n"  // line 4: duplicate
                           "1200000,1,1,1,1,1\n"           // line 5: gap of 2 bars
                           "900000,1,1,1,1,1\n"            // line 6: backwards
                           "1500000,1,0.5,0.9,1,1\n"       // line 7: high < low
                           "1800000,1,x,1,1,1\n"           // line 8: not a number
                           "2100000,1,1,1\n"               // line 9: short row
                           "2400000,1,1.1,0.9,1,5\n";      // line 10: gap of 2 bars (lines 7–9 dropped)
  auto s = marketdata::parse_klines(text, "bad.csv", ValidationMode::kReport);
  EXPECT_EQ(s.interval_ms, 300'000);
  EXPECT_EQ(s.bars.size(), 4u) << "bad rows are dropped, never repaired or invented";
  auto line_of = [&](IssueKind k) {
    for (const auto& i : s.report.issues)
      if (i.kind == k) return i.line;
    return size_t{0};
  };
  EXPECT_EQ(line_of(IssueKind::kDuplicate), 4u);
  EXPECT_EQ(line_of(IssueKind::kGap), 5u);
  EXPECT_EQ(line_of(IssueKind::kNonMonotonic), 6u);
  EXPECT_EQ(line_of(IssueKind::kImpossibleOhlc), 7u);
  EXPECT_EQ(line_of(IssueKind::kNonNumeric), 8u);
  EXPECT_EQ(line_of(IssueKind::kBadColumnCount), 9u);
  EXPECT_EQ(s.report.count(IssueKind::kGap), 2u);
  EXPECT_NE(s.report.summary().find("bad.csv:8: non-numeric: field high"), std::string::npos) << s.report.summary();
}

TEST(KlineReader, StrictModeFailsOnTheFirstProblem) {
  const std::string text = "0,1,2,0.5,1.5,10\n300000,1,2,0.5,1.5,10\n300000,1,2,0.5,1.5,10\n";
  try {
    marketdata::parse_klines(text, "dup.csv", ValidationMode::kStrict);
    FAIL() << "expected a DataError";
  } catch (const core::DataError& e) {
    EXPECT_EQ(e.file(), "dup.csv");
    EXPECT_EQ(e.line(), 3u);
    EXPECT_NE(std::string(e.what()).find("duplicate"), std::string::npos);
  }
}

TEST(KlineReader, MissingTruncatedCorruptAndEmptyFilesAreClearErrors) {
  const auto dir = test::temp_dir("broken");
  EXPECT_THROW(marketdata::read_klines(dir + "/nope.csv"), core::DataError);
  std::string text;
  for (int i = 0; i < 5000; ++i) text += row12(i * 60'000LL, "1", "2", "0.5", "1.5");
  write_gzip(dir + "/full.csv.gz", text);
  const auto size = std::filesystem::file_size(dir + "/full.csv.gz");
  std::filesystem::copy_file(dir + "/full.csv.gz", dir + "/cut.csv.gz");
  std::filesystem::resize_file(dir + "/cut.csv.gz", size / 2);
  try {
    marketdata::read_klines(dir + "/cut.csv.gz");
    FAIL() << "a truncated gzip must not read as a shorter file";
  } catch (const core::DataError& e) {
    EXPECT_EQ(e.file(), dir + "/cut.csv.gz");
  }
  test::write_text(dir + "/junk.zip", "this is not a zip archive");
  EXPECT_THROW(marketdata::read_klines(dir + "/junk.zip"), core::DataError);
  test::write_text(dir + "/empty.csv", "open_time,open,high,low,close,volume\n");
  EXPECT_THROW(marketdata::read_klines(dir + "/empty.csv"), core::DataError);
}

TEST(FundingReader, ParsesRealFormatIncludingExponents) {
  const std::string text = "calc_time,funding_interval_hours,last_funding_rate\n1735603200000,8,0.00008373\n1735632000000,8,9.47e-6\n1735660800000,8,-0.0001\n";
  auto s = marketdata::parse_funding(text, "f.csv", ValidationMode::kStrict);
  ASSERT_EQ(s.events.size(), 3u);
  EXPECT_EQ(s.events[1].rate, *core::Rate::parse("0.00000947"));
  EXPECT_EQ(s.events[2].rate, *core::Rate::parse("-0.0001"));
}

TEST(FundingReader, ReportsAMissedInterval) {
  const std::string text = "1735603200000,8,0.0001\n1735660800000,8,0.0001\n";  // 16 h apart on an 8 h schedule
  auto s = marketdata::parse_funding(text, "f.csv", ValidationMode::kReport);
  EXPECT_EQ(s.report.count(IssueKind::kGap), 1u);
  EXPECT_EQ(s.events.size(), 2u);
}

TEST(KlineReader, RealBinanceVisionMonthlyZip) {
  FULCRUM_SKIP_WITHOUT_SHARED_DATA();
  const auto f = test::shared_data_dir() + "/binance-vision/data/futures/um/monthly/klines/BTCUSDT/1m/BTCUSDT-1m-2025-01.zip";
  auto s = marketdata::read_klines(f, ValidationMode::kStrict);
  EXPECT_EQ(s.bars.size(), 31u * 24 * 60);
  EXPECT_EQ(s.interval_ms, 60'000);
  EXPECT_TRUE(s.bars.front().taker_buy_volume.has_value());
  EXPECT_EQ(s.bars.front().open, *core::Price::parse("93548.8"));  // the file's first row
}

TEST(KlineReader, RealGapsInEthAreReportedNotFilled) {
  FULCRUM_SKIP_WITHOUT_SHARED_DATA();
  const auto f = test::shared_data_dir() + "/binance-vision/data/futures/um/monthly/klines/ETHUSDT/1m/ETHUSDT-1m-2025-02.zip";
  auto s = marketdata::read_klines(f, ValidationMode::kReport);
  EXPECT_GE(s.report.count(IssueKind::kGap), 1u);
  EXPECT_EQ(s.bars.size(), s.report.rows_kept);
  EXPECT_LT(s.bars.size(), 28u * 24 * 60) << "missing minutes stay missing";
  EXPECT_THROW(marketdata::read_klines(f, ValidationMode::kStrict), core::DataError);
}

// ---- Hostile files: each is reported with its file (and zip entry, and line), never a crash,
// never a silent skip, and never a read that costs the machine its memory.

TEST(HostileData, AFarFutureTimestampDropsThatRowNotTheRest) {
  // Reported: one open_time dated 2100 at line 1 000 silently dropped the next 24 921 rows.
  std::string text = rows6(3'000);
  const std::string bad_line_prefix = std::to_string(998 * 300'000) + ",";
  const size_t at = text.find("\n" + bad_line_prefix) + 1;
  text.replace(at, bad_line_prefix.size(), "4102444800000,");  // 2100-01-01
  const auto s = marketdata::parse_klines(text, "future.csv", ValidationMode::kReport);
  EXPECT_EQ(s.bars.size(), 2'999u) << s.report.summary();
  ASSERT_FALSE(s.report.issues.empty());
  EXPECT_EQ(s.report.issues[0].kind, IssueKind::kNonMonotonic);
  EXPECT_EQ(s.report.issues[0].line, 1'000u);
  EXPECT_NE(s.report.issues[0].message.find("out of sequence"), std::string::npos);
  EXPECT_EQ(s.bars.back().open_time_ms, 2'999 * 300'000) << "the rows after the bad one are all kept";
  EXPECT_THROW(marketdata::parse_klines(text, "future.csv", ValidationMode::kStrict), core::DataError);
}

TEST(HostileData, FilesThatYieldNoRowAreErrorsNamingTheFile) {
  const auto dir = test::temp_dir("hostile-empty");
  test::write_text(dir + "/one-byte.csv", "x");
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage += static_cast<char>((i * 7919) % 256);
  test::write_text(dir + "/garbage.csv", garbage);
  test::write_text(dir + "/seven.csv", "0,1,1,1,1,1,1\n300000,1,1,1,1,1,1\n");
  write_zip_entries(dir + "/readme-only.zip", {{"README.txt", "hello\n"}});
  write_zip_entries(dir + "/funding-in-klines.zip", {{"BTCUSDT-fundingRate.csv", "calc_time,funding_interval_hours,last_funding_rate\n0,8,0.0001\n"}});
  struct Case {
    std::string file, says;
  };
  for (const auto& c : {Case{"one-byte.csv", "no data rows"}, Case{"garbage.csv", "one-byte"}, Case{"seven.csv", "bad-column-count"},
                        Case{"readme-only.zip", "no .csv entry (entries: README.txt)"}, Case{"funding-in-klines.zip", "funding-in-klines.zip/BTCUSDT-fundingRate.csv"}}) {
    const auto msg = error_of([&] { marketdata::read_klines(dir + "/" + c.file); });
    EXPECT_NE(msg.find(dir + "/" + c.file), std::string::npos) << c.file << ": " << msg;
    if (c.file != "garbage.csv") EXPECT_NE(msg.find(c.says), std::string::npos) << c.file << ": " << msg;
    else EXPECT_NE(msg, "") << "garbage must not read as data";
  }
}

TEST(HostileData, AZipWithAReadmeFirstReadsItsCsvAndNamesTheEntry) {
  const auto dir = test::temp_dir("hostile-readme-first");
  write_zip_entries(dir + "/k.zip", {{"README.txt", "about this file\n"}, {"XUSDT-5m.csv", rows6(10)}});
  const auto s = marketdata::read_klines(dir + "/k.zip");
  EXPECT_EQ(s.bars.size(), 10u);
  EXPECT_EQ(s.source, dir + "/k.zip/XUSDT-5m.csv");
}

TEST(HostileData, DecompressionBombsAreRefusedQuickly) {
  const auto dir = test::temp_dir("hostile-bomb");
  const std::string newlines(64u << 20, '\n');  // 64 MiB that deflates ~1000:1
  write_zip(dir + "/bomb.zip", "bomb.csv", newlines);
  write_gzip(dir + "/bomb.csv.gz", newlines);
  ASSERT_LT(std::filesystem::file_size(dir + "/bomb.zip"), 1u << 20);
  for (const auto& f : {dir + "/bomb.zip", dir + "/bomb.csv.gz"}) {
    const auto started = std::chrono::steady_clock::now();
    const auto msg = error_of([&] { marketdata::read_klines(f); });
    EXPECT_NE(msg.find("decompression bomb"), std::string::npos) << f << ": " << msg;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5)) << f;
  }
}

TEST(HostileData, ImplausiblePricesAndFundingRatesAreReportedAndSkipped) {
  // Reported: a high of 92 233 720 368 passed and changed later trades.
  std::string text = rows6(5);
  text += "1500000,100,92233720368,100,100,10\n1800000,100,100,100,100,10\n";
  const auto s = marketdata::parse_klines(text, "spike.csv", ValidationMode::kReport);
  EXPECT_EQ(s.bars.size(), 6u);
  EXPECT_EQ(s.report.count(IssueKind::kImplausible), 1u) << s.report.summary();
  EXPECT_NE(s.report.summary().find("spike.csv:7: implausible: high 92233720368"), std::string::npos) << s.report.summary();
  EXPECT_THROW(marketdata::parse_klines(text, "spike.csv", ValidationMode::kStrict), core::DataError);

  // Reported: a funding rate of 9 000 000 passed validation and ended at +42 billion.
  const std::string funding = "calc_time,funding_interval_hours,last_funding_rate\n0,8,0.0001\n28800000,8,9000000\n57600000,8,-0.0002\n";
  const auto f = marketdata::parse_funding(funding, "f.csv", ValidationMode::kReport);
  EXPECT_EQ(f.events.size(), 2u);
  EXPECT_EQ(f.report.count(IssueKind::kImplausible), 1u);
  EXPECT_EQ(f.report.count(IssueKind::kGap), 1u) << "the skipped row leaves a hole in the series, and the hole is reported too";
  marketdata::Plausibility loose;
  loose.max_abs_funding_rate = 1.0;
  EXPECT_EQ(marketdata::parse_funding("0,8,0.5\n", "f.csv", ValidationMode::kStrict, loose).events.size(), 1u) << "the cap is configurable";
}

TEST(HostileData, AFundingIntervalChangeIsNotAGap) {
  // As in ORCAUSDT: a contract moves from 4 h to 8 h funding and back to 4 h.
  const int64_t h = 3'600'000;
  const std::string text = "0,4,0.0001\n" + std::to_string(4 * h) + ",8,0.0001\n" + std::to_string(12 * h) + ",4,0.0001\n" + std::to_string(16 * h) + ",4,0.0001\n" +
                           std::to_string(28 * h) + ",4,0.0001\n";
  const auto f = marketdata::parse_funding(text, "orca.csv", ValidationMode::kReport);
  EXPECT_EQ(f.events.size(), 5u);
  EXPECT_EQ(f.report.count(IssueKind::kGap), 1u) << "only 16 h → 28 h misses events: " << f.report.summary();
  EXPECT_EQ(f.report.issues.at(0).line, 5u);
}
