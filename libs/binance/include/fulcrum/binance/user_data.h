#pragma once
// The user-data stream (wss://…/private/ws/<listenKey>), the source of fills and positions:
// ORDER_TRADE_UPDATE (every order state change; a TRADE execution is a fill),
// ACCOUNT_UPDATE (balances and positions after a change), ALGO_UPDATE (conditional
// orders, which can fill before it arrives), and listenKeyExpired (make a new key).
// Orders the exchange makes itself are recognised: client ids "autoclose-…" are
// liquidations, "adl_autoclose" auto-deleveraging.
// A listenKey lives 60 minutes; each keepalive (PUT) extends it; -1125 or
// listenKeyExpired means it is gone. ALGO_UPDATE's field names (caid, X) are as read in
// Binance's Algo docs; no live stream confirmed them here.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fulcrum/core/fixed_point.h"

namespace fulcrum::binance {

struct OrderUpdate {
  int64_t event_time_ms = 0, transaction_time_ms = 0;
  std::string symbol, client_id, side, order_type, exec_type, status;
  int64_t order_id = 0, trade_id = 0;
  core::Qty last_qty, cumulative_qty;
  core::Price last_price;
  core::Money commission, realized_pnl;
  std::string commission_asset;
  bool reduce_only = false;
  bool maker = false;  // m: the fill was on the maker side
  enum class Origin { kClient, kLiquidation, kAdl } origin = Origin::kClient;
  bool is_fill() const { return exec_type == "TRADE" && !last_qty.is_zero(); }
};

// Who made an order, from its client id: the exchange's liquidation engine ("autoclose-…"),
// its auto-deleveraging ("adl_autoclose"), or a client.
OrderUpdate::Origin origin_of_client_id(std::string_view client_id);

struct AccountUpdate {
  int64_t event_time_ms = 0, transaction_time_ms = 0;
  std::string reason;  // m: ORDER, FUNDING_FEE, DEPOSIT, …
  std::map<std::string, core::Money> wallet_balances;  // asset → wb
  std::map<std::string, core::Money> balance_changes;  // asset → bc: the change apart from PnL and commission (a FUNDING_FEE's payment)
  std::map<std::string, core::Qty> positions;          // symbol → pa (BOTH); a FUNDING_FEE on an isolated position names it here alone
};

struct AlgoUpdate {
  int64_t event_time_ms = 0;
  std::string symbol, client_algo_id, status;
};

struct ListenKeyExpired {
  int64_t event_time_ms = 0;
};

using UserEvent = std::variant<OrderUpdate, AccountUpdate, AlgoUpdate, ListenKeyExpired>;

// nullopt with `error` set for a malformed event (naming the field); nullopt with `error`
// empty for an event kind this parser does not use.
std::optional<UserEvent> parse_user_event(std::string_view json, std::string& error);

// Fills taken once each, by (symbol, order id, trade id): a reconnect's or a duplicate's
// repeat is dropped. Keeps the net position per symbol from the fills.
class FillBook {
 public:
  // True when the update is a fill seen for the first time.
  bool take(const OrderUpdate& u);
  const std::map<std::string, core::Qty>& positions() const { return positions_; }
  uint64_t fills() const { return fills_; }
  uint64_t repeats() const { return repeats_; }

 private:
  std::set<std::tuple<std::string, int64_t, int64_t>> seen_;
  std::map<std::string, core::Qty> positions_;
  uint64_t fills_ = 0, repeats_ = 0;
};

// When to keep the listenKey alive: every 30 minutes (half its life, as Binance advises).
class ListenKeyKeeper {
 public:
  explicit ListenKeyKeeper(int64_t keepalive_every_ms = 30 * 60'000) : every_ms_(keepalive_every_ms) {}
  void created(int64_t now_ms) { next_ms_ = now_ms + every_ms_; }
  bool keepalive_due(int64_t now_ms) const { return next_ms_ > 0 && now_ms >= next_ms_; }
  void kept_alive(int64_t now_ms) { next_ms_ = now_ms + every_ms_; }

 private:
  int64_t every_ms_, next_ms_ = 0;
};

}  // namespace fulcrum::binance
