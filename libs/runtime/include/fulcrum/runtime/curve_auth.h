#pragma once
// CURVE for a service's hot-path sockets (mesh.curve, --curve-keys DIR). The folder holds
// the mesh's key pair (server.public, server.secret) and one pair per service
// (<service>.public, <service>.secret), each a 40-character Z85 line. A service takes the
// server pair and its own, and its ZAP handler admits exactly the clients whose public
// key has a <name>.public file in the folder: the mesh's own services. `fulcrum up`
// writes the folder per run; in Kubernetes it is a Secret.
#include <atomic>
#include <set>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "fulcrum/transport/endpoint.h"

namespace spdlog {
class logger;
}

namespace fulcrum::runtime {

// Reads the folder for `service`; throws std::runtime_error naming the file that is
// missing or not a Z85 key.
struct CurveKeys {
  transport::CurveIdentity identity;
  std::set<std::string> authorized;  // client public keys, Z85
};
CurveKeys load_curve_keys(const std::string& dir, const std::string& service);
// Writes a fresh key pair as <dir>/<name>.public and <dir>/<name>.secret (0600).
void write_curve_keypair(const std::string& dir, const std::string& name);

// The ZAP handler (RFC 27) on `ctx`: bound before it returns, so no handshake can beat it.
class ZapHandler {
 public:
  ZapHandler(zmq::context_t& ctx, std::set<std::string> authorized_z85, spdlog::logger& log);
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;
  uint64_t denied() const { return denied_.load(); }

 private:
  void serve();
  zmq::socket_t socket_;
  std::set<std::string> authorized_;  // binary, 32 bytes each
  spdlog::logger& log_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> denied_{0};
  std::thread thread_;
};

}  // namespace fulcrum::runtime
