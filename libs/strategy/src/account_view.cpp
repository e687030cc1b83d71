#include "fulcrum/strategy/account_view.h"

#include <algorithm>
#include <utility>
#include <stdexcept>

#include "fulcrum/core/number_format.h"

namespace fulcrum::strategy {

AccountView view_of(const venue::Venue& v, size_t recent_window, TimestampMs instant_ms) {
  AccountView a;
  a.instant_ms = instant_ms;
  a.equity = v.equity();
  a.available_balance = v.available_balance();
  a.wallet_balance = v.wallet_balance();
  double maintenance = 0;
  for (size_t s = 0; s < v.symbol_count(); ++s) {
    const auto& p = v.position(s);
    a.positions.push_back(p);
    a.has_open_orders.push_back(v.has_open_orders(s));
    a.last_prices.push_back(v.last_price(s));
    if (!p.qty.is_zero()) {
      if (const auto mark = v.mark_price(s)) a.exposure_notional += core::notional(*mark, p.qty.abs()).to_double();
      maintenance += v.maintenance_margin(s).to_double();
    }
  }
  a.resting_stop_ids = v.resting_stop_ids();
  const auto& closed = v.closed_trades();
  a.closed_trade_count = closed.size();
  for (size_t i = closed.size() - std::min(closed.size(), recent_window); i < closed.size(); ++i)
    a.recent_closed.emplace_back(closed[i].net_pnl(), closed[i].max_margin);
  const double equity = a.equity.to_double();
  a.margin_ratio = equity > 0 ? maintenance / equity : (maintenance > 0 ? 1.0 : 0.0);
  return a;
}

SnapshotGateway::SnapshotGateway(const AccountView& view, const std::vector<model::InstrumentSpec>& specs, core::Rate taker_fee)
    : view_(view), specs_(specs), taker_fee_(taker_fee), open_orders_(view.has_open_orders) {
  for (size_t s = 0; s < specs.size(); ++s) index_[specs[s].symbol] = s;
  resting_stops_.insert(view.resting_stop_ids.begin(), view.resting_stop_ids.end());
}

int SnapshotGateway::open_position_count() const {
  return static_cast<int>(std::count_if(view_.positions.begin(), view_.positions.end(), [](const venue::Position& p) { return !p.qty.is_zero(); }));
}

std::pair<core::Money, core::Money> SnapshotGateway::closed_trade(size_t index) const {
  const size_t first_shipped = view_.closed_trade_count - view_.recent_closed.size();
  // The planner reads only the newest stats_window_trades; the router ships exactly those.
  if (index < first_shipped || index >= view_.closed_trade_count)
    throw std::out_of_range("closed trade " + std::to_string(index) + " is outside the shipped window");
  return view_.recent_closed[index - first_shipped];
}

venue::SubmitResult SnapshotGateway::submit(const model::OrderRequest& req, TimestampMs, const std::string& decision_reason) {
  const auto it = index_.find(req.symbol);
  if (it == index_.end()) return {venue::RejectReason::kUnknownSymbol, "symbol '" + req.symbol + "' is not listed"};
  const size_t sym = it->second;
  auto verdict = venue::check_order(specs_[sym], req, view_.last_prices[sym], view_.positions[sym], view_.available_balance, taker_fee_);
  if (!verdict.accepted()) return verdict;
  open_orders_[sym] = true;
  PlannedCommand c;
  c.order = req;
  c.reference_price = view_.last_prices[sym];
  c.gate_context = std::exchange(next_context_, std::nullopt);
  c.decision_reason = decision_reason;
  commands_.push_back(std::move(c));
  return verdict;
}

bool SnapshotGateway::amend_stop(const std::string& client_order_id, core::Price new_stop) {
  if (!resting_stops_.count(client_order_id)) return false;
  PlannedCommand c;
  c.is_amend = true;
  c.amend_id = client_order_id;
  c.amend_stop_price = new_stop;
  commands_.push_back(std::move(c));
  return true;
}

BudgetGateway::BudgetGateway(IAccountGateway& shared, const VariantSpec& variant, const std::vector<model::InstrumentSpec>& specs)
    : shared_(shared), prefix_(variant.id + "-"), specs_(specs), owned_(specs.size(), false) {
  const double budget = shared.equity().to_double() * variant.margin_budget;
  double margin_held = 0;
  for (size_t s = 0; s < specs.size(); ++s) {
    const auto& p = shared.position(s);
    owned_[s] = !p.qty.is_zero() && p.opened_by.rfind(prefix_, 0) == 0;
    if (owned_[s]) margin_held += p.qty.abs().to_double() * p.entry_price.to_double() / std::max(1, p.leverage_x);
  }
  equity_ = core::Money::from_double(budget);
  available_ = core::Money::from_double(std::max(0.0, std::min(shared.available_balance().to_double(), budget - margin_held)));
}

int BudgetGateway::open_position_count() const { return static_cast<int>(std::count(owned_.begin(), owned_.end(), true)); }

venue::SubmitResult BudgetGateway::submit(const model::OrderRequest& req, TimestampMs now_ms, const std::string& decision_reason) {
  if (!req.reduce_only) {
    size_t sym = 0;
    while (sym < specs_.size() && specs_[sym].symbol != req.symbol) ++sym;
    if (sym < specs_.size())
      if (const auto price = shared_.last_price(sym)) {
        const double margin = req.quantity.abs().to_double() * price->to_double() / std::max(1, req.leverage_x);
        if (margin > available_.to_double())
          return {venue::RejectReason::kInsufficientMargin,
                  "variant budget: margin " + core::short_number(margin) + " above the budget's free " + core::short_number(available_.to_double())};
        available_ = available_ - core::Money::from_double(margin);
      }
  }
  return shared_.submit(req, now_ms, decision_reason);
}

bool BudgetGateway::amend_stop(const std::string& client_order_id, core::Price new_stop) {
  // Only its own stops: another variant's position is not this one's to manage.
  return client_order_id.rfind(prefix_, 0) == 0 && shared_.amend_stop(client_order_id, new_stop);
}

std::vector<std::vector<bool>> split_assignment(const std::vector<VariantSpec>& variants, const InstantSignals& signals, const AccountView& shared,
                                                const std::vector<std::string>& members, const std::string& fallback) {
  std::vector<std::vector<bool>> out(variants.size(), std::vector<bool>(shared.positions.size(), false));
  std::vector<std::string> excluded;
  for (const auto& v : variants)
    if (std::find(members.begin(), members.end(), v.id) == members.end()) excluded.push_back(v.id);
  for (const auto& e : signals.entries) {
    if (!e.signal || e.symbol >= shared.positions.size()) continue;
    const auto& pos = shared.positions[e.symbol];
    const auto holder = pos.qty.is_zero() ? std::string() : variant_of_order(variants, pos.opened_by);
    // A position nobody's prefix claims (a kill switch's) is nobody's to add to: no entry there.
    if (!pos.qty.is_zero() && holder.empty()) continue;
    if (const auto v = split_assignee(variants, e.signal->symbol, signals.time_ms, holder, excluded, fallback))
      out[*v][e.symbol] = true;
  }
  return out;
}

PlannedInstant plan_instant(OrderPlanner& planner, const InstantSignals& signals, const AccountView& view, const std::vector<model::InstrumentSpec>& specs,
                            core::Rate taker_fee, TimestampMs trading_from_ms, const VariantSpec* split_variant) {
  if (signals.trading && is_equity_sample_instant(signals.time_ms, trading_from_ms)) planner.observe_equity(view.equity.to_double(), signals.time_ms);
  SnapshotGateway gateway(view, specs, taker_fee);
  if (split_variant) {
    BudgetGateway share(gateway, *split_variant, specs);
    planner.on_instant(signals, share);
  } else {
    planner.on_instant(signals, gateway);
  }
  return {planner.take_decisions(), gateway.take_commands()};
}

PlanningDesk::PlanningDesk(std::vector<VariantSpec> variants, const RunConfig& run, std::vector<model::InstrumentSpec> specs, bool same_instant_views)
    : variants_(std::move(variants)), run_(run), specs_(std::move(specs)), same_instant_views_(same_instant_views) {
  all_variants_ = variant_list(run_);
  for (const auto& v : all_variants_) members_.push_back(v.id);
  planners_.reserve(variants_.size());
  for (const auto& v : variants_) {
    if (!leverage::is_policy_name(v.policy)) throw std::invalid_argument("variant '" + v.id + "': unknown policy '" + v.policy + "'");
    const auto account = run_.ab.mode == AbMode::kSplit ? run_.ab.split_account : v.id;
    auto it = std::find(accounts_.begin(), accounts_.end(), account);
    if (it == accounts_.end()) it = accounts_.insert(accounts_.end(), account);
    account_of_.push_back(static_cast<size_t>(it - accounts_.begin()));
    planners_.emplace_back(v, run_.strategy, specs_, run_.initial_equity);
  }
  views_.resize(accounts_.size());
}

std::optional<size_t> PlanningDesk::account_index(const std::string& account) const {
  const auto it = std::find(accounts_.begin(), accounts_.end(), account);
  return it == accounts_.end() ? std::nullopt : std::optional<size_t>(static_cast<size_t>(it - accounts_.begin()));
}

void PlanningDesk::set_pre_trade_limits(const risk::PreTradeLimits& limits) {
  for (auto& p : planners_) p.set_pre_trade_limits(limits);
}

bool PlanningDesk::on_view(size_t account, AccountView view) {
  if (views_[account] && views_[account]->instant_ms == view.instant_ms) return false;
  views_[account] = std::move(view);
  return true;
}

std::optional<std::vector<PlannedInstant>> PlanningDesk::plan() {
  if (pending_.empty()) return std::nullopt;
  const auto& signals = pending_.front();
  for (const auto& v : views_)
    if (!v || (same_instant_views_ && v->instant_ms != signals.time_ms)) return std::nullopt;
  const bool split = run_.ab.mode == AbMode::kSplit;
  if (split) {
    // Every variant of the run, not only this desk's, so each process splits alike.
    const auto& all = all_variants_;
    // The router's membership when it sends one (the mesh); every variant otherwise (the backtest).
    const auto& members = views_[0]->membership_epoch > 0 ? views_[0]->members : members_;
    const auto assignment = split_assignment(all, signals, *views_[0], members, run_.ab.on_taint == TaintAction::kFallback ? run_.ab.fallback : "");
    for (size_t p = 0; p < planners_.size(); ++p)
      for (size_t v = 0; v < all.size(); ++v)
        if (all[v].id == variants_[p].id) planners_[p].set_assigned_symbols(assignment[v]);
  }
  std::vector<PlannedInstant> out;
  for (size_t p = 0; p < planners_.size(); ++p)
    out.push_back(plan_instant(planners_[p], signals, *views_[account_of_[p]], specs_, run_.venue.taker_fee, run_.from_ms, split ? &variants_[p] : nullptr));
  pending_.pop_front();
  return out;
}

PlannedCommand probe_order(const std::string& account, TimestampMs t, const AccountView& view, const std::vector<model::InstrumentSpec>& specs) {
  PlannedCommand c;
  c.order.client_order_id = account + "-force-" + std::to_string(t);
  c.order.symbol = specs.front().symbol;
  c.order.side = view.positions.front().qty.raw > 0 ? model::Side::kBuy : model::Side::kSell;
  c.order.quantity = specs.front().step_size;
  c.order.reduce_only = true;
  c.reference_price = view.last_prices.front();
  c.decision_reason = "benchmark probe";
  return c;
}

}  // namespace fulcrum::strategy
