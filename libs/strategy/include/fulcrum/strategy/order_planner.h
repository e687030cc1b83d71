#pragma once
// One leverage policy's trading logic over one account: entries sized by the policy and
// capped (global caps, bracket), protective stops attached, pyramiding adds and
// break-even stops. It sees the account only through IAccountGateway: the paper venue
// itself in the backtest, a snapshot from the order router in the mesh.
#include <memory>
#include <string>
#include <vector>

#include "fulcrum/leverage/policies.h"
#include "fulcrum/risk/historical_var.h"
#include "fulcrum/risk/pre_trade_gate.h"
#include "fulcrum/strategy/stages.h"
#include "fulcrum/strategy/variant.h"
#include "fulcrum/venue/venue.h"

namespace fulcrum::strategy {

class IAccountGateway {
 public:
  virtual ~IAccountGateway() = default;
  virtual core::Money equity() const = 0;
  virtual core::Money available_balance() const = 0;
  virtual int open_position_count() const = 0;
  virtual const venue::Position& position(size_t symbol) const = 0;
  // The last trade price the account has seen: what risk sizes an order's notional on.
  virtual std::optional<core::Price> last_price(size_t symbol) const = 0;
  virtual bool has_open_orders(size_t symbol) const = 0;
  virtual size_t closed_trade_count() const = 0;
  // Net PnL and maximum margin of closed trade `index` (0 = oldest). The planner reads
  // only the last StrategyConfig::stats_window_trades of them.
  virtual std::pair<core::Money, core::Money> closed_trade(size_t index) const = 0;
  virtual venue::SubmitResult submit(const model::OrderRequest& req, TimestampMs now_ms, const std::string& decision_reason) = 0;
  // What the gate checked the next submit on; a gateway that forwards orders ships it with
  // the order so the gatekeeper can check the same inputs again.
  virtual void note_gate_context(const risk::GateContext&) {}
  virtual bool amend_stop(const std::string& client_order_id, core::Price new_stop) = 0;
};

// The paper venue as a gateway: the backtest's in-process path.
class VenueGateway final : public IAccountGateway {
 public:
  explicit VenueGateway(venue::Venue& v) : v_(v) {}
  core::Money equity() const override { return v_.equity(); }
  core::Money available_balance() const override { return v_.available_balance(); }
  int open_position_count() const override { return v_.open_position_count(); }
  const venue::Position& position(size_t s) const override { return v_.position(s); }
  std::optional<core::Price> last_price(size_t s) const override { return v_.last_price(s); }
  bool has_open_orders(size_t s) const override { return v_.has_open_orders(s); }
  size_t closed_trade_count() const override { return v_.closed_trades().size(); }
  std::pair<core::Money, core::Money> closed_trade(size_t i) const override {
    const auto& t = v_.closed_trades()[i];
    return {t.net_pnl(), t.max_margin};
  }
  venue::SubmitResult submit(const model::OrderRequest& r, TimestampMs t, const std::string& why) override { return v_.submit(r, t, why); }
  bool amend_stop(const std::string& id, core::Price p) override { return v_.amend_stop(id, p); }

