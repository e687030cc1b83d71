#include "fulcrum/runtime/trading_state_service.h"

#include <grpcpp/grpcpp.h>

#include "fulcrum/core/error.h"
#include "fulcrum/runtime/access.h"
#include "fulcrum/transport/trading_state_codec.h"
#include "fulcrum/v1/trading_state.grpc.pb.h"

namespace fulcrum::runtime {
namespace {

constexpr size_t kRememberedRequests = 4096;

int64_t utc_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The local copy, or an empty book when there is none. A damaged copy stops the start:
// running on without it could forget a halt.
risk::TradingStateBook load_file(const std::string& path) {
  if (path.empty()) return {};
  try {
    const auto text = read_if_exists(path);
    return text ? risk::TradingStateBook::parse(*text, path) : risk::TradingStateBook{};
  } catch (const core::DataError& e) {
    throw StartupError(kExitConfig, std::string("trading-state file damaged: ") + e.what() + " (move it aside only if you know the state it held)");
  } catch (const std::exception& e) {
    throw StartupError(kExitConfig, std::string("trading-state file unreadable: ") + e.what());
  }
}

risk::TradingStateBook load_redis(Service& svc, const std::string& key) {
  const auto reply = svc.redis().command({"GET", key});
  if (!reply) {
    svc.log().warn("event=trading_state_redis_unreadable key={} error=\"{}\" note=\"the local copy alone decides\"", key, svc.redis().last_error());
    return {};
  }
  if (reply->kind != RedisReply::Kind::kString) return {};
  try {
    return risk::TradingStateBook::parse(reply->str, "redis " + key);
  } catch (const core::DataError& e) {
    svc.log().error("event=trading_state_redis_damaged key={} error=\"{}\" note=\"the local copy alone decides\"", key, e.what());
    return {};
  }
}

std::string state_name(risk::TradingState s) { return risk::to_string(s); }

}  // namespace

struct KillSwitchDesk::Router {
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::TradingStateSink::Stub> stub;
};

KillSwitchDesk::KillSwitchDesk(Service& svc, KillSwitchSettings settings)
    : svc_(svc), settings_(std::move(settings)), redis_key_(svc.key("risk:trading_state")), flush_(svc.on_flush([this](auto& cmds) -> std::function<void()> {
        // Every flush, not only after a change: a Redis that restarted empty gets it back.
        cmds.push_back({"SET", redis_key_, book()->serialize()});
        return {};
      })) {
  auto merged = risk::TradingStateBook::strictest(load_file(settings_.state_file), load_redis(svc_, redis_key_));
  {
    std::lock_guard lock(mu_);
    install(std::move(merged));
  }
  if (book_->epoch() > 0)
    svc_.log().warn("event=trading_state_restored epoch={} engagements={} file={}", book_->epoch(), book_->engagements().size(),
                    settings_.state_file.empty() ? "-" : settings_.state_file);
  if (!settings_.router_address.empty()) {
    router_ = std::make_unique<Router>();
    std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
    // The mesh's own call: this service's certificate, the router checked against the CA.
    if (svc_.tls().enabled()) creds = tls_channel_credentials(svc_.tls());
    router_->channel = grpc::CreateChannel(settings_.router_address, creds);
    router_->stub = v1::TradingStateSink::NewStub(router_->channel);
  }
  svc_.board().attach(this);
  pusher_ = std::thread([this] { pusher_loop(); });
}

KillSwitchDesk::~KillSwitchDesk() {
  svc_.board().attach(static_cast<KillSwitchDesk*>(nullptr));  // waits for calls in flight
  {
    std::lock_guard lock(push_mu_);
    stop_ = true;
  }
  push_cv_.notify_all();
  if (pusher_.joinable()) pusher_.join();
}

std::shared_ptr<const risk::TradingStateBook> KillSwitchDesk::book() const {
  std::lock_guard lock(mu_);
  return book_;
}

void KillSwitchDesk::install(risk::TradingStateBook book) {
  // The local copy first: an engage is durable on this host before anyone hears of it.
  if (!settings_.state_file.empty()) write_durably(settings_.state_file, book.serialize());
  book_ = std::make_shared<const risk::TradingStateBook>(std::move(book));
  epoch_.store(book_->epoch(), std::memory_order_release);
}

bool KillSwitchDesk::push(const risk::TradingStateBook& book, std::chrono::milliseconds timeout) {
  if (!router_) return false;
  const auto secret = svc_.tokens().secret(TokenKind::kMesh);
  v1::TradingStates wire;
  transport::to_proto(book, wire);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  if (secret) ctx.AddMetadata("authorization", "Bearer " + *secret);
  v1::ApplyTradingStatesReply reply;
  const auto status = router_->stub->Apply(&ctx, wire, &reply);
  if (!status.ok()) {
    svc_.log().debug("event=router_push_failed code={} error=\"{}\"", static_cast<int>(status.error_code()), status.error_message());
    return false;
  }
  risk::TradingStateBook enforced;
  try {
    enforced = transport::from_proto(reply.enforced());
  } catch (const std::exception& e) {
    svc_.log().error("event=router_reply_malformed error=\"{}\"", e.what());
    return false;
  }
  // The router holds something newer or stricter than this desk (the desk lost its copies):
  // adopt the strictest of both, so a restart never lifts a halt.
  {
    std::lock_guard lock(mu_);
    auto merged = risk::TradingStateBook::strictest(*book_, enforced);
    if (!(merged == *book_)) {
      svc_.log().warn("event=trading_state_adopted_from_router router_epoch={} own_epoch={}", enforced.epoch(), book_->epoch());
      try {
        install(std::move(merged));
      } catch (const std::exception& e) {
        svc_.log().error("event=trading_state_persist_failed error=\"{}\"", e.what());
      }
    }
  }
  if (enforced.epoch() < book.epoch()) return false;
  uint64_t prev = router_acked_epoch_.load();
  while (prev < enforced.epoch() && !router_acked_epoch_.compare_exchange_weak(prev, enforced.epoch())) {
  }
  router_acked_at_ns_ = wall_ns();
  return true;
}

void KillSwitchDesk::trip(const std::string& trigger, const std::string& reason) {
  risk::StateChange change;
  std::shared_ptr<const risk::TradingStateBook> snapshot;
  {
    std::lock_guard lock(mu_);
    const auto it = book_->engagements().find(risk::Scope::global());
    if (it != book_->engagements().end() && it->second.state == risk::TradingState::kHalted) return;  // already halted: nothing to add
    auto next = *book_;
    risk::EngageRequest r;
    r.scope = risk::Scope::global();
    r.state = risk::TradingState::kHalted;
    r.at_ms = utc_ms();
    r.by = "auto:" + trigger;
    r.reason = reason;
    change = next.engage(r);
    try {
      install(next);
    } catch (const std::exception& e) {
      // In memory it holds all the same: the gatekeeper denies; the file write is retried
      // with the next change.
      svc_.log().error("event=trading_state_persist_failed error=\"{}\"", e.what());
      book_ = std::make_shared<const risk::TradingStateBook>(next);
      epoch_.store(book_->epoch(), std::memory_order_release);
    }
    snapshot = book_;
  }
  svc_.audit().record({"engage", "applied", "auto:" + trigger, "-", "global", risk::to_string(change.before), risk::to_string(change.after), reason, "", change.epoch});
  svc_.log().error("event=kill_switch_tripped trigger={} epoch={} reason=\"{}\"", trigger, change.epoch, reason);
  push(*snapshot, settings_.ack_timeout);
}

void KillSwitchDesk::note_denials(int n) {
  if (settings_.rejection_burst <= 0 || n <= 0) return;
  const auto now = std::chrono::steady_clock::now();
  bool trip_now = false;
  {
    std::lock_guard lock(burst_mu_);
    for (int i = 0; i < n; ++i) denials_.push_back(now);
    while (!denials_.empty() && now - denials_.front() > settings_.rejection_window) denials_.pop_front();
    if (static_cast<int>(denials_.size()) >= settings_.rejection_burst && !burst_tripped_) trip_now = burst_tripped_ = true;
    if (denials_.empty()) burst_tripped_ = false;
  }
  if (trip_now)
    trip("rejection_burst", std::to_string(settings_.rejection_burst) + " or more orders denied within " + std::to_string(settings_.rejection_window.count()) + " ms");
}

void KillSwitchDesk::pusher_loop() {
  std::unique_lock lock(push_mu_);
  while (!stop_) {
    lock.unlock();
    const bool acked = push(*book(), settings_.ack_timeout);
    if (acked) heartbeat_tripped_ = false;
    const auto last = router_acked_at_ns_.load();
    // Only a router once heard from can go silent: a mesh still starting is not an outage.
    if (!acked && !heartbeat_tripped_ && settings_.router_heartbeat.count() > 0 && last > 0 &&
        wall_ns() - last > std::chrono::duration_cast<std::chrono::nanoseconds>(settings_.router_heartbeat).count()) {
      heartbeat_tripped_ = true;
      trip("router_heartbeat", "no acknowledgement from the order router for " + std::to_string((wall_ns() - last) / 1'000'000) + " ms");
    }
    lock.lock();
    push_cv_.wait_for(lock, settings_.push_every, [this] { return stop_; });
  }
}

grpc::Status KillSwitchDesk::answer_change(const Caller& caller, const std::string& token_id, const std::string& action, const std::string& scope, const std::string& reason,
                                           const risk::StateChange& change, const std::string& request_id, v1::StateChangeReply& reply) {
  AuditEntry audit{action, "applied", token_id, caller.peer, scope, state_name(change.before), state_name(change.after), reason, change.detail, change.epoch};
  reply.set_epoch(change.epoch);
  reply.set_before(transport::to_proto(change.before));
  reply.set_after(transport::to_proto(change.after));
  const auto snapshot = book();
  transport::to_proto(*snapshot, *reply.mutable_states());
  if (!change.applied()) {
    audit.outcome = "refused";
    svc_.audit().record(audit);
    const auto code = change.outcome == risk::StateChange::Outcome::kInvalid ? grpc::StatusCode::INVALID_ARGUMENT : grpc::StatusCode::FAILED_PRECONDITION;
    return {code, change.detail};
  }
  svc_.audit().record(audit);
  // The router must enforce it before the caller hears "done".
  const auto deadline = std::chrono::steady_clock::now() + settings_.ack_timeout;
  bool acked = router_acked_epoch_.load() >= change.epoch;
  while (!acked && std::chrono::steady_clock::now() < deadline) {
    acked = push(*snapshot, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())) ||
            router_acked_epoch_.load() >= change.epoch;
    if (!acked) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  reply.set_router_acked_epoch(router_acked_epoch_.load());
  if (!request_id.empty()) {
    std::lock_guard lock(mu_);
    if (replies_by_request_.emplace(request_id, reply.SerializeAsString()).second) request_order_.push_back(request_id);
    while (request_order_.size() > kRememberedRequests) {
      replies_by_request_.erase(request_order_.front());
      request_order_.pop_front();
    }
  }
  if (!acked)
    return {grpc::StatusCode::DEADLINE_EXCEEDED, action + " applied here at epoch " + std::to_string(change.epoch) +
                                                     " and persisted, but the order router has not acknowledged it within " +
                                                     std::to_string(settings_.ack_timeout.count()) + " ms; the gatekeeper enforces it and keeps pushing"};
  return grpc::Status::OK;
}

grpc::Status KillSwitchDesk::change_state(const Caller& caller, TokenKind power, const std::string& action, const std::string& scope_text,
                                          const std::string& reason, uint64_t epoch, const std::string& request_id, v1::StateChangeReply& reply,
                                          const std::function<risk::StateChange(risk::TradingStateBook&, const risk::Scope&, const std::string& who)>& change_book) {
  const auto who = svc_.tokens().check(power, caller.authorization);
  if (!who.ok) {
    svc_.audit().record({action, "unauthenticated", "", caller.peer, scope_text, "", "", reason, who.why, epoch});
    return {grpc::StatusCode::UNAUTHENTICATED, who.why};
  }
  const auto scope = risk::Scope::parse(scope_text.empty() ? "global" : scope_text);
  if (!scope) return {grpc::StatusCode::INVALID_ARGUMENT, "scope '" + scope_text + "' is not global, account:<name> or symbol:<name>"};
  risk::StateChange change;
  {
    std::lock_guard lock(mu_);
    if (const auto it = replies_by_request_.find(request_id); !request_id.empty() && it != replies_by_request_.end()) {
      reply.ParseFromString(it->second);
      reply.set_replayed(true);
      return grpc::Status::OK;
    }
    auto next = *book_;
    change = change_book(next, *scope, who.token_id);
    if (change.applied()) {
      try {
        install(std::move(next));
      } catch (const std::exception& e) {
        // Not durable: not changed. The caller retries; nothing half-happened.
        return {grpc::StatusCode::UNAVAILABLE, std::string("the trading state could not be persisted: ") + e.what()};
      }
    }
  }
  auto status = answer_change(caller, who.token_id, action, scope->str(), reason, change, request_id, reply);
  svc_.log().warn("event=kill_switch_{} scope={} epoch={} outcome={} token_id={} peer={} router_acked_epoch={}", action, scope->str(), change.epoch,
                  change.applied() ? "applied" : "refused", who.token_id, caller.peer, reply.router_acked_epoch());
  return status;
}

grpc::Status KillSwitchDesk::engage(const Caller& caller, const v1::EngageRequest& req, v1::StateChangeReply& reply) {
  return change_state(caller, TokenKind::kEngage, "engage", req.scope(), req.reason(), 0, req.request_id(), reply,
                      [&](risk::TradingStateBook& book, const risk::Scope& scope, const std::string& who) {
                        risk::EngageRequest r;
                        r.scope = scope;
                        r.state = req.mode() == v1::KILL_MODE_REDUCE ? risk::TradingState::kReducing : risk::TradingState::kHalted;
                        r.flatten = req.mode() == v1::KILL_MODE_FLATTEN;
                        r.cancel_protective_stops = req.cancel_protective_stops();
                        r.at_ms = utc_ms();
                        r.by = who;
                        r.reason = req.reason().substr(0, 512);
                        return book.engage(r);
                      });
}

grpc::Status KillSwitchDesk::release(const Caller& caller, const v1::ReleaseRequest& req, v1::StateChangeReply& reply) {
  return change_state(caller, TokenKind::kRelease, "release", req.scope(), req.reason(), req.epoch(), req.request_id(), reply,
                      [&](risk::TradingStateBook& book, const risk::Scope& scope, const std::string&) { return book.release(scope, req.epoch()); });
}

void KillSwitchDesk::get(v1::GetTradingStateReply& reply) const {
  transport::to_proto(*book(), *reply.mutable_states());
  reply.set_router_acked_epoch(router_acked_epoch_.load());
  const auto at = router_acked_at_ns_.load();
  reply.set_router_last_ack_age_ms(at == 0 ? -1 : (wall_ns() - at) / 1'000'000);
}

TradingStateEnforcer::TradingStateEnforcer(Service& svc, std::string state_file) : svc_(svc), state_file_(std::move(state_file)) {
  book_ = risk::TradingStateBook::strictest(load_file(state_file_), load_redis(svc_, svc_.key("risk:trading_state")));
  epoch_ = book_.epoch();
  if (book_.epoch() > 0) svc_.log().warn("event=trading_state_restored epoch={} engagements={}", book_.epoch(), book_.engagements().size());
  svc_.board().attach(this);
}

TradingStateEnforcer::~TradingStateEnforcer() { svc_.board().attach(static_cast<TradingStateEnforcer*>(nullptr)); }

grpc::Status TradingStateEnforcer::apply(const Caller& caller, const v1::TradingStates& in, v1::ApplyTradingStatesReply& reply) {
  const auto who = svc_.tokens().check(TokenKind::kMesh, caller.authorization);
  if (!who.ok) {
    svc_.audit().record({"apply", "unauthenticated", "", caller.peer, "", "", "", "", who.why, in.epoch()});
    return {grpc::StatusCode::UNAUTHENTICATED, who.why};
  }
  risk::TradingStateBook incoming;
  try {
    incoming = transport::from_proto(in);
  } catch (const std::exception& e) {
    return {grpc::StatusCode::INVALID_ARGUMENT, e.what()};
  }
  std::lock_guard one_at_a_time(apply_mu_);
  if (incoming.epoch() > epoch()) {
    try {
      if (!state_file_.empty()) write_durably(state_file_, incoming.serialize());
    } catch (const std::exception& e) {
      return {grpc::StatusCode::UNAVAILABLE, std::string("the router could not persist the trading state: ") + e.what()};
    }
    std::lock_guard lock(mu_);  // waits for the input the loop is applying (a live venue lets it go while a request is on the wire)
    book_ = incoming;
    epoch_.store(book_.epoch(), std::memory_order_release);
    svc_.log().warn("event=trading_state_applied epoch={} engagements={} from={}", book_.epoch(), book_.engagements().size(), who.token_id);
  }
  std::lock_guard lock(mu_);
  transport::to_proto(book_, *reply.mutable_enforced());
  return grpc::Status::OK;
}

}  // namespace fulcrum::runtime
