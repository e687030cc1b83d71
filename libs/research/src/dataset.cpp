#include "fulcrum/research/dataset.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include "fulcrum/core/number_format.h"
#include "fulcrum/leverage/trade_features.h"
#include "fulcrum/marketdata/replay_merge.h"
#include "fulcrum/strategy/stages.h"

namespace fulcrum::research {

ExitRules ExitRules::from(const strategy::RunConfig& cfg) {
  ExitRules r;
  r.use_trailing_stop = cfg.strategy.use_trailing_stop;
  r.trailing_arm = cfg.strategy.trailing_arm;
  r.trailing_arm_roe = cfg.strategy.trailing_arm_roe;
  r.trailing_arm_price_move = cfg.strategy.trailing_arm_price_move;
  r.trailing_callback = cfg.strategy.trailing_callback;
  r.taker_fee = cfg.venue.taker_fee.to_double();
  r.slippage = cfg.venue.slippage.to_double();
  return r;
}

TimestampMs SignalSample::last_exit_ms() const {
  TimestampMs last = entry_ms;
  for (const auto& o : outcomes) last = std::max(last, o.exit_ms);
  return last;
}

TimestampMs SignalSample::label_end_ms() const { return std::max(last_exit_ms(), volatility_label_end_ms); }

const LeverageOutcome& SignalSample::at(int leverage_x) const {
  for (const auto& o : outcomes)
    if (o.leverage_x == leverage_x) return o;
  throw std::out_of_range("leverage " + std::to_string(leverage_x) + "x was not simulated for this signal");
}

int SignalSample::optimal_leverage(double margin_fraction) const {
  int best = 1;
  double best_log = -std::numeric_limits<double>::infinity();
  for (const auto& o : outcomes) {
    if (o.liquidated) continue;
    const double growth = 1 + margin_fraction * o.return_on_margin;
    if (growth <= 0) continue;
    const double log_return = std::log(growth);
    if (log_return > best_log) best_log = log_return, best = o.leverage_x;
  }
  return best;
}

std::vector<LeverageOutcome> path_outcomes(const std::vector<model::Bar>& bars, size_t entry_index, model::Side side, double entry_price,
                                           double stop_price, const std::vector<int>& leverages, const ExitRules& rules, double maintenance_rate,
                                           double* mae, double* mfe) {
  if (entry_index >= bars.size()) throw std::out_of_range("entry bar " + std::to_string(entry_index) + " is past the data");
  if (!(entry_price > 0) || !std::isfinite(stop_price)) throw std::invalid_argument("entry price and stop must be finite and positive");
  const double s = side == model::Side::kBuy ? 1.0 : -1.0;
  // Signed move in the trade's favour: price p is this fraction above (long) or below (short) entry.
  const auto favour = [&](double p) { return s * (p / entry_price - 1); };
  std::vector<LeverageOutcome> out;
  const int smallest = leverages.empty() ? 0 : *std::min_element(leverages.begin(), leverages.end());
  for (const int lev : leverages) {
    if (lev < 1) throw std::invalid_argument("leverage " + std::to_string(lev) + " below 1x");
    LeverageOutcome o;
    o.leverage_x = lev;
    const double liquidation = entry_price * (1 - s / lev + s * maintenance_rate);
    const double arm_move = rules.trailing_arm == strategy::PlannerConfig::TrailingArm::kRoe ? rules.trailing_arm_roe / lev : rules.trailing_arm_price_move;
    bool armed = false;
    double peak = entry_price;  // the best price since entry, once armed the trailing stop's anchor
    double worst_move = 0, best_move = 0;
    bool done = false;
    for (size_t i = entry_index; i < bars.size() && !done; ++i) {
      const auto& b = bars[i];
      const double open = b.open.to_double(), high = b.high.to_double(), low = b.low.to_double();
      const double adverse = s > 0 ? low : high;
      const double favourable = s > 0 ? high : low;
      double stop = stop_price;
      if (armed) {
        const double trail = peak * (1 - s * rules.trailing_callback);
        stop = s > 0 ? std::max(stop, trail) : std::min(stop, trail);
      }
      // Whichever level the price meets first on its way against the trade.
      const bool liquidation_first = s > 0 ? liquidation >= stop : liquidation <= stop;
      const double first_level = liquidation_first ? liquidation : stop;
      worst_move = std::min(worst_move, favour(adverse));
      if (favour(adverse) <= favour(first_level)) {
        o.exit_ms = b.close_time_ms();
        if (liquidation_first) {
          o.liquidated = true;
          o.exit_price = liquidation;
          o.exit_reason = "liquidation";
        } else {
          // A gap through the stop fills at the open; slippage is against the trade.
          const double trigger = favour(open) < favour(stop) ? open : stop;
          o.exit_price = trigger * (1 - s * rules.slippage);
          o.exit_reason = armed && stop != stop_price ? "trailing" : "stop";
        }
        done = true;
        break;
      }
      best_move = std::max(best_move, favour(favourable));
      if (s > 0 ? favourable > peak : favourable < peak) peak = favourable;
      if (rules.use_trailing_stop && !armed && favour(favourable) >= arm_move) armed = true;
    }
    if (!done) {
      o.censored = true;
      o.exit_ms = bars.back().close_time_ms();
      o.exit_price = bars.back().close.to_double();
      o.exit_reason = "end_of_data";
    }
    if (o.liquidated) {
      o.return_on_margin = -1;
    } else {
      const double fees = rules.taker_fee * (1 + o.exit_price / entry_price);
      o.return_on_margin = lev * (favour(o.exit_price) - fees);
    }
    if (lev == smallest) {
      if (mae) *mae = worst_move;
      if (mfe) *mfe = best_move;
    }
    out.push_back(o);
  }
  return out;
}

namespace {
// √Σ r² of the log returns of the bars from `entry` whose open is before entry + horizon; NaN
// when the data ends first.
double realised_volatility(const std::vector<model::Bar>& bars, size_t entry, TimestampMs horizon_ms) {
  const TimestampMs end = bars[entry].open_time_ms + horizon_ms;
  double sum = 0;
  size_t i = entry;
  for (; i < bars.size() && bars[i].open_time_ms < end; ++i) {
    const double previous = i == entry ? bars[i].open.to_double() : bars[i - 1].close.to_double();
    const double r = std::log(bars[i].close.to_double() / previous);
    sum += r * r;
  }
  if (i == bars.size() && bars.back().close_time_ms() < end) return std::nan("");
  return std::sqrt(sum);
}
}  // namespace

std::vector<SignalSample> build_dataset(const std::vector<marketdata::SymbolData>& data, const strategy::RunConfig& cfg, const std::vector<int>& leverages,
                                        TimestampMs volatility_horizon_ms) {
  const auto rules = ExitRules::from(cfg);
  std::vector<std::string> names;
  std::vector<marketdata::SymbolStreams> streams;
  for (const auto& d : data) names.push_back(d.spec.symbol), streams.push_back({&d.bars, nullptr, nullptr});
  strategy::FeatureStage feature_stage(data.size(), cfg.features, cfg.strategy.signal_interval_ms);
  strategy::SignalStage signal_stage(names, cfg.signal, cfg.strategy.signal_interval_ms, cfg.from_ms);
  std::vector<SignalSample> samples;
  const auto end_instant = [&](TimestampMs t) {
    const auto closed = feature_stage.take_closed();
    if (closed.empty()) return;
    const auto instant = signal_stage.on_instant(t, closed);
    if (!instant.trading || t >= cfg.to_ms) return;
    for (const auto& e : instant.entries) {
      if (!e.signal) continue;
      const auto& bars = data[e.symbol].bars;
      const auto next = std::lower_bound(bars.begin(), bars.end(), t, [](const model::Bar& b, TimestampMs v) { return b.open_time_ms < v; });
      if (next == bars.end()) continue;  // the data ends at the signal: no fill to study
      const auto& sig = *e.signal;
      SignalSample sample;
      sample.signal_ms = t;
      sample.entry_ms = next->open_time_ms;
      sample.symbol = sig.symbol;
      sample.side = sig.side;
      const double s = sig.side == model::Side::kBuy ? 1.0 : -1.0;
      sample.entry_price = next->open.to_double() * (1 + s * rules.slippage);
      sample.stop_price = sig.stop_price;
      sample.features = leverage::trade_features(sig);
      const auto& brackets = data[e.symbol].spec.brackets;
      const double mmr = brackets.empty() ? 0.004 : brackets.front().maintenance_rate.to_double();
      const auto entry_index = static_cast<size_t>(next - bars.begin());
      sample.outcomes = path_outcomes(bars, entry_index, sig.side, sample.entry_price, sample.stop_price, leverages, rules, mmr, &sample.mae, &sample.mfe);
      sample.forward_volatility = realised_volatility(bars, entry_index, volatility_horizon_ms);
      // The features run on signal bars, so their EWMA σ is per signal bar.
      sample.naive_volatility = sig.features.ewma_vol * std::sqrt(static_cast<double>(volatility_horizon_ms) / static_cast<double>(cfg.strategy.signal_interval_ms));
      sample.volatility_label_end_ms = sample.entry_ms + volatility_horizon_ms;
      samples.push_back(std::move(sample));
    }
  };
  TimestampMs instant = std::numeric_limits<TimestampMs>::min();
  for (const auto& ev : marketdata::merge_streams(streams, std::numeric_limits<TimestampMs>::min() / 2, cfg.to_ms)) {
    if (ev.time_ms != instant) {
      if (instant != std::numeric_limits<TimestampMs>::min()) end_instant(instant);
      instant = ev.time_ms;
    }
    feature_stage.on_bar(ev.symbol_index, data[ev.symbol_index].bars[ev.seq]);
  }
  if (instant != std::numeric_limits<TimestampMs>::min()) end_instant(instant);
  return samples;
}

namespace {
std::string precise(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}
}  // namespace

std::string dataset_csv(const std::vector<SignalSample>& samples, const std::vector<int>& leverages, double margin_fraction) {
  std::string text = "signal_ms,entry_ms,symbol,side,entry_price,stop_price";
  for (const auto& n : leverage::trade_feature_names()) text += "," + n;
  text += ",mae,mfe,optimal_leverage,forward_volatility,naive_volatility";
  for (const int l : leverages) {
    const auto x = std::to_string(l) + "x";
    text += ",return_" + x + ",exit_ms_" + x + ",exit_" + x;
  }
  text += "\n";
  for (const auto& s : samples) {
    text += std::to_string(s.signal_ms) + "," + std::to_string(s.entry_ms) + "," + s.symbol + "," + (s.side == model::Side::kBuy ? "BUY" : "SELL") + "," +
            precise(s.entry_price) + "," + precise(s.stop_price);
    for (const float f : s.features) text += "," + core::short_number(f);
    text += "," + core::short_number(s.mae) + "," + core::short_number(s.mfe) + "," + std::to_string(s.optimal_leverage(margin_fraction)) + "," +
            (std::isfinite(s.forward_volatility) ? core::short_number(s.forward_volatility) : std::string("")) + "," + core::short_number(s.naive_volatility);
    for (const int l : leverages) {
      const auto& o = s.at(l);
      text += "," + core::short_number(o.return_on_margin) + "," + std::to_string(o.exit_ms) + "," + o.exit_reason;
    }
    text += "\n";
  }
  return text;
}

void write_gzip_file(const std::string& path, const std::string& text) {
  gzFile file = gzopen(path.c_str(), "wb");
  if (!file) throw std::runtime_error(path + ": cannot create the dataset file");
  const int written = gzwrite(file, text.data(), static_cast<unsigned>(text.size()));
  const int closed = gzclose(file);
  if (written != static_cast<int>(text.size()) || closed != Z_OK) throw std::runtime_error(path + ": cannot write the dataset file");
}

}  // namespace fulcrum::research
