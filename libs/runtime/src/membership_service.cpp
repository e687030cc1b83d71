#include "fulcrum/runtime/membership_service.h"

#include <grpcpp/grpcpp.h>

#include "fulcrum/runtime/service.h"

namespace fulcrum::runtime {

MembershipDesk::MembershipDesk(Service& svc) : svc_(svc) { svc_.board().attach(this); }

MembershipDesk::~MembershipDesk() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  svc_.board().attach(static_cast<MembershipDesk*>(nullptr));  // waits for calls in flight
}

void MembershipDesk::get(v1::MembershipState& reply) const {
  std::lock_guard lock(mu_);
  reply = current_;
}

grpc::Status MembershipDesk::change(const Caller& caller, const v1::MembershipChange& req, bool join, v1::MembershipState& reply) {
  const char* action = join ? "join" : "leave";
  const auto who = svc_.tokens().check(TokenKind::kAdmin, caller.authorization);
  if (!who.ok) {
    svc_.audit().record({action, "unauthenticated", "", caller.peer, "variant:" + req.variant(), "", "", req.reason(), who.why, 0});
    return {grpc::StatusCode::UNAUTHENTICATED, who.why};
  }
  if (req.variant().empty() || req.variant().size() > 64) return {grpc::StatusCode::INVALID_ARGUMENT, "variant: 1–64 characters"};
  if (req.reason().size() > 512 || req.request_id().size() > 128) return {grpc::StatusCode::INVALID_ARGUMENT, "reason ≤ 512, request_id ≤ 128 characters"};
  auto pending = std::make_shared<Pending>();
  pending->variant = req.variant();
  pending->reason = req.reason().empty() ? std::string(action) + " by " + who.token_id : req.reason();
  pending->join = join;
  {
    std::unique_lock lock(mu_);
    if (!req.request_id().empty())
      if (const auto it = answered_.find(req.request_id()); it != answered_.end()) {
        reply = it->second.second;
        return it->second.first.empty() ? grpc::Status::OK : grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, it->second.first);
      }
    queue_.push_back(pending);
    // The hot thread turns every few milliseconds; a router stuck for 5 s has bigger trouble.
    if (!cv_.wait_for(lock, std::chrono::seconds(5), [&] { return pending->done || stopping_; }) || !pending->done)
      return {grpc::StatusCode::DEADLINE_EXCEEDED, "the order router did not take the change within 5 s; it may still apply"};
    if (!req.request_id().empty()) {
      answered_[req.request_id()] = {pending->error, pending->state};
      answered_order_.push_back(req.request_id());
      if (answered_order_.size() > 1024) answered_.erase(answered_order_.front()), answered_order_.pop_front();
    }
  }
  svc_.audit().record({action, pending->error.empty() ? "applied" : "refused", who.token_id, caller.peer, "variant:" + req.variant(), "", "",
                       pending->reason, pending->error, pending->state.epoch()});
  reply = pending->state;
  return pending->error.empty() ? grpc::Status::OK : grpc::Status(grpc::StatusCode::FAILED_PRECONDITION, pending->error);
}

void MembershipDesk::serve(const Apply& apply, const Describe& describe) {
  std::deque<std::shared_ptr<Pending>> work;
  {
    std::lock_guard lock(mu_);
    work.swap(queue_);
  }
  for (auto& p : work) {
    p->error = apply(p->variant, p->join, p->reason);
    describe(p->state);
  }
  v1::MembershipState now;
  describe(now);
  {
    std::lock_guard lock(mu_);
    current_ = std::move(now);
    for (auto& p : work) p->done = true;
  }
  if (!work.empty()) cv_.notify_all();
}

}  // namespace fulcrum::runtime
