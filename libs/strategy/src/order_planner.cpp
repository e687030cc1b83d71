#include "fulcrum/strategy/order_planner.h"

#include <algorithm>
#include <cmath>

#include "fulcrum/core/number_format.h"
#include "fulcrum/risk/margin.h"

namespace fulcrum::strategy {
namespace {

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

std::string outcome_of(const venue::SubmitResult& r) {
  return r.accepted() ? "SUBMITTED" : std::string(venue::to_string(r.reason)) + ": " + r.detail;
}

}  // namespace

OrderPlanner::OrderPlanner(const VariantSpec& variant, const PlannerConfig& cfg, std::vector<model::InstrumentSpec> specs, double initial_equity)
    : variant_id_(variant.id),
      policy_name_(variant.policy),
      filters_(variant.filters),
      policy_(leverage::make_policy(variant.policy, variant.policies)),
      policies_(variant.policies),
      cfg_(cfg),
      specs_(std::move(specs)),
      initial_equity_(initial_equity),
      peak_equity_(initial_equity),
      plans_(specs_.size()),
      gate_(cfg.pre_trade),
      returns_(specs_.size(), std::max(1, cfg.pre_trade.var_window_days)) {}

void OrderPlanner::observe_equity(double equity, TimestampMs t) {
  if (breaker_until_ms_ > 0 && t >= breaker_until_ms_) {
    // The cool-off is over: the breaker measures from here, or it would trip again at once.
    breaker_until_ms_ = 0;
    peak_equity_ = equity;
  }
  peak_equity_ = std::max(peak_equity_, equity);
  const double drawdown = peak_equity_ > 0 ? 1 - equity / peak_equity_ : 0;
  const auto& l = cfg_.pre_trade;
  if (breaker_until_ms_ == 0 && l.max_drawdown > 0 && drawdown >= l.max_drawdown) {
    breaker_until_ms_ = t + static_cast<TimestampMs>(l.drawdown_cooloff_hours) * core::kMsPerHour;
    breaker_drawdown_ = drawdown;
  }
}

risk::GateContext OrderPlanner::gate_context(const model::OrderRequest& req, size_t sym, const IAccountGateway& account, TimestampMs t,
                                             double atr_ratio, bool opens_position) const {
  risk::GateContext c;
  c.time_ms = t;
  c.side = req.side == Side::kBuy ? 1 : -1;
  c.reduce_only = req.reduce_only;
  c.opens_position = opens_position;
  c.equity = account.equity().to_double();
  c.open_positions = committed_positions(account);
  c.atr_ratio = atr_ratio;
  c.breaker_until_ms = breaker_until_ms_;
  c.drawdown = breaker_drawdown_;
  const auto ref = account.last_price(sym).value_or(core::Price{});
  std::vector<double> exposure(specs_.size(), 0);
  for (size_t s = 0; s < specs_.size(); ++s) {
    const auto& p = account.position(s);
    if (p.qty.is_zero()) continue;
    c.margin_in_use += p.qty.abs().to_double() * p.entry_price.to_double() / std::max(1, p.leverage_x);
    exposure[s] = p.qty.to_double() * account.last_price(s).value_or(p.entry_price).to_double();
  }
  const double order_notional = req.quantity.abs().to_double() * ref.to_double();
  exposure[sym] += c.side * order_notional;
  c.var_after = returns_.value_at_risk(exposure, cfg_.pre_trade.var_confidence, cfg_.pre_trade.var_min_days);
  try {
    c.bracket_max_leverage_x = risk::max_leverage_for_notional(specs_[sym].brackets, core::Money::from_double(order_notional));
    if (!req.attached_stop_price.is_zero()) {
      c.stop_price = req.attached_stop_price.to_double();
      // The position this entry opens, isolated on its own margin: where it would be liquidated.
      const auto margin = risk::initial_margin(core::notional(ref, req.quantity.abs()), std::max(1, req.leverage_x));
      const auto liq = risk::liquidation_price(specs_[sym].brackets, {c.side, req.quantity.abs(), ref, margin, {}, {}});
      if (liq.price) c.liquidation_price = liq.price->to_double();
    }
  } catch (const core::ArithmeticOverflow&) {
    // Left unknown; the gate's own notional check refuses the order as out of range.
  }
  return c;
}

bool OrderPlanner::passes_gate(const model::OrderRequest& req, size_t sym, IAccountGateway& account, DecisionRecord& rec, TimestampMs t,
                               double atr_ratio, bool opens_position) {
  const auto ctx = gate_context(req, sym, account, t, atr_ratio, opens_position);
  const auto verdict = gate_.check({req.quantity, account.last_price(sym).value_or(core::Price{}), req.leverage_x}, std::nullopt, &ctx);
  if (verdict.allowed()) {
    account.note_gate_context(ctx);
    return true;
  }
  rec.outcome = std::string("DENIED: ") + risk::to_string(verdict.reason) + ": " + verdict.detail;
  return false;
}

void OrderPlanner::on_instant(const InstantSignals& in, IAccountGateway& account) {
  const auto assigned = std::move(assigned_);  // one instant's split only
  assigned_.clear();
  gate_.begin_instant();
  for (const auto& e : in.entries) returns_.on_close(e.symbol, e.features.time_ms, e.features.close);
  if (!in.trading) return;
  // Per symbol in order: first the open position's adds and stops, then a new entry.
  for (const auto& e : in.entries) {
    manage_position(e.symbol, e.features, account, in.time_ms);
    if (e.signal && (assigned.empty() || assigned[e.symbol])) open_position(e.symbol, *e.signal, in, account);
  }
}

std::optional<std::string> OrderPlanner::filtered_out(const signals::Signal& sig) const {
  const auto& f = sig.features;
  if (f.vpin > filters_.max_vpin) return "VPIN_FILTER: vpin " + core::short_number(f.vpin) + " above " + core::short_number(filters_.max_vpin);
  if (f.volume_ratio < filters_.min_volume_ratio)
    return "LIQUIDITY_FILTER: volume ratio " + core::short_number(f.volume_ratio) + " below " + core::short_number(filters_.min_volume_ratio);
  if (const double traded = f.volume * f.close; traded < filters_.min_quote_volume)
    return "LIQUIDITY_FILTER: bar traded " + core::short_number(traded) + " below " + core::short_number(filters_.min_quote_volume);
  return std::nullopt;
}

leverage::TradeStats OrderPlanner::stats(const IAccountGateway& account) const {
  leverage::TradeStats st;
  const size_t count = account.closed_trade_count();
  st.closed_trades = count;
  st.accumulated_profit = account.equity().to_double() - initial_equity_;
  const size_t n = std::min(count, cfg_.stats_window_trades);
  if (n == 0) return st;
  double wins = 0, win_sum = 0, loss_sum = 0, roi_sum = 0;
  size_t losses = 0;
  for (size_t i = count - n; i < count; ++i) {
    const auto [net, margin_money] = account.closed_trade(i);
    const double pnl = net.to_double();
    const double margin = margin_money.to_double();
    if (margin > 0) roi_sum += pnl / margin;
    if (pnl > 0) wins += 1, win_sum += pnl;
    else losses += 1, loss_sum -= pnl;
  }
  st.win_rate = wins / static_cast<double>(n);
  st.payoff_ratio = (wins > 0 && losses > 0) ? (win_sum / wins) / (loss_sum / static_cast<double>(losses)) : 0;
  st.recent_avg_roi = roi_sum / static_cast<double>(n);
  return st;
}

int OrderPlanner::committed_positions(const IAccountGateway& account) const {
  // A flat symbol with working orders holds an entry that has not filled yet; it counts
  // toward the position cap as if it had, or one instant could overshoot the cap.
  int pending = 0;
  for (size_t s = 0; s < specs_.size(); ++s)
    if (account.position(s).qty.is_zero() && account.has_open_orders(s)) ++pending;
  return account.open_position_count() + pending;
}

void OrderPlanner::record_blocked(const signals::Signal& sig, TimestampMs t, const std::string& why) {
  DecisionRecord rec;
  rec.time_ms = t;
  rec.symbol = sig.symbol;
  rec.side = model::to_string(sig.side);
  rec.outcome = "BLOCKED: " + why;
  rec.reason_json = reasons_to_json(sig.reasons());
  decisions_.push_back(std::move(rec));
}

void OrderPlanner::open_position(size_t sym, const signals::Signal& sig, const InstantSignals& ctx, IAccountGateway& account) {
  auto& plan = plans_[sym];
  // Every signal leaves a decision record, blocked ones too, so the decisions file is an
  // unbiased sample of the signals rather than of the ones that happened to be tradable.
  if (!account.position(sym).qty.is_zero()) return record_blocked(sig, ctx.time_ms, "POSITION_OPEN in " + sig.symbol);
  if (account.has_open_orders(sym)) return record_blocked(sig, ctx.time_ms, "ENTRY_PENDING in " + sig.symbol);
  if (const auto why = filtered_out(sig)) return record_blocked(sig, ctx.time_ms, *why);
  if (const int committed = committed_positions(account); committed >= cfg_.max_open_positions)
    return record_blocked(sig, ctx.time_ms,
                          "MAX_OPEN_POSITIONS: " + std::to_string(committed) + " open or pending, cap " + std::to_string(cfg_.max_open_positions));

  leverage::LeverageInputs in;
  in.signal = &sig;
  in.equity = account.equity().to_double();
  in.available_balance = account.available_balance().to_double();
  in.initial_equity = initial_equity_;
  in.open_positions = account.open_position_count();
  for (size_t s = 0; s < specs_.size(); ++s)
    if (!account.position(s).qty.is_zero() && plans_[s].score >= cfg_.high_confidence_score) ++in.open_high_confidence_positions;
  in.reference_volatility = ctx.reference_volatility;
  in.market_atr_ratio = ctx.market_atr_ratio;
  in.current_drawdown = peak_equity_ > 0 ? std::max(0.0, 1 - in.equity / peak_equity_) : 0;
  in.risk_level = in.current_drawdown >= cfg_.critical_drawdown  ? leverage::RiskLevel::kCritical
                  : in.current_drawdown >= cfg_.warning_drawdown ? leverage::RiskLevel::kWarning
                                                                 : leverage::RiskLevel::kSafe;
  in.stats = stats(account);
  in.signals_since_last_entry = signals_since_entry_;

  ++signals_since_entry_;  // back to 0 below if this signal becomes an entry
  auto decision = policy_->decide(in);
  risk::MarketRiskContext market;
  market.atr_ratio = sig.features.atr_ratio;
  decision = leverage::apply_caps(std::move(decision), market, policies_.caps);

  DecisionRecord rec;
  rec.time_ms = ctx.time_ms;
  rec.symbol = sig.symbol;
  rec.side = model::to_string(sig.side);
  rec.notional = decision.notional;

  const auto& spec = specs_[sym];
  core::Qty qty;
  std::string invalid;
  const double tranche = decision.notional * decision.pyramid.initial_fraction;
  if (!std::isfinite(decision.notional) || decision.notional < 0 || !(sig.reference_price > 0)) {
    invalid = "INVALID_DECISION: notional " + std::to_string(decision.notional) + " at reference price " + std::to_string(sig.reference_price);
  } else {
    try {
      qty = core::floor_to(core::Qty::from_double(tranche / sig.reference_price), spec.step_size);
      // The bracket at this notional may allow less leverage than the policy wants.
      const int bracket_max = risk::max_leverage_for_notional(spec.brackets, core::Money::from_double(decision.notional));
      if (decision.leverage_x > bracket_max) {
        decision.leverage_x = bracket_max;
        decision.reasons["bracket_cap_x"] = std::to_string(bracket_max);
      }
    } catch (const core::ArithmeticOverflow& e) {
      invalid = std::string("VALUE_OUT_OF_RANGE: ") + e.what();
    }
  }
  // The leverage recorded is the one after every cap: the one the order carries.
  rec.leverage_x = decision.leverage_x;
  auto reasons = sig.reasons();
  for (const auto& [k, v] : decision.reasons) reasons[k] = v;
  rec.reason_json = reasons_to_json(reasons);
  rec.quantity = qty.str();
  if (!invalid.empty() || !decision.trade || qty.is_zero()) {
    rec.outcome = invalid.empty() ? "SKIPPED" : invalid;
    decisions_.push_back(std::move(rec));
    return;
  }

  model::OrderRequest req;
  req.client_order_id = next_id();
  req.symbol = sig.symbol;
  req.side = sig.side;
  req.type = model::OrderType::kMarket;
  req.quantity = qty;
  req.leverage_x = decision.leverage_x;
  req.attached_stop_price = core::Price::from_double(sig.stop_price);
  if (cfg_.use_trailing_stop) {
    const double arm_move =
        cfg_.trailing_arm == PlannerConfig::TrailingArm::kPrice ? cfg_.trailing_arm_price_move : cfg_.trailing_arm_roe / decision.leverage_x;
    const double activation = sig.side == Side::kBuy ? sig.reference_price * (1 + arm_move) : sig.reference_price * (1 - arm_move);
    req.attached_trailing_activation = core::Price::from_double(activation);
    req.attached_trailing_callback = core::Rate::from_double(cfg_.trailing_callback);
  }
  if (!passes_gate(req, sym, account, rec, ctx.time_ms, sig.features.atr_ratio, true)) {
    decisions_.push_back(std::move(rec));
    return;
  }
  const auto result = account.submit(req, ctx.time_ms, rec.reason_json);
  rec.outcome = outcome_of(result);
  decisions_.push_back(std::move(rec));
  if (!result.accepted()) return;
  signals_since_entry_ = 0;
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

void OrderPlanner::manage_position(size_t sym, const features::FeatureSnapshot& f, IAccountGateway& account, TimestampMs t) {
  auto& plan = plans_[sym];
  const auto& pos = account.position(sym);
  if (pos.qty.is_zero()) {
    plan.active = false;
    return;
  }
  if (!plan.active || plan.pyramid.max_adds == 0) return;
  const bool is_long = pos.qty.raw > 0;
  const int entries = plan.adds_done + 1;
  if (plan.pyramid.move_stop_to_break_even && plan.adds_done > 0 && plan.entries_seen != entries) {
    // The add has filled by now: the stop goes to the position's average entry.
    if (account.amend_stop(plan.entry_id + ".sl", pos.entry_price)) plan.entries_seen = entries;
  }
  const bool new_extreme = is_long ? f.close > plan.highest_close : f.close < plan.highest_close;
  if (new_extreme) plan.highest_close = f.close;
  if (plan.adds_done >= plan.pyramid.max_adds) return;
  const double move = is_long ? f.close / plan.last_entry_reference - 1 : 1 - f.close / plan.last_entry_reference;
  if (move < plan.pyramid.add_trigger_move || !new_extreme || f.volume_ratio < plan.pyramid.add_min_volume_ratio) return;
  const auto& spec = specs_[sym];
  const core::Qty qty = core::floor_to(core::Qty::from_double(plan.tranche_notional / f.close), spec.step_size);
  if (qty.is_zero()) return;
  model::OrderRequest req;
  req.client_order_id = next_id();
  req.symbol = spec.symbol;
  req.side = is_long ? Side::kBuy : Side::kSell;
  req.type = model::OrderType::kMarket;
  req.quantity = qty;
  req.leverage_x = plan.leverage_x;
  DecisionRecord rec{t, spec.symbol, model::to_string(req.side), plan.leverage_x, plan.tranche_notional, qty.str(), "",
                     "{\"policy\":\"" + policy_name_ + "\",\"pyramid_add\":\"" + std::to_string(plan.adds_done + 1) + "\"}", variant_id_};
  if (!passes_gate(req, sym, account, rec, t, f.atr_ratio, false)) {
    decisions_.push_back(std::move(rec));
    return;
  }
  const auto res = account.submit(req, t, rec.reason_json);
  rec.outcome = outcome_of(res);
  decisions_.push_back(std::move(rec));
  if (res.accepted()) {
    ++plan.adds_done;
    plan.last_entry_reference = f.close;
  }
}

}  // namespace fulcrum::strategy
