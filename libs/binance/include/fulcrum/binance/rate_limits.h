#pragma once
// Request budget from the exchange's own accounting: every REST answer carries
// X-MBX-USED-WEIGHT-1M (and, on order endpoints, X-MBX-ORDER-COUNT-10S / -1M). A 429 means
// back off for Retry-After; a 418 is an IP ban (2 minutes to 3 days): stop sending and
// alert, never retry through it.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace fulcrum::binance {

struct RateLimits {
  int64_t weight_per_minute = 2400;  // GET /fapi/v1/exchangeInfo rateLimits: REQUEST_WEIGHT
  int64_t orders_per_10s = 300;      // ORDERS, 10 s
  int64_t orders_per_minute = 1200;  // ORDERS, 1 min
};

class RateLimiter {
 public:
  enum class Verdict { kSend, kWait, kBanned };
  explicit RateLimiter(RateLimits limits = {}) : limits_(limits) {}

  // Before a request of `weight` (orders: is_order). kWait sets `wait_ms`.
  Verdict check(int64_t now_ms, int64_t weight, bool is_order, int64_t& wait_ms) const;
  // After an answer: the status and the headers (names lower case).
  void on_response(int64_t now_ms, int status, const std::map<std::string, std::string>& headers);

  int64_t used_weight() const { return used_weight_; }
  bool banned(int64_t now_ms) const { return banned_until_ms_ > now_ms; }
  int64_t banned_until_ms() const { return banned_until_ms_; }
  uint64_t throttled() const { return throttled_; }
  uint64_t bans() const { return bans_; }

 private:
  RateLimits limits_;
  int64_t used_weight_ = 0, orders_10s_ = 0, orders_1m_ = 0;
  int64_t minute_of_last_ms_ = -1, ten_s_of_last_ms_ = -1;
  int64_t backoff_until_ms_ = 0, banned_until_ms_ = 0;
  uint64_t throttled_ = 0, bans_ = 0;
};

}  // namespace fulcrum::binance
