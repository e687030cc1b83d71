#include "fulcrum/report/report_writer.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "fulcrum/analytics/leaderboard.h"
#include "fulcrum/analytics/report.h"
#include "fulcrum/core/clock.h"
#include "fulcrum/core/digest.h"
#include "fulcrum/core/error.h"
#include "fulcrum/core/time_format.h"

namespace fulcrum::report {
namespace fs = std::filesystem;
std::string csv_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

namespace {

constexpr const char* kRootMarker = ".fulcrum-output";

fs::path root_path(const std::string& root) { return root.empty() ? fs::path(".") : fs::path(root); }

void write_report_files(const fs::path& scratch, const RunResult& result, const std::vector<analytics::PolicyMetrics>& metrics,
                        const std::vector<analytics::NamedCurve>& curves, double initial_equity);

}  // namespace

void write_file(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  out.flush();
  if (!out) throw std::runtime_error(path + ": write failed (disk full or not writable?)");
}

namespace {
analytics::MetricsInput metrics_input(const PolicyRun& run, const RunResult& result, double initial_equity) {
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
  return in;
}
}  // namespace

analytics::PolicyMetrics metrics_for(const PolicyRun& run, const RunResult& result, double initial_equity) {
  return analytics::compute_metrics(metrics_input(run, result, initial_equity));
}

LeaderboardInput leaderboard_input(const RunResult& result, double initial_equity, std::optional<core::TimestampMs> live_through,
                                   const std::string& default_version, const std::string& default_config_hash) {
  auto rows = result.variant_rows;
  if (rows.empty())
    for (size_t r = 0; r < result.runs.size(); ++r) rows.push_back({result.runs[r].policy, r, {{"", "", result.from_ms}}, false});
  const TimestampMs end_ms = live_through ? std::max(*live_through, result.from_ms + 1) : result.to_ms;
  LeaderboardInput out;
  for (const auto& row : rows) {
    if (row.run >= result.runs.size()) continue;
    const auto& run = result.runs[row.run];
    analytics::MetricsInput in;
    const auto split = std::find_if(run.split_variants.begin(), run.split_variants.end(), [&](const auto& v) { return v.id == row.variant; });
    if (split != run.split_variants.end()) {
      // The variant's share of the split account: its budget, and what its orders opened.
      const auto v = static_cast<size_t>(split - run.split_variants.begin());
      in.policy = row.variant;
      in.from_ms = result.from_ms;
      in.to_ms = result.to_ms;
      in.initial_equity = initial_equity * split->margin_budget;
      in.equity_curve = run.variant_curves[v];
      for (const auto& t : run.venue->closed_trades())
        if (strategy::variant_of_order(run.split_variants, t.opened_by) == row.variant) {
          in.trades.push_back({t.open_ms, t.close_ms, t.net_pnl().to_double(), t.max_margin.to_double(), t.equity_at_open.to_double(), t.liquidated});
          in.fees_paid += t.fees.to_double();
          in.funding_net += t.funding.to_double();
        }
    } else {
      in = metrics_input(run, result, initial_equity);
      in.policy = row.variant;
    }
    if (live_through) {
      // Mid-run: the curve through the instant, ending at the equity as it stands.
      std::erase_if(in.equity_curve, [&](const analytics::EquityPoint& p) { return p.time_ms > end_ms; });
      in.equity_curve.push_back({end_ms, split != run.split_variants.end() ? attributed_equity(run, *split) : run.venue->equity().to_double()});
    }
    in.to_ms = end_ms;
    for (size_t s = 0; s < row.spans.size(); ++s) {
      const auto& span = row.spans[s];
      const TimestampMs from = s == 0 ? result.from_ms : span.from_ms;
      const TimestampMs to = s + 1 < row.spans.size() ? row.spans[s + 1].from_ms : end_ms;
      auto slice = row.spans.size() == 1 ? in : analytics::slice_metrics_input(in, from, to);
      if (row.spans.size() > 1) {
        // A version's fees and funding: the ledger's inside its span (the split account's: its trades').
        if (split != run.split_variants.end()) {
          for (const auto& t : run.venue->closed_trades())
            if (strategy::variant_of_order(run.split_variants, t.opened_by) == row.variant && t.open_ms >= from && t.open_ms < to)
              slice.fees_paid += t.fees.to_double(), slice.funding_net += t.funding.to_double();
        } else {
          for (const auto& e : run.venue->ledger().entries()) {
            if (e.time_ms < from || e.time_ms >= to) continue;
            if (e.kind == venue::LedgerKind::kTradeFee || e.kind == venue::LedgerKind::kLiquidationFee) slice.fees_paid -= e.amount.to_double();
            if (e.kind == venue::LedgerKind::kFunding) slice.funding_net += e.amount.to_double();
          }
        }
      }
      out.metrics.push_back(analytics::compute_metrics(slice));
      out.keys.push_back({row.variant, span.version.empty() ? default_version : span.version, span.config_hash.empty() ? default_config_hash : span.config_hash,
                          from, to});
    }
  }
  return out;
}

std::string ledger_csv(const venue::Ledger& ledger) {
  std::string out = "seq,time_utc,time_ms,symbol,kind,amount,balance_after,ref,detail\n";
  for (const auto& e : ledger.entries()) {
    out += std::to_string(e.seq) + "," + core::format_utc_ms(e.time_ms) + "," + std::to_string(e.time_ms) + "," + e.symbol + "," +
           venue::to_string(e.kind) + "," + e.amount.str() + "," + e.balance_after.str() + "," + e.ref + "," + csv_quote(e.detail) + "\n";
  }
  return out;
}

std::string trades_csv(const venue::Venue& v) {
  std::string out =
      "symbol,side,open_time,close_time,entries,leverage_x,first_entry_price,exit_price,max_quantity,max_margin,realized_pnl,fees,funding,"
      "net_pnl,return_on_margin,liquidated,opened_by,leverage_decision_reason\n";
  for (const auto& t : v.closed_trades()) {
    char rom[32];
    std::snprintf(rom, sizeof rom, "%.6f", t.max_margin.raw ? t.net_pnl().to_double() / t.max_margin.to_double() : 0.0);
    out += t.symbol + "," + model::to_string(t.side) + "," + core::format_utc_ms(t.open_ms) + "," + core::format_utc_ms(t.close_ms) + "," +
           std::to_string(t.entries) + "," + std::to_string(t.leverage_x) + "," + t.first_entry_price.str() + "," + t.exit_price.str() + "," +
           t.max_quantity.str() + "," + t.max_margin.str() + "," + t.realized_pnl.str() + "," + t.fees.str() + "," + t.funding.str() + "," +
           t.net_pnl().str() + "," + rom + "," + (t.liquidated ? "true" : "false") + "," + csv_quote(t.opened_by) + "," + csv_quote(t.decision_reason) + "\n";
  }
  return out;
}

std::string decisions_csv(const std::vector<strategy::DecisionRecord>& decisions) {
  std::string out = "variant,time_utc,symbol,side,leverage_x,notional,quantity,outcome,leverage_decision_reason\n";
  for (const auto& d : decisions) {
    char notional[32];
    std::snprintf(notional, sizeof notional, "%.2f", d.notional);
    out += d.variant + "," + core::format_utc_ms(d.time_ms) + "," + d.symbol + "," + d.side + "," + std::to_string(d.leverage_x) + "," + notional + "," +
           d.quantity + "," + csv_quote(d.outcome) + "," + csv_quote(d.reason_json) + "\n";
  }
  return out;
}

std::map<std::string, std::map<std::string, size_t>> gate_denials(const RunResult& result) {
  std::map<std::string, std::map<std::string, size_t>> out;
  constexpr std::string_view kDenied = "DENIED: ";
  for (const auto& run : result.runs) {
    auto& counts = out[run.policy];
    for (const auto& d : run.decisions) {
      if (d.outcome.rfind(kDenied, 0) != 0) continue;
      const auto rest = d.outcome.substr(kDenied.size());
      const auto reason = rest.substr(0, rest.find(':'));
      // A split account's variants are counted each under its own name.
      ++(run.split_variants.empty() || d.variant.empty() ? counts : out[d.variant])[reason];
    }
    if (!run.split_variants.empty() && counts.empty()) out.erase(run.policy);
  }
  return out;
}

std::string gate_denials_csv(const RunResult& result) {
  std::string out = "policy,reason,orders_denied\n";
  for (const auto& [policy, counts] : gate_denials(result))
    for (const auto& [reason, n] : counts) out += policy + "," + reason + "," + std::to_string(n) + "\n";
  return out;
}

std::string gate_denials_table(const RunResult& result) {
  std::string out;
  for (const auto& [policy, counts] : gate_denials(result)) {
    if (counts.empty()) continue;
    out += "  " + policy + ":";
    for (const auto& [reason, n] : counts) out += " " + reason + " " + std::to_string(n);
    out += "\n";
  }
  return out.empty() ? "  none\n" : out;
}

std::string order_outcomes_csv(const venue::Venue& v) {
  std::string out = "time_utc,client_order_id,symbol,end,reason\n";
  for (const auto& o : v.order_outcomes())
    out += core::format_utc_ms(o.time_ms) + "," + o.client_order_id + "," + o.symbol + "," + venue::to_string(o.end) + "," + csv_quote(o.reason) + "\n";
  return out;
}

void prepare_output_root(const std::string& root_text, const std::string& field, bool create) {
  const fs::path root = root_path(root_text);
  std::error_code ec;
  if (fs::exists(root, ec) && !fs::is_directory(root, ec))
    throw core::ConfigError(field, {{field, "'" + root.string() + "' exists and is not a folder"}}, "refused");
  if (fs::exists(root / kRootMarker, ec)) return;
  if (fs::is_directory(root, ec) && !fs::is_empty(root, ec)) {
    // A report written by an older Fulcrum straight into the folder is Fulcrum's too.
    const bool older_report = fs::exists(root / "summary.json", ec) && fs::exists(root / "summary.md", ec);
    if (!older_report)
      throw core::ConfigError(field, {{field, "'" + root.string() + "' is not empty and was not made by Fulcrum; " +
                                                  "choose a new or empty folder (Fulcrum never writes over files it did not write)"}},
                              "refused");
  }
  if (!create) return;
  fs::create_directories(root, ec);
  if (ec) throw core::ConfigError(field, {{field, "cannot create '" + root.string() + "': " + ec.message()}}, "refused");
  write_file((root / kRootMarker).string(), "Fulcrum report root: one folder per run, 'latest' links the newest.\n");
}

std::string new_run_name(const std::string& config_text) {
  const std::string stamp = core::format_utc_ms(core::WallClock().now_ms());  // 2026-11-24T04:15:00Z
  std::string compact;
  for (char c : stamp)
    if (c != '-' && c != ':') compact += c;
  return compact + "-" + core::sha256_hex(config_text).substr(0, 8);
}

namespace {
void check_run_name(const std::string& run_name) {
  if (run_name.empty() || run_name.find('/') != std::string::npos || run_name[0] == '.' || run_name == "latest")
    throw std::invalid_argument("run name '" + run_name + "' must be a plain folder name (not 'latest', not starting with '.')");
}
}  // namespace

std::string make_run_dir(const std::string& root_text, const std::string& run_name, const std::string& field) {
  check_run_name(run_name);
  prepare_output_root(root_text, field);
  const fs::path root = root_path(root_text);
  // create_directory is false when the folder exists: two runs in the same second each
  // get their own, and neither touches the other's.
  for (int n = 1;; ++n) {
    const fs::path dir = root / (n == 1 ? run_name : run_name + "-" + std::to_string(n));
    if (fs::create_directory(dir)) return dir.string();
  }
}

std::string shared_run_dir(const std::string& root_text, const std::string& run_name, const std::string& field) {
  check_run_name(run_name);
  prepare_output_root(root_text, field);
  const fs::path dir = root_path(root_text) / run_name;
  std::error_code ec;
  fs::create_directory(dir, ec);  // false, no error, when a sibling process made it first
  if (ec || !fs::is_directory(dir)) throw core::ConfigError(field, {{field, "cannot make the run folder '" + dir.string() + "'" + (ec ? ": " + ec.message() : "")}}, "refused");
  return dir.string();
}

void point_latest(const std::string& root_text, const std::string& run_dir) {
  const fs::path root = root_path(root_text);
  const fs::path link_tmp = root / (".latest-" + std::to_string(getpid()));
  std::error_code ec;
  fs::remove(link_tmp, ec);
  fs::create_directory_symlink(fs::path(run_dir).filename(), link_tmp, ec);
  if (!ec) fs::rename(link_tmp, root / "latest", ec);
  if (ec) fs::remove(link_tmp, ec);
}

WrittenReport write_report(const std::string& run_dir_text, const RunResult& result, double initial_equity, const RunInfo& info) {
  std::vector<analytics::PolicyMetrics> metrics;
  std::string leaderboard_text;
  std::vector<analytics::NamedCurve> curves;
  for (const auto& run : result.runs) {
    metrics.push_back(metrics_for(run, result, initial_equity));
    curves.push_back({run.policy, run.equity_curve});
  }
  const fs::path run_dir = run_dir_text;
  fs::create_directories(run_dir);
  if (fs::exists(run_dir / "run.json")) throw std::runtime_error(run_dir.string() + ": already holds a report; a run folder takes one report");
  const fs::path scratch = run_dir / (".partial-" + std::to_string(getpid()));
  try {
    fs::create_directories(scratch);
    nlohmann::json meta = {{"fulcrum_report", 1},
                           {"command", info.command},
                           {"complete", info.complete},
                           {"config", info.config_source},
                           {"config_sha256", core::sha256_hex(info.config_text)},
                           {"from", core::format_utc_ms(result.from_ms)},
                           {"to", core::format_utc_ms(result.to_ms)},
                           {"symbols", info.symbols},
                           {"policies", nlohmann::json::array()},
                           {"bars_in_window", result.base_bars},
                           {"warmup_bars", result.warmup_bars},
                           {"sharpe_convention", "annualised from per-interval equity returns, risk-free rate 0"},
                           {"written_utc", core::format_utc_ms(core::WallClock().now_ms())}};
    for (const auto& run : result.runs) meta["policies"].push_back(run.policy);
#ifdef FULCRUM_VERSION
    meta["version"] = FULCRUM_VERSION;
#endif
    write_file((scratch / "config.yaml").string(), info.config_text);
    write_report_files(scratch, result, metrics, curves, initial_equity);
    // summary.json: the figures with what they are figures of. No wall time and no command
    // in it, so the backtest's and the mesh's are byte-identical for the same run.
    nlohmann::json summary;
    for (const char* k : {"fulcrum_report", "complete", "config_sha256", "from", "to", "symbols", "sharpe_convention", "version"})
      if (meta.contains(k)) summary[k] = meta[k];
    summary["results"] = nlohmann::json::parse(analytics::render_json(metrics));
    write_file((scratch / "summary.json").string(), summary.dump(2) + "\n");
    const auto rows = leaderboard_input(result, initial_equity, std::nullopt, summary.value("version", ""), core::sha256_hex(info.config_text));
    analytics::LeaderboardSettings board_settings;
    board_settings.baseline = result.baseline;
    const auto board = analytics::build_leaderboard(rows.metrics, rows.keys, board_settings);
    leaderboard_text = analytics::render_leaderboard_text(board, board_settings);
    write_file((scratch / "leaderboard.txt").string(), leaderboard_text);
    write_file((scratch / "leaderboard.json").string(), analytics::render_leaderboard_json(board, board_settings));
    write_file((scratch / "run.json").string(), meta.dump(2) + "\n");
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(scratch))
      if (e.path().filename() != "run.json") files.push_back(e.path().filename());
    for (const auto& f : files) fs::rename(scratch / f, run_dir / f);
    fs::rename(scratch / "run.json", run_dir / "run.json");  // last: its presence means the report is whole
    fs::remove(scratch);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(scratch, ec);  // ours alone: created above under a name no one else uses
    throw;
  }
  return {run_dir.string(), std::move(metrics), std::move(leaderboard_text)};
}

