#pragma once
// Binance USDⓈ-M's signed REST, as a venue adapter uses it:
//   - the API key in X-MBX-APIKEY, the secret only for signing (neither is ever logged);
//   - the exchange's clock: GET /fapi/v1/time, the offset taken at the round trip's middle,
//     so timestamps land inside recvWindow whatever the local clock says;
//   - the request budget from the exchange's own headers (binance::RateLimiter): a 429
//     waits, a 418 stops every request until the ban ends;
//   - an order is placed exactly once: when the answer is lost (a timeout, a 5xx, -1007),
//     the order is looked up by its client id until the exchange says whether it has it,
//     and it is sent again only on -2013 "Order does not exist" asked after the original's
//     recvWindow has passed (a late copy can no longer execute). Never a blind re-send:
//     Binance keeps client ids unique among open orders only, so a filled order re-sent
//     would trade twice.
#include <cstdint>
#include <optional>
#include <string>

#include "fulcrum/binance/exchange_port.h"
#include "fulcrum/binance/order_requests.h"
#include "fulcrum/binance/rate_limits.h"
#include "fulcrum/exchange_link/http_client.h"

namespace fulcrum::exchange_link {

struct BinanceCredentials {
  std::string api_key;
  binance::SigningKey key;  // an HMAC secret, or an Ed25519 private key (PEM)
  // FULCRUM_EXCHANGE_API_KEY / FULCRUM_EXCHANGE_API_SECRET, or the files named by
  // FULCRUM_EXCHANGE_API_KEY_FILE / _SECRET_FILE (a Kubernetes Secret mounted as files).
  // The secret is an HMAC secret, or an Ed25519 account's private key as a PEM "PRIVATE
  // KEY" (then the whole file is read). Throws std::runtime_error naming what is missing or
  // wrong, never the values.
  static BinanceCredentials from_environment();
};

using binance::PlaceResult;
using binance::RestAnswer;

class BinanceRest final : public binance::ExchangePort {
 public:
  BinanceRest(Url base, TlsOptions tls, BinanceCredentials creds, int64_t timeout_ms = 5'000, int64_t recv_window_ms = 5'000);

  // Measures the offset to the exchange's clock; returns it (exchange − local, ms).
  int64_t sync_time();
  binance::RequestClock clock() const override;
  // Signs and sends one request (re-stamped now). Never retries.
  RestAnswer send(const binance::RestRequest& request) override;
  // USER_STREAM calls (the listenKey): the API key alone, no signature.
  RestAnswer send_keyed(const std::string& method, const std::string& path);
  PlaceResult place(const binance::RestRequest& order, const std::string& symbol, const std::string& mesh_client_order_id) override {
    return place(order, symbol, mesh_client_order_id, 20);
  }
  PlaceResult place(const binance::RestRequest& order, const std::string& symbol, const std::string& mesh_client_order_id, int max_queries);

  const binance::RateLimiter& limiter() const { return limiter_; }

 private:
  // One request with the API key, whatever its answer (a lost one: kUnknown).
  RestAnswer keyed(const std::string& method, const std::string& target);
  Url base_;
  TlsOptions tls_;
  BinanceCredentials creds_;
  int64_t timeout_ms_, recv_window_ms_;
  int64_t offset_ms_ = 0;
  binance::RateLimiter limiter_;
};

}  // namespace fulcrum::exchange_link
