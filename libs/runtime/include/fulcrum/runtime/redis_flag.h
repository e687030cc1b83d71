#pragma once
// A flag kept in Redis (the trading halt), read at most every `refresh_every` so the hot
// path never waits on Redis per message. A reading older than `max_age` counts as none:
// a caller that needs the flag then fails closed.
#include <chrono>
#include <string>

#include "fulcrum/runtime/service.h"

namespace fulcrum::runtime {

class RedisFlag {
 public:
  using Clock = std::chrono::steady_clock;
  RedisFlag(Service& svc, std::string key, std::chrono::milliseconds refresh_every, std::chrono::milliseconds max_age)
      : svc_(svc), key_(std::move(key)), refresh_every_(refresh_every), max_age_(max_age) {}
  void refresh();
  bool fresh() const { return Clock::now() - read_at_ <= max_age_; }
  // Set: present, non-empty and not "0". Its value is the reason the operator gave.
  bool set() const { return !value_.empty(); }
  const std::string& value() const { return value_; }
  const std::string& error() const { return error_; }

 private:
  Service& svc_;
  std::string key_;
  std::chrono::milliseconds refresh_every_, max_age_;
  Clock::time_point read_at_{}, tried_at_{};
  std::string value_, error_;
};

}  // namespace fulcrum::runtime
