#pragma once
// A finished (or stopped) run's accounts, as the backtest engine and the mesh's order
// router both hold them: one paper venue per policy, its equity curve and its decisions.
// The report writer turns this into files; nothing here knows where it came from.
#include <memory>
#include <string>
#include <vector>

#include "fulcrum/analytics/metrics.h"
#include "fulcrum/strategy/order_planner.h"
#include "fulcrum/strategy/run_config.h"
#include "fulcrum/venue/paper_venue.h"

namespace fulcrum::report {

using core::TimestampMs;

struct PolicyRun {
  std::string policy;
  std::unique_ptr<venue::Venue> venue;
  std::vector<analytics::EquityPoint> equity_curve;
  std::vector<strategy::DecisionRecord> decisions;
  // Split mode: the variants sharing this account, and each one's attributed equity at
  // every sample (its budget's share of the deposit plus the PnL of the positions its
  // client order ids opened), in the same order.
  std::vector<strategy::VariantSpec> split_variants;
  std::vector<std::vector<analytics::EquityPoint>> variant_curves;
  double deposit = 0;  // what the account started with: the budgets' base
};

// One version of one variant: its leaderboard row covers [from_ms, the next span's from_ms).
struct VersionSpan {
  std::string version;      // empty: the build's
  std::string config_hash;  // empty: the run's config
  TimestampMs from_ms = 0;
};
struct VariantRows {
  std::string variant;
  size_t run = 0;            // index into RunResult::runs: its own account, or the split account
  std::vector<VersionSpan> spans;
  bool confirmed = false;    // a batch has said which version runs the first span
};

struct RunResult {
  TimestampMs from_ms = 0, to_ms = 0;
  size_t base_bars = 0;    // inside [from, to)
  size_t warmup_bars = 0;  // before from: features only
  size_t signal_bars = 0, signals = 0;
  std::vector<PolicyRun> runs;
  std::vector<VariantRows> variant_rows;  // the leaderboard's rows; empty: one per run
  std::string baseline = "fixed";         // the leaderboard's reference variant
};

// Records the account's equity at `t` on its curve (replacing a point already at `t`) and
// returns it. The backtest and the mesh's order router sample at the same instants
// (strategy::is_equity_sample_instant).
double sample_equity(PolicyRun& run, TimestampMs t);
// A split variant's attributed equity now (see PolicyRun::variant_curves).
double attributed_equity(const PolicyRun& run, const strategy::VariantSpec& variant);
// Makes `run` the split account of `cfg`'s variants (no-op in shadow mode).
void make_split_account(PolicyRun& run, const strategy::RunConfig& cfg);
// The rows a run's variants open (one span each from the window's start) and its baseline.
void set_up_variant_rows(RunResult& result, const strategy::RunConfig& cfg);
// A batch of `variant` planned at `instant_ms` by `version`/`config_hash`: a change opens a
// new span, so the old row keeps its figures and the new one starts from here. False when
// nothing changed. At most `max_spans` per variant, so a peer cannot grow it without end.
bool note_version(std::vector<VariantRows>& rows, const std::string& variant, const std::string& version, const std::string& config_hash,
                  TimestampMs instant_ms, size_t max_spans = 256);

}  // namespace fulcrum::report
