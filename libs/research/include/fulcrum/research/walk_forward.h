#pragma once
// Walk-forward research that fits: each fold's training window trains the trade-quality model
// on purged, embargoed samples; its test window only applies it, inside the backtest engine
// (occupancy, funding, mark-price liquidation), beside every baseline. Everything that decides
// the outcome (folds, seed, hyperparameters, thresholds) is in ResearchConfig before the run and
// printed with its hash.
#include <functional>
#include <string>
#include <vector>

#include "fulcrum/analytics/inference.h"
#include "fulcrum/backtest/engine.h"
#include "fulcrum/learn/boosted_trees.h"
#include "fulcrum/research/dataset.h"
#include "fulcrum/research/research_config.h"

namespace fulcrum::research {

// Every field, one per line: the report prints it and hashes it.
std::string describe(const ResearchConfig& rc);

// The training samples of one fold after purging: those whose signal falls in the training
// window and whose every label (the exit at each candidate leverage, the volatility horizon)
// ends before test_from − embargo.
struct PurgedTraining {
  std::vector<size_t> kept;        // indices into the samples
  size_t in_window = 0, purged = 0;
  TimestampMs embargo_ms = 0;
  TimestampMs longest_hold_ms = 0;
};
PurgedTraining purge_training(const std::vector<SignalSample>& samples, const backtest::WalkForwardFold& fold, TimestampMs min_embargo_ms);

// The label trade_quality learns: the trade pays after fees at `leverage_x`.
int pays_after_fees(const SignalSample& s, int leverage_x);

struct FoldReport {
  backtest::WalkForwardFold fold;
  PurgedTraining training;
  std::string model_version, model_path;
  std::string volatility_model_version, volatility_model_path;
  std::string model_note;       // why a model is missing, when one is
  double training_positive_rate = 0;
  double mean_optimal_leverage = 0;
  int constant_leverage_x = 1;  // the training-mean label, rounded
  size_t test_signals = 0;
};

struct VariantReport {
  std::string id, description;
  std::vector<double> daily;        // every fold's test days, in order
  size_t trades = 0, liquidations = 0;
  double trades_per_month = 0, total_return = 0, max_drawdown = 0, mean_roi_on_margin = 0;
  analytics::Interval sharpe;
  double deflated_sharpe = 0;
  bool passes_absolute = false;
  std::string absolute_verdict;     // PASS, or every reason it fails
  std::string relative_verdict;     // the seed's bar against fixed_20x, labelled relative
};

struct NullReport {
  size_t draws = 0, trades = 0, pool = 0;
  double observed = 0, p_value = 1, q05 = 0, q50 = 0, q95 = 0;  // mean return on margin per trade
  std::string pool_variant;
};

// How often the simulated label and the engine agree on whether a trade paid.
struct LabelCheck {
  size_t compared = 0, same_sign = 0;
};

struct ResearchReport {
  std::string config_hash, parameters;
  TimestampMs from_ms = 0, to_ms = 0;
  size_t samples = 0;
  std::vector<FoldReport> folds;
  std::vector<VariantReport> variants;  // every variant tried, in the order tried
  analytics::Interval oos_auc;          // the model's, pooled over every test window
  double oos_auc_atr_pct = 0.5;         // atr_pct alone as the score, same rows
  size_t oos_auc_rows = 0;
  size_t volatility_rows = 0;
  double volatility_r2_model = 0, volatility_r2_naive = 0;
  NullReport null;
  LabelCheck label_check;
  std::string verdict;
};

using ResearchLog = std::function<void(const std::string&)>;

// Runs every fold; writes each fold's model into out_dir/fold-<k>/, the dataset as
// out_dir/dataset.csv.gz and every test-window trade with its post-hoc optimal leverage as
// out_dir/trades.csv. `config_text` is hashed with the research parameters.
ResearchReport run_research(const std::vector<marketdata::SymbolData>& data, const strategy::RunConfig& base, const ResearchConfig& rc,
                            const std::string& config_text, const std::string& out_dir, const ResearchLog& log = {});

std::string render_research(const ResearchReport& report);

}  // namespace fulcrum::research
