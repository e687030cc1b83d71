// Throughput of the whole backtest next to merely reading the same files, in one run.
// Usage: backtest_bench [config.yaml] [repeats]   (default: the bundled sample, 3)
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "fulcrum/marketdata/dataset.h"
#include "fulcrum/backtest/engine.h"
#include "fulcrum/config/app_config.h"

using namespace fulcrum;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : std::string(FULCRUM_SOURCE_DIR) + "/deploy/config/backtest.yaml";
  const int repeats = argc > 2 ? std::stoi(argv[2]) : 3;
  const auto cfg = config::load_app_config(path);
  auto spec = [&](const std::string& s) { return cfg.spec_for(s); };
  double best_read = 1e300, best_run = 1e300;
  size_t bars = 0, policies = 0;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = Clock::now();
    const auto data = marketdata::load_data(cfg.data, spec);
    const auto t1 = Clock::now();
    const auto result = backtest::run_backtest(data.symbols, cfg.backtest);
    const auto t2 = Clock::now();
    best_read = std::min(best_read, std::chrono::duration<double>(t1 - t0).count());
    best_run = std::min(best_run, std::chrono::duration<double>(t2 - t1).count());
    bars = 0;
    for (const auto& d : data.symbols) bars += d.bars.size() + d.mark_bars.size();
    policies = result.runs.size();
  }
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("backtest_bench: %s, best of %d\n", path.c_str(), repeats);
  std::printf("%-34s %12s %14s\n", "stage", "seconds", "bars/s");
  std::printf("%-34s %12.3f %14.0f\n", "read + decode + parse + validate", best_read, static_cast<double>(bars) / best_read);
  std::printf("%-34s %12.3f %14.0f\n", ("backtest, " + std::to_string(policies) + " policies, one pass").c_str(), best_run,
              static_cast<double>(bars) / best_run);
  std::printf("%-34s %12.3f %14.0f\n", "read + backtest", best_read + best_run, static_cast<double>(bars) / (best_read + best_run));
  std::printf("full run / read alone: %.2fx (goal ≤ 2x)\n", (best_read + best_run) / best_read);
  std::printf("peak RSS: %.1f MiB\n", static_cast<double>(ru.ru_maxrss) / 1024.0);
  return 0;
}
