#pragma once
// The exchange double's trading side, as pure logic: Binance USDⓈ-M's signed REST endpoints
// for one account, with the exchange's checks and its error codes and JSON, so a client
// that passes here signs, stamps and names its requests as the exchange requires:
//   - X-MBX-APIKEY (-2014 malformed, -2015 wrong), timestamp (-1102 missing; -1021 outside
//     recvWindow or more than 1 s ahead), the HMAC-SHA256 signature over the query string
//     followed by the body (-1022);
//   - POST/GET /fapi/v1/order: MARKET and LIMIT (conditional types answer -4120: they go to
//     the Algo endpoints), the symbol's filters (-1111, -4164, -4005), newClientOrderId
//     unique among open orders only (-4116), reduce-only that would not reduce (-2022),
//     margin (-2019); a market order fills whole at the book's top; RESULT responses;
//     -2013 for an order it does not have;
//   - POST /fapi/v1/leverage (-4028 out of range; -4161 lowering under an open isolated
//     position) and /fapi/v1/marginType (-4046 no change; -4047/-4048 orders or a
//     position open);
//   - GET /fapi/v1/exchangeInfo (the symbols' filters, unsigned);
//   - GET /fapi/v1/openOrders, /fapi/v1/openAlgoOrders, /fapi/v2/positionRisk,
//     /fapi/v2/balance, and the account's history: /fapi/v1/userTrades (fills, with
//     commission and realised PnL) and /fapi/v1/allOrders (order id to client id);
//   - the dead-man switch (POST /fapi/v1/countdownCancelAll): unless renewed within
//     countdownTime, every open order of the symbol is cancelled. It cancels the regular
//     book only, not Algo orders (as read in Binance's docs; not confirmed on a live
//     exchange), so protective stops outlive a dead client;
//   - the Algo book (POST/GET/DELETE /fapi/v1/algoOrder): STOP_MARKET and
//     TRAILING_STOP_MARKET, by quantity (reduce-only) or closePosition; they trigger on the
//     book's mid (the double's mark) as set_book_top moves it, and execute as a market order
//     whose client id is the clientAlgoId (as read in Binance's Algo docs; no live exchange
//     confirmed it here); ALGO_UPDATE reports NEW, CANCELED, TRIGGERED and FINISHED.
// Every fill pays the taker fee (commission "n") and books its realised PnL ("rp") into the
// wallet, in fixed point, so an account kept from the user-data stream can be compared with
// the double's own to the last unit.
// Faults: the N-th accepted order's answer is withheld (the client sees a timeout after
// the exchange took the order). Every order placed is recorded by client id, so a test can
// see an id the client sent twice.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fulcrum/model/instrument.h"
#include "fulcrum/binance/signing.h"

namespace fulcrum::binance {

struct DoubleRequest {
  std::string method, path, query, body;
  std::string api_key;  // the X-MBX-APIKEY header, empty when absent
  int64_t now_ms = 0;
};

struct DoubleResponse {
  int status = 200;
  std::string body;
  bool withhold = false;  // fault: the order was taken; close without answering
};

class DoubleExchange {
 public:
  DoubleExchange(std::string api_key, std::string secret, std::vector<model::InstrumentSpec> specs, core::Money balance);

  // A new top of book; conditional orders it crosses trigger (their events stamped now_ms).
  void set_book_top(const std::string& symbol, core::Price bid, core::Price ask, int64_t now_ms = 0);
  void set_taker_fee(core::Rate rate) { taker_fee_ = rate; }
  // The account's leverage brackets for a symbol (GET /fapi/v1/leverageBracket); default: the spec's, else Binance's built-in table.
  void set_brackets(const std::string& symbol, std::vector<model::MarginBracket> table) { specs_.at(symbol).brackets = std::move(table); }
  // A funding settlement, as the exchange makes it: an open position pays (long, positive
  // rate) or receives |qty| · mark · rate, the wallet moves, and an ACCOUNT_UPDATE with
  // m FUNDING_FEE says so: bc is the payment, and P names the position when it is isolated
  // and nothing when it is crossed (Binance's documented shapes).
  void settle_funding(const std::string& symbol, core::Price mark, core::Rate rate, int64_t now_ms);
  // Fault: every Algo order is refused (-4120 as if the endpoint were gone).
  void refuse_algo_orders(bool refuse) { refuse_algo_ = refuse; }
  // The user-data stream: events made since the last call (ORDER_TRADE_UPDATE for each new
  // order and each fill, ACCOUNT_UPDATE after a fill), and the listenKey's life
  // (POST/PUT/DELETE /fapi/v1/listenKey, the API key alone: not signed).
  std::vector<std::string> take_user_events();
  bool listen_key_valid(const std::string& key, int64_t now_ms) const;
  void set_listen_key_ttl_ms(int64_t ttl_ms) { listen_key_ttl_ms_ = ttl_ms; }
  void withhold_answer_to_order(uint64_t nth) { withhold_nth_ = nth; }
  // Fault: the N-th order is taken (and fills as it would), but answered HTTP 503 "Unknown
  // error", the answer Binance documents as execution status unknown: the client must find
  // it by client id, never send it again.
  void fail_answer_to_order(uint64_t nth) { fail_nth_ = nth; }
  // The account's API key is an Ed25519 key with this public key: signatures are checked
  // with it (base64, percent-decoded), and the secret no longer signs.
  void use_ed25519(VerifyingKey key) { ed25519_ = std::move(key); }
  DoubleResponse handle(const DoubleRequest& req);

