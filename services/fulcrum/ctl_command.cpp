// `fulcrum ctl`: the operator's hands on a running mesh: the kill switch (kill, release,
// status) at the risk gatekeeper; the leaderboard and the A/B membership (members, join,
// leave) at the order router. Services are found through `fulcrum up`'s state file or
// --control, and each call carries the bearer token of the power it uses.
//
// Exit codes: 0 done (and acknowledged by the order router); 1 the mesh could not be
// reached; 2 usage; 3 refused (an old epoch, nothing engaged); 4 unauthenticated;
// 5 applied and persisted but not yet acknowledged by the router.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "fulcrum/runtime/control_server.h"
#include "fulcrum/v1/leaderboard.grpc.pb.h"
#include "fulcrum/v1/membership.grpc.pb.h"
#include "fulcrum/v1/trading_state.grpc.pb.h"

namespace fs = std::filesystem;

namespace fulcrum::cli {

namespace {

constexpr int kExitUnreachable = 1, kExitUsage = 2, kExitRefused = 3, kExitUnauthenticated = 4, kExitNotAcknowledged = 5;

struct CtlOptions {
  std::string control, state_file, tokens_dir, token_file, scope = "global", reason, request_id, variant;
  std::string tls_ca, tls_cert, tls_key;
  std::string mode = "halt";
  uint64_t epoch = 0;
  bool cancel_stops = false, json = false;
  int timeout_ms = 10'000;
};

struct Target {
  std::string address, tokens_dir;
};

// `service`'s control address: --control, else the one `fulcrum up` recorded.

Target find_target(const CtlOptions& o, const std::string& service = "risk-gatekeeper") {
  Target t{o.control, o.tokens_dir};
  if (!t.address.empty()) return t;
  const auto files = o.state_file.empty() ? live_state_files() : std::vector<std::string>{o.state_file};
  if (files.empty()) throw std::runtime_error("no running mesh found: pass --control HOST:PORT (the risk-gatekeeper's) or --state-file");
  if (files.size() > 1) throw std::runtime_error("several meshes are running: pick one with --state-file");
  std::ifstream in(files[0]);
  if (!in) throw std::runtime_error("cannot read the state file " + files[0]);
  try {
    nlohmann::json s;
    in >> s;
    t.address = "127.0.0.1:" + std::to_string(s.at("services").at(service).at("control_port").get<int>());
    if (t.tokens_dir.empty()) t.tokens_dir = s.value("tokens_dir", "");
  } catch (const nlohmann::json::exception& e) {
    // Written whole once every service is up: an empty or partial one is a mesh still starting.
    throw std::runtime_error("the state file " + files[0] + " does not name " + service + "'s control port (is the mesh still starting?): " + e.what());
  }
  return t;
}

// The secret to present: --token-file, else FULCRUM_TOKEN_<KIND>, else <tokens dir>/<kind>.
std::string secret_for(const CtlOptions& o, const Target& t, const std::string& kind) {
  std::string upper = kind;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (o.token_file.empty())
    if (const char* env = std::getenv(("FULCRUM_TOKEN_" + upper).c_str()); env && *env) {
      const std::string v = env;
      const auto colon = v.find(':');
      return colon == std::string::npos ? v : v.substr(colon + 1);
    }
  const auto path = !o.token_file.empty() ? o.token_file : (t.tokens_dir.empty() ? "" : t.tokens_dir + "/" + kind);
  if (path.empty()) return "";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the " + kind + " token file " + path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string id, secret;
    ls >> id >> secret;
    return secret.empty() ? id : secret;
  }
  throw std::runtime_error(path + " holds no token");
}

const char* state_name(int s) { return v1::TradingState_Name(static_cast<v1::TradingState>(s)).c_str() + std::string("TRADING_STATE_").size(); }

void print_states(const v1::TradingStates& st) {
  if (st.engagements().empty()) std::cout << "  global ACTIVE (nothing engaged)\n";
  for (const auto& e : st.engagements())
    std::cout << "  " << e.scope() << " " << state_name(e.state()) << " epoch " << e.epoch() << (e.flatten() ? " flatten" : "")
              << (e.cancel_protective_stops() ? " cancel-stops" : "") << " by " << e.by() << (e.reason().empty() ? "" : " (" + e.reason() + ")") << "\n";
}

int exit_for(const grpc::Status& s) {
  switch (s.error_code()) {
    case grpc::StatusCode::OK: return 0;
    case grpc::StatusCode::UNAUTHENTICATED: return kExitUnauthenticated;
    case grpc::StatusCode::FAILED_PRECONDITION:
    case grpc::StatusCode::INVALID_ARGUMENT: return kExitRefused;
    case grpc::StatusCode::DEADLINE_EXCEEDED: return kExitNotAcknowledged;
    default: return kExitUnreachable;
  }
}

std::string new_request_id() {
  std::random_device rd;
  std::ostringstream s;
  s << "ctl-" << std::hex << rd() << rd();
  return s.str();
}

int run_membership(const std::string& action, const CtlOptions& o, const Target& t, const std::shared_ptr<grpc::Channel>& channel) {
  auto stub = v1::Membership::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(o.timeout_ms));
  v1::MembershipState reply;
  grpc::Status status;
  if (action == "members") {
    status = stub->Get(&ctx, {}, &reply);
  } else {
    const auto secret = secret_for(o, t, "admin");
    if (!secret.empty()) ctx.AddMetadata("authorization", "Bearer " + secret);
    v1::MembershipChange req;
    req.set_variant(o.variant);
    req.set_reason(o.reason);
    req.set_request_id(o.request_id.empty() ? new_request_id() : o.request_id);
    status = action == "join" ? stub->Join(&ctx, req, &reply) : stub->Leave(&ctx, req, &reply);
  }
  if (status.ok() || status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
    if (o.json) {
      nlohmann::json j{{"epoch", reply.epoch()}, {"instant_ms", reply.instant_ms()}, {"mode", reply.mode()}, {"fallback", reply.fallback()}, {"ok", status.ok()}};
      j["members"] = nlohmann::json::array();
      for (const auto& m : reply.members())
        j["members"].push_back({{"variant", m.variant()}, {"account", m.account()}, {"active", m.active()}, {"tainted", m.tainted()},
                                {"why", m.why()}, {"changed_instant_ms", m.changed_instant_ms()}});
      std::cout << j.dump(2) << "\n";
    } else if (status.ok()) {
      std::cout << reply.mode() << " run, membership epoch " << reply.epoch() << " at instant " << reply.instant_ms() << " ms (UTC)\n";
      for (const auto& m : reply.members())
        std::cout << "  " << m.variant() << " on " << m.account() << ": " << (m.active() ? "member" : m.tainted() ? "TAINTED, out" : "out")
                  << (m.why().empty() ? "" : " (" + m.why() + ")") << "\n";
    }
  }
  if (!status.ok()) std::cerr << "fulcrum ctl " << action << ": " << status.error_message() << " (" << t.address << ")\n";
  return exit_for(status);
}

