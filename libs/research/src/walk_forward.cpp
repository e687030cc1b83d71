#include "fulcrum/research/walk_forward.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numeric>
#include <random>
#include <fstream>
#include <iterator>
#include <sstream>

#include <unistd.h>

#include "fulcrum/core/digest.h"
#include "fulcrum/core/error.h"
#include "fulcrum/core/number_format.h"
#include "fulcrum/core/time_format.h"
#include "fulcrum/leverage/trade_features.h"
#include "fulcrum/report/report_writer.h"

namespace fulcrum::research {
namespace fs = std::filesystem;
namespace {

std::string day(TimestampMs t) { return core::format_utc_ms(t).substr(0, 10); }

std::string fixed3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

strategy::VariantSpec variant(const std::string& id, const std::string& policy, leverage::PolicySuiteConfig suite, const std::string& version = "") {
  strategy::VariantSpec v;
  v.id = id;
  v.policy = policy;
  v.policies = std::move(suite);
  v.version = version;
  return v;
}

struct Planned {
  strategy::VariantSpec spec;
  std::string description;
};

std::string fixed_id(int x) { return "fixed_" + std::to_string(x) + "x"; }

// Every variant a fold's test window runs: the learned policy and each baseline the issue
// names, all on the same signals in one engine pass.
std::vector<Planned> plan_variants(const strategy::RunConfig& base, const FoldReport& fold, const fs::path& run_dir) {
  const auto& suite = base.policies;
  const auto in_run = [&](const std::string& relative) { return relative.empty() ? relative : (run_dir / relative).string(); };
  std::vector<Planned> out;
  auto tq = suite;
  tq.trade_quality.model_path = in_run(fold.model_path);
  out.push_back({variant("trade_quality", "trade_quality", tq, fold.model_version),
                 "learned: P(pays after fees) at " + std::to_string(suite.trade_quality.leverage_x) + "x, skip below " +
                     core::short_number(suite.trade_quality.min_probability) + ", margin scaled by the edge"});
  auto vf = suite;
  vf.vol_forecast.model_path = in_run(fold.volatility_model_path);
  out.push_back({variant("vol_forecast", "vol_forecast", vf, fold.volatility_model_version),
                 "learned: forecast 1σ move, risk " + core::short_number(suite.vol_forecast.risk_fraction) + " of equity per σ at " +
                     std::to_string(suite.vol_forecast.leverage_x) + "x"});
  auto constant = suite;
  constant.fixed.leverage_x = fold.constant_leverage_x;
  out.push_back({variant("constant_mean_label", "fixed", constant), "constant leverage at the training-mean optimal label (per fold)"});
  std::vector<int> fixed_x{2, 5, 20};
  if (std::find(fixed_x.begin(), fixed_x.end(), suite.trade_quality.leverage_x) == fixed_x.end()) fixed_x.push_back(suite.trade_quality.leverage_x);
  for (const int x : fixed_x) {
    auto f = suite;
    f.fixed.leverage_x = x;
    out.push_back({variant(fixed_id(x), "fixed", f), "every signal at " + std::to_string(x) + "x, margin " + core::short_number(suite.fixed.margin_fraction)});
  }
  out.push_back({variant("rule_engine", "rule_engine", suite), "seed 002 plan A, the rule engine"});
  out.push_back({variant("vol_only", "vol_target", suite), "volatility only: margin by target ATR% / ATR%"});
  return out;
}

// Seed 002's trade log: every test-window trade with its leverage, the post-hoc optimal
// leverage of the signal that opened it (the dataset's, under the same exit rules) and the
// decision's reasons, the model's inputs and output among them.
void append_trades(std::string& csv, size_t fold, const std::vector<Planned>& plan, const report::RunResult& result, const std::vector<SignalSample>& samples,
                   double margin_fraction, TimestampMs signal_interval_ms, LabelCheck& check) {
  for (size_t v = 0; v < plan.size(); ++v) {
    for (const auto& t : result.runs[v].venue->closed_trades()) {
      // The signal that opened it: the latest on the symbol at or before the fill, within a signal bar.
      // The samples are in time order (build_dataset emits them instant by instant).
      const SignalSample* opener = nullptr;
      auto it = std::upper_bound(samples.begin(), samples.end(), t.open_ms, [](TimestampMs open_ms, const SignalSample& s) { return open_ms < s.signal_ms; });
      while (it != samples.begin() && !opener) {
        --it;
        if (t.open_ms - it->signal_ms > signal_interval_ms) break;
        if (it->symbol == t.symbol) opener = &*it;
      }
      const double margin = t.max_margin.to_double();
      // The simulated label and the engine's fill should tell the same story for a plain
      // fixed-leverage entry (one tranche, no pyramiding): count how often they do.
      if (opener && margin > 0 && plan[v].spec.policy == "fixed" && t.entries == 1) {
        const auto& candidates = opener->outcomes;
        const auto same = std::find_if(candidates.begin(), candidates.end(), [&](const LeverageOutcome& o) { return o.leverage_x == t.leverage_x; });
        if (same != candidates.end()) {
          ++check.compared;
          check.same_sign += (same->return_on_margin > 0) == (t.net_pnl().to_double() > 0);
        }
      }
      csv += std::to_string(fold) + "," + plan[v].spec.id + "," + t.symbol + "," + (t.side == model::Side::kBuy ? "BUY" : "SELL") + "," +
             core::format_utc_ms(t.open_ms) + "," + core::format_utc_ms(t.close_ms) + "," + std::to_string(t.leverage_x) + "," +
             (opener ? std::to_string(opener->optimal_leverage(margin_fraction)) : std::string("")) + "," + t.net_pnl().str() + "," +
             (margin > 0 ? core::short_number(t.net_pnl().to_double() / margin) : std::string("")) + "," + (t.liquidated ? "true" : "false") + "," +
             report::csv_quote(t.decision_reason) + "\n";
    }
  }
}

// 1 − SSE/SST of a forecast against the truth: 0 is the mean's skill, below 0 worse than it.
double r_squared(const std::vector<double>& truth, const std::vector<double>& forecast) {
  if (truth.size() < 2) return 0;
  const double mean = std::accumulate(truth.begin(), truth.end(), 0.0) / static_cast<double>(truth.size());
  double sse = 0, sst = 0;
  for (size_t i = 0; i < truth.size(); ++i) sse += (truth[i] - forecast[i]) * (truth[i] - forecast[i]), sst += (truth[i] - mean) * (truth[i] - mean);
  return sst > 0 ? 1 - sse / sst : 0;
}

double chained_max_drawdown(const std::vector<double>& daily) {
  double equity = 1, peak = 1, worst = 0;
  for (const double r : daily) {
    equity *= 1 + r;
    peak = std::max(peak, equity);
    worst = std::max(worst, 1 - equity / peak);
  }
  return worst;
}

}  // namespace

std::string describe(const ResearchConfig& rc) {
  std::ostringstream o;
  o << "train_days: " << rc.train_days << "\ntest_days: " << rc.test_days << "\nmin_embargo_hours: " << rc.min_embargo_hours << "\ncandidate_leverages: [";
  for (size_t i = 0; i < rc.candidate_leverages.size(); ++i) o << (i ? ", " : "") << rc.candidate_leverages[i];
  o << "]\nvol_horizon_hours: " << rc.vol_horizon_hours << "\nlabel_margin_fraction: " << rc.label_margin_fraction << "\nboosting: {rounds: " << rc.boosting.rounds << ", max_depth: " << rc.boosting.max_depth
    << ", learning_rate: " << rc.boosting.learning_rate << ", subsample: " << rc.boosting.subsample << ", column_subsample: " << rc.boosting.column_subsample
    << ", min_child_weight: " << rc.boosting.min_child_weight << ", l2: " << rc.boosting.l2 << ", seed: " << rc.boosting.seed << "}\nnull_draws: " << rc.null_draws
    << "\nbootstrap_resamples: " << rc.bootstrap_resamples << "\nseed: " << rc.seed << "\nmax_drawdown: " << rc.max_drawdown
    << "\nmin_trades_per_month: " << rc.min_trades_per_month << "\n";
  return o.str();
}

std::string research_config_hash(const std::string& config_text, const ResearchConfig& rc) {
  return core::sha256_hex(config_text + "\n---\n" + describe(rc)).substr(0, 12);
}

PurgedTraining purge_training(const std::vector<SignalSample>& samples, const backtest::WalkForwardFold& fold, TimestampMs min_embargo_ms) {
  PurgedTraining p;
  std::vector<size_t> in_window;
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto& s = samples[i];
    if (s.signal_ms < fold.train_from_ms || s.signal_ms >= fold.train_to_ms) continue;
    in_window.push_back(i);
    for (const auto& o : s.outcomes)
      if (!o.censored) p.longest_hold_ms = std::max(p.longest_hold_ms, o.exit_ms - s.entry_ms);
  }
  p.in_window = in_window.size();
  p.embargo_ms = std::max(min_embargo_ms, p.longest_hold_ms);
  for (const size_t i : in_window) {
    if (samples[i].label_end_ms() >= fold.test_from_ms - p.embargo_ms) ++p.purged;
    else p.kept.push_back(i);
  }
  return p;
}

