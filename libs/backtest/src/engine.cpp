#include "fulcrum/backtest/engine.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <sstream>

#include "fulcrum/marketdata/aggregation.h"
#include "fulcrum/marketdata/replay_merge.h"
#include "fulcrum/risk/margin.h"

namespace fulcrum::backtest {
namespace {

using marketdata::ReplayKind;
using model::Side;

std::string reasons_to_json(const model::ReasonMap& m) {
  std::string out = "{";
  for (const auto& [k, v] : m) {
    if (out.size() > 1) out += ",";
    out += "\"" + k + "\":\"";
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += "\"";
  }
  return out + "}";
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// What the engine remembers about one policy's position in one symbol.
struct PositionPlan {
  bool active = false;
  double tranche_notional = 0;
  int adds_done = 0;
  double last_entry_reference = 0;
  double highest_close = 0;
  double score = 0;
  int leverage_x = 1;
  leverage::PyramidPlan pyramid;
  std::string entry_id;
  int entries_seen = 0;
};

class Engine {
 public:
  Engine(const std::vector<SymbolData>& data, const BacktestConfig& cfg) : data_(data), cfg_(cfg) {
    const auto names = cfg.policy_names.empty() ? leverage::policy_names() : cfg.policy_names;
    std::vector<model::InstrumentSpec> specs;
    for (const auto& d : data) specs.push_back(d.spec);
    for (const auto& name : names) {
      policies_.push_back(leverage::make_policy(name, cfg.policies));
      PolicyRun run;
      run.policy = name;
      run.venue = std::make_unique<venue::PaperVenue>(cfg.venue, specs, core::Money::from_double(cfg.initial_equity), cfg.from_ms);
      result_.runs.push_back(std::move(run));
      plans_.emplace_back(data.size());
      peak_equity_.push_back(cfg.initial_equity);
      order_seq_.push_back(0);
    }
    for (size_t s = 0; s < data.size(); ++s) {
      features_.emplace_back(cfg.features);
      aggregators_.emplace_back(cfg.strategy.signal_interval_ms, [this, s](const model::Bar& bar, bool) { on_signal_bar(s, bar); });
    }
    latest_.resize(data.size());
    result_.from_ms = cfg.from_ms;
    result_.to_ms = cfg.to_ms;
  }

  BacktestResult run(const ProgressFn& progress) {
    std::vector<marketdata::SymbolStreams> streams;
    for (const auto& d : data_) streams.push_back({&d.bars, d.mark_bars.empty() ? nullptr : &d.mark_bars, d.funding.empty() ? nullptr : &d.funding});
    // Bars before from_ms still flow so that features are warm when trading starts.
    const auto events = marketdata::merge_streams(streams, std::numeric_limits<TimestampMs>::min() / 2, cfg_.to_ms);
    const size_t report_every = std::max<size_t>(1, events.size() / 100);
    for (size_t i = 0; i < events.size(); ++i) {
      const auto& ev = events[i];
      if (ev.time_ms != group_time_) {
        end_group();
        group_time_ = ev.time_ms;
      }
      dispatch(ev);
      if (progress && i % report_every == 0) progress(static_cast<double>(i) / static_cast<double>(events.size()));
    }
    end_group();
    for (size_t r = 0; r < result_.runs.size(); ++r) sample_equity(r, cfg_.to_ms);
    if (progress) progress(1.0);
    return std::move(result_);
  }

 private:
  bool trading() const { return group_time_ >= cfg_.from_ms; }

  void dispatch(const marketdata::ReplayEvent& ev) {
    const auto& d = data_[ev.symbol_index];
    switch (ev.kind) {
      case ReplayKind::kBarClose: {
        const auto& bar = d.bars[ev.seq];
        ++result_.base_bars;
        for (auto& run : result_.runs) run.venue->on_bar(ev.symbol_index, bar);
        aggregators_[ev.symbol_index].on_bar(bar);
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

  void on_signal_bar(size_t sym, const model::Bar& bar) {
    ++result_.signal_bars;
    latest_[sym] = features_[sym].update(bar);
    pending_.push_back(sym);
  }

  void sample_equity(size_t r, TimestampMs t) {
    auto& run = result_.runs[r];
    const double eq = run.venue->equity().to_double();
    if (!run.equity_curve.empty() && run.equity_curve.back().time_ms == t) run.equity_curve.back().equity = eq;
    else run.equity_curve.push_back({t, eq});
    peak_equity_[r] = std::max(peak_equity_[r], eq);
  }

  void end_group() {
    if (group_time_ == std::numeric_limits<TimestampMs>::min()) return;
    if (trading() && group_time_ % core::kMsPerHour == 0)
      for (size_t r = 0; r < result_.runs.size(); ++r) sample_equity(r, group_time_);
    if (pending_.empty()) return;
    std::sort(pending_.begin(), pending_.end());
    if (trading()) evaluate_signals();
    pending_.clear();
  }

  void evaluate_signals() {
    // Market-wide context from every symbol whose features are warm.
    std::vector<std::optional<double>> change(data_.size()), neg_change(data_.size());
    std::vector<double> vols, atr_ratios;
    for (size_t s = 0; s < data_.size(); ++s) {
      if (!latest_[s].ready || latest_[s].time_ms + cfg_.strategy.signal_interval_ms < group_time_) continue;
      change[s] = latest_[s].change_24h;
      neg_change[s] = -latest_[s].change_24h;
      if (latest_[s].ewma_vol > 0) vols.push_back(latest_[s].ewma_vol);
      if (latest_[s].atr_ratio > 0) atr_ratios.push_back(latest_[s].atr_ratio);
    }
    const auto gainers = signals::top_gainer_universe(change, cfg_.signal);
    const auto losers = signals::top_gainer_universe(neg_change, cfg_.signal);
    const double ref_vol = median(vols);
    const double market_atr_ratio = median(atr_ratios);

    for (size_t sym : pending_) {
      const auto& f = latest_[sym];
      for (size_t r = 0; r < result_.runs.size(); ++r) manage_position(r, sym, f);
      auto sig = signals::evaluate_breakout(data_[sym].spec.symbol, f, cfg_.signal);
      if (!sig) continue;
      const auto& universe = sig->side == Side::kBuy ? gainers : losers;
      if (!std::binary_search(universe.begin(), universe.end(), sym)) continue;
      ++result_.signals;
      for (size_t r = 0; r < result_.runs.size(); ++r) open_position(r, sym, *sig, ref_vol, market_atr_ratio);
    }
  }

  leverage::TradeStats stats_for(size_t r) const {
    const auto& venue = *result_.runs[r].venue;
    const auto& trades = venue.closed_trades();
    leverage::TradeStats st;
    st.closed_trades = trades.size();
    st.accumulated_profit = venue.equity().to_double() - cfg_.initial_equity;
    const size_t n = std::min(trades.size(), cfg_.strategy.stats_window_trades);
    if (n == 0) return st;
    double wins = 0, win_sum = 0, loss_sum = 0, roi_sum = 0;
    size_t losses = 0;
    for (size_t i = trades.size() - n; i < trades.size(); ++i) {
      const double pnl = trades[i].net_pnl().to_double();
      const double margin = trades[i].max_margin.to_double();
      if (margin > 0) roi_sum += pnl / margin;
      if (pnl > 0) wins += 1, win_sum += pnl;
      else losses += 1, loss_sum -= pnl;
    }
    st.win_rate = wins / static_cast<double>(n);
    st.payoff_ratio = (wins > 0 && losses > 0) ? (win_sum / wins) / (loss_sum / static_cast<double>(losses)) : 0;
    st.recent_avg_roi = roi_sum / static_cast<double>(n);
    return st;
  }

  std::string next_id(size_t r) { return result_.runs[r].policy + "-" + std::to_string(++order_seq_[r]); }

  void open_position(size_t r, size_t sym, const signals::Signal& sig, double ref_vol, double market_atr_ratio) {
    auto& run = result_.runs[r];
    auto& venue = *run.venue;
    auto& plan = plans_[r][sym];
    if (!venue.position(sym).qty.is_zero() || venue.has_open_orders(sym)) return;
    if (venue.open_position_count() >= cfg_.strategy.max_open_positions) return;

    leverage::LeverageInputs in;
    in.signal = &sig;
    in.equity = venue.equity().to_double();
    in.available_balance = venue.available_balance().to_double();
    in.initial_equity = cfg_.initial_equity;
    in.open_positions = venue.open_position_count();
    for (size_t s = 0; s < data_.size(); ++s)
      if (!venue.position(s).qty.is_zero() && plans_[r][s].score >= cfg_.strategy.high_confidence_score) ++in.open_high_confidence_positions;
    in.reference_volatility = ref_vol;
    in.market_atr_ratio = market_atr_ratio;
    in.current_drawdown = peak_equity_[r] > 0 ? std::max(0.0, 1 - in.equity / peak_equity_[r]) : 0;
    in.risk_level = in.current_drawdown >= cfg_.strategy.critical_drawdown  ? leverage::RiskLevel::kCritical
                    : in.current_drawdown >= cfg_.strategy.warning_drawdown ? leverage::RiskLevel::kWarning
                                                                            : leverage::RiskLevel::kSafe;
    in.stats = stats_for(r);

    auto decision = policies_[r]->decide(in);
    risk::MarketRiskContext ctx;
    ctx.atr_ratio = sig.features.atr_ratio;
    decision = leverage::apply_caps(std::move(decision), ctx, cfg_.policies.caps);

    DecisionRecord rec;
    rec.time_ms = group_time_;
    rec.symbol = sig.symbol;
    rec.side = model::to_string(sig.side);
    rec.leverage_x = decision.leverage_x;
    rec.notional = decision.notional;

    const auto& spec = data_[sym].spec;
    const double tranche = decision.notional * decision.pyramid.initial_fraction;
    const core::Qty qty = core::floor_to(core::Qty::from_double(tranche / sig.reference_price), spec.step_size);
    // The bracket at this notional may allow less leverage than the policy wants.
    const int bracket_max = risk::max_leverage_for_notional(spec.brackets, decision.notional);
    if (decision.leverage_x > bracket_max) {
      decision.leverage_x = bracket_max;
      decision.reasons["bracket_cap_x"] = std::to_string(bracket_max);
    }
    auto reasons = sig.reasons();
    for (const auto& [k, v] : decision.reasons) reasons[k] = v;
    rec.reason_json = reasons_to_json(reasons);
    rec.quantity = qty.str();
    if (!decision.trade || qty.is_zero()) {
      rec.outcome = "SKIPPED";
      run.decisions.push_back(std::move(rec));
      return;
    }

    model::OrderRequest req;
    req.client_order_id = next_id(r);
    req.symbol = sig.symbol;
    req.side = sig.side;
    req.type = model::OrderType::kMarket;
    req.quantity = qty;
    req.leverage_x = decision.leverage_x;
    req.attached_stop_price = core::Price::from_double(sig.stop_price);
    if (cfg_.strategy.use_trailing_stop) {
      const double arm_move = cfg_.strategy.trailing_arm_roe / decision.leverage_x;
      const double activation = sig.side == Side::kBuy ? sig.reference_price * (1 + arm_move) : sig.reference_price * (1 - arm_move);
      req.attached_trailing_activation = core::Price::from_double(activation);
      req.attached_trailing_callback = core::Rate::from_double(cfg_.strategy.trailing_callback);
    }
    const auto result = venue.submit(req, group_time_, rec.reason_json);
    rec.outcome = result.accepted() ? "SUBMITTED" : std::string(venue::to_string(result.reason)) + ": " + result.detail;
    run.decisions.push_back(std::move(rec));
    if (!result.accepted()) return;
    plan = PositionPlan{};
    plan.active = true;
    plan.tranche_notional = tranche;
    plan.last_entry_reference = sig.reference_price;
    plan.highest_close = sig.reference_price;
    plan.score = sig.score;
    plan.leverage_x = decision.leverage_x;
    plan.pyramid = decision.pyramid;
    plan.entry_id = req.client_order_id;
  }

  // Pyramiding adds and break-even stops for policies that plan them.
  void manage_position(size_t r, size_t sym, const features::FeatureSnapshot& f) {
    auto& plan = plans_[r][sym];
    auto& venue = *result_.runs[r].venue;
    const auto& pos = venue.position(sym);
    if (pos.qty.is_zero()) {
      plan.active = false;
      return;
    }
    if (!plan.active || plan.pyramid.max_adds == 0) return;
    const bool is_long = pos.qty.raw > 0;
    const int entries = plan.adds_done + 1;
    if (plan.pyramid.move_stop_to_break_even && plan.adds_done > 0 && plan.entries_seen != entries) {
      // The add has filled by now: the stop goes to the position's average entry.
      if (venue.amend_stop(plan.entry_id + ".sl", pos.entry_price)) plan.entries_seen = entries;
    }
    const bool new_extreme = is_long ? f.close > plan.highest_close : f.close < plan.highest_close;
    if (new_extreme) plan.highest_close = f.close;
    if (plan.adds_done >= plan.pyramid.max_adds) return;
    const double move = is_long ? f.close / plan.last_entry_reference - 1 : 1 - f.close / plan.last_entry_reference;
    if (move < plan.pyramid.add_trigger_move || !new_extreme || f.volume_ratio < plan.pyramid.add_min_volume_ratio) return;
    const auto& spec = data_[sym].spec;
    const core::Qty qty = core::floor_to(core::Qty::from_double(plan.tranche_notional / f.close), spec.step_size);
    if (qty.is_zero()) return;
    model::OrderRequest req;
    req.client_order_id = next_id(r);
    req.symbol = spec.symbol;
    req.side = is_long ? Side::kBuy : Side::kSell;
    req.type = model::OrderType::kMarket;
    req.quantity = qty;
    req.leverage_x = plan.leverage_x;
    DecisionRecord rec{group_time_, spec.symbol, model::to_string(req.side), plan.leverage_x, plan.tranche_notional, qty.str(), "",
                       "{\"policy\":\"" + result_.runs[r].policy + "\",\"pyramid_add\":\"" + std::to_string(plan.adds_done + 1) + "\"}"};
    const auto res = venue.submit(req, group_time_, rec.reason_json);
    rec.outcome = res.accepted() ? "SUBMITTED" : std::string(venue::to_string(res.reason)) + ": " + res.detail;
    result_.runs[r].decisions.push_back(std::move(rec));
    if (res.accepted()) {
      ++plan.adds_done;
      plan.last_entry_reference = f.close;
    }
  }

  const std::vector<SymbolData>& data_;
  const BacktestConfig& cfg_;
  std::vector<std::unique_ptr<leverage::LeveragePolicy>> policies_;
  std::vector<std::vector<PositionPlan>> plans_;
  std::vector<double> peak_equity_;
  std::vector<uint64_t> order_seq_;
  std::vector<features::FeatureSet> features_;
  std::vector<marketdata::BarAggregator> aggregators_;
  std::vector<features::FeatureSnapshot> latest_;
  std::vector<size_t> pending_;
  TimestampMs group_time_ = std::numeric_limits<TimestampMs>::min();
  BacktestResult result_;
};

}  // namespace

BacktestResult run_backtest(const std::vector<SymbolData>& data, const BacktestConfig& cfg, const ProgressFn& progress) {
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
