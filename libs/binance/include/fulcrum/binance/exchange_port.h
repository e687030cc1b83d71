#pragma once
// What the Binance venue adapter needs of a connection to the exchange: the exchange's
// clock, one signed request, and an order placed exactly once. exchange_link::BinanceRest
// is the real one (HTTPS, time sync, rate limits, look-up after a lost answer); a test can
// put the exchange double behind it in-process.
#include <optional>
#include <string>

#include "fulcrum/binance/order_requests.h"

namespace fulcrum::binance {

struct RestAnswer {
  SendOutcome outcome = SendOutcome::kUnknown;
  int status = 0;  // 0: no answer arrived
  std::string body;
  std::optional<ExchangeError> error;
};

struct PlaceResult {
  RestAnswer answer;  // the final word: the accepted order's JSON, or the refusal
  int sends = 0;      // times the order itself was sent (1 unless the exchange said it never got it)
  int queries = 0;    // look-ups after a lost answer
};

class ExchangePort {
 public:
  virtual ~ExchangePort() = default;
  virtual RequestClock clock() const = 0;
  // Signs and sends one request. Never retries.
  virtual RestAnswer send(const RestRequest& request) = 0;
  // Sends a new order so that it exists at most once: a lost answer is followed by look-ups
  // by client id, never by a blind re-send.
  virtual PlaceResult place(const RestRequest& order, const std::string& symbol, const std::string& mesh_client_order_id) = 0;
};

}  // namespace fulcrum::binance
