#pragma once
// The one clock interface. Time-dependent logic (funding schedule, bar closes, order
// expiry) asks an IClock, never the OS, so a replay and a live run behave the same.
#include <cstdint>

namespace fulcrum::core {

using TimestampMs = int64_t;  // UTC milliseconds since the Unix epoch
using TimestampNs = int64_t;  // UTC nanoseconds since the Unix epoch

constexpr TimestampMs kMsPerMinute = 60'000;
constexpr TimestampMs kMsPerHour = 3'600'000;
constexpr TimestampMs kMsPerDay = 86'400'000;

class IClock {
 public:
  virtual ~IClock() = default;
  virtual TimestampNs now_ns() const = 0;
  TimestampMs now_ms() const { return now_ns() / 1'000'000; }
};

// Replay time: moves only when the event loop advances it, and never backwards.
class ReplayClock final : public IClock {
 public:
  explicit ReplayClock(TimestampNs start_ns = 0) : now_ns_(start_ns) {}
  TimestampNs now_ns() const override { return now_ns_; }
  // Returns false (and keeps the current time) if asked to move backwards.
  bool advance_to_ns(TimestampNs t_ns);
  bool advance_to_ms(TimestampMs t_ms) { return advance_to_ns(t_ms * 1'000'000); }

 private:
  TimestampNs now_ns_;
};

// Wall time from the system clock; the only place in Fulcrum that reads it.
class WallClock final : public IClock {
 public:
  TimestampNs now_ns() const override;
};

}  // namespace fulcrum::core
