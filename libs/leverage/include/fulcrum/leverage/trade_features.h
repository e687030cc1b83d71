#pragma once
// The inputs a learned leverage policy sees, one fixed order for training and for serving, so a
// model can only be fed what it was trained on. Every value comes from the signal bar's closed
// features (causal by construction). VPIN and the ATR ratio are left out: both depend on how much
// history came before (VPIN's bucket size on its warm-up bars, the ATR ratio's mean on up to a
// year), so the same trade would get different inputs in a short and a long run.
#include <string>
#include <vector>

#include "fulcrum/signals/breakout.h"

namespace fulcrum::leverage {

// The rest are finite windows (24h change, the wick) or exponential ones (RSI, ADX, ATR, EMAs,
// EWMA σ) whose memory fades: after this much history they agree with a longer run's to this
// relative tolerance (tests/unit/research checks it on the sample).
inline constexpr core::TimestampMs kTradeFeatureWarmupMs = 7 * core::kMsPerDay;
inline constexpr double kTradeFeatureTolerance = 1e-3;

const std::vector<std::string>& trade_feature_names();
std::vector<float> trade_features(const signals::Signal& signal);

}  // namespace fulcrum::leverage
