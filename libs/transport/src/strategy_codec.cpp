#include "fulcrum/transport/strategy_codec.h"

#include <cmath>
#include <string>


namespace fulcrum::transport {
namespace {

v1::Side side_to_proto(model::Side s) { return s == model::Side::kBuy ? v1::SIDE_BUY : v1::SIDE_SELL; }
model::Side side_from_proto(v1::Side s) {
  if (s != v1::SIDE_BUY && s != v1::SIDE_SELL) throw WireError("side: must be SIDE_BUY or SIDE_SELL, got " + std::to_string(s));
  return s == v1::SIDE_BUY ? model::Side::kBuy : model::Side::kSell;
}

v1::OrderType type_to_proto(model::OrderType t) {
  switch (t) {
    case model::OrderType::kMarket: return v1::ORDER_TYPE_MARKET;
    case model::OrderType::kLimit: return v1::ORDER_TYPE_LIMIT;
    case model::OrderType::kStopMarket: return v1::ORDER_TYPE_STOP_MARKET;
    case model::OrderType::kTrailingStop: return v1::ORDER_TYPE_TRAILING_STOP;
  }
  return v1::ORDER_TYPE_UNSPECIFIED;
}
model::OrderType type_from_proto(v1::OrderType t) {
  switch (t) {
    case v1::ORDER_TYPE_MARKET: return model::OrderType::kMarket;
    case v1::ORDER_TYPE_LIMIT: return model::OrderType::kLimit;
    case v1::ORDER_TYPE_STOP_MARKET: return model::OrderType::kStopMarket;
    case v1::ORDER_TYPE_TRAILING_STOP: return model::OrderType::kTrailingStop;
    default: throw WireError("order type: unspecified or unknown (" + std::to_string(t) + ")");
  }
}

// NaN or infinity on the wire is a forged or corrupt frame, never a feature value.
double finite(double v, const char* field) {
  if (!std::isfinite(v)) throw WireError(std::string(field) + ": not a finite number");
  return v;
}

size_t checked_index(uint32_t index, size_t count, const char* field) {
  if (index >= count) throw WireError(std::string(field) + ": symbol index " + std::to_string(index) + " is outside the " + std::to_string(count) + " configured symbols");
  return index;
}

}  // namespace

void to_proto(const strategy::DecisionRecord& in, v1::Decision& out) {
  out.set_time_ms(in.time_ms);
  out.set_symbol(in.symbol);
  out.set_side(in.side);
  out.set_leverage_x(in.leverage_x);
  out.set_notional(in.notional);
  out.set_quantity(in.quantity);
  out.set_outcome(in.outcome);
  out.set_reason_json(in.reason_json);
}

strategy::DecisionRecord from_proto(const v1::Decision& in) {
  return {in.time_ms(), in.symbol(), in.side(), in.leverage_x(), in.notional(), in.quantity(), in.outcome(), in.reason_json(), ""};  // the router names the variant from the batch
}

void to_proto(const risk::GateVerdict& verdict, const v1::OrderRequest& order, v1::RiskVerdict& out) {
  out.set_allowed(verdict.allowed());
  out.set_reason(to_proto(verdict.reason));
  out.set_observed(verdict.observed);
  out.set_limit(verdict.limit);
  out.set_detail(verdict.detail);
  *out.mutable_order() = order;
}

v1::DenyReason to_proto(risk::GateReason reason) {
  switch (reason) {
    case risk::GateReason::kNone: return v1::DENY_REASON_UNSPECIFIED;
    case risk::GateReason::kTradingHalted: return v1::DENY_REASON_TRADING_HALTED;
    case risk::GateReason::kTradingReducing: return v1::DENY_REASON_REDUCING_ONLY;
    case risk::GateReason::kStateUnavailable: return v1::DENY_REASON_STATE_UNAVAILABLE;
    case risk::GateReason::kLeverageAboveLimit: return v1::DENY_REASON_LEVERAGE_ABOVE_LIMIT;
    case risk::GateReason::kNotionalAboveLimit: return v1::DENY_REASON_NOTIONAL_ABOVE_LIMIT;
    case risk::GateReason::kOrdersPerInstantAboveLimit: return v1::DENY_REASON_ORDERS_PER_INSTANT_ABOVE_LIMIT;
    case risk::GateReason::kValueOutOfRange: return v1::DENY_REASON_VALUE_OUT_OF_RANGE;
    case risk::GateReason::kLeverageAboveBracket: return v1::DENY_REASON_LEVERAGE_ABOVE_BRACKET_AT_NOTIONAL;
    case risk::GateReason::kLeverageInHighVolatility: return v1::DENY_REASON_LEVERAGE_IN_HIGH_VOLATILITY;
    case risk::GateReason::kLiquidationBeforeStop: return v1::DENY_REASON_LIQUIDATION_BEFORE_STOP;
    case risk::GateReason::kLossAtStopAboveLimit: return v1::DENY_REASON_LOSS_AT_STOP_ABOVE_LIMIT;
    case risk::GateReason::kVarAboveLimit: return v1::DENY_REASON_VAR_ABOVE_LIMIT;
    case risk::GateReason::kMarginAboveLimit: return v1::DENY_REASON_MARGIN_ABOVE_LIMIT;
    case risk::GateReason::kOpenPositionsAboveLimit: return v1::DENY_REASON_OPEN_POSITIONS_ABOVE_LIMIT;
    case risk::GateReason::kFundingAbnormal: return v1::DENY_REASON_FUNDING_ABNORMAL;
    case risk::GateReason::kBookTooThin: return v1::DENY_REASON_BOOK_TOO_THIN;
    case risk::GateReason::kOrderRateAboveLimit: return v1::DENY_REASON_ORDER_RATE_ABOVE_LIMIT;
    case risk::GateReason::kInputMissing: return v1::DENY_REASON_INPUT_MISSING;
    case risk::GateReason::kDrawdownBreaker: return v1::DENY_REASON_DRAWDOWN_BREAKER;
    case risk::GateReason::kFeedStale: return v1::DENY_REASON_FEED_STALE;
  }
  return v1::DENY_REASON_UNSPECIFIED;
}

void to_proto(const std::string& symbol, size_t symbol_index, const features::FeatureSnapshot& f, v1::FeatureSnapshot& out) {
  out.set_symbol(symbol);
  out.set_symbol_index(static_cast<uint32_t>(symbol_index));
  out.set_time_ms(f.time_ms);
  out.set_ready(f.ready);
  out.set_close(f.close);
  out.set_open(f.open);
  out.set_high(f.high);
  out.set_low(f.low);
  out.set_volume(f.volume);
  out.set_ema_fast(f.ema_fast);
  out.set_ema_slow(f.ema_slow);
  out.set_rsi(f.rsi);
  out.set_adx(f.adx);
  out.set_plus_di(f.plus_di);
  out.set_minus_di(f.minus_di);
  out.set_atr(f.atr);
  out.set_atr_pct(f.atr_pct);
  out.set_atr_ratio(f.atr_ratio);
  out.set_ewma_vol(f.ewma_vol);
  out.set_volume_ratio(f.volume_ratio);
  out.set_upper_wick_to_close(f.upper_wick_to_close);
  out.set_upper_wick_to_body(f.upper_wick_to_body);
  out.set_signed_volume(f.signed_volume);
  out.set_vpin(f.vpin);
  out.set_change_24h(f.change_24h);
}

features::FeatureSnapshot from_proto(const v1::FeatureSnapshot& in) {
  features::FeatureSnapshot f;
  f.time_ms = in.time_ms();
  f.ready = in.ready();
  f.close = finite(in.close(), "features.close");
  f.open = finite(in.open(), "features.open");
  f.high = finite(in.high(), "features.high");
  f.low = finite(in.low(), "features.low");
  f.volume = finite(in.volume(), "features.volume");
  f.ema_fast = finite(in.ema_fast(), "features.ema_fast");
  f.ema_slow = finite(in.ema_slow(), "features.ema_slow");
  f.rsi = finite(in.rsi(), "features.rsi");
  f.adx = finite(in.adx(), "features.adx");
  f.plus_di = finite(in.plus_di(), "features.plus_di");
  f.minus_di = finite(in.minus_di(), "features.minus_di");
  f.atr = finite(in.atr(), "features.atr");
  f.atr_pct = finite(in.atr_pct(), "features.atr_pct");
  f.atr_ratio = finite(in.atr_ratio(), "features.atr_ratio");
  f.ewma_vol = finite(in.ewma_vol(), "features.ewma_vol");
  f.volume_ratio = finite(in.volume_ratio(), "features.volume_ratio");
  f.upper_wick_to_close = finite(in.upper_wick_to_close(), "features.upper_wick_to_close");
  f.upper_wick_to_body = finite(in.upper_wick_to_body(), "features.upper_wick_to_body");
  f.signed_volume = finite(in.signed_volume(), "features.signed_volume");
  f.vpin = finite(in.vpin(), "features.vpin");
  f.change_24h = finite(in.change_24h(), "features.change_24h");
  return f;
}

void to_proto(const std::string& symbol, const strategy::SymbolFlow& in, v1::BookFeatures& out) {
  out.set_symbol(symbol);
  out.set_time_ms(in.book_time_ms);
  out.set_spread(in.book.spread);
  out.set_spread_bps(in.book.spread_bps);
  out.set_depth_notional(in.book.depth_notional);
  out.set_imbalance(in.book.imbalance);
  out.set_buy_volume(in.buy_volume);
  out.set_sell_volume(in.sell_volume);
  out.set_trades(in.trades);
}

void to_proto(const strategy::InstantSignals& in, const std::vector<std::string>& symbols, v1::InstantSignals& out) {
  out.set_instant_ms(in.time_ms);
  out.set_trading(in.trading);
  out.set_reference_volatility(in.reference_volatility);
  out.set_market_atr_ratio(in.market_atr_ratio);
  out.clear_entries();
  for (const auto& e : in.entries) {
    auto* pe = out.add_entries();
    to_proto(symbols[e.symbol], e.symbol, e.features, *pe->mutable_features());
    if (e.signal) {
      auto* s = pe->mutable_signal();
      s->set_symbol(e.signal->symbol);
      s->set_side(side_to_proto(e.signal->side));
      s->set_reference_price(e.signal->reference_price);
      s->set_stop_price(e.signal->stop_price);
      s->set_score(e.signal->score);
      s->set_confidence(e.signal->confidence);
    }
  }
}

strategy::InstantSignals from_proto(const v1::InstantSignals& in, const std::vector<std::string>& symbols) {
  strategy::InstantSignals out;
  out.time_ms = in.instant_ms();
  out.trading = in.trading();
  out.reference_volatility = finite(in.reference_volatility(), "reference_volatility");
  out.market_atr_ratio = finite(in.market_atr_ratio(), "market_atr_ratio");
  for (int i = 0; i < in.entries_size(); ++i) {
    const auto& pe = in.entries(i);
    strategy::InstantEntry e;
    e.symbol = checked_index(pe.features().symbol_index(), symbols.size(), "entries.features.symbol_index");
    e.features = from_proto(pe.features());
    if (pe.has_signal()) {
      signals::Signal s;
      s.symbol = symbols[e.symbol];
      s.side = side_from_proto(pe.signal().side());
      s.reference_price = finite(pe.signal().reference_price(), "signal.reference_price");
      s.stop_price = finite(pe.signal().stop_price(), "signal.stop_price");
      s.score = finite(pe.signal().score(), "signal.score");
      s.confidence = finite(pe.signal().confidence(), "signal.confidence");
      s.features = e.features;
      e.signal = std::move(s);
    }
    out.entries.push_back(std::move(e));
  }
  return out;
}

void to_proto(const model::OrderRequest& in, v1::OrderRequest& out) {
  out.set_client_order_id(in.client_order_id);
  out.set_symbol(in.symbol);
  out.set_side(side_to_proto(in.side));
  out.set_type(type_to_proto(in.type));
  out.set_quantity_raw(in.quantity.raw);
  out.set_limit_price_raw(in.limit_price.raw);
  out.set_stop_price_raw(in.stop_price.raw);
  out.set_callback_rate_raw(in.callback_rate.raw);
  out.set_reduce_only(in.reduce_only);
  out.set_close_position(in.close_position);
  out.set_leverage_x(in.leverage_x);
  out.set_attached_stop_price_raw(in.attached_stop_price.raw);
  out.set_attached_trailing_callback_raw(in.attached_trailing_callback.raw);
  out.set_attached_trailing_activation_raw(in.attached_trailing_activation.raw);
}

model::OrderRequest from_proto(const v1::OrderRequest& in) {
  model::OrderRequest r;
  if (in.client_order_id().empty()) throw WireError("client_order_id: must not be empty");
  r.client_order_id = in.client_order_id();
  r.symbol = in.symbol();
  r.side = side_from_proto(in.side());
  r.type = type_from_proto(in.type());
  r.quantity = core::Qty::from_raw(in.quantity_raw());
  r.limit_price = core::Price::from_raw(in.limit_price_raw());
  r.stop_price = core::Price::from_raw(in.stop_price_raw());
  r.callback_rate = core::Rate::from_raw(in.callback_rate_raw());
  r.reduce_only = in.reduce_only();
  r.close_position = in.close_position();
  r.leverage_x = in.leverage_x();
  r.attached_stop_price = core::Price::from_raw(in.attached_stop_price_raw());
  r.attached_trailing_callback = core::Rate::from_raw(in.attached_trailing_callback_raw());
  r.attached_trailing_activation = core::Price::from_raw(in.attached_trailing_activation_raw());
  return r;
}

void to_proto(const strategy::AccountView& in, v1::AccountSnapshot& out) {
  out.set_instant_ms(in.instant_ms);
  out.set_equity_raw(in.equity.raw);
  out.set_available_balance_raw(in.available_balance.raw);
  out.set_wallet_balance_raw(in.wallet_balance.raw);
  out.clear_positions();
  out.clear_symbols_with_open_orders();
  out.clear_last_price_raw();
  for (size_t s = 0; s < in.positions.size(); ++s) {
    const auto& p = in.positions[s];
    if (!p.qty.is_zero()) {
      auto* pp = out.add_positions();
      pp->set_symbol_index(static_cast<uint32_t>(s));
      pp->set_quantity_raw(p.qty.raw);
      pp->set_entry_price_raw(p.entry_price.raw);
      pp->set_isolated_margin_raw(p.isolated_margin.raw);
      pp->set_leverage_x(p.leverage_x);
      pp->set_opened_ms(p.opened_ms);
      pp->set_opened_by(p.opened_by);
    }
    if (in.has_open_orders[s]) out.add_symbols_with_open_orders(static_cast<uint32_t>(s));
    out.add_last_price_raw(in.last_prices[s] ? in.last_prices[s]->raw : 0);
  }
  out.clear_resting_stop_ids();
  for (const auto& id : in.resting_stop_ids) out.add_resting_stop_ids(id);
  out.set_closed_trade_count(in.closed_trade_count);
  out.clear_recent_closed();
  for (const auto& [pnl, margin] : in.recent_closed) {
    auto* c = out.add_recent_closed();
    c->set_net_pnl_raw(pnl.raw);
    c->set_max_margin_raw(margin.raw);
  }
  out.set_exposure_notional(in.exposure_notional);
  out.set_margin_ratio(in.margin_ratio);
  out.set_membership_epoch(in.membership_epoch);
  out.clear_members();
  for (const auto& m : in.members) out.add_members(m);
}

strategy::AccountView from_proto(const v1::AccountSnapshot& in, size_t symbol_count) {
  strategy::AccountView a;
  a.instant_ms = in.instant_ms();
  a.equity = core::Money::from_raw(in.equity_raw());
  a.available_balance = core::Money::from_raw(in.available_balance_raw());
  a.wallet_balance = core::Money::from_raw(in.wallet_balance_raw());
  a.positions.resize(symbol_count);
  a.has_open_orders.assign(symbol_count, false);
  for (const auto& pp : in.positions()) {
    auto& p = a.positions[checked_index(pp.symbol_index(), symbol_count, "positions.symbol_index")];
    p.qty = core::Qty::from_raw(pp.quantity_raw());
    p.entry_price = core::Price::from_raw(pp.entry_price_raw());
    p.isolated_margin = core::Money::from_raw(pp.isolated_margin_raw());
    p.leverage_x = pp.leverage_x();
    p.opened_ms = pp.opened_ms();
    p.opened_by = pp.opened_by();
  }
  for (auto s : in.symbols_with_open_orders()) a.has_open_orders[checked_index(s, symbol_count, "symbols_with_open_orders")] = true;
  if (static_cast<size_t>(in.last_price_raw_size()) != symbol_count)
    throw WireError("last_price_raw: " + std::to_string(in.last_price_raw_size()) + " prices for " + std::to_string(symbol_count) + " symbols");
  for (auto raw : in.last_price_raw()) a.last_prices.push_back(raw ? std::optional<core::Price>(core::Price::from_raw(raw)) : std::nullopt);
  a.resting_stop_ids.assign(in.resting_stop_ids().begin(), in.resting_stop_ids().end());
  a.closed_trade_count = in.closed_trade_count();
  if (static_cast<size_t>(in.recent_closed_size()) > a.closed_trade_count)
    throw WireError("recent_closed: more trades than closed_trade_count");
  for (const auto& c : in.recent_closed()) a.recent_closed.emplace_back(core::Money::from_raw(c.net_pnl_raw()), core::Money::from_raw(c.max_margin_raw()));
  a.exposure_notional = finite(in.exposure_notional(), "exposure_notional");
  a.margin_ratio = finite(in.margin_ratio(), "margin_ratio");
  a.membership_epoch = in.membership_epoch();
  if (in.members_size() > 1024) throw WireError("members: " + std::to_string(in.members_size()) + " variants (at most 1024)");
  a.members.assign(in.members().begin(), in.members().end());
  return a;
}

void to_proto(const risk::GateContext& c, v1::RiskContext& out) {
  out.set_time_ms(c.time_ms);
  out.set_opens_position(c.opens_position);
  out.set_equity(c.equity);
  out.set_margin_in_use(c.margin_in_use);
  out.set_open_positions(c.open_positions);
  out.set_bracket_max_leverage_x(c.bracket_max_leverage_x);
  out.set_atr_ratio(c.atr_ratio);
  if (c.stop_price) out.set_stop_price(*c.stop_price);
  if (c.liquidation_price) out.set_liquidation_price(*c.liquidation_price);
  if (c.var_after) out.set_var_after(*c.var_after);
  if (c.funding_rate) out.set_funding_rate(*c.funding_rate);
  out.set_funding_interval_hours(c.funding_interval_hours);
  if (c.top_of_book_qty) out.set_top_of_book_qty(*c.top_of_book_qty);
  out.set_drawdown(c.drawdown);
  out.set_breaker_until_ms(c.breaker_until_ms);
}

risk::GateContext from_proto(const v1::RiskContext& in, const v1::OrderRequest& order) {
  risk::GateContext c;
  c.time_ms = in.time_ms();
  c.side = order.side() == v1::SIDE_SELL ? -1 : 1;
  c.reduce_only = order.reduce_only();
  c.opens_position = in.opens_position();
  c.equity = in.equity();
  c.margin_in_use = in.margin_in_use();
  c.open_positions = in.open_positions();
  c.bracket_max_leverage_x = in.bracket_max_leverage_x();
  c.atr_ratio = in.atr_ratio();
  if (in.has_stop_price()) c.stop_price = in.stop_price();
  if (in.has_liquidation_price()) c.liquidation_price = in.liquidation_price();
  if (in.has_var_after()) c.var_after = in.var_after();
  if (in.has_funding_rate()) c.funding_rate = in.funding_rate();
  c.funding_interval_hours = in.funding_interval_hours();
  if (in.has_top_of_book_qty()) c.top_of_book_qty = in.top_of_book_qty();
  c.drawdown = in.drawdown();
  c.breaker_until_ms = in.breaker_until_ms();
  return c;
}

void to_proto(const strategy::PlannedCommand& in, v1::OrderCommand& out) {
  if (in.is_amend) {
    auto* a = out.mutable_amend_stop();
    a->set_client_order_id(in.amend_id);
    a->set_stop_price_raw(in.amend_stop_price.raw);
  } else {
    to_proto(in.order, *out.mutable_submit());
    if (in.reference_price) out.mutable_submit()->set_reference_price_raw(in.reference_price->raw);
    if (in.gate_context) to_proto(*in.gate_context, *out.mutable_submit()->mutable_risk_context());
  }
  out.set_decision_reason(in.decision_reason);
}

void to_proto(const std::string& account, const std::string& policy_version, core::TimestampMs instant_ms, const strategy::PlannedInstant& in,
              v1::OrderBatch& out) {
  out.set_account(account);
  out.set_policy_version(policy_version);
  out.set_instant_ms(instant_ms);
  for (const auto& d : in.decisions) to_proto(d, *out.add_decisions());
  for (const auto& c : in.commands) to_proto(c, *out.add_commands());
}

}  // namespace fulcrum::transport
