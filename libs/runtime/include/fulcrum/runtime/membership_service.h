#pragma once
// fulcrum.v1.Membership at the order router: Join and Leave of A/B variants at run time.
// gRPC threads only queue a change; the router's hot-path thread applies it to its core at
// its next turn (the core is single-threaded, like the venue behind it) and the call
// answers with the membership that results. Join and Leave need the admin token, are
// idempotent by request_id, and are audited like an engage.
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "fulcrum/runtime/trading_state_service.h"
#include "fulcrum/v1/membership.pb.h"

namespace fulcrum::runtime {

class Service;

class MembershipDesk {
 public:
  explicit MembershipDesk(Service& svc);
  ~MembershipDesk();
  MembershipDesk(const MembershipDesk&) = delete;
  MembershipDesk& operator=(const MembershipDesk&) = delete;

  // gRPC threads.
  grpc::Status change(const Caller& caller, const v1::MembershipChange& req, bool join, v1::MembershipState& reply);
  void get(v1::MembershipState& reply) const;

  // The hot-path thread, each turn. `apply` makes one change and returns "" or why it is
  // refused; `describe` fills the membership as it stands.
  using Apply = std::function<std::string(const std::string& variant, bool join, const std::string& reason)>;
  using Describe = std::function<void(v1::MembershipState&)>;
  void serve(const Apply& apply, const Describe& describe);

 private:
  struct Pending {
    std::string variant, reason;
    bool join = false;
    bool done = false;
    std::string error;
    v1::MembershipState state;
  };
  Service& svc_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Pending>> queue_;
  std::map<std::string, std::pair<std::string, v1::MembershipState>> answered_;  // request_id → (error, state)
  std::deque<std::string> answered_order_;
  v1::MembershipState current_;
  bool stopping_ = false;
};

}  // namespace fulcrum::runtime
