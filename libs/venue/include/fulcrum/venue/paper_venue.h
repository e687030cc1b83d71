#pragma once
// A USDⓈ-M perpetual paper exchange, one-way mode, for one account.
//
// Fill model (stated): each bar is walked as a price path — open → low → high → close for
// an up bar, open → high → low → close for a down bar. Market orders fill at the next
// bar's open; stops and trailing stops trigger on trade prices along the path and fill at
// the trigger (or at the open when the bar gaps through it); all taker fills pay
// `slippage` adversely, rounded to the tick. Resting limits fill at their price as maker.
// Mark price: from mark-price bars when the symbol has them, else the last trade price.
// Unrealised PnL and funding use the mark. Liquidation triggers when the mark path or,
// between (hourly) mark bars, the trade path crosses Binance's liquidation price, and
// closes at that price.
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "fulcrum/model/instrument.h"
#include "fulcrum/model/market.h"
#include "fulcrum/model/order.h"
#include "fulcrum/venue/ledger.h"
#include "fulcrum/venue/models.h"
#include "fulcrum/venue/order_check.h"

namespace fulcrum::venue {

using model::Bar;
using model::Fill;
using model::FundingEvent;
using model::InstrumentSpec;
using model::MarginMode;
using model::OrderRequest;
using model::Price;
using model::Qty;
using model::Rate;

struct VenueConfig {
  Rate maker_fee = Rate::from_double(0.0002);        // Binance USDⓈ-M base tier
  Rate taker_fee = Rate::from_double(0.0005);
  Rate liquidation_fee = Rate::from_double(0.0125);  // liquidation clearance fee
  Rate slippage = Rate::from_double(0.0002);         // adverse, on every taker fill
  MarginMode margin_mode = MarginMode::kIsolated;
};

// Binance's rules at these rates: slippage fills, maker/taker fees, funding at mark, bracket
// margins and the clearance fee.
VenueModels binance_models(const VenueConfig& cfg);


// One position from open to flat, for analytics.
struct ClosedTrade {
  std::string symbol;
  model::Side side = model::Side::kBuy;
  TimestampMs open_ms = 0, close_ms = 0;
  Price first_entry_price;
  Price exit_price;        // of the last closing fill
  Qty max_quantity;
  int leverage_x = 1;
  int entries = 0;         // 1 + pyramid adds
  Money max_margin;        // the most margin the position ever held
  Money realized_pnl, fees, funding;
  Money equity_at_open;
  bool liquidated = false;
  std::string decision_reason;
  std::string opened_by;   // the entry's client order id
  Money net_pnl() const { return realized_pnl - fees + funding; }
};

// How an order left the book without filling (a fill is in fills()). With fills() this
// accounts for every accepted order: none disappears without a recorded end.
enum class OrderEnd { kRejectedAtFill, kCancelled, kExpired };
const char* to_string(OrderEnd e);
struct OrderOutcome {
  TimestampMs time_ms = 0;
  std::string client_order_id;
  std::string symbol;
  OrderEnd end = OrderEnd::kCancelled;
  std::string reason;
};

class PaperVenue {
 public:
  PaperVenue(VenueConfig cfg, std::vector<InstrumentSpec> instruments, Money deposit, TimestampMs start_ms);
  // With other cost models than Binance's. The acceptance check at submit still reserves
  // cfg.taker_fee, as the leverage service's SnapshotGateway does.
  PaperVenue(VenueConfig cfg, VenueModels models, std::vector<InstrumentSpec> instruments, Money deposit, TimestampMs start_ms);

  std::optional<size_t> symbol_index(const std::string& symbol) const;
  const InstrumentSpec& instrument(size_t sym) const { return instruments_[sym]; }
  size_t symbol_count() const { return instruments_.size(); }

