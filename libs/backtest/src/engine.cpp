#include "fulcrum/backtest/engine.h"

#include <algorithm>
#include <limits>

#include "fulcrum/marketdata/replay_merge.h"
#include "fulcrum/strategy/account_view.h"
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
    for (const auto& d : data) specs_.push_back(d.spec);
    for (const auto& name : strategy::account_list(cfg)) {
      report::PolicyRun run;
      run.policy = name;
      run.venue = std::make_unique<venue::PaperVenue>(cfg.venue, specs_, core::Money::from_double(cfg.initial_equity), cfg.from_ms);
      run.deposit = cfg.initial_equity;
      report::make_split_account(run, cfg);
      result_.runs.push_back(std::move(run));
    }
    report::set_up_variant_rows(result_, cfg);
    if (cfg.ab.mode == strategy::AbMode::kSplit) split_desk_.emplace(strategy::variant_list(cfg), cfg, specs_, true);
    else
      for (const auto& v : strategy::variant_list(cfg)) planners_.emplace_back(v, cfg.strategy, specs_, cfg.initial_equity);
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
      if (!split_desk_) result_.runs[r].decisions = planners_[r].take_decisions();
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

  void sample_equity(size_t r, TimestampMs t) {
    const double equity = report::sample_equity(result_.runs[r], t);
    if (!split_desk_) planners_[r].observe_equity(equity, t);  // the desk's planners see it in their view
  }

  void end_instant() {
    if (instant_ms_ == std::numeric_limits<TimestampMs>::min()) return;
    if (strategy::is_equity_sample_instant(instant_ms_, cfg_.from_ms))
      for (size_t r = 0; r < result_.runs.size(); ++r) sample_equity(r, instant_ms_);
    const auto closed = feature_stage_.take_closed();
    if (closed.empty()) return;
    result_.signal_bars += closed.size();
    auto instant = signal_stage_.on_instant(instant_ms_, closed);
    if (split_desk_) return plan_split(std::move(instant));
    for (size_t r = 0; r < result_.runs.size(); ++r) {
      strategy::VenueGateway gateway(*result_.runs[r].venue);
      planners_[r].on_instant(instant, gateway);
    }
  }

  // Split mode as the mesh runs it: every variant plans on the same view of the shared
  // account, then its commands reach the venue in variant order, as the order router
  // applies the variants' batches.
  void plan_split(strategy::InstantSignals instant) {
    auto& run = result_.runs.front();
    split_desk_->on_signals(std::move(instant));
    split_desk_->on_view(0, strategy::view_of(*run.venue, cfg_.strategy.stats_window_trades, instant_ms_));
    auto planned = split_desk_->plan();
    for (auto& p : *planned) {
      for (auto& d : p.decisions) run.decisions.push_back(std::move(d));
      for (const auto& c : p.commands) {
        if (c.is_amend) run.venue->amend_stop(c.amend_id, c.amend_stop_price);
        else run.venue->submit(c.order, instant_ms_, c.decision_reason);
      }
    }
  }

  const std::vector<marketdata::SymbolData>& data_;
  const strategy::RunConfig& cfg_;
  std::vector<model::InstrumentSpec> specs_;
  std::optional<strategy::PlanningDesk> split_desk_;
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
