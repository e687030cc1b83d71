// Funding over a real month equals Σ −rate × mark × quantity over the real events,
// computed here independently from the raw csv text with std::stod.
#include <gtest/gtest.h>
#include <zlib.h>

#include <sstream>

#include "fulcrum/marketdata/readers.h"
#include "fulcrum/marketdata/replay_merge.h"
#include "fulcrum/venue/paper_venue.h"
#include "test_support.h"

using namespace fulcrum;

namespace {
std::vector<std::vector<std::string>> raw_rows(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  std::string text;
  char buf[65536];
  int n = 0;
  while ((n = gzread(f, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  gzclose(f);
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::istringstream ls(line);
    std::string c;
    while (std::getline(ls, c, ',')) cols.push_back(c);
    rows.push_back(cols);
  }
  return rows;
}
}  // namespace

TEST(FundingOverARealMonth, LedgerEqualsTheIndependentSum) {
  const std::string dir = test::sample_dir();
  const auto bars = marketdata::read_klines(dir + "/klines-5m/BTCUSDT.csv.gz").bars;
  const auto marks = marketdata::read_klines(dir + "/markprice-1h/BTCUSDT.csv.gz").bars;
  const auto funding = marketdata::read_funding(dir + "/funding/BTCUSDT.csv.gz").events;
  const core::TimestampMs jan1 = 1'735'689'600'000, feb1 = 1'738'368'000'000;

  venue::PaperVenue v(venue::VenueConfig{}, {test::spec("BTCUSDT")}, core::Money::from_int(100'000), jan1);
  const auto events = marketdata::merge_streams({{&bars, &marks, &funding}}, jan1 - 1, feb1 - 1);
  bool submitted = false;
  core::TimestampMs filled_at = 0;
  for (const auto& ev : events) {
    switch (ev.kind) {
      case marketdata::ReplayKind::kBarClose:
        v.on_bar(0, bars[ev.seq]);
        if (!submitted) {
          model::OrderRequest r;
          r.client_order_id = "hold";
          r.symbol = "BTCUSDT";
          r.quantity = core::Qty::from_int(1);
          r.leverage_x = 5;
          ASSERT_TRUE(v.submit(r, ev.time_ms).accepted());
          submitted = true;
        } else if (filled_at == 0 && !v.fills().empty()) {
          filled_at = v.fills()[0].time_ms;
        }
        break;
      case marketdata::ReplayKind::kMarkClose: v.on_mark_bar(0, marks[ev.seq]); break;
      case marketdata::ReplayKind::kFunding: v.on_funding(0, funding[ev.seq]); break;
    }
  }
  ASSERT_GT(filled_at, 0);
  ASSERT_EQ(v.liquidations(), 0u);

  // Independent: mark at an event = close of the hourly mark bar that ends at it.
  std::map<int64_t, double> mark_close_at;
  for (const auto& r : raw_rows(dir + "/markprice-1h/BTCUSDT.csv.gz")) mark_close_at[std::stoll(r[0]) + 3'600'000] = std::stod(r[4]);
  double expected = 0;
  size_t n = 0;
  for (const auto& r : raw_rows(dir + "/funding/BTCUSDT.csv.gz")) {
    const int64_t t = std::stoll(r[0]);
    if (t <= filled_at || t >= feb1) continue;
    auto it = mark_close_at.upper_bound(t);
    ASSERT_NE(it, mark_close_at.begin());
    const double mark = std::prev(it)->second;
    expected += -1.0 * mark * std::stod(r[2]);
    ++n;
  }
  double booked = 0;
  size_t booked_n = 0;
  for (const auto& e : v.ledger().entries())
    if (e.kind == venue::LedgerKind::kFunding) booked += e.amount.to_double(), ++booked_n;
  EXPECT_EQ(booked_n, n);
  EXPECT_GE(n, 90u) << "a month of 8-hour events";
  EXPECT_NEAR(booked, expected, 1e-8 * static_cast<double>(n) + 1e-9);
}
