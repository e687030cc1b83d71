// `fulcrum backtest`: every leverage policy on the same real data, one report.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.h"
#include "fulcrum/analytics/report.h"
#include "fulcrum/backtest/data_loader.h"
#include "fulcrum/config/app_config.h"
#include "fulcrum/core/error.h"
#include "fulcrum/core/time_format.h"

namespace fulcrum::cli {
namespace fs = std::filesystem;

namespace {

struct BacktestOptions {
  std::string config = "deploy/config/backtest.yaml";
  std::string klines, funding, mark_price, from, to, out;
  std::vector<std::string> symbols, policies;
  bool strict = false, no_progress = false, walk_forward = false;
  int train_days = 30, test_days = 14;
};

std::string csv_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error(path.string() + ": write failed");
}

analytics::PolicyMetrics metrics_for(const backtest::PolicyRun& run, const backtest::BacktestResult& result, double initial_equity) {
  analytics::MetricsInput in;
  in.policy = run.policy;
  in.from_ms = result.from_ms;
  in.to_ms = result.to_ms;
  in.initial_equity = initial_equity;
  in.equity_curve = run.equity_curve;
  for (const auto& t : run.venue->closed_trades())
    in.trades.push_back({t.open_ms, t.close_ms, t.net_pnl().to_double(), t.max_margin.to_double(), t.equity_at_open.to_double(), t.liquidated});
  const auto& ledger = run.venue->ledger();
  in.fees_paid = -(ledger.total(venue::LedgerKind::kTradeFee) + ledger.total(venue::LedgerKind::kLiquidationFee)).to_double();
  in.funding_net = ledger.total(venue::LedgerKind::kFunding).to_double();
  return analytics::compute_metrics(in);
}

std::string ledger_csv(const venue::Ledger& ledger) {
  std::string out = "seq,time_utc,time_ms,symbol,kind,amount,balance_after,ref,detail\n";
  for (const auto& e : ledger.entries()) {
    out += std::to_string(e.seq) + "," + core::format_utc_ms(e.time_ms) + "," + std::to_string(e.time_ms) + "," + e.symbol + "," +
           venue::to_string(e.kind) + "," + e.amount.str() + "," + e.balance_after.str() + "," + e.ref + "," + csv_quote(e.detail) + "\n";
  }
  return out;
}

std::string trades_csv(const venue::PaperVenue& v) {
  std::string out =
      "symbol,side,open_time,close_time,entries,leverage_x,first_entry_price,exit_price,max_quantity,max_margin,realized_pnl,fees,funding,"
      "net_pnl,return_on_margin,liquidated,leverage_decision_reason\n";
  for (const auto& t : v.closed_trades()) {
    char rom[32];
    std::snprintf(rom, sizeof rom, "%.6f", t.max_margin.raw ? t.net_pnl().to_double() / t.max_margin.to_double() : 0.0);
    out += t.symbol + "," + model::to_string(t.side) + "," + core::format_utc_ms(t.open_ms) + "," + core::format_utc_ms(t.close_ms) + "," +
           std::to_string(t.entries) + "," + std::to_string(t.leverage_x) + "," + t.first_entry_price.str() + "," + t.exit_price.str() + "," +
           t.max_quantity.str() + "," + t.max_margin.str() + "," + t.realized_pnl.str() + "," + t.fees.str() + "," + t.funding.str() + "," +
           t.net_pnl().str() + "," + rom + "," + (t.liquidated ? "true" : "false") + "," + csv_quote(t.decision_reason) + "\n";
  }
  return out;
}

std::string decisions_csv(const std::vector<backtest::DecisionRecord>& decisions) {
  std::string out = "time_utc,symbol,side,leverage_x,notional,quantity,outcome,leverage_decision_reason\n";
  for (const auto& d : decisions) {
    char notional[32];
    std::snprintf(notional, sizeof notional, "%.2f", d.notional);
    out += core::format_utc_ms(d.time_ms) + "," + d.symbol + "," + d.side + "," + std::to_string(d.leverage_x) + "," + notional + "," +
           d.quantity + "," + csv_quote(d.outcome) + "," + csv_quote(d.reason_json) + "\n";
  }
  return out;
}

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  void operator()(double f) {
    if (!enabled_) return;
    const int pct = static_cast<int>(f * 100);
    if (pct == last_) return;
    last_ = pct;
    std::string bar(static_cast<size_t>(pct / 2), '#');
    bar.resize(50, ' ');
    std::fprintf(stderr, "\r  [%s] %3d%%", bar.c_str(), pct);
    if (pct >= 100) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }
 private:
  bool enabled_;
  int last_ = -1;
};

