// Nanoseconds per incremental feature update on real BTCUSDT 15m candles.
#include <benchmark/benchmark.h>

#include "fulcrum/features/feature_set.h"
#include "fulcrum/marketdata/aggregation.h"
#include "fulcrum/marketdata/readers.h"

using namespace fulcrum;

namespace {
const std::vector<model::Bar>& bars() {
  static const std::vector<model::Bar> b = [] {
    std::vector<model::Bar> out;
    const auto s = marketdata::read_klines(std::string(FULCRUM_SOURCE_DIR) + "/deploy/sample/klines-5m/BTCUSDT.csv.gz");
    marketdata::BarAggregator agg(15 * core::kMsPerMinute, [&](const model::Bar& bar, bool) { out.push_back(bar); });
    for (const auto& bar : s.bars) agg.on_bar(bar);
    return out;
  }();
  return b;
}

template <class Update>
void run(benchmark::State& state, Update update) {
  const auto& b = bars();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(update(b[i]));
    if (++i == b.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
}  // namespace

static void BM_Ema(benchmark::State& s) {
  features::Ema f(20);
  run(s, [&](const model::Bar& b) { return f.update(b.close.to_double()); });
}
static void BM_Rsi(benchmark::State& s) {
  features::Rsi f(14);
  run(s, [&](const model::Bar& b) { return f.update(b.close.to_double()); });
}
static void BM_Atr(benchmark::State& s) {
  features::Atr f(14);
  run(s, [&](const model::Bar& b) { return f.update(b.high.to_double(), b.low.to_double(), b.close.to_double()); });
}
static void BM_Adx(benchmark::State& s) {
  features::Adx f(14);
  run(s, [&](const model::Bar& b) { return f.update(b.high.to_double(), b.low.to_double(), b.close.to_double()); });
}
static void BM_EwmaVol(benchmark::State& s) {
  features::EwmaVolatility f;
  run(s, [&](const model::Bar& b) { return f.update(b.close.to_double()); });
}
static void BM_VpinBulkClassification(benchmark::State& s) {
  features::Vpin f(500, 50);
  run(s, [&](const model::Bar& b) { return f.update(b.open.to_double(), b.close.to_double(), b.volume.to_double(), nullptr); });
}
static void BM_FeatureSetAll(benchmark::State& s) {
  features::FeatureSet f;
  run(s, [&](const model::Bar& b) { return f.update(b).rsi; });
}
BENCHMARK(BM_Ema);
BENCHMARK(BM_Rsi);
BENCHMARK(BM_Atr);
BENCHMARK(BM_Adx);
BENCHMARK(BM_EwmaVol);
BENCHMARK(BM_VpinBulkClassification);
BENCHMARK(BM_FeatureSetAll);
BENCHMARK_MAIN();
