#pragma once
// A backtest's (or the mesh order router's) results on disk: summary table (md, csv, json),
// equity chart, and per account the cash ledger, closed trades and leverage decisions.
// Written to a scratch folder and renamed into place, so a failed run leaves no report
// that looks complete.
#include <string>
#include <vector>

#include "fulcrum/analytics/metrics.h"
#include "fulcrum/backtest/engine.h"

namespace fulcrum::backtest {

// Throws std::runtime_error naming the path when the write fails.
void write_file(const std::string& path, const std::string& content);
std::string ledger_csv(const venue::Ledger& ledger);
std::string trades_csv(const venue::PaperVenue& venue);
std::string decisions_csv(const std::vector<DecisionRecord>& decisions);
analytics::PolicyMetrics metrics_for(const PolicyRun& run, const BacktestResult& result, double initial_equity);

// Writes every file; decisions-*.csv only for runs that recorded decisions (the mesh's
// order router does not see them). Returns the metrics it tabulated.
std::vector<analytics::PolicyMetrics> write_report(const std::string& out_dir, const BacktestResult& result, double initial_equity);

}  // namespace fulcrum::backtest