namespace {
void write_report_files(const fs::path& scratch, const RunResult& result, const std::vector<analytics::PolicyMetrics>& metrics,
                        const std::vector<analytics::NamedCurve>& curves, double initial_equity) {
  write_file((scratch / "summary.md").string(), analytics::render_markdown(metrics));
  write_file((scratch / "summary.csv").string(), analytics::render_csv(metrics));
  write_file((scratch / "gate_denials.csv").string(), gate_denials_csv(result));
  write_file((scratch / "equity.svg").string(), analytics::render_equity_svg(curves, "Equity by leverage policy, " + core::format_utc_ms(result.from_ms).substr(0, 10) +
                                                                               " → " + core::format_utc_ms(result.to_ms).substr(0, 10), initial_equity));
  for (const auto& run : result.runs) {
    write_file((scratch / ("ledger-" + run.policy + ".csv")).string(), ledger_csv(run.venue->ledger()));
    write_file((scratch / ("trades-" + run.policy + ".csv")).string(), trades_csv(*run.venue));
    if (!run.decisions.empty()) write_file((scratch / ("decisions-" + run.policy + ".csv")).string(), decisions_csv(run.decisions));
    write_file((scratch / ("orders-" + run.policy + ".csv")).string(), order_outcomes_csv(*run.venue));
  }
}
}  // namespace

}  // namespace fulcrum::report
