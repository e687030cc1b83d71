#pragma once
// The seam between the order router (and the backtest) and a venue: one account at one
// exchange. Orders go in; the account (positions, ledger, fills, closed trades) comes out.
// The paper venue decides fills itself from the market events it is given; an exchange
// adapter (binance::ExchangeVenue) sends the orders to the exchange and books the fills the
// exchange reports. Nothing that holds a Venue knows which one it has.
#include <optional>
#include <string>
#include <vector>

#include "fulcrum/model/instrument.h"
#include "fulcrum/model/market.h"
#include "fulcrum/model/order.h"
#include "fulcrum/venue/ledger.h"
#include "fulcrum/venue/order_check.h"

namespace fulcrum::venue {

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

class Venue {
 public:
  virtual ~Venue() = default;

  virtual std::optional<size_t> symbol_index(const std::string& symbol) const = 0;
  virtual const model::InstrumentSpec& instrument(size_t sym) const = 0;
  virtual size_t symbol_count() const = 0;

  // Accepted: the order is working (it fills later, and its fill shows in fills()).
  virtual SubmitResult submit(const model::OrderRequest& req, TimestampMs now_ms, std::string decision_reason = {}) = 0;
  // Cancels the symbol's working orders that could add exposure (entries), and the
  // reduce-only ones (protective stops) too unless `keep_reduce_only`; each is recorded as
  // cancelled with `why`. Returns how many.
  virtual size_t cancel_working(size_t sym, bool keep_reduce_only, const std::string& why) = 0;
  // Moves a working stop's trigger (break-even stops); false if no such stop works.
  virtual bool amend_stop(const std::string& client_order_id, Price new_stop) = 0;

  virtual void on_bar(size_t sym, const model::Bar& bar) = 0;
  virtual void on_mark_bar(size_t sym, const model::Bar& mark_bar) = 0;
  virtual void on_funding(size_t sym, const model::FundingEvent& ev) = 0;

  virtual Money wallet_balance() const = 0;
  virtual Money unrealized_pnl(size_t sym) const = 0;
  virtual Money equity() const = 0;  // wallet + Σ unrealised PnL at mark
  virtual Money available_balance() const = 0;
  virtual Money maintenance_margin(size_t sym) const = 0;
  // Binance's liquidation price for the position now; nullopt when flat or unliquidatable.
  virtual std::optional<Price> liquidation_price(size_t sym) const = 0;
  virtual const Position& position(size_t sym) const = 0;
  virtual int open_position_count() const = 0;
  virtual std::optional<Price> mark_price(size_t sym) const = 0;
  virtual std::optional<Price> last_price(size_t sym) const = 0;
  virtual bool has_open_orders(size_t sym) const = 0;
  virtual std::vector<std::string> resting_stop_ids() const = 0;  // client ids of working stop-market orders
  virtual std::vector<std::string> open_order_ids() const = 0;    // client ids of every working order

  virtual const Ledger& ledger() const = 0;
  virtual const std::vector<model::Fill>& fills() const = 0;
  virtual const std::vector<ClosedTrade>& closed_trades() const = 0;
  // The open position's trade so far, or nullopt when the symbol is flat.
  virtual std::optional<ClosedTrade> open_trade(size_t sym) const = 0;
  virtual const std::vector<OrderOutcome>& order_outcomes() const = 0;
  // Accepted orders working now whose end is not known yet.
  virtual size_t pending_entry_count() const = 0;
  virtual size_t liquidations() const = 0;
};

}  // namespace fulcrum::venue
