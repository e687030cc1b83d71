#include <algorithm>
#include <stdexcept>

#include "fulcrum/leverage/policies.h"

namespace fulcrum::leverage {

const char* to_string(RiskLevel r) {
  switch (r) {
    case RiskLevel::kSafe: return "SAFE";
    case RiskLevel::kWarning: return "WARNING";
    case RiskLevel::kCritical: return "CRITICAL";
  }
  return "UNKNOWN";
}

std::vector<std::string> policy_names() {
  return {"fixed", "risk_parity", "vol_target", "trend_confirmation", "confidence", "rule_engine", "kelly", "fixed_ratio", "risk_percent"};
}

std::vector<std::string> learned_policy_names() { return {"trade_quality", "vol_forecast"}; }

bool is_policy_name(const std::string& name) {
  const auto names = policy_names();
  const auto learned = learned_policy_names();
  return std::find(names.begin(), names.end(), name) != names.end() || std::find(learned.begin(), learned.end(), name) != learned.end();
}

std::unique_ptr<LeveragePolicy> make_policy(const std::string& name, const PolicySuiteConfig& cfg) {
  if (name == "fixed") return make_fixed(cfg.fixed);
  if (name == "risk_parity") return make_risk_parity(cfg.risk_parity);
  if (name == "vol_target") return make_vol_target(cfg.vol_target);
  if (name == "trend_confirmation") return make_trend_confirmation(cfg.trend_confirmation);
  if (name == "confidence") return make_confidence(cfg.confidence);
  if (name == "rule_engine") return make_rule_engine(cfg.rule_engine);
  if (name == "kelly") return make_kelly(cfg.kelly);
  if (name == "fixed_ratio") return make_fixed_ratio(cfg.fixed_ratio);
  if (name == "risk_percent") return make_risk_percent(cfg.risk_percent);
  if (name == "trade_quality") return make_trade_quality(cfg.trade_quality, cfg.rule_engine);
  if (name == "vol_forecast") return make_vol_forecast(cfg.vol_forecast, cfg.rule_engine);
  std::string known;
  auto every = policy_names();
  for (const auto& n : learned_policy_names()) every.push_back(n);
  for (const auto& n : every) known += (known.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown leverage policy '" + name + "' (known: " + known + ")");
}

LeverageDecision apply_caps(LeverageDecision d, const risk::MarketRiskContext& ctx, const risk::GlobalCapsConfig& caps) {
  const auto capped = risk::apply_global_caps(d.leverage_x, ctx, caps);
  if (capped.leverage_x < d.leverage_x) {
    // Keep the margin the policy asked for; a lower leverage shrinks the notional with it.
    d.notional = d.notional / d.leverage_x * capped.leverage_x;
    d.leverage_x = capped.leverage_x;
  }
  std::string applied;
  for (const auto& c : capped.caps_applied) applied += (applied.empty() ? "" : "; ") + c;
  d.reasons["caps_applied"] = applied.empty() ? "none" : applied;
  d.reasons["applied_x"] = std::to_string(d.leverage_x);
  return d;
}

}  // namespace fulcrum::leverage
