#pragma once
// Reconnect backoff: exponential from `initial_ms`, capped at `max_ms`, with full jitter
// (a uniform wait in [0, the exponential step]) so that many clients dropped at once by the
// exchange do not come back at once. The caller supplies the uniform draw, which keeps
// this testable and the randomness where the I/O is.
#include <algorithm>
#include <cstdint>

namespace fulcrum::binance {

class Backoff {
 public:
  Backoff(int64_t initial_ms = 100, int64_t max_ms = 30'000) : initial_ms_(std::max<int64_t>(1, initial_ms)), max_ms_(std::max(initial_ms_, max_ms)) {}
  // The wait before the next attempt; `uniform01` in [0, 1).
  int64_t next_ms(double uniform01) {
    const int64_t step = ceiling_ms();
    if (attempts_ < 62) ++attempts_;
    const double u = uniform01 < 0 ? 0 : uniform01 >= 1 ? 0.999999 : uniform01;
    return static_cast<int64_t>(u * static_cast<double>(step));
  }
  // The upper bound of the next wait.
  int64_t ceiling_ms() const {
    if (attempts_ >= 40) return max_ms_;
    const int64_t grown = initial_ms_ << std::min<int64_t>(attempts_, 40);
    return std::min(max_ms_, grown);
  }
  // A connection that stayed up counts as a success: the next failure starts small again.
  void reset() { attempts_ = 0; }
  int attempts() const { return attempts_; }

 private:
  int64_t initial_ms_, max_ms_;
  int attempts_ = 0;
};

}  // namespace fulcrum::binance
