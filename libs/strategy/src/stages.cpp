#include "fulcrum/strategy/stages.h"

#include <algorithm>

namespace fulcrum::strategy {
namespace {
double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
}  // namespace

FeatureStage::FeatureStage(size_t symbols, const features::FeatureConfig& cfg, TimestampMs signal_interval_ms) {
  features_.reserve(symbols);
  aggregators_.reserve(symbols);
  for (size_t s = 0; s < symbols; ++s) {
    features_.emplace_back(cfg);
    aggregators_.emplace_back(signal_interval_ms, [this, s](const model::Bar& bar, bool) { closed_.push_back({s, features_[s].update(bar)}); });
  }
}

void FeatureStage::on_bar(size_t symbol, const model::Bar& bar) { aggregators_[symbol].on_bar(bar); }

std::vector<ClosedBar> FeatureStage::take_closed() {
  std::vector<ClosedBar> out;
  out.swap(closed_);
  std::stable_sort(out.begin(), out.end(), [](const ClosedBar& a, const ClosedBar& b) { return a.symbol < b.symbol; });
  return out;
}

const features::BookMeasures& FlowStage::on_book_top(size_t symbol, const model::BookTop& top) {
  auto& f = flows_.at(symbol);
  f.symbol = symbol;
  f.book_time_ms = top.event_time_ms;
  f.book = features::book_measures(top.bid.to_double(), top.bid_qty.to_double(), top.ask.to_double(), top.ask_qty.to_double());
  moved_[symbol] = true;
  return f.book;
}

void FlowStage::on_trade(size_t symbol, const model::Trade& trade) {
  auto& f = flows_.at(symbol);
  f.symbol = symbol;
  (trade.buyer_is_maker ? f.sell_volume : f.buy_volume) += trade.quantity.to_double();
  ++f.trades;
  moved_[symbol] = true;
}

std::vector<SymbolFlow> FlowStage::take_moved() {
  std::vector<SymbolFlow> out;
  for (size_t s = 0; s < flows_.size(); ++s) {
    if (!moved_[s]) continue;
    out.push_back(flows_[s]);
    moved_[s] = false;
    flows_[s].buy_volume = flows_[s].sell_volume = 0;
    flows_[s].trades = 0;
  }
  return out;
}

SignalStage::SignalStage(std::vector<std::string> symbols, const signals::BreakoutConfig& cfg, TimestampMs signal_interval_ms,
                         TimestampMs trading_from_ms)
    : symbols_(std::move(symbols)), cfg_(cfg), interval_ms_(signal_interval_ms), from_ms_(trading_from_ms), latest_(symbols_.size()) {}

InstantSignals SignalStage::on_instant(TimestampMs time_ms, const std::vector<ClosedBar>& closed, bool warmup) {
  InstantSignals out;
  out.time_ms = time_ms;
  out.trading = time_ms >= from_ms_ && !warmup;
  for (const auto& c : closed) latest_[c.symbol] = c.features;
  if (!out.trading || closed.empty()) return out;

  // Market-wide context from every symbol whose features are warm and current.
  std::vector<std::optional<double>> change(symbols_.size()), neg_change(symbols_.size());
  std::vector<double> vols, atr_ratios;
  for (size_t s = 0; s < symbols_.size(); ++s) {
    const auto& f = latest_[s];
    if (!f.ready || f.time_ms + interval_ms_ < time_ms) continue;
    change[s] = f.change_24h;
    neg_change[s] = -f.change_24h;
    if (f.ewma_vol > 0) vols.push_back(f.ewma_vol);
    if (f.atr_ratio > 0) atr_ratios.push_back(f.atr_ratio);
  }
  const auto gainers = signals::top_gainer_universe(change, cfg_);
  const auto losers = signals::top_gainer_universe(neg_change, cfg_);
  out.reference_volatility = median(vols);
  out.market_atr_ratio = median(atr_ratios);
  for (const auto& c : closed) {
    InstantEntry e{c.symbol, c.features, signals::evaluate_breakout(symbols_[c.symbol], c.features, cfg_)};
    if (e.signal) {
      const auto& universe = e.signal->side == model::Side::kBuy ? gainers : losers;
      if (!std::binary_search(universe.begin(), universe.end(), c.symbol)) e.signal.reset();
      else ++signals_;
    }
    out.entries.push_back(std::move(e));
  }
  return out;
}

}  // namespace fulcrum::strategy
