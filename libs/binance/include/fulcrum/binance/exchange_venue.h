#pragma once
// Binance USDⓈ-M as a venue::Venue: the order router's seam, so the router core trades on
// the exchange exactly as it trades on the paper venue, without knowing which it has.
//
// Orders go to the exchange through an ExchangePort; fills come back from the user-data
// stream (on_user_event), each taken once (FillBook), and are booked into a PaperVenue that
// is never asked to match: the account's positions, ledger, trades and equity are computed
// by the same code as a backtest's, from the exchange's prices, quantities and commissions.
//
// Per-trade leverage on a per-symbol exchange (plan_entry_leverage): set while flat, never
// under an open position; an add goes at the position's leverage. An entry's attached
// protection is placed once the entry has filled, as an Algo order (STOP_MARKET
// "<id>.sl", TRAILING_STOP_MARKET "<id>.ts"), as the paper venue arms it. If the exchange
// refuses the protection, the position is closed at once with a reduce-only market order
// ("<id>.unprotected"): a position without its stop is a risk nobody took (fail closed).
//
// A lost answer leaves the order "unknown": it stays working (the port has already asked
// the exchange by client id), new entries on the symbol are refused until a fill, an end
// or reconciliation settles it, and it is never sent again.
// Funding is the exchange's to pay: on_funding books nothing, and each FUNDING_FEE account
// update is booked as the exchange computed it. The exchange holds every symbol this venue
// enters in the book's margin mode (isolated by default), set while flat before the first entry.
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "fulcrum/binance/exchange_port.h"
#include "fulcrum/binance/reconcile.h"
#include "fulcrum/binance/user_data.h"
#include "fulcrum/venue/paper_venue.h"

namespace fulcrum::binance {

using core::TimestampMs;

struct ExchangeVenueCounters {
  uint64_t orders_placed = 0;       // accepted by the exchange (or unknown, see below)
  uint64_t orders_refused = 0;      // refused here with the exchange's rules, or by the exchange
  uint64_t orders_unknown = 0;      // answer lost and not found by client id (yet)
  uint64_t order_sends = 0;         // times an order request went out (> placed only after a proven -2013)
  uint64_t leverage_changes = 0;    // POST /fapi/v1/leverage that took effect
  uint64_t protections_placed = 0;  // attached stops placed after an entry's fill
  uint64_t unprotected_closes = 0;  // positions closed because their protection was refused
  uint64_t fills = 0, repeated_fills = 0;
  uint64_t foreign_fills = 0;  // of orders this venue never sent (a person's, another program's): booked all the same
  uint64_t refused_by_reconciliation = 0;  // entries refused while the account disagreed with the exchange
  uint64_t refused_by_trading_state = 0;   // entries refused at the last moment by a trading state that changed meanwhile
  uint64_t margin_type_changes = 0;        // POST /fapi/v1/marginType that took effect (-4046, already so, is not one)
  uint64_t funding_payments = 0, repeated_funding = 0;
  uint64_t unattributed_funding = 0;       // FUNDING_FEE updates no single position of the book owns: the wallet then differs
};

class ExchangeVenue final : public venue::Venue {
 public:
  ExchangeVenue(venue::VenueConfig cfg, std::vector<model::InstrumentSpec> specs, core::Money deposit, TimestampMs start_ms, ExchangePort& port);

  // The user-data stream, in event order.
  void on_user_event(const UserEvent& event);
  // Symbols where the book's position differs from the exchange's last ACCOUNT_UPDATE:
  // "<symbol> book <qty> exchange <qty>". Empty when they agree.
  std::vector<std::string> position_mismatches() const;
  // What this venue believes is open, for reconcile() against the exchange's answers.
  ExpectedBook expected_book() const;
  // The differences the last reconciliation found: while there are any, entries are refused
  // (reduce-only orders still go: closing is always allowed), naming the first.
  void set_reconciliation_differences(std::vector<std::string> differences) { differences_ = std::move(differences); }
  const std::vector<std::string>& reconciliation_differences() const { return differences_; }
  // While recovering (the router replaying its journal after a restart), orders are taken
  // as sent in a past life: their ids are remembered, nothing goes to the exchange, and the
  // fills are not booked (the exchange's account is read back by reconciliation instead).
  void set_recovering(bool recovering) { recovering_ = recovering; }
  // After a restart: the account's fills since `since_ms` (the run's start) booked from the
  // exchange's history, each once, with the leverage and decision of the order the journal
  // remembers; then what the exchange has open becomes the working orders, under the
  // mesh's ids. Returns the open positions that have no protective order at the exchange.
  // The funding the account paid or received since then is booked in time order with the
  // fills, each once, as the stream would have booked it.
  std::vector<std::string> adopt(std::vector<TradeView> trades, const std::map<int64_t, std::string>& client_ids,
                                 const std::vector<OpenOrderView>& open_orders, TimestampMs since_ms,
                                 std::vector<FundingIncomeView> funding = {});
  // After a gap in the user stream (a reconnect): events the exchange sent while no one
  // listened are gone, so the account's fills since the gap are read back (userTrades) and
  // booked as the stream would have booked them, each once (the ones the stream did bring are
  // dropped by trade id), ending their orders and arming or cancelling protection as a
  // stream fill does. Working orders the exchange no longer has, and no fill ended, are closed
  // as cancelled or expired unseen. Returns how many fills were new.
  size_t catch_up(std::vector<TradeView> trades, const std::map<int64_t, std::string>& client_ids, const std::vector<OpenOrderView>& open_orders);
  // The exchange time of the last fill booked (0: none): where a catch-up reads from.
  TimestampMs last_fill_ms() const { return book_.fills().empty() ? 0 : book_.fills().back().time_ms; }
  // Funding rows of the exchange's income history, booked as the stream would have booked them:
  // each once, so rows the stream already brought are dropped. Returns how many were new.
  size_t book_funding_history(std::vector<FundingIncomeView> rows);
  // Symbols with working orders in the exchange's regular book (not Algo orders): the ones a
  // dead-man switch (countdownCancelAll) covers.
  std::vector<std::string> symbols_with_regular_orders() const;
  // Asked right before a new order that adds exposure goes to the exchange (and before the
  // leverage or margin type is set for it): a reason refuses it as kTradingState. The router
  // answers with the trading state in force at that moment, which can be newer than the one
  // its input began under when the state changed while a request was on the wire.
  // Reduce-only and close-position orders always go: closing is always allowed.
  void set_order_gate(std::function<std::optional<std::string>(const model::OrderRequest&)> gate) { order_gate_ = std::move(gate); }
  // The symbol's leverage as last set on the exchange (0: not set by this venue).
  int symbol_leverage(size_t sym) const { return symbol_leverage_[sym]; }
  const ExchangeVenueCounters& counters() const { return counters_; }
  // Why the last FUNDING_FEE update could not be booked (empty when all were).
  const std::string& last_unattributed_funding() const { return last_unattributed_funding_; }

