#pragma once
// WebSocket feeds that stay up: one connection per target, each on the feed's own I/O
// thread. A connection that drops (the exchange's 24-hour disconnect, a network fault, a
// close frame, silence past the idle timeout with pings unanswered) is made again after a
// jittered, growing backoff; one that stayed up longer than `stable_after_ms` starts the
// backoff over. A connection older than `max_age_ms` is closed and remade before the
// exchange does it. Messages go to `on_message` on the feed thread, stamped with their
// wall-clock receive time.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fulcrum/exchange_link/url.h"

namespace fulcrum::exchange_link {

struct WsFeedOptions {
  TlsOptions tls;
  int64_t connect_timeout_ms = 10'000;
  int64_t idle_timeout_ms = 30'000;      // pings go out at half of it; no answer: reconnect
  int64_t max_age_ms = 23 * 3'600'000;   // before Binance's 24-hour cut
  int64_t backoff_initial_ms = 100, backoff_max_ms = 30'000;
  int64_t stable_after_ms = 10'000;
};

struct WsFeedEvent {
  enum class Kind { kConnected, kDisconnected };
  Kind kind;
  size_t connection;
  std::string detail;  // why it dropped, or the URL it reached
};

class WsFeed {
 public:
  using OnMessage = std::function<void(size_t connection, int64_t received_ns, std::string&& text)>;
  using OnEvent = std::function<void(const WsFeedEvent&)>;
  WsFeed(std::vector<Url> targets, WsFeedOptions opts, OnMessage on_message, OnEvent on_event);
  ~WsFeed();  // stops and joins; never throws
  WsFeed(const WsFeed&) = delete;
  WsFeed& operator=(const WsFeed&) = delete;

  void start();
  void stop() noexcept;
  uint64_t reconnects() const { return reconnects_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  std::atomic<uint64_t> reconnects_{0};
};

}  // namespace fulcrum::exchange_link
