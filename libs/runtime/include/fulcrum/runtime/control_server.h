#pragma once
// The gRPC control plane every service serves: grpc.health.v1 Health and fulcrum.v1
// Control (status, config get, validated config reload). gRPC calls arrive on gRPC's
// threads; the service's single hot-path thread never blocks on them. It publishes its
// counters to the board now and then, and picks up an accepted reload at its next turn.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "fulcrum/config/app_config.h"
#include "fulcrum/core/digest.h"

namespace grpc {
class Server;
class ChannelCredentials;
}

namespace fulcrum::runtime {

using core::sha256_hex;
class KillSwitchDesk;
class TradingStateEnforcer;
class MembershipDesk;
class TokenStore;
class AuditTrail;

class ControlBoard {
 public:
  ControlBoard(std::string service, std::string config_yaml, std::string config_source);

  void set_counters(std::map<std::string, uint64_t> counters);
  void set_policy(std::string policy, std::string version);
  void set_serving(bool serving) { serving_ = serving; }
  bool serving() const { return serving_; }

  struct Status {
    std::string service, version, config_hash, policy, policy_version;
    int64_t uptime_ms = 0;
    std::map<std::string, uint64_t> counters;
  };
  Status status() const;
  std::pair<std::string, std::string> config() const;  // yaml, hash

  // Validates `yaml` as a whole config: on success it becomes the config in force and is
  // queued for the service; on failure nothing changes and each problem is returned.
  std::vector<std::string> reload(const std::string& yaml);
  // The service's hot-path thread takes an accepted reload here.
  std::optional<config::AppConfig> take_reload();

  // The risk limits in force, for the reload's audit (the service sets them at start).
  void set_risk_limits(const config::RiskLimits& r) {
    std::lock_guard lock(mu_);
    risk_ = r;
  }
  config::RiskLimits risk_limits() const {
    std::lock_guard lock(mu_);
    return risk_;
  }
  // The live leaderboard (the order router sets it; fulcrum.v1.Leaderboard serves it).
  struct LeaderboardView {
    int64_t as_of_ms = 0;
    std::string text, json;
  };
  void set_leaderboard(LeaderboardView v) {
    std::lock_guard lock(mu_);
    leaderboard_ = std::move(v);
  }
  LeaderboardView leaderboard() const {
    std::lock_guard lock(mu_);
    return leaderboard_;
  }
  // Who may reload, and where refusals are recorded (the service's; set once at start).
  void set_access(TokenStore* tokens, AuditTrail* audit) { tokens_ = tokens, audit_ = audit; }
  TokenStore* tokens() const { return tokens_; }
  AuditTrail* audit() const { return audit_; }
  // The kill switch (risk gatekeeper) and the trading-state sink (order router) attach
  // here while they live; a call in flight holds them, so detaching waits for it to end.
  template <class Handler>
  struct Held {
    std::shared_lock<std::shared_mutex> lock;
    Handler* handler = nullptr;
  };
  void attach(KillSwitchDesk* desk) { std::unique_lock l(handlers_mu_); kill_switch_ = desk; }
  void attach(TradingStateEnforcer* e) { std::unique_lock l(handlers_mu_); enforcer_ = e; }
  void attach(MembershipDesk* m) { std::unique_lock l(handlers_mu_); membership_ = m; }
  Held<MembershipDesk> membership() { std::shared_lock l(handlers_mu_); return {std::move(l), membership_}; }
  Held<KillSwitchDesk> kill_switch() { std::shared_lock l(handlers_mu_); return {std::move(l), kill_switch_}; }
  Held<TradingStateEnforcer> enforcer() { std::shared_lock l(handlers_mu_); return {std::move(l), enforcer_}; }

 private:
  TokenStore* tokens_ = nullptr;
  AuditTrail* audit_ = nullptr;
  std::shared_mutex handlers_mu_;
  KillSwitchDesk* kill_switch_ = nullptr;
  TradingStateEnforcer* enforcer_ = nullptr;
  MembershipDesk* membership_ = nullptr;
  mutable std::mutex mu_;
  std::string service_, yaml_, source_, hash_, policy_, policy_version_;
  std::map<std::string, uint64_t> counters_;
  std::optional<config::AppConfig> pending_;
  config::RiskLimits risk_;
  LeaderboardView leaderboard_;
  std::atomic<bool> serving_{false};
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

// TLS on the control plane: PEM files. With a CA the server also demands and verifies a
// client certificate (mutual TLS), and the mesh's own calls (gatekeeper → router) present
// `cert` and check the peer against `ca`. All empty: plaintext.
struct TlsFiles {
  std::string cert, key, ca;
  bool enabled() const { return !cert.empty(); }
};
// Reads the files; throws std::runtime_error naming one that cannot be read.
struct TlsPem {
  std::string cert, key, ca;
};
TlsPem read_tls(const TlsFiles& files);
// A client's TLS credentials from the files: the peer checked against `ca` (system roots
// when empty), and `cert`/`key` presented when given (mutual TLS).
std::shared_ptr<grpc::ChannelCredentials> tls_channel_credentials(const TlsFiles& files);

class ControlServer {
 public:
  // Listens on `address` (host:port); throws std::runtime_error naming it when it cannot.
  ControlServer(const std::string& address, ControlBoard& board, const TlsFiles& tls = {});
  ~ControlServer();
  int port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

// grpc.health.v1 alone, always plaintext, for Kubernetes' native gRPC probes while the
// control port speaks TLS. Service "liveness" is SERVING whenever the process answers.
class HealthServer {
 public:
  HealthServer(const std::string& address, ControlBoard& board);
  ~HealthServer();
  int port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace fulcrum::runtime
