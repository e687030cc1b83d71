#pragma once
// Every signal the strategy emits (whatever any policy later did with it), its learned-policy
// inputs at the signal bar, and what the market did after the fill: the maximum adverse and
// favourable excursions and the trade's return at each candidate leverage under the exit rules
// in force (the signal's stop, the trailing stop with its arming rule, liquidation). These are
// the labels a learned policy is trained on and the post-hoc optimal leverage seed 002 logs.
//
// The path is simulated bar by bar on the base bars, adverse side first inside a bar (a bar
// whose low reaches the stop and whose high arms the trailing stop counts as stopped), and
// liquidation uses the simplified isolated form entry · (1 ∓ 1/L ± MMR) at the first bracket's
// rate. These are labels, not results: every figure a research report judges comes from the
// backtest engine's paper venue.
#include <cmath>
#include <string>
#include <vector>

#include "fulcrum/marketdata/dataset.h"
#include "fulcrum/strategy/run_config.h"

namespace fulcrum::research {

using core::TimestampMs;

struct ExitRules {
  bool use_trailing_stop = true;
  strategy::PlannerConfig::TrailingArm trailing_arm = strategy::PlannerConfig::TrailingArm::kRoe;
  double trailing_arm_roe = 0.15;
  double trailing_arm_price_move = 0.0075;
  double trailing_callback = 0.015;
  double taker_fee = 0.0005;
  double slippage = 0.0002;
  static ExitRules from(const strategy::RunConfig& cfg);
};

// One leverage's outcome of one trade.
struct LeverageOutcome {
  int leverage_x = 1;
  TimestampMs exit_ms = 0;      // the close time of the bar that exits
  double exit_price = 0;
  double return_on_margin = 0;  // net of both fees and slippage; −1 when liquidated
  bool liquidated = false;
  bool censored = false;        // the data ended first: marked at the last close
  std::string exit_reason;      // stop, trailing, liquidation, end_of_data
};

struct SignalSample {
  TimestampMs signal_ms = 0;  // the signal bar's close: every input is known by then
  TimestampMs entry_ms = 0;   // the fill: the next base bar's open
  std::string symbol;
  model::Side side = model::Side::kBuy;
  double entry_price = 0, stop_price = 0;
  std::vector<float> features;  // leverage::trade_feature_names() order
  double mae = 0, mfe = 0;      // worst and best price move from entry until the 1x exit, signed for the side
  std::vector<LeverageOutcome> outcomes;  // one per candidate leverage, in the candidates' order
  // vol_forecast's label: the realised 1σ move over the horizon after the fill, √Σ r² of the
  // base bars' log returns (NaN when the data ends first), and the naive forecast beside it:
  // the signal bar's EWMA σ (per signal bar) scaled by √(signal bars in the horizon).
  double forward_volatility = std::nan("");
  double naive_volatility = std::nan("");
  TimestampMs volatility_label_end_ms = 0;
  TimestampMs last_exit_ms() const;        // the latest exit at any candidate leverage
  TimestampMs label_end_ms() const;        // the last instant any label looks at: what purging looks at
  const LeverageOutcome& at(int leverage_x) const;  // throws std::out_of_range for a leverage not simulated
  // The candidate with the best log return on equity, log(1 + margin_fraction · r), that is
  // not liquidated; 1 when every candidate is.
  int optimal_leverage(double margin_fraction) const;
};

// Simulates one trade from `entry_index` (the bar whose open fills it) at each leverage.
std::vector<LeverageOutcome> path_outcomes(const std::vector<model::Bar>& bars, size_t entry_index, model::Side side, double entry_price,
                                           double stop_price, const std::vector<int>& leverages, const ExitRules& rules, double maintenance_rate,
                                           double* mae = nullptr, double* mfe = nullptr);

// Runs the strategy's own feature and signal stages over the data (the same objects the
// backtest and the mesh host) and returns every signal inside [cfg.from_ms, cfg.to_ms).
std::vector<SignalSample> build_dataset(const std::vector<marketdata::SymbolData>& data, const strategy::RunConfig& cfg, const std::vector<int>& leverages,
                                        TimestampMs volatility_horizon_ms = 24 * core::kMsPerHour);

// The dataset as CSV for outside tools: one row per signal, the features, MAE, MFE and per
// leverage the return, exit time, exit reason.
std::string dataset_csv(const std::vector<SignalSample>& samples, const std::vector<int>& leverages, double margin_fraction);
// Throws std::runtime_error naming the file.
void write_gzip_file(const std::string& path, const std::string& text);

}  // namespace fulcrum::research
