#pragma once
// The account as the planner needs it, detached from the venue: the order router takes a
// view after each instant's market events and ships it; the leverage service plans against
// it through SnapshotGateway, which applies the venue's own acceptance rules
// (venue::check_order) so its answers match what the router will do with the orders.
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "fulcrum/strategy/order_planner.h"
#include "fulcrum/strategy/run_config.h"
#include "fulcrum/strategy/stages.h"

namespace fulcrum::strategy {

struct AccountView {
  TimestampMs instant_ms = 0;
  core::Money equity, available_balance, wallet_balance;
  std::vector<venue::Position> positions;             // per symbol; qty 0 when flat
  std::vector<bool> has_open_orders;                  // per symbol
  std::vector<std::string> resting_stop_ids;
  std::vector<std::optional<core::Price>> last_prices;  // per symbol
  size_t closed_trade_count = 0;
  std::vector<std::pair<core::Money, core::Money>> recent_closed;  // (net PnL, max margin), oldest first
  double exposure_notional = 0;                       // Σ |qty| · mark
  double margin_ratio = 0;                            // Σ maintenance margin / equity (Binance's account margin ratio)
};

AccountView view_of(const venue::PaperVenue& venue, size_t recent_window, TimestampMs instant_ms);

// One thing the planner asked for, in order: a new order or a stop amendment.
struct PlannedCommand {
  bool is_amend = false;
  model::OrderRequest order;            // !is_amend
  std::optional<core::Price> reference_price;  // !is_amend: the last price the planner saw, for the gatekeeper's notional
  std::optional<risk::GateContext> gate_context;  // !is_amend: what the planner's gate checked it on
  std::string amend_id;                 // is_amend
  core::Price amend_stop_price;         // is_amend
  std::string decision_reason;
};

class SnapshotGateway final : public IAccountGateway {
 public:
  SnapshotGateway(const AccountView& view, const std::vector<model::InstrumentSpec>& specs, core::Rate taker_fee);
  core::Money equity() const override { return view_.equity; }
  core::Money available_balance() const override { return view_.available_balance; }
  int open_position_count() const override;
  const venue::Position& position(size_t s) const override { return view_.positions[s]; }
  std::optional<core::Price> last_price(size_t s) const override { return view_.last_prices[s]; }
  bool has_open_orders(size_t s) const override { return open_orders_[s]; }
  size_t closed_trade_count() const override { return view_.closed_trade_count; }
  std::pair<core::Money, core::Money> closed_trade(size_t index) const override;
  venue::SubmitResult submit(const model::OrderRequest& req, TimestampMs now_ms, const std::string& decision_reason) override;
  void note_gate_context(const risk::GateContext& c) override { next_context_ = c; }
  bool amend_stop(const std::string& client_order_id, core::Price new_stop) override;
  std::vector<PlannedCommand> take_commands() { return std::move(commands_); }

 private:
  const AccountView& view_;
  const std::vector<model::InstrumentSpec>& specs_;
  std::unordered_map<std::string, size_t> index_;
  std::unordered_set<std::string> resting_stops_;
  std::optional<risk::GateContext> next_context_;
  core::Rate taker_fee_;
  std::vector<bool> open_orders_;
  std::vector<PlannedCommand> commands_;
};

// What one account's planner produced for one instant.
struct PlannedInstant {
  std::vector<DecisionRecord> decisions;
  std::vector<PlannedCommand> commands;
};
// The mesh's planning step for one account and instant, in the backtest engine's order:
// the hourly equity sample, then the planner against the router's view of the account.
PlannedInstant plan_instant(OrderPlanner& planner, const InstantSignals& signals, const AccountView& view, const std::vector<model::InstrumentSpec>& specs,
                            core::Rate taker_fee, TimestampMs trading_from_ms);

// The leverage service's stage: one OrderPlanner per account, each planning an instant
// once its signals and every account's view of that instant (from the order router) are
// in. Free-running modes plan against the latest views instead of waiting.
class PlanningDesk {
 public:
  // Throws std::invalid_argument naming an unknown policy.
  PlanningDesk(std::vector<std::string> accounts, const RunConfig& run, std::vector<model::InstrumentSpec> specs, bool same_instant_views);
  const std::vector<std::string>& accounts() const { return accounts_; }
  std::optional<size_t> account_index(const std::string& account) const;
  void set_pre_trade_limits(const risk::PreTradeLimits& limits);
  void on_signals(InstantSignals signals) { pending_ = std::move(signals); }
  std::optional<TimestampMs> pending_instant() const { return pending_ ? std::optional<TimestampMs>(pending_->time_ms) : std::nullopt; }
  // False when the account already has this instant's view (the router re-sent it).
  bool on_view(size_t account, AccountView view);
  // Each account's plan for the pending instant, in account order, once everything is in.
  std::optional<std::vector<PlannedInstant>> plan();
  const AccountView& view(size_t account) const { return *views_[account]; }

 private:
  std::vector<std::string> accounts_;
  RunConfig run_;
  std::vector<model::InstrumentSpec> specs_;
  bool same_instant_views_;
  std::vector<OrderPlanner> planners_;
  std::vector<std::optional<AccountView>> views_;
  std::optional<InstantSignals> pending_;
};

// Benchmarks drive every instant through to the router: a reduce-only order of one step on
// the first symbol, on the side that would add to the position, so it travels the whole
// path and the venue refuses it without touching the account.
PlannedCommand probe_order(const std::string& account, TimestampMs t, const AccountView& view, const std::vector<model::InstrumentSpec>& specs);

}  // namespace fulcrum::strategy