int run_ctl(const std::string& action, const CtlOptions& o) {
  Target t;
  try {
    const bool at_router = action == "leaderboard" || action == "members" || action == "join" || action == "leave";
    t = find_target(o, at_router ? "order-router" : "risk-gatekeeper");
  } catch (const std::exception& e) {
    std::cerr << "fulcrum ctl: " << e.what() << "\n";
    return kExitUnreachable;
  }
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
  if (!o.tls_ca.empty()) {
    // The key is read only with its certificate: without --tls-cert, server-side TLS alone.
    creds = runtime::tls_channel_credentials({o.tls_cert, o.tls_cert.empty() ? "" : o.tls_key, o.tls_ca});
  }
  auto channel = grpc::CreateChannel(t.address, creds);
  if (action == "leaderboard") {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(o.timeout_ms));
    v1::LeaderboardReply reply;
    const auto status = v1::Leaderboard::NewStub(channel)->Get(&ctx, {}, &reply);
    if (!status.ok()) {
      std::cerr << "fulcrum ctl leaderboard: " << status.error_message() << " (" << t.address << ")\n";
      return kExitUnreachable;
    }
    if (o.json) std::cout << reply.json();
    else std::cout << "leaderboard through " << reply.as_of_ms() << " ms (UTC)\n" << reply.text();
    return 0;
  }
  if (action == "members" || action == "join" || action == "leave") return run_membership(action, o, t, channel);
  auto stub = v1::KillSwitch::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(o.timeout_ms));
  const std::string kind = action == "kill" ? "engage" : "release";
  if (action != "status") {
    const auto secret = secret_for(o, t, kind);
    if (!secret.empty()) ctx.AddMetadata("authorization", "Bearer " + secret);
  }
  grpc::Status status;
  if (action == "status") {
    v1::GetTradingStateReply reply;
    status = stub->Get(&ctx, {}, &reply);
    if (status.ok()) {
      if (o.json) {
        nlohmann::json j;
        j["epoch"] = reply.states().epoch();
        j["router_acked_epoch"] = reply.router_acked_epoch();
        j["router_last_ack_age_ms"] = reply.router_last_ack_age_ms();
        j["engagements"] = nlohmann::json::array();
        for (const auto& e : reply.states().engagements())
          j["engagements"].push_back({{"scope", e.scope()}, {"state", state_name(e.state())}, {"epoch", e.epoch()}, {"flatten", e.flatten()},
                                      {"cancel_protective_stops", e.cancel_protective_stops()}, {"at_ms", e.at_ms()}, {"by", e.by()}, {"reason", e.reason()}});
        std::cout << j.dump(2) << "\n";
      } else {
        std::cout << "trading state at epoch " << reply.states().epoch() << "; the order router enforces epoch " << reply.router_acked_epoch()
                  << (reply.router_last_ack_age_ms() < 0 ? " (never heard from)" : " (heard " + std::to_string(reply.router_last_ack_age_ms()) + " ms ago)")
                  << "\n";
        print_states(reply.states());
      }
    }
  } else {
    v1::StateChangeReply reply;
    const auto request_id = o.request_id.empty() ? new_request_id() : o.request_id;
    if (action == "kill") {
      v1::EngageRequest req;
      req.set_scope(o.scope);
      req.set_mode(o.mode == "flatten" ? v1::KILL_MODE_FLATTEN : o.mode == "reduce" ? v1::KILL_MODE_REDUCE : v1::KILL_MODE_HALT);
      req.set_reason(o.reason);
      req.set_request_id(request_id);
      req.set_cancel_protective_stops(o.cancel_stops);
      status = stub->Engage(&ctx, req, &reply);
    } else {
      v1::ReleaseRequest req;
      req.set_scope(o.scope);
      req.set_epoch(o.epoch);
      req.set_reason(o.reason);
      req.set_request_id(request_id);
      status = stub->Release(&ctx, req, &reply);
    }
    if (status.ok() || status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED || status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
      if (o.json) {
        nlohmann::json j{{"epoch", reply.epoch()}, {"before", state_name(reply.before())}, {"after", state_name(reply.after())},
                         {"router_acked_epoch", reply.router_acked_epoch()}, {"replayed", reply.replayed()}, {"ok", status.ok()}};
        std::cout << j.dump(2) << "\n";
      } else if (status.ok()) {
        std::cout << (action == "kill" ? "engaged " : "released ") << o.scope << ": " << state_name(reply.before()) << " -> " << state_name(reply.after())
                  << " at epoch " << reply.epoch() << "; the order router enforces it (acknowledged epoch " << reply.router_acked_epoch() << ")"
                  << (reply.replayed() ? " [a repeat of request " + request_id + "]" : "") << "\n";
        if (action == "kill") std::cout << "release with: fulcrum ctl release --scope " << o.scope << " --epoch " << reply.epoch() << "\n";
      }
    }
  }
  if (!status.ok()) std::cerr << "fulcrum ctl " << action << ": " << status.error_message() << " (" << t.address << ")\n";
  return exit_for(status);
}

}  // namespace

