#pragma once
// Walk-forward research that fits: each fold's training window trains the trade-quality model
// on purged, embargoed samples; its test window only applies it, inside the backtest engine
// (occupancy, funding, mark-price liquidation), beside every baseline. Everything that decides
// the outcome (folds, seed, hyperparameters, thresholds) is in ResearchConfig before the run and
// printed with its hash.
#include <functional>
#include <optional>
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
// The hash every fold's outcome carries: the config file's text with the research parameters.
std::string research_config_hash(const std::string& config_text, const ResearchConfig& rc);

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

// What a run fixes before any work: the window, the folds, the leverages every signal is
// simulated at, and the hash each fold's outcome must carry. Throws std::invalid_argument
// when no fold fits the window.
struct ResearchPlan {
  std::string config_hash, parameters;
  TimestampMs from_ms = 0, to_ms = 0;
  std::vector<int> candidates;
  int trade_quality_x = 1;
  std::vector<backtest::WalkForwardFold> folds;
};
ResearchPlan plan_research(const strategy::RunConfig& base, const ResearchConfig& rc, const std::string& config_text);

// Every signal with its labels, and a digest of the dataset's CSV: folds computed in separate
// processes (or pods) must have seen the same data, and the merge checks that they did.
struct ResearchDataset {
  std::vector<SignalSample> samples;
  std::string csv;     // dataset.csv.gz's text
  std::string digest;  // its sha256, 16 hex
};
ResearchDataset build_research_dataset(const std::vector<marketdata::SymbolData>& data, const strategy::RunConfig& base, const ResearchConfig& rc,
                                       const ResearchPlan& plan);
// <run_dir>/dataset.csv.gz for outside tools.
void write_research_dataset(const std::string& run_dir, const ResearchDataset& dataset);

// How often the simulated label and the engine agree on whether a trade paid.
struct LabelCheck {
  size_t compared = 0, same_sign = 0;
};

struct TrainingRows {
  size_t in_window = 0, kept = 0, purged = 0;
  TimestampMs embargo_ms = 0, longest_hold_ms = 0;
};

struct FoldReport {
  backtest::WalkForwardFold fold;
  TrainingRows training;
  std::string model_version, model_path;  // model paths relative to the run folder
  std::string volatility_model_version, volatility_model_path;
  std::string model_note;       // why a model is missing, when one is
  double training_positive_rate = 0;
  double mean_optimal_leverage = 0;
  int constant_leverage_x = 1;  // the training-mean label, rounded
  size_t test_signals = 0;
};

// One variant's test window in one fold.
struct VariantOutcome {
  std::string id, description;
  std::vector<double> daily;             // the test window's daily returns
  std::vector<double> return_on_margin;  // per closed trade
  size_t liquidations = 0;
};

// Everything the report needs from one fold, written as <run_dir>/fold-<k>/outcome.json: what
// a fold computed alone (a process, a pod) and what the merge reads back, the same either way.
struct FoldOutcome {
  std::string config_hash;
  size_t index = 0, fold_count = 0;  // 1-based
  TimestampMs from_ms = 0, to_ms = 0;
  size_t samples = 0;
  std::string dataset_digest;
  int trade_quality_x = 1;  // the random-skip null draws from fixed at this leverage
  FoldReport report;
  std::vector<VariantOutcome> variants;
  std::vector<double> oos_scores, oos_atr_pct;  // the model's P(pays) and atr_pct per test signal
  std::vector<int> oos_labels;
  std::vector<double> volatility_truth, volatility_model, volatility_naive;
  LabelCheck label_check{};
};

std::string fold_dir_name(size_t k);  // "fold-<k>"
std::string fold_outcome_json(const FoldOutcome& outcome);
// Throws core::DataError naming `source` and the field that is missing, mistyped or not finite.
FoldOutcome parse_fold_outcome(const std::string& text, const std::string& source);
// The outcome.json of fold k in `run_dir`, or nullopt when that fold has not finished.
std::optional<FoldOutcome> read_fold_outcome(const std::string& run_dir, size_t k);

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

// Trains fold k (1-based) on its purged training rows and tests every variant on its test
// window. Writes <run_dir>/fold-<k>/: the models, trades.csv (every test-window trade with its
// post-hoc optimal leverage), and outcome.json last, atomically, so a fold with an outcome is
// whole. The same config, data and k give the same files in any process.
FoldOutcome run_fold(const std::vector<marketdata::SymbolData>& data, const strategy::RunConfig& base, const ResearchConfig& rc, const ResearchPlan& plan,
                     const ResearchDataset& dataset, size_t k, const std::string& run_dir, const ResearchLog& log = {});

// The report from every fold's outcome, however they were computed: refuses (core::DataError
// naming the fold's file) outcomes of another config, window, dataset or fold count, and a set
// that is not folds 1..N. Writes <run_dir>/trades.csv from the folds' own.
ResearchReport merge_research(const std::vector<FoldOutcome>& folds, const ResearchConfig& rc, const std::string& config_text, const std::string& run_dir);

// One process: plans, builds the dataset (out_dir/dataset.csv.gz), runs every fold, and merges
// what the folds wrote. `config_text` is hashed with the research parameters.
ResearchReport run_research(const std::vector<marketdata::SymbolData>& data, const strategy::RunConfig& base, const ResearchConfig& rc,
                            const std::string& config_text, const std::string& out_dir, const ResearchLog& log = {});

std::string render_research(const ResearchReport& report);

}  // namespace fulcrum::research
