// `fulcrum backtest`: every leverage policy on the same real data, one report.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "run_loading.h"
#include "fulcrum/analytics/leaderboard.h"
#include "fulcrum/core/digest.h"
#include "fulcrum/backtest/engine.h"
#include "fulcrum/report/report_writer.h"
#include "fulcrum/analytics/report.h"
#include "fulcrum/marketdata/dataset.h"
#include "fulcrum/config/app_config.h"
#include "fulcrum/core/error.h"
#include "fulcrum/core/time_format.h"

namespace fulcrum::cli {
namespace fs = std::filesystem;

namespace {

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

}  // namespace

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
    for (const auto& p : o.policies)
      if (!leverage::is_policy_name(p))
        throw core::ConfigError("--policies", {{"policies", "unknown policy '" + p + "'"}});
    cfg.backtest.policy_names = o.policies;
  }
  if (!o.out.empty()) cfg.output.dir = o.out;
  else cfg.output.dir = (fs::path(o.config).parent_path() / cfg.output.dir).lexically_normal().string();
  return cfg;
}

namespace {

// Fills from/to from the data when the config leaves them open.
void default_window(config::AppConfig& cfg, const std::vector<marketdata::SymbolData>& data) {
  core::TimestampMs first = std::numeric_limits<core::TimestampMs>::max(), last = 0;
  for (const auto& d : data) {
    if (d.bars.empty()) continue;
    first = std::min(first, d.bars.front().open_time_ms);
    last = std::max(last, d.bars.back().close_time_ms());
  }
  if (cfg.backtest.from_ms == 0) cfg.backtest.from_ms = first + 7 * core::kMsPerDay;  // a week of warm-up
  if (cfg.backtest.to_ms == 0) cfg.backtest.to_ms = last;
  const std::string window = core::format_utc_ms(cfg.backtest.from_ms) + " → " + core::format_utc_ms(cfg.backtest.to_ms);
  if (cfg.backtest.to_ms <= cfg.backtest.from_ms) throw core::ConfigError(cfg.source, {{"backtest.to", "the window " + window + " is empty"}});
  // A window the data does not reach would print a table of zeros that looks like a result.
  size_t inside = 0;
  for (const auto& d : data)
    inside += static_cast<size_t>(std::count_if(d.bars.begin(), d.bars.end(), [&](const model::Bar& b) {
      return b.open_time_ms >= cfg.backtest.from_ms && b.open_time_ms < cfg.backtest.to_ms;
    }));
  if (inside == 0)
    throw core::ConfigError(cfg.source, {{"backtest.from/to", "no bar of the data falls inside the window " + window + "; the data covers " +
                                                                  core::format_utc_ms(first) + " → " + core::format_utc_ms(last)}});
}

int run_walk_forward(const BacktestOptions& o, config::AppConfig& cfg, const std::vector<marketdata::SymbolData>& data) {
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
                              " → " + core::format_utc_ms(f.test_from_ms).substr(0, 10) + ".." + core::format_utc_ms(f.test_to_ms).substr(0, 10);
    for (size_t p = 0; p < is.runs.size(); ++p)
      rows.push_back({label, report::metrics_for(is.runs[p], is, cfg.backtest.initial_equity), report::metrics_for(oos.runs[p], oos, cfg.backtest.initial_equity)});
  }
  const std::string table = analytics::render_walk_forward(rows);
  std::cout << "\nWalk-forward: in-sample (IS) next to out-of-sample (OOS)\n\n" << table;
  // Its own folder beside the backtest runs, never a file dropped into the root.
  const fs::path dir = report::make_run_dir(cfg.output.dir, report::new_run_name(cfg.source_text) + "-walk-forward", out_field(o));
  report::write_file((dir / "walk_forward.md").string(), table);
  report::point_latest(cfg.output.dir, dir.string());
  std::cout << "\nwritten: " << (dir / "walk_forward.md").string() << "\n";
  return 0;
}

}  // namespace

