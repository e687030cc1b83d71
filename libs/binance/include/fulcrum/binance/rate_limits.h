#pragma once
// Request budget from the exchange's own accounting: every REST answer carries
// X-MBX-USED-WEIGHT-1M (and, on order endpoints, X-MBX-ORDER-COUNT-10S / -1M). A 429 means
// back off for Retry-After; a 418 is an IP ban (2 minutes to 3 days): stop sending and
// alert, never retry through it.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// A new order (regular or Algo): it counts against ORDERS (X-MBX-ORDER-COUNT-10S/-1M).
bool is_new_order(std::string_view method, std::string_view path);
// The IP request weight Binance USDⓈ-M documents for a REST request, which
// X-MBX-USED-WEIGHT-1M counts: the client budgets with it and the double accounts with it.
// A new order weighs 0 on the IP limit (it counts against ORDERS instead); a cancel weighs 1.
// A path this table does not list weighs 1.
int64_t request_weight(std::string_view method, std::string_view path, const std::vector<std::pair<std::string, std::string>>& params);

// The exchange's side of the budget, per IP, as the double keeps it: weight per calendar
// minute, new orders per 10 s and per minute. A request over a limit is answered 429 with
// Retry-After (seconds to the window's end) and Binance's -1003 (weight) or -1015 (orders);
// one that keeps coming after `bans_after_429s` of them in a minute bans the IP (418) for
// `ban_ms`, and every request meanwhile is answered 418.
class WeightBook {
 public:
  explicit WeightBook(RateLimits limits = {}, int bans_after_429s = 5, int64_t ban_ms = 120'000)
      : limits_(limits), bans_after_429s_(bans_after_429s), ban_ms_(ban_ms) {}
  struct Admission {
    int status = 200;           // 200: go on and answer it; 429 or 418: answer with `body`
    int64_t retry_after_s = 0;  // with 429 and 418
    std::string body;
    int64_t used_weight = 0, orders_10s = 0, orders_1m = 0;  // for the answer's headers, after this request
  };
  Admission admit(int64_t now_ms, int64_t weight, bool is_order);
  uint64_t throttled() const { return throttled_; }
  uint64_t banned() const { return banned_; }

 private:
  RateLimits limits_;
  int bans_after_429s_;
  int64_t ban_ms_;
  int64_t minute_ = -1, ten_s_ = -1, used_weight_ = 0, orders_10s_ = 0, orders_1m_ = 0;
  int throttled_this_minute_ = 0;
  int64_t banned_until_ms_ = 0;
  uint64_t throttled_ = 0, banned_ = 0;
};

}  // namespace fulcrum::binance
