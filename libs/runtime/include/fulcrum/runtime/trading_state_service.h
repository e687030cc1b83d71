#pragma once
// The kill switch across the mesh (proto/fulcrum/v1/trading_state.proto).
//
// KillSwitchDesk (risk gatekeeper) owns the risk::TradingStateBook. Engage and Release
// change it in memory first, so they work with Redis down; write the local copy (fsynced)
// before answering; push the book to the order router and answer only once the router has
// acknowledged the change's epoch. Redis gets the book and the audit at the next state
// flush. A background pusher re-sends the book every `push_every` as the router's
// heartbeat, and adopts the router's book when it is stricter (a gatekeeper that lost both
// of its copies).
//
// TradingStateEnforcer (order router) holds the book the router applies to every order
// just before the venue. The router's loop holds lock() while it applies an input, and
// Apply swaps the book under the same lock, so once Apply has answered no order reaches the
// venue under the old book.
//
// On restart each side reads its local file and the Redis copy; the strictest wins.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "fulcrum/risk/trading_state.h"
#include "fulcrum/runtime/access.h"
#include "fulcrum/runtime/service.h"

namespace fulcrum::v1 {
class EngageRequest;
class ReleaseRequest;
class StateChangeReply;
class GetTradingStateReply;
class TradingStates;
class ApplyTradingStatesReply;
}  // namespace fulcrum::v1

namespace grpc {
class Status;
}

namespace fulcrum::runtime {

// A gRPC call's identity: its authorization metadata and peer.
struct Caller {
  std::string authorization, peer;
};

struct KillSwitchSettings {
  std::string state_file;      // the local fsynced copy ("": Redis only)
  std::string router_address;  // the order router's control host:port
  std::chrono::milliseconds ack_timeout{2000};
  std::chrono::milliseconds push_every{500};
  // Automatic triggers (mesh.kill_switch; 0: off). Each engages HALTED on global as
  // "auto:<trigger>", audited like an operator's engage; only a release lifts it.
  std::chrono::milliseconds router_heartbeat{0};   // no acknowledgement from the router for this long
  int rejection_burst = 0;                         // this many gate denials …
  std::chrono::milliseconds rejection_window{10'000};  // … within this window
};

class KillSwitchDesk {
 public:
  // Loads the copies (throws StartupError for a damaged local file: a halt must never be
  // forgotten silently), attaches itself to the control server and starts the pusher.
  KillSwitchDesk(Service& svc, KillSwitchSettings settings);
  ~KillSwitchDesk();
  KillSwitchDesk(const KillSwitchDesk&) = delete;
  KillSwitchDesk& operator=(const KillSwitchDesk&) = delete;

  // The loop thread: the epoch, cheap to poll, and the book in force.
  uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }
  std::shared_ptr<const risk::TradingStateBook> book() const;

  grpc::Status engage(const Caller& caller, const v1::EngageRequest& req, v1::StateChangeReply& reply);
  grpc::Status release(const Caller& caller, const v1::ReleaseRequest& req, v1::StateChangeReply& reply);
  void get(v1::GetTradingStateReply& reply) const;
  // The gatekeeper's loop reports its gate denials (the trading state's own excluded), for
  // the rejection-burst trigger.
  void note_denials(int n);

 private:
  // Pushes `book` to the router; true once the router enforces an epoch ≥ book's.
  bool push(const risk::TradingStateBook& book, std::chrono::milliseconds timeout);
  void install(risk::TradingStateBook book);  // under mu_: persists, publishes
  void pusher_loop();
  // An automatic trigger's engage (HALTED, global), unless one of the same name holds.
  void trip(const std::string& trigger, const std::string& reason);
  // Authenticates `power`, parses the scope, answers a repeated request id from memory,
  // applies `change_book` to a copy of the book and installs it if it applied.
  grpc::Status change_state(const Caller& caller, TokenKind power, const std::string& action, const std::string& scope_text, const std::string& reason,
                            uint64_t epoch, const std::string& request_id, v1::StateChangeReply& reply,
                            const std::function<risk::StateChange(risk::TradingStateBook&, const risk::Scope&, const std::string& who)>& change_book);
  grpc::Status answer_change(const Caller& caller, const std::string& token_id, const std::string& action, const std::string& scope, const std::string& reason,
                             const risk::StateChange& change, const std::string& request_id, v1::StateChangeReply& reply);

  Service& svc_;
  KillSwitchSettings settings_;
  std::string redis_key_;
  mutable std::mutex mu_;  // book changes, in order
  std::shared_ptr<const risk::TradingStateBook> book_;
  std::atomic<uint64_t> epoch_{0};
  std::map<std::string, std::string> replies_by_request_;  // request id → the serialized first reply
  std::deque<std::string> request_order_;
  struct Router;
  std::unique_ptr<Router> router_;
  std::atomic<uint64_t> router_acked_epoch_{0};
  std::atomic<int64_t> router_acked_at_ns_{0};
  std::mutex push_mu_;
  std::condition_variable push_cv_;
  bool stop_ = false;
  bool heartbeat_tripped_ = false;  // pusher thread only
  std::mutex burst_mu_;
  std::deque<std::chrono::steady_clock::time_point> denials_;
  bool burst_tripped_ = false;
  std::thread pusher_;
  Service::FlushRegistration flush_;
};

class TradingStateEnforcer {
 public:
  TradingStateEnforcer(Service& svc, std::string state_file);
  ~TradingStateEnforcer();
  TradingStateEnforcer(const TradingStateEnforcer&) = delete;
  TradingStateEnforcer& operator=(const TradingStateEnforcer&) = delete;

  // Held by the router's loop while it applies an input; book() is valid under it.
  [[nodiscard]] std::unique_lock<std::mutex> lock() { return std::unique_lock(mu_); }
  const risk::TradingStateBook& book() const { return book_; }
  uint64_t epoch() const { return epoch_.load(std::memory_order_acquire); }

  grpc::Status apply(const Caller& caller, const v1::TradingStates& in, v1::ApplyTradingStatesReply& reply);

 private:
  Service& svc_;
  std::string state_file_;
  std::mutex apply_mu_;  // one Apply at a time: persist, then swap
  std::mutex mu_;
  risk::TradingStateBook book_;
  std::atomic<uint64_t> epoch_{0};
};

}  // namespace fulcrum::runtime
