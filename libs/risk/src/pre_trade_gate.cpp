#include "fulcrum/risk/pre_trade_gate.h"

#include "fulcrum/risk/margin.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "fulcrum/core/number_format.h"

namespace fulcrum::risk {

const char* to_string(GateReason r) {
  switch (r) {
    case GateReason::kNone: return "NONE";
    case GateReason::kTradingHalted: return "TRADING_HALTED";
    case GateReason::kTradingReducing: return "TRADING_REDUCING";
    case GateReason::kStateUnavailable: return "STATE_UNAVAILABLE";
    case GateReason::kLeverageAboveLimit: return "LEVERAGE_ABOVE_LIMIT";
    case GateReason::kNotionalAboveLimit: return "NOTIONAL_ABOVE_LIMIT";
    case GateReason::kOrdersPerInstantAboveLimit: return "ORDERS_PER_INSTANT_ABOVE_LIMIT";
    case GateReason::kValueOutOfRange: return "VALUE_OUT_OF_RANGE";
    case GateReason::kLeverageAboveBracket: return "LEVERAGE_ABOVE_BRACKET";
    case GateReason::kLeverageInHighVolatility: return "LEVERAGE_IN_HIGH_VOLATILITY";
    case GateReason::kLiquidationBeforeStop: return "LIQUIDATION_BEFORE_STOP";
    case GateReason::kLossAtStopAboveLimit: return "LOSS_AT_STOP_ABOVE_LIMIT";
    case GateReason::kVarAboveLimit: return "VAR_ABOVE_LIMIT";
    case GateReason::kMarginAboveLimit: return "MARGIN_ABOVE_LIMIT";
    case GateReason::kOpenPositionsAboveLimit: return "OPEN_POSITIONS_ABOVE_LIMIT";
    case GateReason::kFundingAbnormal: return "FUNDING_ABNORMAL";
    case GateReason::kBookTooThin: return "BOOK_TOO_THIN";
    case GateReason::kOrderRateAboveLimit: return "ORDER_RATE_ABOVE_LIMIT";
    case GateReason::kInputMissing: return "INPUT_MISSING";
    case GateReason::kDrawdownBreaker: return "DRAWDOWN_BREAKER";
    case GateReason::kFeedStale: return "FEED_STALE";
  }
  return "UNKNOWN";
}

std::vector<GateReason> all_gate_reasons() {
  std::vector<GateReason> out;
  for (int r = static_cast<int>(GateReason::kTradingHalted); r <= static_cast<int>(GateReason::kFeedStale); ++r) out.push_back(static_cast<GateReason>(r));
  return out;
}

namespace {

using core::short_number;
GateVerdict deny(GateReason r, double observed, double limit, std::string detail) { return {r, observed, limit, std::move(detail)}; }

}  // namespace

std::string describe_changes(const PreTradeLimits& a, const PreTradeLimits& b) {
  std::string out;
  auto field = [&](const char* name, const std::string& x, const std::string& y) {
    if (x != y) out += std::string(out.empty() ? "" : " ") + name + " " + x + "->" + y;
  };
  auto missing = [](OnMissing m) { return std::string(m == OnMissing::kSkip ? "skip" : "fail_closed"); };
  field("max_leverage_x", std::to_string(a.max_leverage_x), std::to_string(b.max_leverage_x));
  field("max_order_notional", a.max_order_notional.str(), b.max_order_notional.str());
  field("max_orders_per_instant", std::to_string(a.max_orders_per_instant), std::to_string(b.max_orders_per_instant));
  field("high_atr_ratio", short_number(a.high_atr_ratio), short_number(b.high_atr_ratio));
  field("high_atr_max_leverage_x", std::to_string(a.high_atr_max_leverage_x), std::to_string(b.high_atr_max_leverage_x));
  field("min_liquidation_buffer", short_number(a.min_liquidation_buffer), short_number(b.min_liquidation_buffer));
  field("max_loss_at_stop", short_number(a.max_loss_at_stop), short_number(b.max_loss_at_stop));
  field("max_var", short_number(a.max_var), short_number(b.max_var));
  field("var_confidence", short_number(a.var_confidence), short_number(b.var_confidence));
  field("var_window_days", std::to_string(a.var_window_days), std::to_string(b.var_window_days));
  field("var_min_days", std::to_string(a.var_min_days), std::to_string(b.var_min_days));
  field("max_margin_fraction", short_number(a.max_margin_fraction), short_number(b.max_margin_fraction));
  field("margin_alert_ratio", short_number(a.margin_alert_ratio), short_number(b.margin_alert_ratio));
  field("max_open_positions", std::to_string(a.max_open_positions), std::to_string(b.max_open_positions));
  field("max_funding_annualised", short_number(a.max_funding_annualised), short_number(b.max_funding_annualised));
  field("min_book_depth_multiple", short_number(a.min_book_depth_multiple), short_number(b.min_book_depth_multiple));
  field("max_orders_per_second", std::to_string(a.max_orders_per_second), std::to_string(b.max_orders_per_second));
  field("max_drawdown", short_number(a.max_drawdown), short_number(b.max_drawdown));
  field("drawdown_cooloff_hours", std::to_string(a.drawdown_cooloff_hours), std::to_string(b.drawdown_cooloff_hours));
  field("stop_missing", missing(a.stop_missing), missing(b.stop_missing));
  field("var_missing", missing(a.var_missing), missing(b.var_missing));
  return out;
}

bool margin_alert(double maintenance_margin, double margin_balance, double alert_ratio) {
  return maintenance_margin > 0 && margin_balance <= alert_ratio * maintenance_margin;
}

std::optional<GateVerdict> state_verdict(const TradingStateBook& book, std::string_view account, std::string_view symbol, bool reduces_exposure) {
  if (book.allows(account, symbol, reduces_exposure)) return std::nullopt;
  const auto* e = book.deciding(account, symbol);
  const bool halted = e->state == TradingState::kHalted;
  return GateVerdict{halted ? GateReason::kTradingHalted : GateReason::kTradingReducing, static_cast<double>(e->state), 0,
                     std::string(to_string(e->state)) + " on " + e->scope.str() + " at epoch " + std::to_string(e->epoch) + " by " + e->by +
                         (halted ? "" : ": only reduce-only orders pass") + (e->reason.empty() ? "" : " (" + e->reason + ")")};
}

std::optional<GateVerdict> account_bracket_verdict(const BracketTable* account_brackets, const std::string& symbol, const GateOrder& order, bool reduces_exposure) {
  if (reduces_exposure) return std::nullopt;
  const auto lev = static_cast<double>(order.leverage_x);
  if (!account_brackets) return GateVerdict{GateReason::kLeverageAboveBracket, lev, 0, "the account's leverage brackets are not read yet: entries wait for the order router's"};
  const auto it = account_brackets->find(symbol);
  if (it == account_brackets->end() || it->second.empty())
    return GateVerdict{GateReason::kLeverageAboveBracket, lev, 0, "the account's leverage brackets list no " + symbol};
  core::Money notional;
  try {
    notional = core::notional(order.reference_price, order.quantity.abs());
  } catch (const core::ArithmeticOverflow&) {
    return GateVerdict{GateReason::kValueOutOfRange, 0, 0, "quantity " + order.quantity.str() + " × price " + order.reference_price.str() + " does not fit 64-bit money"};
  }
  const int max_x = max_leverage_for_notional(it->second, notional);
  if (order.leverage_x <= max_x) return std::nullopt;
  return GateVerdict{GateReason::kLeverageAboveBracket, lev, static_cast<double>(max_x),
                     "leverage " + std::to_string(order.leverage_x) + "x above the account's bracket " + std::to_string(max_x) + "x for " + symbol + " at notional " +
                         notional.str() + " (the exchange's leverageBracket)"};
}

GateVerdict PreTradeGate::check_context(const GateOrder& order, core::Money notional_money, const GateContext& c) const {
  const auto& l = limits_;
  const double qty = order.quantity.abs().to_double();
  const double ref = order.reference_price.to_double();
  const double notional = notional_money.to_double();
  // Every input is a double from another process or a file: NaN must not pass a range check.
  const auto bad = [](double v) { return !std::isfinite(v); };
  if (bad(c.equity) || bad(c.margin_in_use) || bad(c.atr_ratio) || (c.stop_price && bad(*c.stop_price)) ||
      (c.liquidation_price && bad(*c.liquidation_price)) || (c.var_after && bad(*c.var_after)) || (c.funding_rate && bad(*c.funding_rate)) ||
      (c.top_of_book_qty && bad(*c.top_of_book_qty)) || bad(c.funding_interval_hours) || bad(c.drawdown))
    return deny(GateReason::kValueOutOfRange, 0, 0, "a risk input is not a finite number");
  if (c.reduce_only) return {};
  if (c.time_ms < c.breaker_until_ms)
    return deny(GateReason::kDrawdownBreaker, c.drawdown, l.max_drawdown,
                "drawdown breaker: the account fell " + short_number(c.drawdown * 100) + " % below its equity peak (limit " + short_number(l.max_drawdown * 100) +
                    " %), REDUCING until " + std::to_string(c.breaker_until_ms) + " ms");

  if (order.leverage_x > c.bracket_max_leverage_x)
    return deny(GateReason::kLeverageAboveBracket, order.leverage_x, c.bracket_max_leverage_x,
                "leverage " + std::to_string(order.leverage_x) + "x above the bracket's " + std::to_string(c.bracket_max_leverage_x) + "x at notional " +
                    short_number(notional));
  if (c.atr_ratio > l.high_atr_ratio && order.leverage_x > l.high_atr_max_leverage_x)
    return deny(GateReason::kLeverageInHighVolatility, order.leverage_x, l.high_atr_max_leverage_x,
                "leverage " + std::to_string(order.leverage_x) + "x while ATR is " + short_number(c.atr_ratio) + "x its one-year mean (> " + short_number(l.high_atr_ratio) +
                    "): at most " + std::to_string(l.high_atr_max_leverage_x) + "x");

  if (c.stop_price) {
    const double stop = *c.stop_price;
    if (c.liquidation_price) {
      const double liq = *c.liquidation_price;
      // Long: the stop sits above liquidation, with liquidation at least the buffer below it.
      const double beyond = c.side > 0 ? (stop - liq) / stop : (liq - stop) / stop;
      if (beyond < l.min_liquidation_buffer)
        return deny(GateReason::kLiquidationBeforeStop, beyond, l.min_liquidation_buffer,
                    "liquidation " + short_number(liq) + " is " + short_number(beyond * 100) + " % beyond the stop " + short_number(stop) + " (at least " +
                        short_number(l.min_liquidation_buffer * 100) + " %)");
    }
    const double loss = qty * std::abs(ref - stop);
    if (loss > l.max_loss_at_stop * c.equity)
      return deny(GateReason::kLossAtStopAboveLimit, c.equity > 0 ? loss / c.equity : loss, l.max_loss_at_stop,
                  "loss at the stop " + short_number(loss) + " is " + short_number(c.equity > 0 ? loss / c.equity * 100 : 0) + " % of equity " + short_number(c.equity) +
                      " (at most " + short_number(l.max_loss_at_stop * 100) + " %)");
  } else if (l.stop_missing == OnMissing::kFailClosed) {
    return deny(GateReason::kInputMissing, 0, 0, "no stop price: liquidation distance and loss at the stop cannot be checked (stop_missing: fail_closed)");
  }

  if (c.var_after) {
    if (*c.var_after > l.max_var * c.equity)
      return deny(GateReason::kVarAboveLimit, c.equity > 0 ? *c.var_after / c.equity : *c.var_after, l.max_var,
                  "one-day " + short_number(l.var_confidence * 100) + " % VaR after the order " + short_number(*c.var_after) + " is " +
                      short_number(c.equity > 0 ? *c.var_after / c.equity * 100 : 0) + " % of equity (at most " + short_number(l.max_var * 100) + " %)");
  } else if (l.var_missing == OnMissing::kFailClosed) {
    return deny(GateReason::kInputMissing, 0, 0, "fewer than " + std::to_string(l.var_min_days) + " days of returns: VaR cannot be checked (var_missing: fail_closed)");
  }

  const double margin_after = c.margin_in_use + notional / std::max(1, order.leverage_x);
  if (margin_after > l.max_margin_fraction * c.equity)
    return deny(GateReason::kMarginAboveLimit, c.equity > 0 ? margin_after / c.equity : margin_after, l.max_margin_fraction,
                "initial margin after the order " + short_number(margin_after) + " is " + short_number(c.equity > 0 ? margin_after / c.equity * 100 : 0) +
                    " % of equity (at most " + short_number(l.max_margin_fraction * 100) + " %)");
  if (c.opens_position && c.open_positions + 1 > l.max_open_positions)
    return deny(GateReason::kOpenPositionsAboveLimit, c.open_positions + 1, l.max_open_positions,
                "position " + std::to_string(c.open_positions + 1) + " above max_open_positions " + std::to_string(l.max_open_positions));
  if (c.funding_rate && c.funding_interval_hours > 0) {
    const double annualised = *c.funding_rate * (24.0 * 365.0 / c.funding_interval_hours);
    // Longs pay a positive rate, shorts a negative one.
    const bool pays = c.side > 0 ? annualised > 0 : annualised < 0;
    if (pays && std::abs(annualised) > l.max_funding_annualised)
      return deny(GateReason::kFundingAbnormal, std::abs(annualised), l.max_funding_annualised,
                  "funding " + short_number(*c.funding_rate * 100) + " % per " + short_number(c.funding_interval_hours) + " h is " + short_number(annualised * 100) +
                      " % a year against this side (at most " + short_number(l.max_funding_annualised * 100) + " %)");
  }
  if (c.top_of_book_qty && *c.top_of_book_qty < l.min_book_depth_multiple * qty)
    return deny(GateReason::kBookTooThin, qty > 0 ? *c.top_of_book_qty / qty : 0, l.min_book_depth_multiple,
                "top of book " + short_number(*c.top_of_book_qty) + " is " + short_number(qty > 0 ? *c.top_of_book_qty / qty : 0) + "x the order (at least " +
                    short_number(l.min_book_depth_multiple) + "x)");
  return {};
}

GateVerdict PreTradeGate::check(const GateOrder& order, std::optional<GateVerdict> state_denial, const GateContext* context) {
  if (state_denial && !state_denial->allowed()) return *state_denial;
  const bool reduce_only = context && context->reduce_only;
  if (!reduce_only && order.leverage_x > limits_.max_leverage_x)
    return {GateReason::kLeverageAboveLimit, static_cast<double>(order.leverage_x), static_cast<double>(limits_.max_leverage_x),
            "leverage " + std::to_string(order.leverage_x) + "x above mesh.risk.max_leverage_x " + std::to_string(limits_.max_leverage_x) + "x"};
  core::Money notional;
  try {
    notional = core::notional(order.reference_price, order.quantity.abs());
  } catch (const core::ArithmeticOverflow&) {
    return {GateReason::kValueOutOfRange, 0, limits_.max_order_notional.to_double(),
            "quantity " + order.quantity.str() + " × price " + order.reference_price.str() + " does not fit 64-bit money"};
  }
  if (!reduce_only && notional > limits_.max_order_notional)
    return {GateReason::kNotionalAboveLimit, notional.to_double(), limits_.max_order_notional.to_double(),
            "notional " + notional.str() + " above mesh.risk.max_order_notional " + limits_.max_order_notional.str()};
  if (passed_this_instant_ >= limits_.max_orders_per_instant)
    return {GateReason::kOrdersPerInstantAboveLimit, static_cast<double>(passed_this_instant_ + 1), static_cast<double>(limits_.max_orders_per_instant),
            "order " + std::to_string(passed_this_instant_ + 1) + " this instant, above mesh.risk.max_orders_per_instant " +
                std::to_string(limits_.max_orders_per_instant)};
  if (context) {
    while (!passed_times_.empty() && passed_times_.front() <= context->time_ms - 1000) passed_times_.pop_front();
    if (static_cast<int>(passed_times_.size()) >= limits_.max_orders_per_second)
      return {GateReason::kOrderRateAboveLimit, static_cast<double>(passed_times_.size() + 1), static_cast<double>(limits_.max_orders_per_second),
              "order " + std::to_string(passed_times_.size() + 1) + " within one second, above mesh.risk.max_orders_per_second " +
                  std::to_string(limits_.max_orders_per_second)};
    if (auto v = check_context(order, notional, *context); !v.allowed()) return v;
    passed_times_.push_back(context->time_ms);
  }
  ++passed_this_instant_;
  return {};
}

std::string encode_feed_health(const FeedHealth& health) {
  std::string out = std::to_string(health.reported_ms);
  for (size_t i = 0; i < health.stale_symbols.size(); ++i) out += (i ? "," : " ") + health.stale_symbols[i];
  return out;
}

std::optional<FeedHealth> parse_feed_health(std::string_view text) {
  FeedHealth h;
  const auto space = text.find(' ');
  const auto stamp = text.substr(0, space);
  const auto [end, ec] = std::from_chars(stamp.data(), stamp.data() + stamp.size(), h.reported_ms);
  if (ec != std::errc() || end != stamp.data() + stamp.size() || h.reported_ms <= 0) return std::nullopt;
  if (space == std::string_view::npos) return h;
  std::string_view rest = text.substr(space + 1);
  if (rest.empty()) return std::nullopt;  // the writer never leaves a bare separator
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto symbol = rest.substr(0, comma);
    if (symbol.empty()) return std::nullopt;
    h.stale_symbols.emplace_back(symbol);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  std::sort(h.stale_symbols.begin(), h.stale_symbols.end());
  return h;
}

std::optional<GateVerdict> feed_verdict(const std::optional<FeedHealth>& health, int64_t now_ms, int64_t max_age_ms, std::string_view symbol,
                                        bool reduces_exposure) {
  if (reduces_exposure) return std::nullopt;
  if (!health) return GateVerdict{GateReason::kFeedStale, 0, static_cast<double>(max_age_ms), "the live market data's health is not reported"};
  const int64_t age_ms = now_ms - health->reported_ms;
  if (age_ms > max_age_ms)
    return GateVerdict{GateReason::kFeedStale, static_cast<double>(age_ms), static_cast<double>(max_age_ms),
                       "market-data last reported its streams " + std::to_string(age_ms) + " ms ago"};
  if (std::binary_search(health->stale_symbols.begin(), health->stale_symbols.end(), symbol))
    return GateVerdict{GateReason::kFeedStale, 1, 0, std::string(symbol) + ": a live stream is silent beyond its limit"};
  return std::nullopt;
}

}  // namespace fulcrum::risk
