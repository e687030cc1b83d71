#include "fulcrum/binance/rate_limits.h"

#include <charconv>

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

}  // namespace fulcrum::binance
