#include "fulcrum/runtime/control_server.h"

#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fulcrum/core/error.h"
#include "fulcrum/runtime/access.h"
#include "fulcrum/runtime/membership_service.h"
#include "fulcrum/runtime/trading_state_service.h"
#include "fulcrum/v1/control.grpc.pb.h"
#include "fulcrum/v1/leaderboard.grpc.pb.h"
#include "fulcrum/v1/membership.grpc.pb.h"
#include "fulcrum/v1/trading_state.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace fulcrum::runtime {

ControlBoard::ControlBoard(std::string service, std::string config_yaml, std::string config_source)
    : service_(std::move(service)), yaml_(std::move(config_yaml)), source_(std::move(config_source)), hash_(sha256_hex(yaml_)) {}

void ControlBoard::set_counters(std::map<std::string, uint64_t> counters) {
  std::lock_guard lock(mu_);
  counters_ = std::move(counters);
}

void ControlBoard::set_policy(std::string policy, std::string version) {
  std::lock_guard lock(mu_);
  policy_ = std::move(policy);
  policy_version_ = std::move(version);
}

ControlBoard::Status ControlBoard::status() const {
  std::lock_guard lock(mu_);
  Status s;
  s.service = service_;
  s.version = FULCRUM_VERSION;
  s.config_hash = hash_;
  s.policy = policy_;
  s.policy_version = policy_version_;
  s.counters = counters_;
  s.uptime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_).count();
  return s;
}

std::pair<std::string, std::string> ControlBoard::config() const {
  std::lock_guard lock(mu_);
  return {yaml_, hash_};
}

std::vector<std::string> ControlBoard::reload(const std::string& yaml) {
  // Relative data paths keep meaning what they meant in the file the service started with.
  const auto base = std::filesystem::path(source_).parent_path().string();
  try {
    auto cfg = config::parse_app_config(yaml, source_ + " (reload)", base);
    std::lock_guard lock(mu_);
    yaml_ = yaml;
    hash_ = sha256_hex(yaml);
    risk_ = cfg.mesh.risk;
    pending_ = std::move(cfg);
    return {};
  } catch (const core::ConfigError& e) {
    std::vector<std::string> errors;
    for (const auto& issue : e.issues()) errors.push_back(issue.field_path + ": " + issue.message);
    if (errors.empty()) errors.push_back(e.what());
    return errors;
  } catch (const std::exception& e) {
    return {e.what()};
  }
}

std::optional<config::AppConfig> ControlBoard::take_reload() {
  std::lock_guard lock(mu_);
  auto out = std::move(pending_);
  pending_.reset();
  return out;
}

namespace {

Caller caller_of(const grpc::ServerContext* ctx) {
  Caller c;
  c.peer = ctx->peer();
  const auto& md = ctx->client_metadata();
  if (const auto it = md.find("authorization"); it != md.end()) c.authorization.assign(it->second.data(), it->second.size());
  return c;
}

class HealthService final : public grpc::health::v1::Health::Service {
 public:
  explicit HealthService(ControlBoard& board) : board_(board) {}
  grpc::Status Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest* req,
                     grpc::health::v1::HealthCheckResponse* reply) override {
    // "liveness": the process answers, whatever else is down (Redis, a HALTED state), so a
    // liveness probe never restarts a service that is only waiting.
    if (req->service() == "liveness") return reply->set_status(grpc::health::v1::HealthCheckResponse::SERVING), grpc::Status::OK;
    if (!req->service().empty() && req->service() != "fulcrum.v1.Control" && req->service() != board_.status().service)
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service '" + req->service() + "'");
    reply->set_status(board_.serving() ? grpc::health::v1::HealthCheckResponse::SERVING : grpc::health::v1::HealthCheckResponse::NOT_SERVING);
    return grpc::Status::OK;
  }

 private:
  ControlBoard& board_;
};