int pays_after_fees(const SignalSample& s, int leverage_x) { return s.at(leverage_x).return_on_margin > 0 ? 1 : 0; }

ResearchPlan plan_research(const strategy::RunConfig& base, const ResearchConfig& rc, const std::string& config_text) {
  ResearchPlan plan;
  plan.parameters = describe(rc);
  plan.config_hash = research_config_hash(config_text, rc);
  plan.from_ms = base.from_ms;
  plan.to_ms = base.to_ms;
  plan.candidates = rc.candidate_leverages;
  plan.trade_quality_x = base.policies.trade_quality.leverage_x;
  if (std::find(plan.candidates.begin(), plan.candidates.end(), plan.trade_quality_x) == plan.candidates.end()) plan.candidates.push_back(plan.trade_quality_x);
  std::sort(plan.candidates.begin(), plan.candidates.end());
  plan.folds = backtest::walk_forward_folds(base.from_ms, base.to_ms, rc.train_days * core::kMsPerDay, rc.test_days * core::kMsPerDay);
  if (plan.folds.empty())
    throw std::invalid_argument("no walk-forward fold of " + std::to_string(rc.train_days) + " + " + std::to_string(rc.test_days) + " days fits in " +
                                day(base.from_ms) + " → " + day(base.to_ms));
  return plan;
}

