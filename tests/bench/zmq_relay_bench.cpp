// Baseline for the mesh benchmark: a bare relay of six ZeroMQ hops, one process per hop,
// forwarding bytes untouched over ipc with the mesh's own socket settings (PUB/SUB,
// kDefaultHwm, linger 0). Prints latency percentiles at paced rates and the highest
// paced rate delivered without loss.
// Usage: zmq_relay_bench [seconds_per_rate=3] [ipc|tcp=ipc] [sleep|spin=sleep] [rate …]
// The mesh runs over tcp loopback; pass tcp to compare like with like.
// Pacing: `sleep` waits for each message's due time as market-data's --rate does
// (std::this_thread::sleep_until), so between messages both cores may go idle, as they do
// in the mesh. `spin` busy-waits instead, which keeps one core out of its idle state: on
// these VMs waking an idle core is most of a hop at 1 000 msgs/s, so a spun relay is about
// a quarter faster there and slower at 10 000 msgs/s, where the spinning core is missed.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "fulcrum/transport/endpoint.h"

using namespace std::chrono;
using namespace fulcrum;

namespace {
constexpr int kHops = 6;
const char* kTopic = "md";

int64_t now_ns() { return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count(); }

[[noreturn]] void run_hop(const std::string& in, const std::string& out) {
  zmq::context_t ctx;
  transport::Publisher pub(ctx, out);
  transport::Subscriber sub(ctx, in, {kTopic});
  for (;;)
    if (auto f = sub.receive(1000ms)) pub.publish(f->topic, f->payload);
}

struct Payload {  // 64 bytes, about a market event's size
  uint64_t seq;
  int64_t sent_ns;
  char pad[48];
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
  return v[k];
}

struct Result {
  double rate;
  size_t sent, received;
  double p50_us, p99_us, p999_us;
};

enum class Pacing { kSleep, kSpin };

Result run_rate(transport::Publisher& pub, transport::Subscriber& sink, double rate, double seconds, Pacing pacing, uint64_t& seq) {
  const size_t n = static_cast<size_t>(rate * seconds);
  std::vector<double> lat;
  lat.reserve(n);
  const uint64_t first = seq + 1;
  std::thread sender([&] {
    Payload p{};
    const int64_t start = now_ns();
    for (size_t i = 0; i < n; ++i) {
      const int64_t due = start + static_cast<int64_t>(static_cast<double>(i) * 1e9 / rate);
      if (pacing == Pacing::kSleep)
        std::this_thread::sleep_until(steady_clock::time_point(nanoseconds(due)));
      else
        while (now_ns() < due) {
        }
      p.seq = first + i;
      p.sent_ns = now_ns();
      pub.publish(kTopic, std::string(reinterpret_cast<const char*>(&p), sizeof p));
    }
  });
  size_t received = 0;
  const auto deadline = steady_clock::now() + duration<double>(seconds + 2);
  while (received < n && steady_clock::now() < deadline) {
    auto f = sink.receive(200ms);
    if (!f || f->payload.size() != sizeof(Payload)) continue;
    Payload p;
    std::memcpy(&p, f->payload.data(), sizeof p);
    if (p.seq < first) continue;
    lat.push_back(static_cast<double>(now_ns() - p.sent_ns) / 1e3);
    ++received;
  }
  sender.join();
  seq = first + n - 1;
  Result r{rate, n, received, 0, 0, 0};
  r.p50_us = percentile(lat, 0.50);
  r.p99_us = percentile(lat, 0.99);
  r.p999_us = percentile(lat, 0.999);
  return r;
}

// A positive finite number, or nullopt: a typo in the arguments is named, never thrown.
std::optional<double> positive_number(const char* text) {
  char* end = nullptr;
  const double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || !std::isfinite(v) || v <= 0) return std::nullopt;
  return v;
}
}  // namespace

