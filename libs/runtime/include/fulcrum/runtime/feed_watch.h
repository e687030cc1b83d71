#pragma once
// The live feed's health between market-data, which writes it, and the risk gatekeeper,
// which denies entries on it (risk::feed_verdict): "<ns>:feed:health" in Redis, written twice
// a second. A gatekeeper that stops seeing it fresh denies every entry: market-data silent is
// market data stale, and the risk path fails closed.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <prometheus/gauge.h>

#include "fulcrum/risk/pre_trade_gate.h"
#include "fulcrum/runtime/service.h"

namespace fulcrum::runtime {

// market-data: the symbols whose markPrice or bookTicker stream is silent beyond its limit
// (from the stale streams, "btcusdt@bookTicker"), written at most every 500 ms.
class FeedHealthWriter {
 public:
  explicit FeedHealthWriter(Service& svc) : svc_(svc) {}
  void write(const std::vector<std::string>& stale_streams);

 private:
  Service& svc_;
  std::chrono::steady_clock::time_point next_{};
};

// The gatekeeper's view, read at most every 200 ms; a change is logged, and the gauge
// fulcrum_feed_stale_symbols says how many symbols are denied now (−1: unreported).
class FeedWatch {
 public:
  FeedWatch(Service& svc, bool enabled, int64_t max_age_ms);
  void poll();
  // nullopt: allowed (also whenever the watch is off: a replay has no live feed).
  std::optional<risk::GateVerdict> verdict(const std::string& symbol, bool reduces_exposure) const;

 private:
  Service& svc_;
  bool enabled_;
  int64_t max_age_ms_;
  prometheus::Gauge& stale_;
  std::optional<risk::FeedHealth> health_;
  std::string logged_;
  std::chrono::steady_clock::time_point next_{};
};

}  // namespace fulcrum::runtime