ResearchDataset build_research_dataset(const std::vector<marketdata::SymbolData>& data, const strategy::RunConfig& base, const ResearchConfig& rc,
                                       const ResearchPlan& plan) {
  ResearchDataset d;
  d.samples = build_dataset(data, base, plan.candidates, rc.vol_horizon_hours * core::kMsPerHour);
  d.csv = dataset_csv(d.samples, plan.candidates, rc.label_margin_fraction);
  d.digest = core::sha256_hex(d.csv).substr(0, 16);
  return d;
}

void write_research_dataset(const std::string& run_dir, const ResearchDataset& dataset) {
  write_gzip_file((fs::path(run_dir) / "dataset.csv.gz").string(), dataset.csv);
}

std::string fold_dir_name(size_t k) { return "fold-" + std::to_string(k); }

FoldOutcome run_fold(const std::vector<marketdata::SymbolData>& data, const strategy::RunConfig& base, const ResearchConfig& rc, const ResearchPlan& plan,
                     const ResearchDataset& dataset, size_t k, const std::string& run_dir, const ResearchLog& log) {
  if (k < 1 || k > plan.folds.size())
    throw std::invalid_argument("fold " + std::to_string(k) + " does not exist: the plan has folds 1 to " + std::to_string(plan.folds.size()));
  const auto& samples = dataset.samples;
  const int tq_x = plan.trade_quality_x;
  FoldOutcome out;
  out.config_hash = plan.config_hash;
  out.index = k;
  out.fold_count = plan.folds.size();
  out.from_ms = plan.from_ms;
  out.to_ms = plan.to_ms;
  out.samples = samples.size();
  out.dataset_digest = dataset.digest;
  out.trade_quality_x = tq_x;
  FoldReport& f = out.report;
  f.fold = plan.folds[k - 1];
  const auto purged = purge_training(samples, f.fold, rc.min_embargo_hours * core::kMsPerHour);
  f.training = {purged.in_window, purged.kept.size(), purged.purged, purged.embargo_ms, purged.longest_hold_ms};
  std::vector<std::vector<float>> rows;
  std::vector<float> labels;
  double optimal_sum = 0;
  for (const size_t i : purged.kept) {
    rows.push_back(samples[i].features);
    labels.push_back(static_cast<float>(pays_after_fees(samples[i], tq_x)));
    optimal_sum += samples[i].optimal_leverage(rc.label_margin_fraction);
  }
  const double n = static_cast<double>(rows.size());
  f.training_positive_rate = rows.empty() ? 0 : std::accumulate(labels.begin(), labels.end(), 0.0) / n;
  f.mean_optimal_leverage = rows.empty() ? 1 : optimal_sum / n;
  f.constant_leverage_x = std::max(1, static_cast<int>(std::lround(f.mean_optimal_leverage)));
  const fs::path run = run_dir;
  const std::string fold_name = fold_dir_name(k);
  fs::create_directories(run / fold_name);
  // Both models learn from the same purged rows (the regressor from those whose volatility
  // label is complete) and carry their training window; a model that cannot be trained is
  // noted, and its variant then runs as rule_engine, every decision saying why.
  const auto train_and_save = [&](const std::vector<std::vector<float>>& x, const std::vector<float>& y, learn::Objective objective,
                                  const std::string& name, std::string& path, std::string& version) -> std::optional<learn::BoostedTrees> {
    auto params = rc.boosting;
    params.objective = objective;
    try {
      auto trained = learn::BoostedTrees::train(x, y, leverage::trade_feature_names(), params,
                                                {{"trained_from_ms", std::to_string(f.fold.train_from_ms)},
                                                 {"trained_to_ms", std::to_string(f.fold.test_from_ms)},
                                                 {"research_config_hash", plan.config_hash}});
      path = fold_name + "/" + name + ".json";
      // By rename: a retried fold (a pod started again) never leaves a torn model behind.
      const fs::path partial = run / fold_name / ("." + name + ".json." + std::to_string(::getpid()));
      trained.save(partial.string());
      fs::rename(partial, run / path);
      version = trained.version();
      return trained;
    } catch (const learn::ModelError& e) {
      f.model_note += (f.model_note.empty() ? "" : "; ") + name + ": " + e.what();
      return std::nullopt;
    }
  };
  const auto model = train_and_save(rows, labels, learn::Objective::kBinaryLogistic, "trade_quality", f.model_path, f.model_version);
  std::vector<std::vector<float>> vol_rows;
  std::vector<float> vol_labels;
  for (const size_t i : purged.kept)
    if (std::isfinite(samples[i].forward_volatility))
      vol_rows.push_back(samples[i].features), vol_labels.push_back(static_cast<float>(samples[i].forward_volatility));
  const auto vol_model =
      train_and_save(vol_rows, vol_labels, learn::Objective::kSquaredError, "vol_forecast", f.volatility_model_path, f.volatility_model_version);
  // The model's skill on the test window's signals, labelled after the fact.
  for (const auto& s : samples) {
    if (s.signal_ms < f.fold.test_from_ms || s.signal_ms >= f.fold.test_to_ms) continue;
    ++f.test_signals;
    if (vol_model && std::isfinite(s.forward_volatility)) {
      out.volatility_truth.push_back(s.forward_volatility);
      out.volatility_model.push_back(vol_model->predict(s.features.data(), s.features.size()));
      out.volatility_naive.push_back(s.naive_volatility);
    }
    if (!model) continue;
    out.oos_scores.push_back(model->predict(s.features.data(), s.features.size()));
    out.oos_atr_pct.push_back(s.features[0]);
    out.oos_labels.push_back(pays_after_fees(s, tq_x));
  }
  if (log)
    log("fold " + std::to_string(k) + "/" + std::to_string(plan.folds.size()) + ": train " + day(f.fold.train_from_ms) + " → " + day(f.fold.train_to_ms) +
        " (" + std::to_string(f.training.kept) + " rows, " + std::to_string(f.training.purged) + " purged), test " + day(f.fold.test_from_ms) + " → " +
        day(f.fold.test_to_ms) + ", model " + (f.model_version.empty() ? "none: " + f.model_note : f.model_version));

  const auto variants = plan_variants(base, f, run);
  auto cfg = base;
  cfg.from_ms = f.fold.test_from_ms;
  cfg.to_ms = f.fold.test_to_ms;
  cfg.policy_names.clear();
  cfg.ab = strategy::AbConfig{};
  for (const auto& p : variants) cfg.ab.variants.push_back(p.spec);
  cfg.ab.baseline = "fixed_20x";
  const auto result = backtest::run_backtest(data, cfg);
  std::string trades_csv;
  append_trades(trades_csv, k, variants, result, samples, rc.label_margin_fraction, base.strategy.signal_interval_ms, out.label_check);
  for (size_t v = 0; v < variants.size(); ++v) {
    const auto& run_v = result.runs[v];
    VariantOutcome o;
    o.id = variants[v].spec.id;
    o.description = variants[v].description;
    o.daily = analytics::daily_returns(run_v.equity_curve, cfg.initial_equity, cfg.from_ms, cfg.to_ms);
    for (const auto& t : run_v.venue->closed_trades()) {
      const double margin = t.max_margin.to_double();
      if (margin > 0) o.return_on_margin.push_back(t.net_pnl().to_double() / margin);
      o.liquidations += t.liquidated;
    }
    out.variants.push_back(std::move(o));
  }
  report::write_file((run / fold_name / "trades.csv").string(), trades_csv);
  // outcome.json last and by rename: a fold folder with an outcome is whole.
  const fs::path outcome = run / fold_name / "outcome.json";
  const fs::path partial = run / fold_name / (".outcome.json." + std::to_string(::getpid()));
  report::write_file(partial.string(), fold_outcome_json(out));
  fs::rename(partial, outcome);
  return out;
}

