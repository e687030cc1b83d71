#include "fulcrum/leverage/trade_features.h"

#include <cmath>

namespace fulcrum::leverage {

const std::vector<std::string>& trade_feature_names() {
  static const std::vector<std::string> names{"atr_pct", "rsi", "adx", "di_spread", "volume_ratio", "upper_wick_to_close",
                                              "ewma_vol", "change_24h", "ema_gap", "stop_distance", "score"};
  return names;
}

std::vector<float> trade_features(const signals::Signal& s) {
  const auto& f = s.features;
  const double ema_gap = f.ema_slow > 0 ? f.ema_fast / f.ema_slow - 1 : std::nan("");
  const double stop_distance = s.reference_price > 0 ? std::abs(s.reference_price - s.stop_price) / s.reference_price : std::nan("");
  const double values[] = {f.atr_pct, f.rsi, f.adx, f.plus_di - f.minus_di, f.volume_ratio, f.upper_wick_to_close,
                           f.ewma_vol, f.change_24h, ema_gap, stop_distance, s.score};
  std::vector<float> out;
  out.reserve(std::size(values));
  for (const double v : values) out.push_back(static_cast<float>(v));
  return out;
}

}  // namespace fulcrum::leverage
