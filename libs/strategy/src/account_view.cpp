#include "fulcrum/strategy/account_view.h"

#include <algorithm>
#include <utility>
#include <stdexcept>

namespace fulcrum::strategy {

AccountView view_of(const venue::PaperVenue& v, size_t recent_window, TimestampMs instant_ms) {
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

PlannedInstant plan_instant(OrderPlanner& planner, const InstantSignals& signals, const AccountView& view, const std::vector<model::InstrumentSpec>& specs,
                            core::Rate taker_fee, TimestampMs trading_from_ms) {
  if (is_equity_sample_instant(signals.time_ms, trading_from_ms)) planner.observe_equity(view.equity.to_double(), signals.time_ms);
  SnapshotGateway gateway(view, specs, taker_fee);
  planner.on_instant(signals, gateway);
  return {planner.take_decisions(), gateway.take_commands()};
}

PlanningDesk::PlanningDesk(std::vector<std::string> accounts, const RunConfig& run, std::vector<model::InstrumentSpec> specs, bool same_instant_views)
    : accounts_(std::move(accounts)), run_(run), specs_(std::move(specs)), same_instant_views_(same_instant_views), views_(accounts_.size()) {
  planners_.reserve(accounts_.size());
  for (const auto& a : accounts_) {
    if (!leverage::is_policy_name(a)) throw std::invalid_argument("unknown policy '" + a + "'");
    planners_.emplace_back(a, run_.policies, run_.strategy, specs_, run_.initial_equity);
  }
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
  if (!pending_) return std::nullopt;
  for (const auto& v : views_)
    if (!v || (same_instant_views_ && v->instant_ms != pending_->time_ms)) return std::nullopt;
  std::vector<PlannedInstant> out;
  for (size_t a = 0; a < planners_.size(); ++a)
    out.push_back(plan_instant(planners_[a], *pending_, *views_[a], specs_, run_.venue.taker_fee, run_.from_ms));
  pending_.reset();
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
