#include "fulcrum/backtest/report_writer.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "fulcrum/analytics/report.h"
#include "fulcrum/core/time_format.h"

namespace fulcrum::backtest {
namespace fs = std::filesystem;
namespace {

std::string csv_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  if (!out) throw std::runtime_error(path + ": write failed");
}

analytics::PolicyMetrics metrics_for(const PolicyRun& run, const BacktestResult& result, double initial_equity) {
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

std::string decisions_csv(const std::vector<DecisionRecord>& decisions) {
  std::string out = "time_utc,symbol,side,leverage_x,notional,quantity,outcome,leverage_decision_reason\n";
  for (const auto& d : decisions) {
    char notional[32];
    std::snprintf(notional, sizeof notional, "%.2f", d.notional);
    out += core::format_utc_ms(d.time_ms) + "," + d.symbol + "," + d.side + "," + std::to_string(d.leverage_x) + "," + notional + "," +
           d.quantity + "," + csv_quote(d.outcome) + "," + csv_quote(d.reason_json) + "\n";
  }
  return out;
}

std::vector<analytics::PolicyMetrics> write_report(const std::string& out_dir_text, const BacktestResult& result, double initial_equity) {
  std::vector<analytics::PolicyMetrics> metrics;
  std::vector<analytics::NamedCurve> curves;
  for (const auto& run : result.runs) {
    metrics.push_back(metrics_for(run, result, initial_equity));
    curves.push_back({run.policy, run.equity_curve});
  }
  const fs::path out_dir = out_dir_text;
  const fs::path scratch = out_dir.string() + ".partial-" + std::to_string(getpid());
  fs::remove_all(scratch);
  fs::create_directories(scratch);
  write_file((scratch / "summary.md").string(), analytics::render_markdown(metrics));
  write_file((scratch / "summary.csv").string(), analytics::render_csv(metrics));
  write_file((scratch / "summary.json").string(), analytics::render_json(metrics));
  write_file((scratch / "equity.svg").string(), analytics::render_equity_svg(curves, "Equity by leverage policy, " + core::format_utc_ms(result.from_ms).substr(0, 10) +
                                                                               " → " + core::format_utc_ms(result.to_ms).substr(0, 10)));
  for (const auto& run : result.runs) {
    write_file((scratch / ("ledger-" + run.policy + ".csv")).string(), ledger_csv(run.venue->ledger()));
    write_file((scratch / ("trades-" + run.policy + ".csv")).string(), trades_csv(*run.venue));
    if (!run.decisions.empty()) write_file((scratch / ("decisions-" + run.policy + ".csv")).string(), decisions_csv(run.decisions));
  }
  fs::remove_all(out_dir);
  fs::create_directories(out_dir.parent_path().empty() ? fs::path(".") : out_dir.parent_path());
  fs::rename(scratch, out_dir);
  return metrics;
}

}  // namespace fulcrum::backtest