config::AppConfig resolve_config(const BacktestOptions& o) {
  auto cfg = config::load_app_config(o.config);
  if (!o.klines.empty()) cfg.data.klines = o.klines;
  if (!o.funding.empty()) cfg.data.funding = o.funding == "none" ? "" : o.funding;
  if (!o.mark_price.empty()) cfg.data.mark_price = o.mark_price == "none" ? "" : o.mark_price;
  if (!o.symbols.empty()) cfg.data.symbols = o.symbols;
  if (o.strict) cfg.data.validation = marketdata::ValidationMode::kStrict;
  auto date = [](const std::string& flag, const std::string& v) {
    auto t = core::parse_utc_ms(v);
    if (!t) throw core::ConfigError("--" + flag, {{flag, "must be a UTC date like 2025-02-01, got '" + v + "'"}});
    return *t;
  };
  if (!o.from.empty()) cfg.backtest.from_ms = date("from", o.from);
  if (!o.to.empty()) cfg.backtest.to_ms = date("to", o.to);
  if (!o.policies.empty() && !(o.policies.size() == 1 && o.policies[0] == "all")) {
    const auto known = leverage::policy_names();
    for (const auto& p : o.policies)
      if (std::find(known.begin(), known.end(), p) == known.end())
        throw core::ConfigError("--policies", {{"policies", "unknown policy '" + p + "'"}});
    cfg.backtest.policy_names = o.policies;
  }
  if (!o.out.empty()) cfg.output.dir = o.out;
  else cfg.output.dir = (fs::path(o.config).parent_path() / cfg.output.dir).lexically_normal().string();
  return cfg;
}

// Fills from/to from the data when the config leaves them open.
void default_window(config::AppConfig& cfg, const std::vector<backtest::SymbolData>& data) {
  core::TimestampMs first = std::numeric_limits<core::TimestampMs>::max(), last = 0;
  for (const auto& d : data) {
    if (d.bars.empty()) continue;
    first = std::min(first, d.bars.front().open_time_ms);
    last = std::max(last, d.bars.back().close_time_ms());
  }
  if (cfg.backtest.from_ms == 0) cfg.backtest.from_ms = first + 7 * core::kMsPerDay;  // a week of warm-up
  if (cfg.backtest.to_ms == 0) cfg.backtest.to_ms = last;
  if (cfg.backtest.to_ms <= cfg.backtest.from_ms)
    throw core::ConfigError(cfg.source, {{"backtest.to", "the window " + core::format_utc_ms(cfg.backtest.from_ms) + " → " +
                                                             core::format_utc_ms(cfg.backtest.to_ms) + " is empty for this data"}});
}

int run_walk_forward(const BacktestOptions& o, config::AppConfig& cfg, const std::vector<backtest::SymbolData>& data) {
  const auto folds = backtest::walk_forward_folds(cfg.backtest.from_ms, cfg.backtest.to_ms, o.train_days * core::kMsPerDay,
                                                  o.test_days * core::kMsPerDay);
  if (folds.empty()) throw core::ConfigError("--walk-forward", {{"train-days/test-days", "no fold fits in the backtest window"}});
  std::vector<analytics::WalkForwardRow> rows;
  for (size_t i = 0; i < folds.size(); ++i) {
    const auto& f = folds[i];
    std::fprintf(stderr, "fold %zu/%zu: train %s → %s, test %s → %s\n", i + 1, folds.size(), core::format_utc_ms(f.train_from_ms).substr(0, 10).c_str(),
                 core::format_utc_ms(f.train_to_ms).substr(0, 10).c_str(), core::format_utc_ms(f.test_from_ms).substr(0, 10).c_str(),
                 core::format_utc_ms(f.test_to_ms).substr(0, 10).c_str());
    auto window = cfg.backtest;
    window.from_ms = f.train_from_ms, window.to_ms = f.train_to_ms;
    const auto is = backtest::run_backtest(data, window);
    window.from_ms = f.test_from_ms, window.to_ms = f.test_to_ms;
    const auto oos = backtest::run_backtest(data, window);
    const std::string label = core::format_utc_ms(f.train_from_ms).substr(0, 10) + ".." + core::format_utc_ms(f.train_to_ms).substr(0, 10) +
                              " \\| " + core::format_utc_ms(f.test_from_ms).substr(0, 10) + ".." + core::format_utc_ms(f.test_to_ms).substr(0, 10);
    for (size_t p = 0; p < is.runs.size(); ++p)
      rows.push_back({label, metrics_for(is.runs[p], is, cfg.backtest.initial_equity), metrics_for(oos.runs[p], oos, cfg.backtest.initial_equity)});
  }
  const std::string table = analytics::render_walk_forward(rows);
  std::cout << "\nWalk-forward: in-sample (IS) next to out-of-sample (OOS)\n\n" << table;
  fs::create_directories(cfg.output.dir);
  write_file(fs::path(cfg.output.dir) / "walk_forward.md", table);
  std::cout << "\nwritten: " << (fs::path(cfg.output.dir) / "walk_forward.md").string() << "\n";
  return 0;
}