 private:
  venue::Venue& v_;
};

struct PlannerConfig {
  TimestampMs signal_interval_ms = 15 * core::kMsPerMinute;
  int max_open_positions = 10;
  bool use_trailing_stop = true;
  // The seed arms the trailing stop at +15 % return on margin, a price move of 0.15 /
  // leverage: leverage then moves the exit too, and a study cannot tell sizing from exit.
  // kPrice arms it at a fixed price move instead, so leverage is studied as sizing alone.
  enum class TrailingArm { kRoe, kPrice };
  TrailingArm trailing_arm = TrailingArm::kRoe;
  double trailing_arm_roe = 0.15;          // kRoe: +15 % on margin
  double trailing_arm_price_move = 0.0075; // kPrice: +0.75 %, the seed's ROE rule at 20x
  double trailing_callback = 0.015;
  double high_confidence_score = 80;
  double warning_drawdown = 0.05;     // RiskLevel thresholds for the rule engine
  double critical_drawdown = 0.10;
  size_t stats_window_trades = 50;
  risk::PreTradeLimits pre_trade;     // mesh.risk: applied before every submit
};

struct DecisionRecord {
  TimestampMs time_ms = 0;
  std::string symbol;
  std::string side;
  int leverage_x = 0;
  double notional = 0;
  std::string quantity;
  std::string outcome;  // SUBMITTED, SKIPPED, BLOCKED: why, DENIED: gate reason, or the venue's reject reason
  std::string reason_json;
  std::string variant;  // the planner's: in split mode several share one account's file
};

class OrderPlanner {
 public:
  OrderPlanner(const VariantSpec& variant, const PlannerConfig& cfg, std::vector<model::InstrumentSpec> specs, double initial_equity);
  const std::string& variant() const { return variant_id_; }
  // Split mode: the symbols whose signal this planner takes at the next instant (the rest
  // went to other variants); empty means all.
  void set_assigned_symbols(std::vector<bool> assigned) { assigned_ = std::move(assigned); }
  // The equity high-water mark, for drawdown and its breaker; fed at each hourly equity
  // sample, the time it was taken at.
  void observe_equity(double equity, TimestampMs t);
  // A reload of mesh.risk reaches the planner's gate as it reaches the gatekeeper's.
  void set_pre_trade_limits(const risk::PreTradeLimits& limits) { gate_.set_limits(limits); }
  void on_instant(const InstantSignals& in, IAccountGateway& account);
  const std::vector<DecisionRecord>& decisions() const { return decisions_; }
  std::vector<DecisionRecord> take_decisions() {
    for (auto& d : decisions_) d.variant = variant_id_;
    return std::move(decisions_);
  }

 private:
  struct PositionPlan {
    bool active = false;
    double tranche_notional = 0;
    int adds_done = 0;
    double last_entry_reference = 0;
    double highest_close = 0;
    double score = 0;
    int leverage_x = 1;
    leverage::PyramidPlan pyramid;
    std::string entry_id;
    int entries_seen = 0;
  };
  void manage_position(size_t sym, const features::FeatureSnapshot& f, IAccountGateway& account, TimestampMs t);
  void open_position(size_t sym, const signals::Signal& sig, const InstantSignals& in, IAccountGateway& account);
  leverage::TradeStats stats(const IAccountGateway& account) const;
  int committed_positions(const IAccountGateway& account) const;
  void record_blocked(const signals::Signal& sig, TimestampMs t, const std::string& why);
  std::string next_id() { return variant_id_ + "-" + std::to_string(++order_seq_); }
  std::optional<std::string> filtered_out(const signals::Signal& sig) const;
  // The gate's verdict on `req`, with everything the planner knows about the account and
  // the market; a denial is recorded in `rec` and the order not sent.
  bool passes_gate(const model::OrderRequest& req, size_t sym, IAccountGateway& account, DecisionRecord& rec, TimestampMs t, double atr_ratio,
                   bool opens_position);
  risk::GateContext gate_context(const model::OrderRequest& req, size_t sym, const IAccountGateway& account, TimestampMs t, double atr_ratio,
                                 bool opens_position) const;

  std::string variant_id_, policy_name_;
  EntryFilters filters_;
  std::vector<bool> assigned_;
  std::unique_ptr<leverage::LeveragePolicy> policy_;
  leverage::PolicySuiteConfig policies_;
  PlannerConfig cfg_;
  std::vector<model::InstrumentSpec> specs_;
  double initial_equity_;
  double peak_equity_;
  TimestampMs breaker_until_ms_ = 0;  // the drawdown breaker's REDUCING window
  double breaker_drawdown_ = 0;
  uint64_t order_seq_ = 0;
  size_t signals_since_entry_ = 0;
  std::vector<PositionPlan> plans_;
  std::vector<DecisionRecord> decisions_;
  risk::PreTradeGate gate_;
  risk::DailyReturns returns_;  // the symbols' daily returns, for the gate's VaR
};

}  // namespace fulcrum::strategy
