#pragma once
// Global leverage caps from seed 001, applied after every policy. An absent input means
// the market state it describes is unknown, and its cap does not apply.
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::risk {

struct GlobalCapsConfig {
  int max_leverage_x = 20;             // hard ceiling whatever the policy says
  double atr_ratio_threshold = 1.5;    // ATR above 150 % of its one-year mean …
  int atr_ratio_cap_x = 5;             // … caps leverage at 5x
  double greed_index_threshold = 75;
  int greed_index_cap_x = 3;
  double volatility_index_threshold = 120;
  int volatility_index_cap_x = 5;
  int falling_reserves_cap_x = 2;
};

struct MarketRiskContext {
  double atr_ratio = 0;  // 0: not yet known
  std::optional<double> greed_index;
  std::optional<double> volatility_index;
  std::optional<bool> exchange_reserves_falling;
};

struct CappedLeverage {
  int leverage_x = 1;
  std::vector<std::string> caps_applied;  // e.g. "atr_ratio 1.72>1.5 → 5x"
};

CappedLeverage apply_global_caps(int leverage_x, const MarketRiskContext& ctx, const GlobalCapsConfig& cfg);

}  // namespace fulcrum::risk