int run(const BacktestOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  auto cfg = resolve_config(o);
  if (cfg.data.klines.empty()) throw core::ConfigError(cfg.source, {{"data.klines", "is required (or pass --data)"}});
  auto loaded = backtest::load_data(cfg.data, [&](const std::string& s) { return cfg.spec_for(s); });
  for (const auto& r : loaded.reports) std::cerr << "data: " << r << "\n";
  default_window(cfg, loaded.symbols);
  const auto t_loaded = std::chrono::steady_clock::now();
  std::cerr << "loaded " << loaded.symbols.size() << " symbols in "
            << std::chrono::duration<double>(t_loaded - t0).count() << " s; backtesting " << core::format_utc_ms(cfg.backtest.from_ms) << " → "
            << core::format_utc_ms(cfg.backtest.to_ms) << "\n";
  if (o.walk_forward) return run_walk_forward(o, cfg, loaded.symbols);

  ProgressBar progress(!o.no_progress && isatty(STDERR_FILENO));
  const auto result = backtest::run_backtest(loaded.symbols, cfg.backtest, std::ref(progress));
  const auto t_done = std::chrono::steady_clock::now();

  std::vector<analytics::PolicyMetrics> metrics;
  std::vector<analytics::NamedCurve> curves;
  for (const auto& run : result.runs) {
    metrics.push_back(metrics_for(run, result, cfg.backtest.initial_equity));
    curves.push_back({run.policy, run.equity_curve});
  }

  // Everything is written to a scratch folder first: a failed run leaves no report behind.
  const fs::path out_dir = cfg.output.dir;
  const fs::path scratch = out_dir.string() + ".partial-" + std::to_string(getpid());
  fs::remove_all(scratch);
  fs::create_directories(scratch);
  const std::string md = analytics::render_markdown(metrics);
  write_file(scratch / "summary.md", md);
  write_file(scratch / "summary.csv", analytics::render_csv(metrics));
  write_file(scratch / "summary.json", analytics::render_json(metrics));
  write_file(scratch / "equity.svg", analytics::render_equity_svg(curves, "Equity by leverage policy, " + core::format_utc_ms(result.from_ms).substr(0, 10) +
                                                                               " → " + core::format_utc_ms(result.to_ms).substr(0, 10)));
  for (const auto& run : result.runs) {
    write_file(scratch / ("ledger-" + run.policy + ".csv"), ledger_csv(run.venue->ledger()));
    write_file(scratch / ("trades-" + run.policy + ".csv"), trades_csv(*run.venue));
    write_file(scratch / ("decisions-" + run.policy + ".csv"), decisions_csv(run.decisions));
  }
  fs::remove_all(out_dir);
  fs::create_directories(out_dir.parent_path().empty() ? fs::path(".") : out_dir.parent_path());
  fs::rename(scratch, out_dir);

  std::cout << "\nFulcrum backtest: " << loaded.symbols.size() << " symbols, " << core::format_utc_ms(result.from_ms) << " → "
            << core::format_utc_ms(result.to_ms) << ", " << result.base_bars << " bars, " << result.signals << " signals, initial equity "
            << cfg.backtest.initial_equity << " USDT\n\n"
            << analytics::render_text_table(metrics) << "\n";
  std::cout << "report: " << out_dir.string() << "/{summary.md,summary.csv,summary.json,equity.svg,ledger-*.csv,trades-*.csv,decisions-*.csv}\n";
  char timing[160];
  std::snprintf(timing, sizeof timing, "time: load %.2f s, backtest %.2f s (%.0f bars/s across %zu policies)\n",
                std::chrono::duration<double>(t_loaded - t0).count(), std::chrono::duration<double>(t_done - t_loaded).count(),
                static_cast<double>(result.base_bars) / std::chrono::duration<double>(t_done - t_loaded).count(), result.runs.size());
  std::cerr << timing;
  return 0;
}

}  // namespace

Runner add_backtest_command(CLI::App& app) {
  auto opts = std::make_shared<BacktestOptions>();
  auto* cmd = app.add_subcommand("backtest", "Compare leverage policies on real history");
  cmd->add_option("-c,--config", opts->config, "YAML config")->capture_default_str();
  cmd->add_option("--data", opts->klines, "kline folder or file (overrides data.klines)");
  cmd->add_option("--funding", opts->funding, "funding folder, or 'none'");
  cmd->add_option("--mark-price", opts->mark_price, "mark-price kline folder, or 'none'");
  cmd->add_option("--symbols", opts->symbols, "symbols (default: all found)")->delimiter(',');
  cmd->add_option("--from", opts->from, "start of the trading window, UTC date");
  cmd->add_option("--to", opts->to, "end of the trading window, UTC date");
  cmd->add_option("--policies", opts->policies, "policies, comma separated, or 'all'")->delimiter(',');
  cmd->add_option("-o,--out", opts->out, "report folder (overrides output.dir)");
  cmd->add_flag("--strict", opts->strict, "fail on the first data problem");
  cmd->add_flag("--no-progress", opts->no_progress, "no progress bar");
  cmd->add_flag("--walk-forward", opts->walk_forward, "in-sample and out-of-sample results side by side");
  cmd->add_option("--train-days", opts->train_days, "walk-forward train window")->capture_default_str()->check(CLI::Range(1, 3650));
  cmd->add_option("--test-days", opts->test_days, "walk-forward test window")->capture_default_str()->check(CLI::Range(1, 3650));
  return [opts] { return run(*opts); };
}

}  // namespace fulcrum::cli
