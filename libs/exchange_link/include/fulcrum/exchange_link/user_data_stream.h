#pragma once
// The account's user-data stream, kept up: a listenKey made with the API key alone
// (POST /fapi/v1/listenKey), kept alive every 30 minutes (PUT), and made again when the
// exchange says it is gone (-1125 on a keepalive, or a listenKeyExpired event); the
// WebSocket on <ws>/private/ws/<listenKey> reconnects with backoff (WsFeed). Events are
// parsed and handed over on the stream's own thread; a malformed one is reported, never
// dropped silently. It has its own BinanceRest (its own clock and request budget), so it
// shares no state with the thread that places orders.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "fulcrum/binance/user_data.h"
#include "fulcrum/exchange_link/binance_rest.h"

namespace fulcrum::exchange_link {

class UserDataStream {
 public:
  using OnEvent = std::function<void(binance::UserEvent&& event)>;
  // What happened to the stream, for the log: a key made, an expiry, a drop, a malformed event.
  using OnNote = std::function<void(const std::string& note)>;
  UserDataStream(Url rest_base, std::string ws_base, TlsOptions tls, BinanceCredentials creds, OnEvent on_event, OnNote on_note);
  ~UserDataStream();  // stops and joins; never throws
  UserDataStream(const UserDataStream&) = delete;
  UserDataStream& operator=(const UserDataStream&) = delete;

  void start();
  void stop() noexcept;
  uint64_t keys_made() const { return keys_made_.load(); }
  uint64_t reconnects() const { return reconnects_.load(); }
  uint64_t malformed() const { return malformed_.load(); }

 private:
  void run();
  BinanceRest rest_;
  std::string ws_base_;
  TlsOptions tls_;
  OnEvent on_event_;
  OnNote on_note_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> keys_made_{0}, reconnects_{0}, malformed_{0};
  std::thread thread_;
};

}  // namespace fulcrum::exchange_link
