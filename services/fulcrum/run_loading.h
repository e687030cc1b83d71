#pragma once
// What `fulcrum backtest` and `fulcrum research` share: the config with the command line over
// it, the data loaded and reported, the window filled from the data where the config leaves it.
#include <string>
#include <vector>

#include "fulcrum/config/app_config.h"
#include "fulcrum/marketdata/dataset.h"

namespace fulcrum::cli {

struct BacktestOptions {
  std::string config = "deploy/config/backtest.yaml";
  std::string klines, funding, mark_price, from, to, out;
  std::vector<std::string> symbols, policies;
  bool strict = false, no_progress = false, walk_forward = false;
  int train_days = 30, test_days = 14;
};

// The config with the command line over it; no data read.
config::AppConfig resolve_config(const BacktestOptions& o);

struct LoadedRun {
  config::AppConfig cfg;
  marketdata::LoadedData loaded;
};
// resolve_config, the output root checked (not created), the data loaded and reported, the
// window filled, a learned policy that cannot be used named.
LoadedRun load_run(const BacktestOptions& o);

// "--out" when given, else "output.dir": the field an output-root error names.
inline std::string out_field(const BacktestOptions& o) { return o.out.empty() ? "output.dir" : "--out"; }

}  // namespace fulcrum::cli
