#pragma once
// The comparison report in every format a desk asks for.
#include <string>
#include <utility>
#include <vector>

#include "fulcrum/analytics/metrics.h"

namespace fulcrum::analytics {

std::string render_text_table(const std::vector<PolicyMetrics>& metrics);
std::string render_markdown(const std::vector<PolicyMetrics>& metrics);  // summary + monthly tables
std::string render_csv(const std::vector<PolicyMetrics>& metrics);
std::string render_json(const std::vector<PolicyMetrics>& metrics);

struct NamedCurve {
  std::string name;
  std::vector<EquityPoint> curve;
};
// An SVG of every policy's equity (round ticks, calendar dates, a line at the initial
// equity, log scale when the range exceeds 10×), a drawdown panel below it, a month ×
// policy heatmap of returns, and the legend sorted by final equity.
std::string render_equity_svg(const std::vector<NamedCurve>& curves, const std::string& title, double initial_equity);

// In-sample next to out-of-sample, one row per (fold, policy).
struct WalkForwardRow {
  std::string fold;  // "2025-01-01..2025-03-01 → 2025-03-01..2025-04-01"
  PolicyMetrics in_sample, out_of_sample;
};
std::string render_walk_forward(const std::vector<WalkForwardRow>& rows);

}  // namespace fulcrum::analytics
