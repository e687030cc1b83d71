// `fulcrum calc`: the trader's calculator over the same formulas the venue uses.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "fulcrum/marketdata/dataset.h"
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
  double entry = 0, quantity = 0, wallet = -1, other_mm = 0, other_upnl = 0;
  int leverage = 20;
  bool wallet_given = false;
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

// Every argument is checked before any formula runs, so nonsense is an error naming the
// argument (exit 2), never a number: NaN fails every test written as !(v > 0).
[[noreturn]] void bad_argument(const std::string& arg, const std::string& why) {
  throw core::ConfigError("fulcrum calc", {{arg, why}}, "invalid argument");
}
void require_finite(const std::string& arg, double v) {
  if (!std::isfinite(v)) bad_argument(arg, "must be a finite number, got " + std::to_string(v));
}
void require_positive(const std::string& arg, double v) {
  require_finite(arg, v);
  if (!(v > 0)) bad_argument(arg, "must be positive, got " + std::to_string(v));
}
void require_non_negative(const std::string& arg, double v) {
  require_finite(arg, v);
  if (!(v >= 0)) bad_argument(arg, "must not be negative, got " + std::to_string(v));
}
template <class F>
F to_fixed(const std::string& arg, double v) {
  try {
    return F::from_double(v);
  } catch (const core::ArithmeticOverflow&) {
    bad_argument(arg, "is out of range: " + std::to_string(v));
  }
}

int side_sign(const std::string& s) {
  if (s == "long" || s == "buy") return 1;
  if (s == "short" || s == "sell") return -1;
  bad_argument("--side", "must be long or short, got '" + s + "'");
}

std::vector<model::MarginBracket> brackets_for(const CalcOptions& o) {
  if (o.config.empty()) {
    if (o.symbol != "BTCUSDT") bad_argument("--symbol", "'" + o.symbol + "' has no built-in bracket table; pass --config with its brackets");
    return model::default_binance_brackets();
  }
  const auto cfg = config::load_app_config(o.config);
  if (!cfg.instruments.count(o.symbol)) bad_argument("--symbol", "'" + o.symbol + "' is not listed under venue.instruments in " + o.config);
  return cfg.spec_for(o.symbol).brackets;
}

// The position the venue would hold, in its own fixed-point types.
struct CalcPosition {
  core::Price entry;
  core::Qty quantity;
  core::Money notional;
  std::vector<model::MarginBracket> brackets;
};

CalcPosition position_of(const CalcOptions& o) {
  require_positive("--entry", o.entry);
  require_positive("--qty", o.quantity);
  CalcPosition p{to_fixed<core::Price>("--entry", o.entry), to_fixed<core::Qty>("--qty", o.quantity), {}, brackets_for(o)};
  if (p.entry.raw <= 0) bad_argument("--entry", "rounds to 0 at 8 decimals");
  if (p.quantity.raw <= 0) bad_argument("--qty", "rounds to 0 at 8 decimals");
  try {
    p.notional = core::notional(p.entry, p.quantity);
  } catch (const core::ArithmeticOverflow&) {
    bad_argument("--entry/--qty", "notional entry × qty does not fit the venue's 64-bit money");
  }
  if (o.leverage < 1) bad_argument("--leverage", "must be at least 1x, got " + std::to_string(o.leverage));
  const int max_x = risk::max_leverage_for_notional(p.brackets, p.notional);
  if (o.leverage > max_x)
    bad_argument("--leverage", std::to_string(o.leverage) + "x exceeds the bracket's maximum " + std::to_string(max_x) + "x at notional " + p.notional.str());
  return p;
}

int liquidation(const CalcOptions& o) {
  const int side = side_sign(o.side);
  const bool cross = o.mode == "cross";
  if (!cross && o.mode != "isolated") bad_argument("--mode", "must be isolated or cross, got '" + o.mode + "'");
  const auto p = position_of(o);
  require_finite("--wallet", o.wallet);
  require_finite("--other-maintenance", o.other_mm);
  require_finite("--other-upnl", o.other_upnl);
  if (o.wallet_given) require_non_negative("--wallet", o.wallet);
  require_non_negative("--other-maintenance", o.other_mm);
  const core::Money im = risk::initial_margin(p.notional, o.leverage);
  const core::Money wallet = o.wallet_given ? to_fixed<core::Money>("--wallet", o.wallet) : im;
  risk::LiquidationInput in{side, p.quantity, p.entry, wallet, cross ? to_fixed<core::Money>("--other-maintenance", o.other_mm) : core::Money{},
                            cross ? to_fixed<core::Money>("--other-upnl", o.other_upnl) : core::Money{}};
  risk::LiquidationResult lp;
  try {
    lp = risk::liquidation_price(p.brackets, in);
  } catch (const core::ArithmeticOverflow&) {
    bad_argument("--wallet", "the inputs are too large for the liquidation price to be represented");
  }
  const auto& br = p.brackets[static_cast<size_t>(lp.bracket_index)];
  emit(o, json{{"mode", o.mode},
               {"side", side > 0 ? "long" : "short"},
               {"notional", p.notional.to_double()},
               {"wallet_balance", wallet.to_double()},
               {"initial_margin", im.to_double()},
               {"maintenance_margin_at_entry", risk::maintenance_margin(p.brackets, p.notional).to_double()},
               {"bracket_max_leverage_x", br.max_leverage_x},
               {"maintenance_rate", lp.mmr.to_double()},
               {"maintenance_amount", lp.cum.to_double()},
               {"liquidation_price", lp.price ? json(lp.price->to_double()) : json("none (cannot be liquidated)")},
               {"liquidation_price_document_form", risk::liquidation_price_simplified(side, o.entry, o.leverage, lp.mmr.to_double())}});
  return 0;
}