// The config with the command line over it, its data loaded and reported, the window filled.
LoadedRun load_run(const BacktestOptions& o) {
  auto cfg = resolve_config(o);
  if (cfg.data.klines.empty()) throw core::ConfigError(cfg.source, {{"data.klines", "is required (or pass --data)"}});
  // Refuse a folder of the user's before any work, not after a long run.
  report::prepare_output_root(cfg.output.dir, out_field(o), false);
  auto loaded = marketdata::load_data(cfg.data, [&](const std::string& s) { return cfg.spec_for(s); });
  for (const auto& r : loaded.reports) std::cerr << "data: " << r << "\n";
  default_window(cfg, loaded.symbols);
  for (const auto& v : strategy::variant_list(cfg.backtest))
    if (const auto problem = leverage::make_policy(v.policy, v.policies)->model_problem(); !problem.empty())
      std::cerr << "warning: variant " << v.id << " (" << v.policy << ") decides as rule_engine: " << problem << "\n";
  return {std::move(cfg), std::move(loaded)};
}

namespace {

int run(const BacktestOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  auto [cfg, loaded] = load_run(o);
  const auto t_loaded = std::chrono::steady_clock::now();
  std::cerr << "loaded " << loaded.symbols.size() << " symbols in "
            << std::chrono::duration<double>(t_loaded - t0).count() << " s; backtesting " << core::format_utc_ms(cfg.backtest.from_ms) << " → "
            << core::format_utc_ms(cfg.backtest.to_ms) << "\n";
  if (o.walk_forward) return run_walk_forward(o, cfg, loaded.symbols);

  ProgressBar progress(!o.no_progress && isatty(STDERR_FILENO));
  const auto result = backtest::run_backtest(loaded.symbols, cfg.backtest, std::ref(progress));
  const auto t_done = std::chrono::steady_clock::now();

  report::RunInfo info{"backtest", cfg.source, cfg.source_text, {}, true};
  for (const auto& d : loaded.symbols) info.symbols.push_back(d.spec.symbol);
  const auto run_dir = report::make_run_dir(cfg.output.dir, report::new_run_name(info.config_text), out_field(o));
  report::WrittenReport written;
  try {
    written = report::write_report(run_dir, result, cfg.backtest.initial_equity, info);
  } catch (...) {
    std::error_code ec;
    fs::remove(run_dir, ec);  // the empty folder made above; remove() leaves a non-empty one alone
    throw;
  }
  report::point_latest(cfg.output.dir, written.dir);
  const auto& metrics = written.metrics;
  const fs::path out_dir = written.dir;
  std::cout << "\nFulcrum backtest: " << loaded.symbols.size() << " symbols, " << core::format_utc_ms(result.from_ms) << " → "
            << core::format_utc_ms(result.to_ms) << ", " << result.base_bars << " bars, " << result.signals << " signals, initial equity "
            << cfg.backtest.initial_equity << " USDT\n\n"
            << analytics::render_text_table(metrics) << "\n"
            << "leaderboard (leaderboard.txt, leaderboard.json):\n"
            << written.leaderboard_text << "\n"
            << "pre-trade gate denials (mesh.risk; gate_denials.csv):\n"
            << report::gate_denials_table(result) << "\n";
  std::cout << "report: " << out_dir.string() << "/{summary.md,summary.csv,summary.json,equity.svg,ledger-*.csv,trades-*.csv,decisions-*.csv,orders-*.csv}"
            << " (also " << (fs::path(cfg.output.dir) / "latest").string() << ")\n";
  char timing[160];
  std::snprintf(timing, sizeof timing, "time: load %.2f s, backtest %.2f s (%.0f bars/s across %zu policies)\n",
                std::chrono::duration<double>(t_loaded - t0).count(), std::chrono::duration<double>(t_done - t_loaded).count(),
                static_cast<double>(result.base_bars + result.warmup_bars) / std::chrono::duration<double>(t_done - t_loaded).count(), result.runs.size());
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