class ControlService final : public v1::Control::Service {
 public:
  explicit ControlService(ControlBoard& board) : board_(board) {}
  grpc::Status GetStatus(grpc::ServerContext*, const v1::StatusRequest*, v1::StatusReply* reply) override {
    const auto s = board_.status();
    reply->set_service(s.service);
    reply->set_version(s.version);
    reply->set_uptime_ms(s.uptime_ms);
    reply->set_config_hash(s.config_hash);
    reply->set_policy(s.policy);
    reply->set_policy_version(s.policy_version);
    for (const auto& [k, v] : s.counters) (*reply->mutable_counters())[k] = v;
    return grpc::Status::OK;
  }
  grpc::Status GetConfig(grpc::ServerContext*, const v1::ConfigGetRequest*, v1::ConfigGetReply* reply) override {
    const auto [yaml, hash] = board_.config();
    reply->set_yaml(yaml);
    reply->set_config_hash(hash);
    return grpc::Status::OK;
  }
  grpc::Status ReloadConfig(grpc::ServerContext* ctx, const v1::ConfigReloadRequest* req, v1::ConfigReloadReply* reply) override {
    const auto caller = caller_of(ctx);
    const auto who = board_.tokens() ? board_.tokens()->check(TokenKind::kAdmin, caller.authorization)
                                     : TokenStore::Verdict{false, "", "no token store"};
    if (!who.ok) {
      if (board_.audit()) board_.audit()->record({"reload", "unauthenticated", "", caller.peer, "", "", "", "", who.why, 0});
      return {grpc::StatusCode::UNAUTHENTICATED, who.why};
    }
    const auto before = board_.config();
    const auto a = board_.risk_limits();
    const auto errors = board_.reload(req->yaml());
    if (board_.audit()) {
      // A reload that moves risk limits is audited like an engage: who, and from what to what.
      AuditEntry e{"reload", errors.empty() ? "applied" : "refused", who.token_id, caller.peer, "", before.second.substr(0, 12),
                   board_.config().second.substr(0, 12), "", "", 0};
      if (errors.empty()) {
        const auto b = board_.risk_limits();
        if (const auto changes = risk::describe_changes(a, b); !changes.empty()) e.detail = "mesh.risk changed: " + changes;
      } else {
        e.detail = errors.front();
      }
      board_.audit()->record(e);
    }
    reply->set_accepted(errors.empty());
    for (const auto& e : errors) reply->add_errors(e);
    reply->set_config_hash(board_.config().second);
    return grpc::Status::OK;
  }

 private:
  ControlBoard& board_;
};

class KillSwitchService final : public v1::KillSwitch::Service {
 public:
  explicit KillSwitchService(ControlBoard& board) : board_(board) {}
  grpc::Status Engage(grpc::ServerContext* ctx, const v1::EngageRequest* req, v1::StateChangeReply* reply) override {
    auto held = board_.kill_switch();
    if (!held.handler) return unserved();
    return held.handler->engage(caller_of(ctx), *req, *reply);
  }
  grpc::Status Release(grpc::ServerContext* ctx, const v1::ReleaseRequest* req, v1::StateChangeReply* reply) override {
    auto held = board_.kill_switch();
    if (!held.handler) return unserved();
    return held.handler->release(caller_of(ctx), *req, *reply);
  }
  grpc::Status Get(grpc::ServerContext*, const v1::GetTradingStateRequest*, v1::GetTradingStateReply* reply) override {
    auto held = board_.kill_switch();
    if (!held.handler) return unserved();
    held.handler->get(*reply);
    return grpc::Status::OK;
  }

 private:
  grpc::Status unserved() const { return {grpc::StatusCode::UNIMPLEMENTED, board_.status().service + " does not serve the kill switch: the risk-gatekeeper does"}; }
  ControlBoard& board_;
};

class TradingStateSinkService final : public v1::TradingStateSink::Service {
 public:
  explicit TradingStateSinkService(ControlBoard& board) : board_(board) {}
  grpc::Status Apply(grpc::ServerContext* ctx, const v1::TradingStates* req, v1::ApplyTradingStatesReply* reply) override {
    auto held = board_.enforcer();
    if (!held.handler) return {grpc::StatusCode::UNIMPLEMENTED, board_.status().service + " does not enforce trading states: the order-router does"};
    return held.handler->apply(caller_of(ctx), *req, *reply);
  }

 private:
  ControlBoard& board_;
};

class MembershipService final : public v1::Membership::Service {
 public:
  explicit MembershipService(ControlBoard& board) : board_(board) {}
  grpc::Status Get(grpc::ServerContext*, const v1::MembershipRequest*, v1::MembershipState* reply) override {
    auto held = board_.membership();
    if (!held.handler) return unserved();
    held.handler->get(*reply);
    return grpc::Status::OK;
  }
  grpc::Status Join(grpc::ServerContext* ctx, const v1::MembershipChange* req, v1::MembershipState* reply) override { return change(ctx, *req, true, *reply); }
  grpc::Status Leave(grpc::ServerContext* ctx, const v1::MembershipChange* req, v1::MembershipState* reply) override { return change(ctx, *req, false, *reply); }