int margin(const CalcOptions& o) {
  const auto p = position_of(o);
  emit(o, json{{"notional", p.notional.to_double()},
               {"leverage_x", o.leverage},
               {"initial_margin", risk::initial_margin(p.notional, o.leverage).to_double()},
               {"maintenance_margin", risk::maintenance_margin(p.brackets, p.notional).to_double()},
               {"bracket_max_leverage_x", risk::max_leverage_for_notional(p.brackets, p.notional)}});
  return 0;
}

int size(const CalcOptions& o) {
  require_positive("--equity", o.equity);
  require_positive("--risk", o.risk);
  if (o.risk > 1) bad_argument("--risk", "is a fraction of equity and must be at most 1, got " + std::to_string(o.risk));
  require_positive("--entry", o.entry);
  require_positive("--stop", o.stop);
  require_positive("--contract-value", o.contract_value);
  if (o.stop == o.entry) bad_argument("--stop", "must differ from --entry");
  const double q = risk::position_size_from_risk(o.equity, o.risk, o.entry, o.stop, o.contract_value);
  emit(o, json{{"quantity", q},
               {"risk_amount", o.equity * o.risk},
               {"loss_per_unit", std::fabs(o.entry - o.stop) * o.contract_value},
               {"notional", q * o.entry * o.contract_value}});
  return 0;
}

int kelly(const CalcOptions& o) {
  require_finite("--win-rate", o.p);
  if (!(o.p >= 0 && o.p <= 1)) bad_argument("--win-rate", "must be a probability in [0, 1], got " + std::to_string(o.p));
  require_positive("--payoff", o.b);
  const double f = risk::kelly_fraction(o.p, o.b);
  emit(o, json{{"kelly", f}, {"half_kelly", f / 2}, {"quarter_kelly", f / 4}});
  return 0;
}

int fixed_ratio(const CalcOptions& o) {
  require_finite("--profit", o.profit);
  require_positive("--delta", o.delta);
  if (o.profit / o.delta > 1e15) bad_argument("--profit", "is more than 1e15 deltas: too many units to count");
  emit(o, json{{"jones_units", risk::fixed_ratio_units_jones(o.profit, o.delta)},
               {"linear_units", risk::fixed_ratio_units_linear(o.profit, o.delta)},
               {"form_used", o.linear ? "linear" : "jones"},
               {"units", o.linear ? risk::fixed_ratio_units_linear(o.profit, o.delta) : risk::fixed_ratio_units_jones(o.profit, o.delta)}});
  return 0;
}

int risk_parity(const CalcOptions& o) {
  for (size_t i = 0; i < o.vols.size(); ++i) require_positive("--vol[" + std::to_string(i) + "]", o.vols[i]);
  emit(o, json{{"volatilities", o.vols}, {"weights", risk::risk_parity_weights(o.vols)}});
  return 0;
}

// Σ −side · qty · mark · rate over the real funding events in [from, to).
int funding(const CalcOptions& o) {
  const int side = side_sign(o.side);
  require_positive("--qty", o.quantity);
  auto from = core::parse_utc_ms(o.from), to = core::parse_utc_ms(o.to);
  if (!from || !to || *to <= *from) bad_argument("--from/--to", "must be UTC dates with from < to");
  std::vector<model::FundingEvent> events;
  for (const auto& f : marketdata::files_for_symbol(o.funding_dir, o.symbol)) {
    auto s = marketdata::read_funding(f);
    events.insert(events.end(), s.events.begin(), s.events.end());
  }
  std::vector<model::Bar> marks;
  for (const auto& f : marketdata::files_for_symbol(o.mark_dir, o.symbol)) {
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
  calc->add_flag("--json", o->as_json, "print JSON (also accepted after the calculation's name)");
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
  auto* wallet_opt = liq->add_option("--wallet", o->wallet, "isolated margin or cross wallet balance (default: initial margin)");
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
  ke->add_option("-p,--win-rate", o->p)->required();
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
  // `fulcrum calc liq … --json` works as well as `fulcrum calc --json liq …`.
  for (auto* sub : {liq, mg, sz, ke, fr, rp, fu}) sub->fallthrough();
  return [o, liq, mg, sz, ke, fr, rp, fu, wallet_opt] {
    o->wallet_given = wallet_opt->count() > 0;
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