  // Validates and queues an order; it fills on the next bar of its symbol.
  SubmitResult submit(const OrderRequest& req, TimestampMs now_ms, std::string decision_reason = {});
  bool cancel(const std::string& client_order_id);
  void cancel_all(size_t sym);
  // Cancels the symbol's working orders that could add exposure (entries), and the
  // reduce-only ones (protective stops) too unless `keep_reduce_only`; each is recorded as
  // cancelled with `why`. Returns how many.
  size_t cancel_working(size_t sym, bool keep_reduce_only, const std::string& why);
  // Moves a resting stop's trigger (break-even stops); false if no such stop rests.
  bool amend_stop(const std::string& client_order_id, Price new_stop);

  void on_bar(size_t sym, const Bar& bar);
  void on_mark_bar(size_t sym, const Bar& mark_bar);
  void on_funding(size_t sym, const FundingEvent& ev);

  Money wallet_balance() const { return ledger_.balance(); }
  Money unrealized_pnl(size_t sym) const;
  Money equity() const;  // wallet + Σ unrealised PnL at mark
  Money available_balance() const;
  Money maintenance_margin(size_t sym) const;
  // Binance's liquidation price for the position now; nullopt when flat or unliquidatable.
  std::optional<Price> liquidation_price(size_t sym) const;
  const Position& position(size_t sym) const { return positions_[sym]; }
  int open_position_count() const;
  std::optional<Price> mark_price(size_t sym) const;
  std::optional<Price> last_price(size_t sym) const;
  bool has_open_orders(size_t sym) const;
  std::vector<std::string> resting_stop_ids() const;  // client ids of resting stop-market orders
  std::vector<std::string> open_order_ids() const;    // client ids of every resting order

  const Ledger& ledger() const { return ledger_; }
  const std::vector<Fill>& fills() const { return fills_; }
  const std::vector<ClosedTrade>& closed_trades() const { return closed_; }
  // The open position's trade so far (fees, funding and realised PnL of partial closes), or
  // nullopt when the symbol is flat: with unrealized_pnl() it attributes an open position.
  std::optional<ClosedTrade> open_trade(size_t sym) const {
    return lifecycle_[sym].open ? std::optional<ClosedTrade>(lifecycle_[sym].trade) : std::nullopt;
  }
  const std::vector<OrderOutcome>& order_outcomes() const { return outcomes_; }
  // Accepted orders resting now, whose end is not known yet (entries waiting for a bar).
  size_t pending_entry_count() const;
  size_t liquidations() const { return liquidations_; }
  const VenueConfig& config() const { return cfg_; }

 private:
  struct RestingOrder {
    OrderRequest req;
    std::string decision_reason;
    bool arrived = false;     // false until the first bar after submission
    bool activated = false;   // trailing stops
    Price extreme;            // trailing stops: best price since activation
  };
  struct Lifecycle {
    ClosedTrade trade;
    bool open = false;
  };

  bool process_segment(size_t sym, Price from, Price to, bool is_mark, bool first_point);
  void fill(size_t sym, RestingOrder& o, Price price, model::Liquidity liquidity, TimestampMs t);
  void apply_fill(size_t sym, model::Side side, Qty qty, Price price, Money fee, int leverage_x, const std::string& ref,
                  const std::string& decision_reason, TimestampMs t, model::Liquidity liquidity);
  void liquidate(size_t sym, Price price, TimestampMs t);
  std::optional<Price> cross_liquidation_price(size_t sym) const;
  void end_order(const RestingOrder& o, OrderEnd end, std::string reason);
  Money required_initial_margin(Price p, Qty q, int leverage_x) const;
  void drop_reduce_only_if_flat(size_t sym);

  VenueConfig cfg_;
  VenueModels models_;
  std::vector<InstrumentSpec> instruments_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<Position> positions_;
  std::vector<std::optional<Price>> mark_, last_;
  std::vector<std::vector<RestingOrder>> orders_;
  std::vector<Lifecycle> lifecycle_;
  std::unordered_map<std::string, bool> seen_client_ids_;
  Ledger ledger_;
  std::vector<Fill> fills_;
  std::vector<ClosedTrade> closed_;
  std::vector<OrderOutcome> outcomes_;
  size_t liquidations_ = 0;
  TimestampMs now_ms_ = 0;
};

}  // namespace fulcrum::venue