 private:
  grpc::Status change(grpc::ServerContext* ctx, const v1::MembershipChange& req, bool join, v1::MembershipState& reply) {
    auto held = board_.membership();
    if (!held.handler) return unserved();
    return held.handler->change(caller_of(ctx), req, join, reply);
  }
  grpc::Status unserved() const { return {grpc::StatusCode::UNIMPLEMENTED, board_.status().service + " does not keep the A/B membership: the order-router does"}; }
  ControlBoard& board_;
};

class LeaderboardService final : public v1::Leaderboard::Service {
 public:
  explicit LeaderboardService(ControlBoard& board) : board_(board) {}
  grpc::Status Get(grpc::ServerContext*, const v1::LeaderboardRequest*, v1::LeaderboardReply* reply) override {
    const auto v = board_.leaderboard();
    if (v.as_of_ms == 0) return {grpc::StatusCode::UNAVAILABLE, board_.status().service + " has no leaderboard (the order-router keeps it, once the run has begun)"};
    reply->set_as_of_ms(v.as_of_ms);
    reply->set_text(v.text);
    reply->set_json(v.json);
    return grpc::Status::OK;
  }

 private:
  ControlBoard& board_;
};

}  // namespace

struct ControlServer::Impl {
  HealthService health;
  ControlService control;
  KillSwitchService kill_switch;
  TradingStateSinkService sink;
  LeaderboardService leaderboard;
  MembershipService membership;
  std::unique_ptr<grpc::Server> server;
  explicit Impl(ControlBoard& b) : health(b), control(b), kill_switch(b), sink(b), leaderboard(b), membership(b) {}
};

TlsPem read_tls(const TlsFiles& files) {
  auto read = [](const std::string& path, const char* what) -> std::string {
    if (path.empty()) return {};
    std::ifstream in(path);
    if (!in) throw std::runtime_error(std::string("TLS ") + what + " file " + path + " cannot be read");
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  return {read(files.cert, "certificate"), read(files.key, "key"), read(files.ca, "CA")};
}

std::shared_ptr<grpc::ChannelCredentials> tls_channel_credentials(const TlsFiles& files) {
  const auto pem = read_tls(files);
  grpc::SslCredentialsOptions opts;
  opts.pem_root_certs = pem.ca;
  opts.pem_private_key = pem.key;
  opts.pem_cert_chain = pem.cert;
  return grpc::SslCredentials(opts);
}

ControlServer::ControlServer(const std::string& address, ControlBoard& board, const TlsFiles& tls) : impl_(std::make_unique<Impl>(board)) {
  grpc::ServerBuilder builder;
  std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
  if (tls.enabled()) {
    const auto pem = read_tls(tls);
    grpc::SslServerCredentialsOptions opts(pem.ca.empty() ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                                                          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    opts.pem_root_certs = pem.ca;
    opts.pem_key_cert_pairs.push_back({pem.key, pem.cert});
    creds = grpc::SslServerCredentials(opts);
  }
  builder.AddListeningPort(address, creds, &port_);
  builder.RegisterService(&impl_->health);
  builder.RegisterService(&impl_->control);
  builder.RegisterService(&impl_->kill_switch);
  builder.RegisterService(&impl_->sink);
  builder.RegisterService(&impl_->leaderboard);
  builder.RegisterService(&impl_->membership);
  impl_->server = builder.BuildAndStart();
  if (!impl_->server || port_ == 0) throw std::runtime_error("gRPC control server cannot listen on " + address);
}

struct HealthServer::Impl {
  HealthService health;
  std::unique_ptr<grpc::Server> server;
  explicit Impl(ControlBoard& b) : health(b) {}
};

HealthServer::HealthServer(const std::string& address, ControlBoard& board) : impl_(std::make_unique<Impl>(board)) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(&impl_->health);
  impl_->server = builder.BuildAndStart();
  if (!impl_->server || port_ == 0) throw std::runtime_error("gRPC health server cannot listen on " + address);
}

HealthServer::~HealthServer() {
  if (impl_ && impl_->server) impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
}

ControlServer::~ControlServer() {
  if (impl_ && impl_->server) impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
}

}  // namespace fulcrum::runtime
