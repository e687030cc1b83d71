#include "fulcrum/runtime/control_server.h"

#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <filesystem>

#include "fulcrum/core/error.h"
#include "fulcrum/v1/control.grpc.pb.h"
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

class HealthService final : public grpc::health::v1::Health::Service {
 public:
  explicit HealthService(ControlBoard& board) : board_(board) {}
  grpc::Status Check(grpc::ServerContext*, const grpc::health::v1::HealthCheckRequest* req,
                     grpc::health::v1::HealthCheckResponse* reply) override {
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
  grpc::Status ReloadConfig(grpc::ServerContext*, const v1::ConfigReloadRequest* req, v1::ConfigReloadReply* reply) override {
    const auto errors = board_.reload(req->yaml());
    reply->set_accepted(errors.empty());
    for (const auto& e : errors) reply->add_errors(e);
    reply->set_config_hash(board_.config().second);
    return grpc::Status::OK;
  }

 private:
  ControlBoard& board_;
};

}  // namespace

struct ControlServer::Impl {
  HealthService health;
  ControlService control;
  std::unique_ptr<grpc::Server> server;
  explicit Impl(ControlBoard& b) : health(b), control(b) {}
};

ControlServer::ControlServer(const std::string& address, ControlBoard& board) : impl_(std::make_unique<Impl>(board)) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(&impl_->health);
  builder.RegisterService(&impl_->control);
  impl_->server = builder.BuildAndStart();
  if (!impl_->server || port_ == 0) throw std::runtime_error("gRPC control server cannot listen on " + address);
}

ControlServer::~ControlServer() {
  if (impl_ && impl_->server) impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
}

}  // namespace fulcrum::runtime
