#pragma once
// The REST requests a Binance USDⓈ-M venue adapter sends, built from the mesh's orders, and
// the checks the exchange would make done first, so an order the exchange must refuse is
// refused here with the exchange's own code and message and never costs a request:
//   -1111 a quantity or price finer than the symbol's step or tick,
//   -4164 a notional under MIN_NOTIONAL (reduce-only orders are exempt, as on Binance),
//   -4005 a quantity over (MARKET_)LOT_SIZE.maxQty.
// Conditional orders (STOP_MARKET, TRAILING_STOP_MARKET) go to the Algo endpoint
// (/fapi/v1/algoOrder, since 2025-12-09; /fapi/v1/order answers them -4120) with
// clientAlgoId; plain ones to /fapi/v1/order with newClientOrderId and
// newOrderRespType=RESULT, so the answer carries the fill. Position mode is one-way
// (positionSide BOTH, the default, never sent): hedge mode is refused at start.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "fulcrum/binance/signing.h"
#include "fulcrum/model/instrument.h"
#include "fulcrum/model/order.h"

namespace fulcrum::binance {

struct RestRequest {
  std::string method;  // GET, POST, DELETE
  std::string path;    // /fapi/v1/…
  QueryString params;  // timestamp and recvWindow included; sign with signed_with(secret)
  std::string exchange_client_id;  // the newClientOrderId / clientAlgoId it carries
  bool algo = false;
};

struct ExchangeError {
  int code = 0;
  std::string msg;
};

struct RequestClock {
  int64_t timestamp_ms = 0;      // the exchange's time: local time plus the measured offset
  int64_t recv_window_ms = 5000;
};

// A new order. `reference_price` prices a market order's notional for the MIN_NOTIONAL
// check (the last trade or mark).
std::variant<RestRequest, ExchangeError> plan_new_order(const model::OrderRequest& order, const model::InstrumentSpec& spec, const RequestClock& clock,
                                                        std::optional<core::Price> reference_price = std::nullopt);
// The protective stop an entry carries (`attached_stop_price`), sent once the entry fills:
// a reduce-only STOP_MARKET on mark price, id "<entry id>.sl" as the paper venue names it.
std::variant<RestRequest, ExchangeError> plan_attached_stop(const model::OrderRequest& entry, const model::InstrumentSpec& spec, const RequestClock& clock);

// Looking an order up by the id the mesh gave it: the only safe answer to a timeout or a
// 503 "execution status unknown" (never a blind re-send: Binance keeps client ids unique
// among open orders only, so a re-sent filled order would trade twice).
RestRequest plan_query_order(const std::string& symbol, const std::string& mesh_client_order_id, bool algo, const RequestClock& clock);
RestRequest plan_cancel_order(const std::string& symbol, const std::string& mesh_client_order_id, bool algo, const RequestClock& clock);
RestRequest plan_set_leverage(const std::string& symbol, int leverage_x, const RequestClock& clock);
RestRequest plan_margin_type(const std::string& symbol, bool isolated, const RequestClock& clock);
// The dead-man switch: every open order of the symbol is cancelled unless this is renewed
// within `countdown_ms` (0 cancels the countdown).
RestRequest plan_countdown_cancel_all(const std::string& symbol, int64_t countdown_ms, const RequestClock& clock);

// An error body ({"code": -2019, "msg": "Margin is insufficient."}); nullopt when the body
// is not one.
std::optional<ExchangeError> parse_exchange_error(std::string_view body);
// What an answer means for an order whose outcome the client did not see.
enum class SendOutcome {
  kAccepted,        // 200
  kRejected,        // 4xx with an error code: the order does not exist
  kUnknown,         // 5xx, a timeout, -1007 or 503 "execution status unknown": query before anything else
  kThrottled,       // 429: back off, then query (the request may not have been seen)
  kBanned,          // 418
};
SendOutcome classify(int http_status, const std::optional<ExchangeError>& error);

}  // namespace fulcrum::binance
