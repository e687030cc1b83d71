// Leverage policies one at a time, on hand-built inputs.
#include <gtest/gtest.h>

#include "fulcrum/leverage/policies.h"
#include "test_support.h"

using namespace fulcrum;

namespace {
signals::Signal signal_at(double price, double stop) {
  signals::Signal s;
  s.symbol = "BTCUSDT";
  s.reference_price = price;
  s.stop_price = stop;
  s.score = 70;
  s.confidence = 0.7;
  return s;
}
}  // namespace

TEST(KellyPolicy, WithoutAnEdgeItSkipsThenProbesSoItsStatisticsCanChange) {
  // Reported: after 20 trades without an edge Kelly never traded again (0.00 % for 33
  // months), because only new trades could change the statistics that forbade them.
  leverage::KellyConfig c;
  c.probe_after_signals = 50;
  c.probe_risk_fraction = 0.005;
  const auto kelly = leverage::make_kelly(c);
  const auto sig = signal_at(100, 98);  // a 2 % stop
  leverage::LeverageInputs in;
  in.signal = &sig;
  in.equity = in.available_balance = in.initial_equity = 10'000;
  in.stats.closed_trades = 30;
  in.stats.win_rate = 0.2;
  in.stats.payoff_ratio = 1.0;  // f* = (1·0.2 − 0.8)/1 < 0: no edge
  in.signals_since_last_entry = 49;
  auto d = kelly->decide(in);
  EXPECT_FALSE(d.trade);
  EXPECT_EQ(d.reasons["skipped"], "no edge");
  in.signals_since_last_entry = 50;
  d = kelly->decide(in);
  ASSERT_TRUE(d.trade);
  EXPECT_NEAR(d.notional, 0.005 * 10'000 / 0.02, 1e-9) << "risks 0.5 % of equity to the stop";
  EXPECT_NE(d.reasons["probe"].find("no edge for 50 signals"), std::string::npos);
  c.probe_after_signals = 0;  // probing off: the old behaviour, for comparison
  EXPECT_FALSE(leverage::make_kelly(c)->decide(in).trade);
}

TEST(KellyPolicy, WithAnEdgeItRisksHalfKelly) {
  leverage::KellyConfig c;  // half Kelly
  const auto kelly = leverage::make_kelly(c);
  const auto sig = signal_at(100, 98);
  leverage::LeverageInputs in;
  in.signal = &sig;
  in.equity = in.available_balance = in.initial_equity = 10'000;
  in.stats.closed_trades = 30;
  in.stats.win_rate = 0.55;
  in.stats.payoff_ratio = 2;  // the seed's example: f* = 0.325
  const auto d = kelly->decide(in);
  ASSERT_TRUE(d.trade);
  // 0.1625 · 10 000 / 0.02 = 81 250, capped by 25 % margin at 20x = 50 000.
  EXPECT_NEAR(d.notional, 50'000, 1e-9);
  EXPECT_EQ(d.reasons.at("kelly_f"), "0.1625");
}