int main(int argc, char** argv) {
  const auto seconds_arg = argc > 1 ? positive_number(argv[1]) : std::optional<double>(3.0);
  if (!seconds_arg) {
    std::fprintf(stderr, "zmq_relay_bench: seconds per rate must be a positive number, not '%s'\n", argv[1]);
    return 2;
  }
  const double seconds = *seconds_arg;
  const std::string transport_kind = argc > 2 ? argv[2] : "ipc";
  const std::string pacing_name = argc > 3 ? argv[3] : "sleep";
  if (transport_kind != "ipc" && transport_kind != "tcp") {
    std::fprintf(stderr, "zmq_relay_bench: transport must be ipc or tcp, not '%s'\n", transport_kind.c_str());
    return 2;
  }
  if (pacing_name != "sleep" && pacing_name != "spin") {
    std::fprintf(stderr, "zmq_relay_bench: pacing must be sleep or spin, not '%s'\n", pacing_name.c_str());
    return 2;
  }
  const Pacing pacing = pacing_name == "spin" ? Pacing::kSpin : Pacing::kSleep;
  std::vector<double> rates;
  for (int i = 4; i < argc; ++i) {
    const auto rate = positive_number(argv[i]);
    if (!rate) {
      std::fprintf(stderr, "zmq_relay_bench: a rate must be a positive number of msgs/s, not '%s'\n", argv[i]);
      return 2;
    }
    rates.push_back(*rate);
  }
  if (rates.empty()) rates = {1'000.0, 10'000.0, 50'000.0, 100'000.0, 200'000.0, 400'000.0};
  const auto dir = std::filesystem::temp_directory_path() / ("fulcrum-relay-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::vector<int> ports;
  for (int i = 0; i <= kHops; ++i) ports.push_back(transport::free_loopback_port());
  auto ep = [&](int i) {
    return transport_kind == "tcp" ? "tcp://127.0.0.1:" + std::to_string(ports[static_cast<size_t>(i)]) : "ipc://" + (dir / ("hop" + std::to_string(i))).string();
  };
  std::vector<pid_t> children;
  for (int i = 1; i <= kHops; ++i) {
    const pid_t pid = fork();
    if (pid == 0) run_hop(ep(i - 1), ep(i));
    children.push_back(pid);
  }
  int rc = 0;
  {
    zmq::context_t ctx;
    transport::Publisher source(ctx, ep(0));
    transport::Subscriber sink(ctx, ep(kHops), {kTopic});
    // Every hop must have joined before measuring: probe until one comes out the far end.
    bool joined = false;
    for (int i = 0; i < 500 && !joined; ++i) {
      source.publish(kTopic, "probe");
      joined = sink.receive(20ms).has_value();
    }
    while (sink.receive(100ms)) {
    }
    if (!joined) {
      std::fprintf(stderr, "relay never connected\n");
      rc = 1;
    } else {
      uint64_t seq = 0;
      std::printf("bare %d-hop ZeroMQ relay (PUB/SUB over %s, one process per hop, HWM %d, source paced by %s), %.0f s per rate\n", kHops,
                  transport_kind.c_str(), transport::kDefaultHwm, pacing_name == "spin" ? "busy-waiting" : "sleeping", seconds);
      std::printf("%10s %9s %9s %10s %10s %10s\n", "msgs/s", "sent", "lost", "p50 µs", "p99 µs", "p99.9 µs");
      double best_lossless = 0;
      for (double rate : rates) {
        const auto r = run_rate(source, sink, rate, seconds, pacing, seq);
        std::printf("%10.0f %9zu %9zu %10.1f %10.1f %10.1f\n", r.rate, r.sent, r.sent - r.received, r.p50_us, r.p99_us, r.p999_us);
        if (r.received == r.sent) best_lossless = rate;
        while (sink.receive(200ms)) {
        }
      }
      std::printf("highest paced rate without loss: %.0f msgs/s\n", best_lossless);
    }
  }
  for (pid_t pid : children) kill(pid, SIGTERM);
  for (pid_t pid : children) waitpid(pid, nullptr, 0);
  std::filesystem::remove_all(dir);
  return rc;
}
