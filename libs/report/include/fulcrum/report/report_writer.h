#pragma once
// A backtest's (or the mesh order router's) results on disk: summary table (md, csv, json),
// equity chart, and per account the cash ledger, closed trades, leverage decisions and
// the orders that ended without a fill.
//
// Every run gets its own folder under an output root, <root>/<UTC time>-<config hash>/,
// with <root>/latest pointing at the newest, so a run never overwrites another and never
// deletes anything: the only thing Fulcrum removes is its own scratch folder. A root that
// holds files Fulcrum did not write is refused before the run starts.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fulcrum/analytics/leaderboard.h"
#include "fulcrum/analytics/metrics.h"
#include "fulcrum/report/run_result.h"

namespace fulcrum::report {

// A CSV field in double quotes, inner quotes doubled (RFC 4180).
std::string csv_quote(const std::string& s);

// Throws std::runtime_error naming the path when the write fails.
void write_file(const std::string& path, const std::string& content);
std::string ledger_csv(const venue::Ledger& ledger);
std::string trades_csv(const venue::Venue& venue);
std::string decisions_csv(const std::vector<strategy::DecisionRecord>& decisions);
// How many orders each pre-trade gate check denied, per policy (from the decision records'
// "DENIED: <CODE>: …" outcomes): gate_denials.csv, and the table `fulcrum backtest` prints.
std::map<std::string, std::map<std::string, size_t>> gate_denials(const RunResult& result);
std::string gate_denials_csv(const RunResult& result);
std::string gate_denials_table(const RunResult& result);
analytics::PolicyMetrics metrics_for(const PolicyRun& run, const RunResult& result, double initial_equity);

// The leaderboard's rows: one per version span of each variant (RunResult::variant_rows),
// figures from the variant's own account or, in split mode, from what its client order ids
// opened in the shared one. `live_through`: mid-run, through that instant, with the
// accounts as they stand. An empty version or config hash takes the defaults given.
struct LeaderboardInput {
  std::vector<analytics::PolicyMetrics> metrics;
  std::vector<analytics::RowKey> keys;
};
LeaderboardInput leaderboard_input(const RunResult& result, double initial_equity, std::optional<core::TimestampMs> live_through,
                                   const std::string& default_version, const std::string& default_config_hash);

std::string order_outcomes_csv(const venue::Venue& venue);

// What a run folder says about the run that made it (run.json, config.yaml).
struct RunInfo {
  std::string command;        // "backtest", "up"
  std::string config_source;  // the config file's path
  std::string config_text;    // copied verbatim; its sha256 names the folder
  std::vector<std::string> symbols;
  bool complete = true;       // false: a stopped or failed run's partial report
};

// Makes `root` an output root: creates it with a marker, or accepts one that is Fulcrum's
// (marked, or holding an older Fulcrum report). Anything else non-empty throws
// core::ConfigError on `field`, so nothing of the user's is ever written over.
// With create = false it only checks, so a command can refuse a bad folder before it
// starts working without leaving an empty root behind when the work then fails.
void prepare_output_root(const std::string& root, const std::string& field, bool create = true);
// "20261124T041500Z-1a2b3c4d": wall-clock UTC and the config's sha256 prefix.
std::string new_run_name(const std::string& config_text);

// Creates a fresh run folder <root>/<run_name> (suffixed -2, -3 … if taken) after
// prepare_output_root, and returns its path. Nothing existing is reused.
std::string make_run_dir(const std::string& root, const std::string& run_name, const std::string& field);
// <root>/<run_name> for a run whose parts several processes write (walk-forward folds, one per
// process or pod): created when absent, joined when it exists. Same checks as make_run_dir.
std::string shared_run_dir(const std::string& root, const std::string& run_name, const std::string& field);
// Points <root>/latest at `run_dir`, swapped in atomically.
void point_latest(const std::string& root, const std::string& run_dir);

// Writes every file into `run_dir` (which may hold the run's logs, but no report yet)
// through a scratch folder that is removed on any failure; run.json goes last, so a
// report with run.json is whole. decisions-*.csv only for runs that recorded decisions.
struct WrittenReport {
  std::string dir;
  std::vector<analytics::PolicyMetrics> metrics;
  std::string leaderboard_text;  // leaderboard.txt as written
};
WrittenReport write_report(const std::string& run_dir, const RunResult& result, double initial_equity, const RunInfo& info);

}  // namespace fulcrum::report
