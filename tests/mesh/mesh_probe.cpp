// A test's hands on a running mesh: inject garbage frames on a socket, read a metric over
// HTTP, call gRPC health, status and config reload, find a free port.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>
#include <zmq.hpp>

#include <grpcpp/grpcpp.h>

#include "fulcrum/runtime/scrape.h"
#include "fulcrum/transport/endpoint.h"
#include "fulcrum/v1/control.grpc.pb.h"

using namespace fulcrum;

namespace {

int usage() {
  std::cerr << "usage: mesh_probe free-port | garbage BIND_ENDPOINT ROUNDS TOPIC... | metric PORT NAME [label=value...]\n"
               "       | health CONTROL_PORT | status CONTROL_PORT | reload CONTROL_PORT YAML_FILE\n";
  return 64;
}


// Every kind of bad frame a subscriber can meet: one frame, three frames, a foreign topic,
// random bytes on a real topic, an empty payload, and a truncated protobuf varint.
int garbage(const std::string& endpoint, int rounds, const std::vector<std::string>& topics) {
  zmq::context_t ctx(1);
  zmq::socket_t pub(ctx, zmq::socket_type::pub);
  pub.set(zmq::sockopt::linger, 2000);
  pub.bind(endpoint);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // let the subscribers connect
  std::mt19937 rng(42);
  int sent = 0;
  for (int r = 0; r < rounds; ++r) {
    pub.send(zmq::str_buffer("lonely-frame"), zmq::send_flags::none), ++sent;
    pub.send(zmq::str_buffer("a"), zmq::send_flags::sndmore);
    pub.send(zmq::str_buffer("b"), zmq::send_flags::sndmore);
    pub.send(zmq::str_buffer("c"), zmq::send_flags::none), ++sent;
    pub.send(zmq::str_buffer("not-a-topic"), zmq::send_flags::sndmore);
    pub.send(zmq::str_buffer("x"), zmq::send_flags::none), ++sent;
    for (const auto& t : topics) {
      std::string junk(64, '\0');
      for (auto& c : junk) c = static_cast<char>(rng());
      pub.send(zmq::buffer(t), zmq::send_flags::sndmore);
      pub.send(zmq::buffer(junk), zmq::send_flags::none), ++sent;
      pub.send(zmq::buffer(t), zmq::send_flags::sndmore);
      pub.send(zmq::str_buffer("\x0a\xff"), zmq::send_flags::none), ++sent;
    }
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::cout << sent << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string cmd = argv[1];
  if (cmd == "free-port") {
    std::cout << transport::free_loopback_port() << "\n";
    return 0;
  }
  if (cmd == "garbage" && argc >= 4) return garbage(argv[2], std::atoi(argv[3]), std::vector<std::string>(argv + 4, argv + argc));
  if (cmd == "metric" && argc >= 4) {
    const auto text = runtime::http_get("127.0.0.1", std::atoi(argv[2]), "/metrics");
    if (!text) {
      std::cerr << "metrics on port " << argv[2] << " unreachable\n";
      return 1;
    }
    std::map<std::string, std::string> match;
    for (int i = 4; i < argc; ++i) {
      const std::string kv = argv[i];
      const auto eq = kv.find('=');
      if (eq == std::string::npos) return usage();
      match[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    std::printf("%.10g\n", runtime::metric_sum(runtime::parse_prometheus_text(*text), argv[3], match));
    return 0;
  }
  if (cmd == "health" && argc == 3) {
    const auto h = runtime::check_health(std::string("127.0.0.1:") + argv[2]);
    std::cout << (h.serving ? "SERVING" : h.reachable ? "NOT_SERVING" : "UNREACHABLE " + h.error) << "\n";
    return h.serving ? 0 : 1;
  }
  if (cmd == "status" && argc == 3) {
    const auto s = runtime::fetch_status(std::string("127.0.0.1:") + argv[2]);
    if (!s.ok) {
      std::cerr << s.error << "\n";
      return 1;
    }
    std::cout << "service=" << s.service << " version=" << s.version << " config_hash=" << s.config_hash << " policy=" << s.policy
              << " policy_version=" << s.policy_version << " uptime_ms=" << s.uptime_ms;
    for (const auto& [k, v] : s.counters) std::cout << " " << k << "=" << v;
    std::cout << "\n";
    return 0;
  }
  if (cmd == "quantile" && argc == 5) {  // quantile PORT HISTOGRAM Q
    const auto text = runtime::http_get("127.0.0.1", std::atoi(argv[2]), "/metrics");
    if (!text) return 1;
    const auto samples = runtime::parse_prometheus_text(*text);
    const auto q = runtime::histogram_quantile(samples, argv[3], std::atof(argv[4]));
    std::printf("%.1f\n", q.value_or(0) * 1e6);  // µs
    return 0;
  }
  if (cmd == "grpc-bench" && argc == 4) {  // grpc-bench CONTROL_PORT CALLS: GetStatus latency
    std::vector<double> us;
    // One channel, as a control client keeps it: the figure is the call, not the connect.
    auto stub = v1::Control::NewStub(grpc::CreateChannel(std::string("127.0.0.1:") + argv[2], grpc::InsecureChannelCredentials()));
    for (int i = 0; i < std::atoi(argv[3]); ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      grpc::ClientContext ctx;
      v1::StatusRequest req;
      v1::StatusReply reply;
      if (!stub->GetStatus(&ctx, req, &reply).ok()) return 1;
      us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(us.begin(), us.end());
    std::printf("%.1f %.1f\n", us[us.size() / 2], us[std::min(us.size() - 1, us.size() * 99 / 100)]);
    return 0;
  }
  if (cmd == "reload" && argc == 4) {
    std::ifstream in(argv[3]);
    std::stringstream ss;
    ss << in.rdbuf();
    const auto r = runtime::reload_config(std::string("127.0.0.1:") + argv[2], ss.str());
    if (!r.rpc_ok) return 1;
    std::cout << (r.accepted ? "accepted" : "rejected") << " hash=" << r.config_hash << "\n";
    for (const auto& e : r.errors) std::cout << "error: " << e << "\n";
    return 0;
  }
  return usage();
}