ResearchReport merge_research(const std::vector<FoldOutcome>& folds, const ResearchConfig& rc, const std::string& config_text, const std::string& run_dir) {
  if (folds.empty()) throw core::DataError(run_dir, 0, "no fold outcome to merge");
  const auto source = [&](const FoldOutcome& f) { return (fs::path(run_dir) / fold_dir_name(f.index) / "outcome.json").string(); };
  const FoldOutcome& first = folds.front();
  ResearchReport report;
  report.parameters = describe(rc);
  report.config_hash = research_config_hash(config_text, rc);
  report.from_ms = first.from_ms;
  report.to_ms = first.to_ms;
  report.samples = first.samples;
  // Folds computed apart must be of one run: the same config, window, data and plan.
  for (size_t i = 0; i < folds.size(); ++i) {
    const auto& f = folds[i];
    const auto refuse = [&](const std::string& why) { throw core::DataError(source(f), 0, why); };
    if (f.config_hash != report.config_hash)
      refuse("computed with config " + f.config_hash + ", but this merge's config (with its research: section) hashes to " + report.config_hash);
    if (f.fold_count != first.fold_count) refuse("planned " + std::to_string(f.fold_count) + " folds, " + source(first) + " " + std::to_string(first.fold_count));
    if (f.from_ms != first.from_ms || f.to_ms != first.to_ms)
      refuse("window " + day(f.from_ms) + " → " + day(f.to_ms) + " differs from " + source(first) + "'s " + day(first.from_ms) + " → " + day(first.to_ms));
    if (f.dataset_digest != first.dataset_digest || f.samples != first.samples)
      refuse("its dataset (" + std::to_string(f.samples) + " signals, digest " + f.dataset_digest + ") differs from " + source(first) + "'s (" +
             std::to_string(first.samples) + ", " + first.dataset_digest + "): the folds read different data");
    if (f.index != i + 1) refuse("is fold " + std::to_string(f.index) + " where fold " + std::to_string(i + 1) + " belongs");
    if (f.variants.size() != first.variants.size()) refuse("has " + std::to_string(f.variants.size()) + " variants, fold 1 " + std::to_string(first.variants.size()));
    for (size_t v = 0; v < f.variants.size(); ++v)
      if (f.variants[v].id != first.variants[v].id) refuse("variant " + std::to_string(v + 1) + " is " + f.variants[v].id + ", fold 1's " + first.variants[v].id);
  }
  if (folds.size() != first.fold_count)
    throw core::DataError(run_dir, 0, std::to_string(folds.size()) + " of " + std::to_string(first.fold_count) + " folds to merge");

  const size_t variant_count = first.variants.size();
  std::vector<std::vector<double>> daily(variant_count), roi(variant_count);
  std::vector<size_t> liquidations(variant_count);
  std::vector<double> oos_scores, oos_atr, vol_truth, vol_model_forecast, vol_naive_forecast;
  std::vector<int> oos_labels;
  const auto append = [](auto& to, const auto& from) { to.insert(to.end(), from.begin(), from.end()); };
  std::string trades_csv =
      "fold,variant,symbol,side,open_utc,close_utc,leverage_x,optimal_leverage,net_pnl,return_on_margin,liquidated,leverage_decision_reason\n";
  for (const auto& f : folds) {
    report.folds.push_back(f.report);
    for (size_t v = 0; v < variant_count; ++v) {
      append(daily[v], f.variants[v].daily);
      append(roi[v], f.variants[v].return_on_margin);
      liquidations[v] += f.variants[v].liquidations;
    }
    append(oos_scores, f.oos_scores), append(oos_atr, f.oos_atr_pct), append(oos_labels, f.oos_labels);
    append(vol_truth, f.volatility_truth), append(vol_model_forecast, f.volatility_model), append(vol_naive_forecast, f.volatility_naive);
    report.label_check.compared += f.label_check.compared;
    report.label_check.same_sign += f.label_check.same_sign;
    const fs::path fold_trades = fs::path(run_dir) / fold_dir_name(f.index) / "trades.csv";
    std::ifstream in(fold_trades, std::ios::binary);
    if (!in) throw core::DataError(fold_trades.string(), 0, "missing beside its outcome.json");
    trades_csv.append(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  report::write_file((fs::path(run_dir) / "trades.csv").string(), trades_csv);
  report.oos_auc = analytics::auc_interval(oos_scores, oos_labels, 0.95, rc.bootstrap_resamples / 2, rc.seed);
  report.oos_auc_atr_pct = analytics::roc_auc(oos_atr, oos_labels);
  report.oos_auc_rows = oos_labels.size();
  report.volatility_rows = vol_truth.size();
  report.volatility_r2_model = r_squared(vol_truth, vol_model_forecast);
  report.volatility_r2_naive = r_squared(vol_truth, vol_naive_forecast);

  std::vector<double> trial_sharpes;
  for (const auto& d : daily) trial_sharpes.push_back(analytics::per_period_sharpe(d));
  for (size_t v = 0; v < variant_count; ++v) {
    VariantReport r;
    r.id = first.variants[v].id;
    r.description = first.variants[v].description;
    r.daily = daily[v];
    r.trades = roi[v].size();
    r.liquidations = liquidations[v];
    const double months = static_cast<double>(r.daily.size()) / 30.4375;
    r.trades_per_month = months > 0 ? static_cast<double>(r.trades) / months : 0;
    double growth = 1;
    for (const double x : r.daily) growth *= 1 + x;
    r.total_return = growth - 1;
    r.max_drawdown = chained_max_drawdown(r.daily);
    r.mean_roi_on_margin = roi[v].empty() ? 0 : std::accumulate(roi[v].begin(), roi[v].end(), 0.0) / static_cast<double>(roi[v].size());
    r.sharpe = analytics::sharpe_interval(r.daily, 0.95, rc.bootstrap_resamples, 0, rc.seed);
    r.deflated_sharpe = analytics::deflated_sharpe_ratio(r.daily, trial_sharpes);
    std::vector<std::string> fails;
    if (!(r.sharpe.estimate > 0)) fails.push_back("Sharpe " + fixed3(r.sharpe.estimate) + " ≤ 0");
    if (!(r.sharpe.low > 0)) fails.push_back("95% CI low " + fixed3(r.sharpe.low) + " ≤ 0");
    if (r.max_drawdown > rc.max_drawdown) fails.push_back("max drawdown " + core::percent(r.max_drawdown) + " > " + core::percent(rc.max_drawdown));
    if (r.liquidations > 0) fails.push_back(std::to_string(r.liquidations) + " liquidations");
    if (r.trades_per_month < rc.min_trades_per_month)
      fails.push_back(core::short_number(r.trades_per_month) + " trades/month < " + core::short_number(rc.min_trades_per_month));
    r.passes_absolute = fails.empty();
    for (const auto& why : fails) r.absolute_verdict += (r.absolute_verdict.empty() ? "" : "; ") + why;
    if (r.passes_absolute) r.absolute_verdict = "PASS";
    report.variants.push_back(std::move(r));
  }
  // The seed's relative bar, against fixed 20x: Sharpe +10 % and max drawdown −20 %.
  const auto baseline = std::find_if(report.variants.begin(), report.variants.end(), [](const VariantReport& r) { return r.id == "fixed_20x"; });
  for (auto& r : report.variants) {
    if (baseline == report.variants.end() || r.id == baseline->id) {
      r.relative_verdict = "baseline";
      continue;
    }
    const double bar_sharpe = baseline->sharpe.estimate + 0.10 * std::abs(baseline->sharpe.estimate);
    const bool sharpe_ok = r.sharpe.estimate >= bar_sharpe;
    const bool dd_ok = r.max_drawdown <= 0.8 * baseline->max_drawdown;
    r.relative_verdict = sharpe_ok && dd_ok ? "passes (relative)" : "fails (relative)";
  }

  // The random-skip null: as many trades as trade_quality took, drawn from every trade the
  // same leverage took without a model; is the model's selection better than chance?
  const auto index_of = [&](const std::string& id) {
    for (size_t v = 0; v < variant_count; ++v)
      if (first.variants[v].id == id) return v;
    return variant_count;
  };
  const std::string pool_id = fixed_id(first.trade_quality_x);
  const size_t tq = index_of("trade_quality"), pool = index_of(pool_id);
  report.null.pool_variant = pool_id;
  if (tq < roi.size() && pool < roi.size() && !roi[tq].empty() && roi[tq].size() <= roi[pool].size()) {
    report.null.trades = roi[tq].size();
    report.null.pool = roi[pool].size();
    report.null.draws = static_cast<size_t>(std::max(1, rc.null_draws));
    report.null.observed = report.variants[tq].mean_roi_on_margin;
    std::mt19937_64 rng(rc.seed);
    std::vector<double> pool_roi = roi[pool], means;
    size_t at_least = 0;
    for (size_t d = 0; d < report.null.draws; ++d) {
      std::shuffle(pool_roi.begin(), pool_roi.end(), rng);
      const double m = std::accumulate(pool_roi.begin(), pool_roi.begin() + static_cast<long>(report.null.trades), 0.0) / static_cast<double>(report.null.trades);
      means.push_back(m);
      at_least += m >= report.null.observed;
    }
    std::sort(means.begin(), means.end());
    report.null.p_value = static_cast<double>(1 + at_least) / static_cast<double>(1 + report.null.draws);
    report.null.q05 = means[means.size() / 20];
    report.null.q50 = means[means.size() / 2];
    report.null.q95 = means[std::min(means.size() - 1, means.size() * 19 / 20)];
  }

  std::vector<std::string> passing;
  for (const auto& r : report.variants)
    if (r.passes_absolute) passing.push_back(r.id);
  if (passing.empty()) {
    report.verdict = "No variant passes the absolute bar (out-of-sample Sharpe > 0 with its 95% CI above 0, max drawdown ≤ " + core::percent(rc.max_drawdown) +
                     ", no liquidation, ≥ " + core::short_number(rc.min_trades_per_month) + " trades a month). That is the result.";
  } else {
    report.verdict = "Passing the absolute bar:";
    for (const auto& id : passing) report.verdict += " " + id;
    report.verdict += ". Check each one's deflated Sharpe: " + std::to_string(report.variants.size()) + " variants were tried.";
  }
  return report;
}

ResearchReport run_research(const std::vector<marketdata::SymbolData>& data, const strategy::RunConfig& base, const ResearchConfig& rc,
                            const std::string& config_text, const std::string& out_dir, const ResearchLog& log) {
  // Refuses a window no fold fits before any work or any file.
  const auto plan = plan_research(base, rc, config_text);
  if (log) log("dataset: every signal and its path at " + std::to_string(plan.candidates.size()) + " leverages");
  const auto dataset = build_research_dataset(data, base, rc, plan);
  write_research_dataset(out_dir, dataset);
  std::vector<FoldOutcome> folds;
  for (size_t k = 1; k <= plan.folds.size(); ++k) {
    run_fold(data, base, rc, plan, dataset, k, out_dir, log);
    // What the merge reads is what the fold wrote: the same path as folds run elsewhere.
    auto written = read_fold_outcome(out_dir, k);
    if (!written) throw core::DataError((fs::path(out_dir) / fold_dir_name(k) / "outcome.json").string(), 0, "not written");
    folds.push_back(std::move(*written));
  }
  return merge_research(folds, rc, config_text, out_dir);
}

std::string render_research(const ResearchReport& r) {
  std::ostringstream o;
  o << "# Walk-forward research: " << day(r.from_ms) << " → " << day(r.to_ms) << "\n\n";
  o << "config hash `" << r.config_hash << "`; " << r.samples << " signals in the dataset (dataset.csv.gz); " << r.folds.size() << " folds; "
    << r.variants.size() << " variants tried, all listed below.\n\n";
  o << "## Verdict\n\n" << r.verdict << "\n\n";
  o << "## Parameters (fixed before the run)\n\n```yaml\n" << r.parameters << "```\n\n";
  o << "## Folds\n\n| fold | train | test | rows kept | purged | embargo h | longest hold h | P(pays) train | mean optimal x | constant x | models (trade_quality / vol_forecast) |\n"
       "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (size_t k = 0; k < r.folds.size(); ++k) {
    const auto& f = r.folds[k];
    o << "| " << k + 1 << " | " << day(f.fold.train_from_ms) << " → " << day(f.fold.train_to_ms) << " | " << day(f.fold.test_from_ms) << " → "
      << day(f.fold.test_to_ms) << " | " << f.training.kept << " | " << f.training.purged << " | " << f.training.embargo_ms / core::kMsPerHour << " | "
      << f.training.longest_hold_ms / core::kMsPerHour << " | " << fixed3(f.training_positive_rate) << " | " << fixed3(f.mean_optimal_leverage) << " | "
      << f.constant_leverage_x << " | " << (f.model_version.empty() ? "none" : f.model_version) << " / "
      << (f.volatility_model_version.empty() ? "none" : f.volatility_model_version) << (f.model_note.empty() ? "" : " (" + f.model_note + ")") << " |\n";
  }
  o << "\n## Labels against the engine\n\nOn " << r.label_check.compared
    << " fixed-leverage trades of the test windows, the simulated label and the engine's net PnL have the same sign on "
    << (r.label_check.compared ? core::percent(static_cast<double>(r.label_check.same_sign) / static_cast<double>(r.label_check.compared)) : std::string("-"))
    << " (the engine adds funding, mark-price liquidation, the pre-trade gate's sizing and exact fills).\n";
  o << "\n## The model's skill out of sample\n\nROC AUC of P(pays after fees) on " << r.oos_auc_rows << " test-window signals: " << fixed3(r.oos_auc.estimate)
    << " [" << fixed3(r.oos_auc.low) << ", " << fixed3(r.oos_auc.high) << "] (95% bootstrap); `atr_pct` alone: " << fixed3(r.oos_auc_atr_pct) << ".\n\n"
    << "R² of vol_forecast's 1σ move over the horizon on " << r.volatility_rows << " test-window signals: " << fixed3(r.volatility_r2_model)
    << "; the naive forecast (EWMA σ · √(signal bars in the horizon)): " << fixed3(r.volatility_r2_naive) << ".\n\n";
  o << "## Every variant, out of sample (test windows chained)\n\n"
       "| variant | trades | trades/month | total return | Sharpe [95% CI] | deflated Sharpe | max DD | liquidations | mean ROI on margin | absolute bar | seed's bar (relative) |\n"
       "|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& v : r.variants)
    o << "| " << v.id << " | " << v.trades << " | " << core::short_number(v.trades_per_month) << " | " << core::percent(v.total_return) << " | "
      << fixed3(v.sharpe.estimate) << " [" << fixed3(v.sharpe.low) << ", " << fixed3(v.sharpe.high) << "] | " << fixed3(v.deflated_sharpe) << " | "
      << core::percent(v.max_drawdown) << " | " << v.liquidations << " | " << core::percent(v.mean_roi_on_margin) << " | " << v.absolute_verdict << " | "
      << v.relative_verdict << " |\n";
  o << "\n";
  for (const auto& v : r.variants) o << "- `" << v.id << "`: " << v.description << "\n";
  o << "\n## Random-skip null\n\n";
  if (r.null.draws == 0) {
    o << "Not drawn: trade_quality took no trade, or more than " << r.null.pool_variant << " did.\n";
  } else {
    o << r.null.draws << " draws of " << r.null.trades << " trades from the " << r.null.pool << " that " << r.null.pool_variant
      << " took: mean return on margin 5/50/95 % quantiles " << core::percent(r.null.q05) << " / " << core::percent(r.null.q50) << " / "
      << core::percent(r.null.q95) << "; trade_quality's " << core::percent(r.null.observed) << ", one-sided p = " << fixed3(r.null.p_value) << ".\n";
  }
  o << "\nMethod: Sharpe annualised from daily returns (√365), its interval a circular block bootstrap (blocks ⌈n^1/3⌉ days); deflated Sharpe "
       "(Bailey & López de Prado 2014) across every variant above; labels from each signal's simulated path (dataset.h), results from the "
       "backtest engine's paper venue; training rows purged when any candidate leverage's exit falls after the test start minus the embargo.\n";
  return o.str();
}

}  // namespace fulcrum::research
