#pragma once
// The research run's knobs (the config's research: section), apart from the code that runs
// it, so the config reader can fill them without linking the backtest.
#include <cstdint>
#include <vector>

#include "fulcrum/learn/boosted_trees.h"

namespace fulcrum::research {

struct ResearchConfig {
  int train_days = 120;
  int test_days = 30;
  int min_embargo_hours = 24;  // the embargo is the longer of this and the fold's longest training hold
  std::vector<int> candidate_leverages{1, 2, 3, 5, 10, 20};
  int vol_horizon_hours = 24;           // vol_forecast's label: the 1σ move over this long after the fill
  double label_margin_fraction = 0.10;  // the share of equity the optimal-leverage label risks
  learn::BoostingParams boosting;
  int null_draws = 1000;
  int bootstrap_resamples = 2000;
  uint64_t seed = 20260101;
  double max_drawdown = 0.25;         // the absolute bar
  double min_trades_per_month = 30;
};

}  // namespace fulcrum::research
