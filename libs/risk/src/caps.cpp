#include "fulcrum/risk/caps.h"

#include <algorithm>
#include <cstdio>

namespace fulcrum::risk {
namespace {
std::string describe(const char* name, double observed, double threshold, int cap) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s %.4g>%.4g -> %dx", name, observed, threshold, cap);
  return buf;
}
}  // namespace

CappedLeverage apply_global_caps(int leverage_x, const MarketRiskContext& ctx, const GlobalCapsConfig& cfg) {
  CappedLeverage out{leverage_x, {}};
  auto cap = [&](int limit, std::string why) {
    if (out.leverage_x > limit) {
      out.leverage_x = limit;
      out.caps_applied.push_back(std::move(why));
    }
  };
  cap(cfg.max_leverage_x, "max_leverage -> " + std::to_string(cfg.max_leverage_x) + "x");
  if (ctx.atr_ratio > cfg.atr_ratio_threshold)
    cap(cfg.atr_ratio_cap_x, describe("atr_ratio", ctx.atr_ratio, cfg.atr_ratio_threshold, cfg.atr_ratio_cap_x));
  if (ctx.greed_index && *ctx.greed_index > cfg.greed_index_threshold)
    cap(cfg.greed_index_cap_x, describe("greed_index", *ctx.greed_index, cfg.greed_index_threshold, cfg.greed_index_cap_x));
  if (ctx.volatility_index && *ctx.volatility_index > cfg.volatility_index_threshold)
    cap(cfg.volatility_index_cap_x,
        describe("volatility_index", *ctx.volatility_index, cfg.volatility_index_threshold, cfg.volatility_index_cap_x));
  if (ctx.exchange_reserves_falling.value_or(false))
    cap(cfg.falling_reserves_cap_x, "exchange_reserves_falling -> " + std::to_string(cfg.falling_reserves_cap_x) + "x");
  out.leverage_x = std::max(1, out.leverage_x);
  return out;
}

}  // namespace fulcrum::risk