Runner add_ctl_command(CLI::App& app) {
  auto o = std::make_shared<CtlOptions>();
  auto action = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("ctl", "Operate a running mesh: the kill switch (kill, release, status), the live leaderboard and the A/B membership (members, join, leave)");
  cmd->add_option("action", *action, "kill | release | status | leaderboard | members | join | leave")
      ->required()
      ->check(CLI::IsMember({"kill", "release", "status", "leaderboard", "members", "join", "leave"}));
  cmd->add_option("--variant", o->variant, "join, leave: the A/B variant (one of the config's ab.variants)");
  cmd->add_option("--scope", o->scope, "global, account:<name> or symbol:<name>")->capture_default_str();
  cmd->add_option("--mode", o->mode, "kill: halt (entries cancelled, stops kept), flatten (and positions closed), reduce (REDUCING)")
      ->check(CLI::IsMember({"halt", "flatten", "reduce"}))
      ->capture_default_str();
  cmd->add_flag("--cancel-stops", o->cancel_stops, "kill: cancel the reduce-only protective stops too");
  cmd->add_option("--epoch", o->epoch, "release: the engagement's epoch (shown by kill and status)");
  cmd->add_option("--reason", o->reason, "why, for the audit trail");
  cmd->add_option("--request-id", o->request_id, "makes a retried call idempotent (default: a fresh one)");
  cmd->add_option("--control", o->control, "the risk-gatekeeper's gRPC host:port, the order-router's for leaderboard (default: from `fulcrum up`'s state file)");
  cmd->add_option("--state-file", o->state_file, "the file `fulcrum up` wrote");
  cmd->add_option("--tokens", o->tokens_dir, "folder of token files (default: the run's, from the state file)");
  cmd->add_option("--token-file", o->token_file, "the token file to present ('<token-id> <secret>')");
  cmd->add_option("--timeout-ms", o->timeout_ms, "how long to wait for the answer")->check(CLI::Range(100, 600'000));
  cmd->add_option("--tls-ca", o->tls_ca, "PEM CA: talk TLS and verify the gatekeeper against it");
  cmd->add_option("--tls-cert", o->tls_cert, "PEM client certificate, for a gatekeeper that demands one (mutual TLS)");
  cmd->add_option("--tls-key", o->tls_key, "PEM key of --tls-cert");
  cmd->add_flag("--json", o->json, "print JSON");
  return [o, action, cmd] {
    if ((*action == "join" || *action == "leave") && o->variant.empty()) {
      std::cerr << "fulcrum ctl " << *action << ": --variant is required\n";
      return kExitUsage;
    }
    if (*action == "release" && cmd->count("--epoch") == 0) {
      std::cerr << "fulcrum ctl release: --epoch is required (the engagement's epoch, from `fulcrum ctl status`)\n";
      return kExitUsage;
    }
    return run_ctl(*action, *o);
  };
}

}  // namespace fulcrum::cli