  std::optional<size_t> symbol_index(const std::string& symbol) const override { return book_.symbol_index(symbol); }
  const model::InstrumentSpec& instrument(size_t sym) const override { return book_.instrument(sym); }
  size_t symbol_count() const override { return book_.symbol_count(); }

  venue::SubmitResult submit(const model::OrderRequest& req, TimestampMs now_ms, std::string decision_reason = {}) override;
  size_t cancel_working(size_t sym, bool keep_reduce_only, const std::string& why) override;
  bool amend_stop(const std::string& client_order_id, core::Price new_stop) override;

  void on_bar(size_t sym, const model::Bar& bar) override { book_.set_prices(sym, bar.close, std::nullopt); }
  void on_mark_bar(size_t sym, const model::Bar& mark_bar) override { book_.set_prices(sym, std::nullopt, mark_bar.close); }
  void on_funding(size_t, const model::FundingEvent&) override {}

  core::Money wallet_balance() const override { return book_.wallet_balance(); }
  core::Money unrealized_pnl(size_t sym) const override { return book_.unrealized_pnl(sym); }
  core::Money equity() const override { return book_.equity(); }
  core::Money available_balance() const override { return book_.available_balance(); }
  core::Money maintenance_margin(size_t sym) const override { return book_.maintenance_margin(sym); }
  std::optional<core::Price> liquidation_price(size_t sym) const override { return book_.liquidation_price(sym); }
  const venue::Position& position(size_t sym) const override { return book_.position(sym); }
  int open_position_count() const override { return book_.open_position_count(); }
  std::optional<core::Price> mark_price(size_t sym) const override { return book_.mark_price(sym); }
  std::optional<core::Price> last_price(size_t sym) const override { return book_.last_price(sym); }
  bool has_open_orders(size_t sym) const override;
  std::vector<std::string> resting_stop_ids() const override;
  std::vector<std::string> open_order_ids() const override;
  const venue::Ledger& ledger() const override { return book_.ledger(); }
  const std::vector<model::Fill>& fills() const override { return book_.fills(); }
  const std::vector<venue::ClosedTrade>& closed_trades() const override { return book_.closed_trades(); }
  std::optional<venue::ClosedTrade> open_trade(size_t sym) const override { return book_.open_trade(sym); }
  const std::vector<venue::OrderOutcome>& order_outcomes() const override { return book_.order_outcomes(); }
  size_t pending_entry_count() const override;
  size_t liquidations() const override { return book_.liquidations(); }

 private:
  struct Working {
    model::OrderRequest req;  // as sent (an add's leverage is the position's)
    std::string decision_reason;
    size_t sym = 0;
    bool algo = false;
    bool unknown = false;  // the answer was lost and the exchange has not said yet
    core::Qty filled;
  };
  venue::SubmitResult place(model::OrderRequest req, size_t sym, const std::string& decision_reason, TimestampMs now_ms);
  void on_order_update(const OrderUpdate& u);
  void book_funding(const AccountUpdate& a);
  AccountUpdate funding_update(const FundingIncomeView& f) const;
  void protect(const Working& entry, TimestampMs t);
  void close_unprotected(size_t sym, const std::string& entry_id, const std::string& why, TimestampMs t);
  void end_order(const std::string& exchange_id, venue::OrderEnd end, const std::string& why, TimestampMs t);

  venue::VenueConfig cfg_;
  venue::PaperVenue book_;
  ExchangePort& port_;
  FillBook taken_;
  std::vector<int> symbol_leverage_;
  std::vector<bool> margin_type_set_;                // the exchange holds the symbol in the book's margin mode
  std::set<std::pair<TimestampMs, std::string>> funding_seen_;  // (transaction time, symbol) of every FUNDING_FEE booked
  std::string last_unattributed_funding_;
  std::map<std::string, Working> working_;           // by exchange client id
  std::map<std::string, Working> recovered_;         // orders a replayed journal sent in a past life, by exchange client id
  std::map<std::string, std::string> ids_used_;      // exchange client id → mesh id, every order ever sent
  std::map<std::string, core::Qty> exchange_positions_;
  ExchangeVenueCounters counters_;
  uint64_t amendments_ = 0;
  std::vector<std::string> differences_;
  bool recovering_ = false;
  std::function<std::optional<std::string>(const model::OrderRequest&)> order_gate_;

};

}  // namespace fulcrum::binance
