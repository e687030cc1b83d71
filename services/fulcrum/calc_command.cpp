// `fulcrum calc`: the trader's calculator over the same formulas the venue uses.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "fulcrum/backtest/data_loader.h"
#include "fulcrum/config/app_config.h"
#include "fulcrum/core/error.h"
#include "fulcrum/core/time_format.h"
#include "fulcrum/marketdata/readers.h"
#include "fulcrum/risk/margin.h"
#include "fulcrum/risk/sizing.h"

namespace fulcrum::cli {
namespace {

using nlohmann::json;

struct CalcOptions {
  bool as_json = false;
  std::string config;  // optional: per-symbol brackets
  std::string symbol = "BTCUSDT";
  std::string side = "long";
  std::string mode = "isolated";
  double entry = 0, quantity = 0, leverage = 20, wallet = -1, other_mm = 0, other_upnl = 0;
  double equity = 0, risk = 0.02, stop = 0, contract_value = 1;
  double p = 0, b = 0;
  double profit = 0, delta = 0;
  bool linear = false;
  std::vector<double> vols;
  std::string funding_dir, mark_dir, from, to;
};

void emit(const CalcOptions& o, const json& j) {
  if (o.as_json) {
    std::cout << j.dump(2) << "\n";
    return;
  }
  for (const auto& [k, v] : j.items()) std::cout << k << ": " << (v.is_string() ? v.get<std::string>() : v.dump()) << "\n";
}

int side_sign(const std::string& s) {
  if (s == "long" || s == "buy") return 1;
  if (s == "short" || s == "sell") return -1;
  throw core::ConfigError("--side", {{"side", "must be long or short, got '" + s + "'"}});
}

std::vector<model::MarginBracket> brackets_for(const CalcOptions& o) {
  if (o.config.empty()) return model::default_binance_brackets();
  return config::load_app_config(o.config).spec_for(o.symbol).brackets;
}

int liquidation(const CalcOptions& o) {
  const int side = side_sign(o.side);
  if (!(o.entry > 0) || !(o.quantity > 0)) throw core::ConfigError("calc liq", {{"entry/qty", "must be positive"}});
  const auto brackets = brackets_for(o);
  const double notional = o.entry * o.quantity;
  const double wallet = o.wallet >= 0 ? o.wallet : risk::initial_margin(notional, o.leverage);
  const bool cross = o.mode == "cross";
  if (!cross && o.mode != "isolated") throw core::ConfigError("--mode", {{"mode", "must be isolated or cross"}});
  risk::LiquidationInput in{side, o.quantity, o.entry, wallet, cross ? o.other_mm : 0, cross ? o.other_upnl : 0};
  const auto lp = risk::liquidation_price(brackets, in);
  const auto& br = brackets[static_cast<size_t>(lp.bracket_index)];
  emit(o, json{{"mode", o.mode},
               {"side", side > 0 ? "long" : "short"},
               {"notional", notional},
               {"wallet_balance", wallet},
               {"initial_margin", risk::initial_margin(notional, o.leverage)},
               {"maintenance_margin_at_entry", risk::maintenance_margin(brackets, notional)},
               {"bracket_max_leverage_x", br.max_leverage_x},
               {"maintenance_rate", lp.mmr},
               {"maintenance_amount", lp.cum},
               {"liquidation_price", lp.price > 0 ? json(lp.price) : json("none (cannot be liquidated)")},
               {"liquidation_price_document_form", risk::liquidation_price_simplified(side, o.entry, o.leverage, lp.mmr)}});
  return 0;
}

int margin(const CalcOptions& o) {
  const auto brackets = brackets_for(o);
  const double notional = o.entry * o.quantity;
  emit(o, json{{"notional", notional},
               {"leverage_x", o.leverage},
               {"initial_margin", risk::initial_margin(notional, o.leverage)},
               {"maintenance_margin", risk::maintenance_margin(brackets, notional)},
               {"bracket_max_leverage_x", risk::max_leverage_for_notional(brackets, notional)}});
  return 0;
}

int size(const CalcOptions& o) {
  const double q = risk::position_size_from_risk(o.equity, o.risk, o.entry, o.stop, o.contract_value);
  emit(o, json{{"quantity", q},
               {"risk_amount", o.equity * o.risk},
               {"loss_per_unit", std::fabs(o.entry - o.stop) * o.contract_value},
               {"notional", q * o.entry * o.contract_value}});
  return 0;
}

int kelly(const CalcOptions& o) {
  const double f = risk::kelly_fraction(o.p, o.b);
  emit(o, json{{"kelly", f}, {"half_kelly", f / 2}, {"quarter_kelly", f / 4}});
  return 0;
}

int fixed_ratio(const CalcOptions& o) {
  emit(o, json{{"jones_units", risk::fixed_ratio_units_jones(o.profit, o.delta)},
               {"linear_units", risk::fixed_ratio_units_linear(o.profit, o.delta)},
               {"form_used", o.linear ? "linear" : "jones"},
               {"units", o.linear ? risk::fixed_ratio_units_linear(o.profit, o.delta) : risk::fixed_ratio_units_jones(o.profit, o.delta)}});
  return 0;
}

int risk_parity(const CalcOptions& o) {
  emit(o, json{{"volatilities", o.vols}, {"weights", risk::risk_parity_weights(o.vols)}});
  return 0;
}

// Σ −side · qty · mark · rate over the real funding events in [from, to).
int funding(const CalcOptions& o) {
  const int side = side_sign(o.side);
  auto from = core::parse_utc_ms(o.from), to = core::parse_utc_ms(o.to);
  if (!from || !to || *to <= *from) throw core::ConfigError("calc funding", {{"from/to", "must be UTC dates with from < to"}});
  std::vector<model::FundingEvent> events;
  for (const auto& f : backtest::files_for_symbol(o.funding_dir, o.symbol)) {
    auto s = marketdata::read_funding(f);
    events.insert(events.end(), s.events.begin(), s.events.end());
  }
  std::vector<model::Bar> marks;
  for (const auto& f : backtest::files_for_symbol(o.mark_dir, o.symbol)) {
    auto s = marketdata::read_klines(f);
    marks.insert(marks.end(), s.bars.begin(), s.bars.end());
  }
  if (events.empty() || marks.empty()) throw core::DataError(o.funding_dir, 0, "no funding or mark-price data for " + o.symbol);
  double total = 0;
  size_t n = 0, missing_mark = 0;
  for (const auto& ev : events) {
    if (ev.funding_time_ms < *from || ev.funding_time_ms >= *to) continue;
    // The mark at the event: the close of the mark bar ending at (or last before) it.
    auto it = std::upper_bound(marks.begin(), marks.end(), ev.funding_time_ms,
                               [](core::TimestampMs t, const model::Bar& b) { return t < b.close_time_ms(); });
    if (it == marks.begin()) {
      ++missing_mark;
      continue;
    }
    const double mark = std::prev(it)->close.to_double();
    total += -side * o.quantity * mark * ev.rate.to_double();
    ++n;
  }
  emit(o, json{{"symbol", o.symbol},
               {"side", side > 0 ? "long" : "short"},
               {"quantity", o.quantity},
               {"events", n},
               {"events_without_mark", missing_mark},
               {"funding_received", total},
               {"note", "positive: received; negative: paid"}});
  return 0;
}

}  // namespace

Runner add_calc_command(CLI::App& app) {
  auto o = std::make_shared<CalcOptions>();
  auto* calc = app.add_subcommand("calc", "Trader's calculator: liquidation, margin, sizing, Kelly, fixed ratio, risk parity, funding");
  calc->require_subcommand(1);
  calc->add_flag("--json", o->as_json, "print JSON");
  auto common_position = [&](CLI::App* c) {
    c->add_option("--entry", o->entry, "entry price")->required();
    c->add_option("--qty", o->quantity, "position size in base units")->required();
    c->add_option("--leverage", o->leverage, "leverage (x)")->capture_default_str();
    c->add_option("--symbol", o->symbol, "symbol, for its brackets with --config")->capture_default_str();
    c->add_option("--config", o->config, "config with per-symbol brackets (default: Binance BTCUSDT table)");
  };
  auto* liq = calc->add_subcommand("liq", "liquidation price (Binance formula) and bracket");
  common_position(liq);
  liq->add_option("--side", o->side, "long or short")->capture_default_str();
  liq->add_option("--mode", o->mode, "isolated or cross")->capture_default_str();
  liq->add_option("--wallet", o->wallet, "isolated margin or cross wallet balance (default: initial margin)");
  liq->add_option("--other-maintenance", o->other_mm, "cross: maintenance margin of the other positions");
  liq->add_option("--other-upnl", o->other_upnl, "cross: unrealised PnL of the other positions");
  auto* mg = calc->add_subcommand("margin", "initial and maintenance margin");
  common_position(mg);
  auto* sz = calc->add_subcommand("size", "position size from risk % and stop");
  sz->add_option("--equity", o->equity)->required();
  sz->add_option("--risk", o->risk, "fraction of equity at risk")->capture_default_str();
  sz->add_option("--entry", o->entry)->required();
  sz->add_option("--stop", o->stop)->required();
  sz->add_option("--contract-value", o->contract_value, "value of one point per contract")->capture_default_str();
  auto* ke = calc->add_subcommand("kelly", "Kelly fraction f* = (b·p − q)/b");
  ke->add_option("-p,--win-rate", o->p)->required()->check(CLI::Range(0.0, 1.0));
  ke->add_option("-b,--payoff", o->b)->required();
  auto* fr = calc->add_subcommand("fixed-ratio", "fixed-ratio units from accumulated profit");
  fr->add_option("--profit", o->profit)->required();
  fr->add_option("--delta", o->delta)->required();
  fr->add_flag("--linear", o->linear, "the document's linear form");
  auto* rp = calc->add_subcommand("risk-parity", "weights ∝ 1/σ");
  rp->add_option("--vol", o->vols, "volatilities, comma separated")->required()->delimiter(',');
  auto* fu = calc->add_subcommand("funding", "funding of a position over a time range, from the data");
  fu->add_option("--symbol", o->symbol)->required();
  fu->add_option("--side", o->side)->capture_default_str();
  fu->add_option("--qty", o->quantity)->required();
  fu->add_option("--funding", o->funding_dir, "funding folder or file")->required();
  fu->add_option("--mark-price", o->mark_dir, "mark-price kline folder or file")->required();
  fu->add_option("--from", o->from)->required();
  fu->add_option("--to", o->to)->required();
  return [o, liq, mg, sz, ke, fr, rp, fu] {
    if (liq->parsed()) return liquidation(*o);
    if (mg->parsed()) return margin(*o);
    if (sz->parsed()) return size(*o);
    if (ke->parsed()) return kelly(*o);
    if (fr->parsed()) return fixed_ratio(*o);
    if (rp->parsed()) return risk_parity(*o);
    return funding(*o);
  };
}

}  // namespace fulcrum::cli
