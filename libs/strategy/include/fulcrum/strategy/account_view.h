#pragma once
// The account as the planner needs it, detached from the venue: the order router takes a
// view after each instant's market events and ships it; the leverage service plans against
// it through SnapshotGateway, which applies the venue's own acceptance rules
// (venue::check_order) so its answers match what the router will do with the orders.
#include <deque>
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
  uint64_t membership_epoch = 0;                      // the router's A/B membership (0: none, every variant plans)
  std::vector<std::string> members;
};

AccountView view_of(const venue::Venue& venue, size_t recent_window, TimestampMs instant_ms);

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

// Split mode: one variant's share of the account all variants trade. It sees the positions
// its own orders opened (the client-order-id prefix), equity as its margin budget's share,
// and free margin as that share less the margin its positions hold; an entry whose margin
// does not fit is refused here as the venue would refuse it for the whole account. Closed
// trades are the shared account's: the router ships no attribution of them.
class BudgetGateway final : public IAccountGateway {
 public:
  BudgetGateway(IAccountGateway& shared, const VariantSpec& variant, const std::vector<model::InstrumentSpec>& specs);
  core::Money equity() const override { return equity_; }
  core::Money available_balance() const override { return available_; }
  int open_position_count() const override;
  const venue::Position& position(size_t s) const override { return owned_[s] ? shared_.position(s) : flat_; }
  std::optional<core::Price> last_price(size_t s) const override { return shared_.last_price(s); }
  bool has_open_orders(size_t s) const override { return shared_.has_open_orders(s); }
  size_t closed_trade_count() const override { return shared_.closed_trade_count(); }
  std::pair<core::Money, core::Money> closed_trade(size_t index) const override { return shared_.closed_trade(index); }
  venue::SubmitResult submit(const model::OrderRequest& req, TimestampMs now_ms, const std::string& decision_reason) override;
  void note_gate_context(const risk::GateContext& c) override { shared_.note_gate_context(c); }
  bool amend_stop(const std::string& client_order_id, core::Price new_stop) override;

 private:
  IAccountGateway& shared_;
  std::string prefix_;
  const std::vector<model::InstrumentSpec>& specs_;
  std::vector<bool> owned_;
  venue::Position flat_;
  core::Money equity_, available_;
};

// Split mode: which symbols' signals each variant takes at this instant, per variant (in
// `variants` order) and symbol. A symbol with a position goes to the variant that opened
// it; the rest by split_assignee(). Variants not in `members` take nothing.
std::vector<std::vector<bool>> split_assignment(const std::vector<VariantSpec>& variants, const InstantSignals& signals, const AccountView& shared,
                                                const std::vector<std::string>& members, const std::string& fallback);

// What one account's planner produced for one instant.
struct PlannedInstant {
  std::vector<DecisionRecord> decisions;
  std::vector<PlannedCommand> commands;
};
// The mesh's planning step for one account and instant, in the backtest engine's order:
// the hourly equity sample, then the planner against the router's view of the account.
// In split mode `split_variant` is the planner's variant: it plans through a BudgetGateway.
PlannedInstant plan_instant(OrderPlanner& planner, const InstantSignals& signals, const AccountView& view, const std::vector<model::InstrumentSpec>& specs,
                            core::Rate taker_fee, TimestampMs trading_from_ms, const VariantSpec* split_variant = nullptr);

// The leverage service's stage: one OrderPlanner per variant it runs, each planning an
// instant once its signals and its account's view of that instant (from the order router)
// are in. In shadow mode each variant has its own account; in split mode they all plan on
// the one shared account, each on the signals split_assignment() gives it. Free-running
// modes plan against the latest views instead of waiting. The backtest's split mode runs
// this same desk, so both hosts split alike.
class PlanningDesk {
 public:
  // Throws std::invalid_argument naming an unknown policy.
  PlanningDesk(std::vector<VariantSpec> variants, const RunConfig& run, std::vector<model::InstrumentSpec> specs, bool same_instant_views);
  const std::vector<std::string>& accounts() const { return accounts_; }
  std::optional<size_t> account_index(const std::string& account) const;
  // Planner p's variant and the index of the account it trades.
  const VariantSpec& variant(size_t p) const { return variants_[p]; }
  size_t account_of(size_t p) const { return account_of_[p]; }
  size_t planners() const { return planners_.size(); }
  void set_pre_trade_limits(const risk::PreTradeLimits& limits);
  // Signals wait, in order, until the views are in. In the free-running modes the next
  // instant's signals can come before the router's first snapshot: both are planned, the
  // older first, and neither is lost. Only the wait for an account's first view queues
  // more than one (a view, once in, stays), so the queue holds at most the instants sent
  // before the router answered: a replay's are in memory already, a live feed's minutes apart.
  void on_signals(InstantSignals signals) { pending_.push_back(std::move(signals)); }
  std::optional<TimestampMs> pending_instant() const { return pending_.empty() ? std::nullopt : std::optional<TimestampMs>(pending_.front().time_ms); }
  // False when the account already has this instant's view (the router re-sent it).
  bool on_view(size_t account, AccountView view);
  // Each planner's plan for the pending instant, in planner order, once everything is in.
  std::optional<std::vector<PlannedInstant>> plan();
  const AccountView& view(size_t account) const { return *views_[account]; }

 private:
  std::vector<VariantSpec> variants_;
  std::vector<std::string> accounts_;
  std::vector<size_t> account_of_;
  std::vector<VariantSpec> all_variants_;  // the run's, built once: the split reads them every instant
  std::vector<std::string> members_;  // every variant of the run: the split without a router's membership
  RunConfig run_;
  std::vector<model::InstrumentSpec> specs_;
  bool same_instant_views_;
  std::vector<OrderPlanner> planners_;
  std::vector<std::optional<AccountView>> views_;
  std::deque<InstantSignals> pending_;
};

// Benchmarks drive every instant through to the router: a reduce-only order of one step on
// the first symbol, on the side that would add to the position, so it travels the whole
// path and the venue refuses it without touching the account.
PlannedCommand probe_order(const std::string& account, TimestampMs t, const AccountView& view, const std::vector<model::InstrumentSpec>& specs);

}  // namespace fulcrum::strategy
