#include "fulcrum/binance/rate_limits.h"

#include <algorithm>
#include <charconv>

#include "fulcrum/binance/kline_history.h"

namespace fulcrum::binance {
namespace {
std::optional<int64_t> header_int(const std::map<std::string, std::string>& h, const std::string& name) {
  const auto it = h.find(name);
  if (it == h.end()) return std::nullopt;
  int64_t v = 0;
  const auto& s = it->second;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}
}  // namespace

RateLimiter::Verdict RateLimiter::check(int64_t now_ms, int64_t weight, bool is_order, int64_t& wait_ms) const {
  wait_ms = 0;
  if (banned_until_ms_ > now_ms) return Verdict::kBanned;
  if (backoff_until_ms_ > now_ms) {
    wait_ms = backoff_until_ms_ - now_ms;
    return Verdict::kWait;
  }
  // The exchange's counters reset on its minute (and 10 s) boundaries; ours are the last
  // ones it told us, valid only within the window they were read in.
  const bool same_minute = minute_of_last_ms_ == now_ms / 60'000;
  const bool same_10s = ten_s_of_last_ms_ == now_ms / 10'000;
  if (same_minute && used_weight_ + weight > limits_.weight_per_minute) {
    wait_ms = 60'000 - now_ms % 60'000;
    return Verdict::kWait;
  }
  if (is_order && ((same_10s && orders_10s_ + 1 > limits_.orders_per_10s) || (same_minute && orders_1m_ + 1 > limits_.orders_per_minute))) {
    wait_ms = same_10s && orders_10s_ + 1 > limits_.orders_per_10s ? 10'000 - now_ms % 10'000 : 60'000 - now_ms % 60'000;
    return Verdict::kWait;
  }
  return Verdict::kSend;
}

void RateLimiter::on_response(int64_t now_ms, int status, const std::map<std::string, std::string>& headers) {
  if (const auto w = header_int(headers, "x-mbx-used-weight-1m")) {
    used_weight_ = *w;
    minute_of_last_ms_ = now_ms / 60'000;
  }
  if (const auto o = header_int(headers, "x-mbx-order-count-10s")) {
    orders_10s_ = *o;
    ten_s_of_last_ms_ = now_ms / 10'000;
  }
  if (const auto o = header_int(headers, "x-mbx-order-count-1m")) orders_1m_ = *o;
  const auto retry_after_s = header_int(headers, "retry-after");
  if (status == 429) {
    ++throttled_;
    backoff_until_ms_ = now_ms + (retry_after_s ? *retry_after_s * 1000 : 60'000);
  } else if (status == 418) {
    ++bans_;
    // Without Retry-After, assume the shortest documented ban and let an operator decide.
    banned_until_ms_ = now_ms + (retry_after_s ? *retry_after_s * 1000 : 120'000);
  }
}

bool is_new_order(std::string_view method, std::string_view path) { return method == "POST" && (path == "/fapi/v1/order" || path == "/fapi/v1/algoOrder"); }

int64_t request_weight(std::string_view method, std::string_view path, const std::vector<std::pair<std::string, std::string>>& params) {
  const auto param = [&](std::string_view key) -> std::optional<std::string_view> {
    for (const auto& [k, v] : params)
      if (k == key) return std::string_view(v);
    return std::nullopt;
  };
  const auto limit = [&](int64_t fallback) {
    const auto text = param("limit");
    int64_t v = fallback;
    if (text) std::from_chars(text->data(), text->data() + text->size(), v);
    return v;
  };
  const bool with_symbol = param("symbol").has_value();
  if (is_new_order(method, path)) return 0;
  if (path == "/fapi/v1/depth") {
    const auto n = limit(500);
    return n <= 50 ? 2 : n <= 100 ? 5 : n <= 500 ? 10 : 20;
  }
  if (path == "/fapi/v1/klines") return kline_request_weight(static_cast<size_t>(std::max<int64_t>(limit(500), 1)));
  if (path == "/fapi/v1/openOrders" || path == "/fapi/v1/openAlgoOrders") return with_symbol ? 1 : 40;
  if (path == "/fapi/v2/positionRisk" || path == "/fapi/v2/balance" || path == "/fapi/v1/userTrades" || path == "/fapi/v1/allOrders") return 5;
  if (path == "/fapi/v1/income") return 30;
  if (path == "/fapi/v1/countdownCancelAll") return 10;
  return 1;  // time, exchangeInfo, order queries, leverage, marginType, leverageBracket, listenKey
}

WeightBook::Admission WeightBook::admit(int64_t now_ms, int64_t weight, bool is_order) {
  if (now_ms / 60'000 != minute_) {
    minute_ = now_ms / 60'000;
    used_weight_ = orders_1m_ = 0;
    throttled_this_minute_ = 0;
  }
  if (now_ms / 10'000 != ten_s_) {
    ten_s_ = now_ms / 10'000;
    orders_10s_ = 0;
  }
  Admission a;
  const auto seconds_to = [&](int64_t window_ms) { return (window_ms - now_ms % window_ms + 999) / 1000; };
  if (banned_until_ms_ > now_ms) {
    ++banned_;
    a.status = 418;
    a.retry_after_s = (banned_until_ms_ - now_ms + 999) / 1000;
    a.body = "{\"code\":-1003,\"msg\":\"Way too many requests; IP banned until " + std::to_string(banned_until_ms_) +
             ". Please use the websocket for live updates to avoid bans.\"}";
  } else if (used_weight_ + weight > limits_.weight_per_minute) {
    a.status = 429;
    a.retry_after_s = seconds_to(60'000);
    a.body = "{\"code\":-1003,\"msg\":\"Too many requests; current limit is " + std::to_string(limits_.weight_per_minute) +
             " request weight per 1 MINUTE. Please use the websocket for live updates to avoid polling the API.\"}";
  } else if (is_order && (orders_10s_ + 1 > limits_.orders_per_10s || orders_1m_ + 1 > limits_.orders_per_minute)) {
    const bool ten = orders_10s_ + 1 > limits_.orders_per_10s;
    a.status = 429;
    a.retry_after_s = seconds_to(ten ? 10'000 : 60'000);
    a.body = "{\"code\":-1015,\"msg\":\"Too many new orders; current limit is " +
             std::to_string(ten ? limits_.orders_per_10s : limits_.orders_per_minute) + " orders per " + (ten ? "TEN_SECONDS" : "MINUTE") + ".\"}";
  } else {
    used_weight_ += weight;
    if (is_order) ++orders_10s_, ++orders_1m_;
  }
  if (a.status == 429) {
    ++throttled_;
    // Still coming after being told: the IP is banned, as Binance escalates repeated 429s.
    if (++throttled_this_minute_ > bans_after_429s_) banned_until_ms_ = now_ms + ban_ms_;
  }
  a.used_weight = used_weight_;
  a.orders_10s = orders_10s_;
  a.orders_1m = orders_1m_;
  return a;
}

}  // namespace fulcrum::binance