  // For tests and the double's own log.
  uint64_t orders_accepted() const { return next_order_id_ - 1; }
  size_t trade_count() const { return trades_.size(); }  // fills, as GET /fapi/v1/userTrades lists them
  // Client ids placed more than once (re-use of a closed order's id: allowed by the exchange,
  // and exactly the double trade a blind re-send makes).
  std::vector<std::string> ids_placed_twice() const;
  std::string position_json() const;
  core::Money wallet_balance() const { return balance_; }
  core::Qty position_qty(const std::string& symbol) const;
  int symbol_leverage(const std::string& symbol) const;
  uint64_t leverage_changes() const { return leverage_changes_; }
  size_t open_algo_orders() const;

 private:
  struct Order {
    int64_t order_id = 0;
    std::string symbol, client_id, side, type, status;
    core::Qty orig_qty, executed_qty;
    core::Price price, avg_price;
    bool reduce_only = false;
    int64_t update_ms = 0;
  };
  struct Trade {
    int64_t id = 0, order_id = 0, time_ms = 0;
    std::string symbol, side;
    core::Price price;
    core::Qty qty;
    core::Money realized, commission;
  };
  struct Position {
    core::Qty qty;  // signed
    core::Price entry;
    int leverage = 20;
    bool isolated = false;
  };
  struct AlgoOrder {
    int64_t algo_id = 0;
    std::string symbol, client_algo_id, side, type, status;
    core::Price trigger, extreme;
    core::Rate callback;
    core::Qty qty;
    bool close_position = false, activated = false;
    int64_t update_ms = 0;
  };
  DoubleResponse error(int status, int code, const std::string& msg) const;
  DoubleResponse new_algo_order(const std::map<std::string, std::string>& p, int64_t now_ms);
  std::string algo_json(const AlgoOrder& a) const;
  void algo_event(const AlgoOrder& a, int64_t now_ms);
  // Fills `o` whole at `price`: the position, the fee, the realised PnL, the wallet, events.
  void execute(Order& o, core::Price price, int64_t now_ms);
  void trigger_algo_orders(const std::string& symbol, int64_t now_ms);
  void expire_countdowns(int64_t now_ms);
  std::optional<DoubleResponse> authenticate(const DoubleRequest& req, std::map<std::string, std::string>& params) const;
  DoubleResponse new_order(const std::map<std::string, std::string>& p, int64_t now_ms);
  DoubleResponse query_order(const std::map<std::string, std::string>& p) const;
  std::string order_json(const Order& o) const;

  std::string api_key_, secret_;
  std::optional<VerifyingKey> ed25519_;
  std::map<std::string, model::InstrumentSpec> specs_;
  std::map<std::string, std::pair<core::Price, core::Price>> tops_;
  std::map<std::string, Position> positions_;
  std::vector<Order> orders_;
  std::vector<Trade> trades_;
  struct FundingIncome {
    int64_t tran_id = 0, time_ms = 0;
    std::string symbol;
    core::Money income;
  };
  std::vector<FundingIncome> funding_income_;  // GET /fapi/v1/income?incomeType=FUNDING_FEE
  std::map<std::string, int64_t> countdowns_;  // symbol → when its open orders are cancelled
  std::map<std::string, size_t> placed_;  // client id → times placed
  core::Money balance_;
  int64_t next_order_id_ = 1;
  uint64_t withhold_nth_ = 0, fail_nth_ = 0, leverage_changes_ = 0;
  std::vector<AlgoOrder> algo_orders_;
  int64_t next_algo_id_ = 1;
  core::Rate taker_fee_ = core::Rate::from_double(0.0005);
  bool refuse_algo_ = false;
  std::vector<std::string> user_events_;
  std::string listen_key_;
  int64_t listen_key_expires_ms_ = 0, listen_key_ttl_ms_ = 60 * 60'000, trade_id_ = 0;
  void order_event(const Order& o, const std::string& exec_type, core::Qty last_qty, core::Price last_price, int64_t now_ms,
                   core::Money commission = {}, core::Money realized = {});
};

}  // namespace fulcrum::binance
