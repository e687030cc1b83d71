#include "fulcrum/backtest/engine.h"

#include <algorithm>
#include <limits>

#include "fulcrum/marketdata/replay_merge.h"
#include "fulcrum/strategy/stages.h"

namespace fulcrum::backtest {
namespace {

using marketdata::ReplayKind;

// The in-process host of the strategy stages: the same objects the mesh services host,
// called in the same order (venue events, then features, signals, planners per instant).
class Engine {
 public:
  Engine(const std::vector<marketdata::SymbolData>& data, const strategy::RunConfig& cfg)
      : data_(data),
        cfg_(cfg),
        feature_stage_(data.size(), cfg.features, cfg.strategy.signal_interval_ms),
        signal_stage_(symbol_names(data), cfg.signal, cfg.strategy.signal_interval_ms, cfg.from_ms) {
    const auto names = strategy::policy_list(cfg);
    std::vector<model::InstrumentSpec> specs;
    for (const auto& d : data) specs.push_back(d.spec);
    for (const auto& name : names) {
      report::PolicyRun run;
      run.policy = name;
      run.venue = std::make_unique<venue::PaperVenue>(cfg.venue, specs, core::Money::from_double(cfg.initial_equity), cfg.from_ms);
      result_.runs.push_back(std::move(run));
      planners_.emplace_back(name, cfg.policies, cfg.strategy, specs, cfg.initial_equity);
    }
    result_.from_ms = cfg.from_ms;
    result_.to_ms = cfg.to_ms;
  }

  report::RunResult run(const ProgressFn& progress) {
    std::vector<marketdata::SymbolStreams> streams;
    for (const auto& d : data_) streams.push_back({&d.bars, d.mark_bars.empty() ? nullptr : &d.mark_bars, d.funding.empty() ? nullptr : &d.funding});
    // Bars before from_ms still flow so that features are warm when trading starts.
    const auto events = marketdata::merge_streams(streams, std::numeric_limits<TimestampMs>::min() / 2, cfg_.to_ms);
    const size_t report_every = std::max<size_t>(1, events.size() / 100);
    for (size_t i = 0; i < events.size(); ++i) {
      const auto& ev = events[i];
      if (ev.time_ms != instant_ms_) {
        end_instant();
        instant_ms_ = ev.time_ms;
      }
      dispatch(ev);
      if (progress && i % report_every == 0) progress(static_cast<double>(i) / static_cast<double>(events.size()));
    }
    end_instant();
    for (size_t r = 0; r < result_.runs.size(); ++r) {
      sample_equity(r, cfg_.to_ms);
      result_.runs[r].decisions = planners_[r].take_decisions();
    }
    result_.signals = signal_stage_.signals_emitted();
    if (progress) progress(1.0);
    return std::move(result_);
  }

 private:
  static std::vector<std::string> symbol_names(const std::vector<marketdata::SymbolData>& data) {
    std::vector<std::string> names;
    for (const auto& d : data) names.push_back(d.spec.symbol);
    return names;
  }

  void dispatch(const marketdata::ReplayEvent& ev) {
    const auto& d = data_[ev.symbol_index];
    switch (ev.kind) {
      case ReplayKind::kBarClose: {
        const auto& bar = d.bars[ev.seq];
        // Bars before the window only warm the features up; the report counts the window's.
        ++(bar.open_time_ms >= cfg_.from_ms ? result_.base_bars : result_.warmup_bars);
        for (auto& run : result_.runs) run.venue->on_bar(ev.symbol_index, bar);
        feature_stage_.on_bar(ev.symbol_index, bar);
        break;
      }
      case ReplayKind::kFunding:
        for (auto& run : result_.runs) run.venue->on_funding(ev.symbol_index, d.funding[ev.seq]);
        break;
      case ReplayKind::kMarkClose:
        for (auto& run : result_.runs) run.venue->on_mark_bar(ev.symbol_index, d.mark_bars[ev.seq]);
        break;
    }
  }

  void sample_equity(size_t r, TimestampMs t) { planners_[r].observe_equity(report::sample_equity(result_.runs[r], t), t); }

  void end_instant() {
    if (instant_ms_ == std::numeric_limits<TimestampMs>::min()) return;
    if (strategy::is_equity_sample_instant(instant_ms_, cfg_.from_ms))
      for (size_t r = 0; r < result_.runs.size(); ++r) sample_equity(r, instant_ms_);
    const auto closed = feature_stage_.take_closed();
    if (closed.empty()) return;
    result_.signal_bars += closed.size();
    const auto instant = signal_stage_.on_instant(instant_ms_, closed);
    for (size_t r = 0; r < result_.runs.size(); ++r) {
      strategy::VenueGateway gateway(*result_.runs[r].venue);
      planners_[r].on_instant(instant, gateway);
    }
  }

  const std::vector<marketdata::SymbolData>& data_;
  const strategy::RunConfig& cfg_;
  strategy::FeatureStage feature_stage_;
  strategy::SignalStage signal_stage_;
  std::vector<strategy::OrderPlanner> planners_;
  TimestampMs instant_ms_ = std::numeric_limits<TimestampMs>::min();
  report::RunResult result_;
};

}  // namespace

report::RunResult run_backtest(const std::vector<marketdata::SymbolData>& data, const strategy::RunConfig& cfg, const ProgressFn& progress) {
  Engine engine(data, cfg);
  return engine.run(progress);
}

std::vector<WalkForwardFold> walk_forward_folds(TimestampMs from_ms, TimestampMs to_ms, TimestampMs train_ms, TimestampMs test_ms) {
  std::vector<WalkForwardFold> folds;
  if (train_ms <= 0 || test_ms <= 0) return folds;
  for (TimestampMs start = from_ms; start + train_ms + test_ms <= to_ms; start += test_ms)
    folds.push_back({start, start + train_ms, start + train_ms, start + train_ms + test_ms});
  return folds;
}

}  // namespace fulcrum::backtest
