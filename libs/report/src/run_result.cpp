#include "fulcrum/report/run_result.h"

#include "fulcrum/strategy/account_view.h"

namespace fulcrum::report {

double sample_equity(PolicyRun& run, TimestampMs t) {
  const auto put = [t](std::vector<analytics::EquityPoint>& curve, double equity) {
    if (!curve.empty() && curve.back().time_ms == t) curve.back().equity = equity;
    else curve.push_back({t, equity});
  };
  const double eq = run.venue->equity().to_double();
  put(run.equity_curve, eq);
  for (size_t v = 0; v < run.split_variants.size(); ++v) put(run.variant_curves[v], attributed_equity(run, run.split_variants[v]));
  return eq;
}

double attributed_equity(const PolicyRun& run, const strategy::VariantSpec& variant) {
  double equity = run.deposit * variant.margin_budget;
  for (const auto& t : run.venue->closed_trades())
    if (strategy::variant_of_order(run.split_variants, t.opened_by) == variant.id) equity += t.net_pnl().to_double();
  for (size_t s = 0; s < run.venue->symbol_count(); ++s) {
    const auto open = run.venue->open_trade(s);
    if (open && strategy::variant_of_order(run.split_variants, open->opened_by) == variant.id)
      equity += open->net_pnl().to_double() + run.venue->unrealized_pnl(s).to_double();
  }
  return equity;
}

void make_split_account(PolicyRun& run, const strategy::RunConfig& cfg) {
  if (cfg.ab.mode != strategy::AbMode::kSplit) return;
  run.split_variants = strategy::variant_list(cfg);
  run.variant_curves.assign(run.split_variants.size(), {});
}

void set_up_variant_rows(RunResult& result, const strategy::RunConfig& cfg) {
  const auto variants = strategy::variant_list(cfg);
  result.variant_rows.clear();
  for (size_t v = 0; v < variants.size(); ++v) {
    const size_t run = cfg.ab.mode == strategy::AbMode::kSplit ? 0 : v;
    result.variant_rows.push_back({variants[v].id, run, {{variants[v].version, "", cfg.from_ms}}, false});
  }
  result.baseline = !cfg.ab.baseline.empty() ? cfg.ab.baseline : !cfg.ab.variants.empty() ? cfg.ab.variants.front().id : std::string("fixed");
}

bool note_version(std::vector<VariantRows>& rows, const std::string& variant, const std::string& version, const std::string& config_hash,
                  TimestampMs instant_ms, size_t max_spans) {
  for (auto& r : rows) {
    if (r.variant != variant) continue;
    auto& last = r.spans.back();
    if (!r.confirmed) {
      // The first batch names what the start row really ran: no row for a version nobody ran.
      r.confirmed = true;
      last.version = version;
      last.config_hash = config_hash;
      return true;
    }
    if (last.version == version && last.config_hash == config_hash) return false;
    if (r.spans.size() >= max_spans) return false;
    r.spans.push_back({version, config_hash, instant_ms});
    return true;
  }
  return false;
}

}  // namespace fulcrum::report
