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
#include "fulcrum/venue/venue.h"

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



class PaperVenue final : public Venue {
 public:
  PaperVenue(VenueConfig cfg, std::vector<InstrumentSpec> instruments, Money deposit, TimestampMs start_ms);
  // With other cost models than Binance's. The acceptance check at submit still reserves
  // cfg.taker_fee, as the leverage service's SnapshotGateway does.
  PaperVenue(VenueConfig cfg, VenueModels models, std::vector<InstrumentSpec> instruments, Money deposit, TimestampMs start_ms);

  std::optional<size_t> symbol_index(const std::string& symbol) const override;
  const InstrumentSpec& instrument(size_t sym) const override { return instruments_[sym]; }
  size_t symbol_count() const override { return instruments_.size(); }

  // Validates and queues an order; it fills on the next bar of its symbol.
  SubmitResult submit(const OrderRequest& req, TimestampMs now_ms, std::string decision_reason = {}) override;
  bool cancel(const std::string& client_order_id);
  void cancel_all(size_t sym);
  size_t cancel_working(size_t sym, bool keep_reduce_only, const std::string& why) override;
  bool amend_stop(const std::string& client_order_id, Price new_stop) override;

  void on_bar(size_t sym, const Bar& bar) override;
  void on_mark_bar(size_t sym, const Bar& mark_bar) override;
  void on_funding(size_t sym, const FundingEvent& ev) override;

  // Booking what an exchange decided. An exchange adapter keeps its account in a
  // PaperVenue that it never asks to match (no submit, no bars): the exchange's fills,
  // funding and order ends go through the same accounting as simulated ones, so a live
  // account's ledger, trades and equity are computed by the code the backtest is.
  void book_exchange_fill(size_t sym, model::Side side, Qty qty, Price price, Money fee, int leverage_x, const std::string& client_order_id,
                          const std::string& decision_reason, TimestampMs t, model::Liquidity liquidity);
  void book_exchange_funding(size_t sym, Money payment, TimestampMs t, const std::string& ref);
  void book_order_end(OrderOutcome outcome) { outcomes_.push_back(std::move(outcome)); }
  void set_prices(size_t sym, std::optional<Price> last, std::optional<Price> mark);

  Money wallet_balance() const override { return ledger_.balance(); }
  Money unrealized_pnl(size_t sym) const override;
  Money equity() const override;
  Money available_balance() const override;
  Money maintenance_margin(size_t sym) const override;
  std::optional<Price> liquidation_price(size_t sym) const override;
  const Position& position(size_t sym) const override { return positions_[sym]; }
  int open_position_count() const override;
  std::optional<Price> mark_price(size_t sym) const override;
  std::optional<Price> last_price(size_t sym) const override;
  bool has_open_orders(size_t sym) const override;
  std::vector<std::string> resting_stop_ids() const override;
  std::vector<std::string> open_order_ids() const override;

  const Ledger& ledger() const override { return ledger_; }
  const std::vector<Fill>& fills() const override { return fills_; }
  const std::vector<ClosedTrade>& closed_trades() const override { return closed_; }
  std::optional<ClosedTrade> open_trade(size_t sym) const override {
    return lifecycle_[sym].open ? std::optional<ClosedTrade>(lifecycle_[sym].trade) : std::nullopt;
  }
  const std::vector<OrderOutcome>& order_outcomes() const override { return outcomes_; }
  // Accepted orders resting now, whose end is not known yet (entries waiting for a bar).
  size_t pending_entry_count() const override;
  size_t liquidations() const override { return liquidations_; }
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
