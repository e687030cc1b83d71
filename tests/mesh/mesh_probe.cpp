// A test's hands on a running mesh: inject garbage frames on a socket, read a metric over
// HTTP, call gRPC health, status and config reload, find a free port.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>
#include <zmq.hpp>

#include <grpcpp/grpcpp.h>

#include "fulcrum/runtime/curve_auth.h"
#include "fulcrum/runtime/scrape.h"
#include "fulcrum/v1/trading_state.grpc.pb.h"
#include "fulcrum/transport/endpoint.h"
#include "fulcrum/transport/topics.h"
#include "fulcrum/v1/control.grpc.pb.h"
#include "fulcrum/v1/market.pb.h"
#include "fulcrum/v1/orders.pb.h"
#include "fulcrum/v1/strategy.pb.h"

using namespace fulcrum;

namespace {

int usage() {
  std::cerr << "usage: mesh_probe free-port | garbage BIND_ENDPOINT ROUNDS TOPIC... | forge BIND_ENDPOINT RUN_ID TO_MS SYMBOL [oversized]\n"
               "       | metric PORT NAME [label=value...]\n"
               "       | curve-keys DIR NAME... | tap ENDPOINT SECONDS [KEY_DIR NAME] | dump SECONDS ENDPOINT...\n"
               "       | kill-bench GATEKEEPER_HOST:PORT ROUTER_METRICS_PORT ENGAGE_SECRET RELEASE_SECRET N\n"
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

// Well-formed protobuf frames that break the contract one way each, on every hot-path
// topic; each line printed names a case. The oversized frame (optional) goes last: ZeroMQ
// drops a connection that sends one (ZMQ_MAXMSGSIZE) and does not connect to that peer again.
int forge(const std::string& endpoint, const std::string& run_id, int64_t to_ms, const std::string& symbol, bool oversized) {
  zmq::context_t ctx(1);
  zmq::socket_t pub(ctx, zmq::socket_type::pub);
  pub.set(zmq::sockopt::linger, 2000);
  pub.bind(endpoint);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // let the subscribers connect
  constexpr int64_t k2100 = 4'102'444'800'000;
  int cases = 0;
  auto send = [&](const char* name, const std::string& topic, const google::protobuf::Message& m) {
    pub.send(zmq::buffer(topic), zmq::send_flags::sndmore);
    pub.send(zmq::buffer(m.SerializeAsString()), zmq::send_flags::none);
    std::cout << "forged " << name << " on " << topic << "\n";
    ++cases;
  };
  auto header = [&](v1::Header& h, const std::string& run, int64_t ts) {
    h.set_run_id(run);
    h.set_stream("forger");
    h.set_stream_seq(static_cast<uint64_t>(cases) + 1);
    h.set_exchange_ts_ms(ts);
  };
  auto market = [&](const std::string& run, int64_t ts) {
    v1::MarketEvent ev;
    header(*ev.mutable_header(), run, ts);
    return ev;
  };
  auto candle = [&](v1::Candle& c, int64_t open_ms, int64_t o, int64_t h, int64_t l, int64_t cl, const std::string& sym) {
    c.set_symbol(sym);
    c.set_open_time_ms(open_ms);
    c.set_interval_ms(300'000);
    c.set_open_raw(o), c.set_high_raw(h), c.set_low_raw(l), c.set_close_raw(cl), c.set_volume_raw(100'000'000);
  };
  const int64_t px = 50'000'00000000;
  { auto ev = market("another-run", to_ms); ev.mutable_instant_end()->set_time_ms(to_ms); send("foreign-run-instant-end", "md", ev); }
  { auto ev = market(run_id, k2100); ev.mutable_instant_end()->set_time_ms(k2100); send("instant-end-2100", "md", ev); }
  { auto ev = market(run_id, to_ms); ev.mutable_replay_end()->set_to_ms(to_ms); ev.mutable_replay_end()->set_last_instant_ms(1); send("replay-end-mid-run", "md", ev); }
  { auto ev = market(run_id, to_ms); ev.mutable_replay_end()->set_to_ms(to_ms - 1); send("replay-end-wrong-window", "md", ev); }
  { auto ev = market(run_id, to_ms); candle(*ev.mutable_bar(), to_ms - 300'000, px, px - 1, px + 1, px, symbol); send("bar-high-below-low", "md", ev); }
  { auto ev = market(run_id, to_ms); candle(*ev.mutable_bar(), to_ms - 300'000, -px, px, -px, px, symbol); send("bar-negative-price", "md", ev); }
  { auto ev = market(run_id, to_ms); candle(*ev.mutable_bar(), to_ms - 300'000, px, px, px, px, "FAKEUSDT"); send("bar-unknown-symbol", "md", ev); }
  { auto ev = market(run_id, k2100); candle(*ev.mutable_bar(), k2100, px, px, px, px, symbol); send("bar-2100", "md", ev); }
  { auto ev = market(run_id, to_ms); auto* f = ev.mutable_funding(); f->set_symbol(symbol), f->set_funding_time_ms(to_ms - 1), f->set_interval_hours(0), f->set_rate_raw(9'000'000'000'000'000'000LL); send("funding-interval-0", "md", ev); }
  { auto ev = market(run_id, k2100); auto* f = ev.mutable_funding(); f->set_symbol(symbol), f->set_funding_time_ms(k2100), f->set_interval_hours(8); send("funding-2100", "md", ev); }
  { auto ev = market(run_id, to_ms); auto* b = ev.mutable_book_top(); b->set_symbol(symbol), b->set_bid_raw(-1), b->set_ask_raw(px); send("book-negative-bid", "md", ev); }
  { auto ev = market(run_id, to_ms); auto* t = ev.mutable_trade(); t->set_symbol(symbol), t->set_price_raw(px), t->set_quantity_raw(0); send("trade-zero-quantity", "md", ev); }
  {
    v1::FeatureUpdate u;
    header(*u.mutable_header(), run_id, to_ms);
    u.set_instant_ms(to_ms);
    auto* s = u.add_snapshots();
    s->set_symbol(symbol), s->set_symbol_index(0), s->set_close(std::nan(""));
    send("features-nan-close", "feat", u);
    u.set_instant_ms(k2100);
    send("features-2100", "feat", u);
  }
  {
    v1::InstantSignals sig;
    header(*sig.mutable_header(), run_id, to_ms);
    sig.set_instant_ms(to_ms);
    sig.set_reference_volatility(std::numeric_limits<double>::infinity());
    send("signals-infinite-volatility", "sig", sig);
    sig.set_reference_volatility(0.01);
    auto* e = sig.add_entries();
    e->mutable_features()->set_symbol_index(999);
    send("signals-symbol-index-999", "sig", sig);
  }
  {
    v1::OrderBatch b;
    header(*b.mutable_header(), run_id, k2100);
    b.set_account("fixed");
    b.set_instant_ms(k2100);
    send("decisions-2100", "lev", b);
    send("orders-2100", "ord", b);
    header(*b.mutable_header(), "another-run", to_ms);
    b.set_instant_ms(to_ms);
    send("decisions-foreign-run", "lev", b);
    header(*b.mutable_header(), run_id, to_ms);
    b.set_account("nobody");
    send("orders-unknown-account", "ord", b);
  }
  if (oversized) {
    v1::MarketEvent big = market(run_id, to_ms);
    big.mutable_bar()->set_symbol(std::string(2u << 20, 'X'));  // a 2 MiB frame, over the 1 MiB cap
    send("oversized-2MiB", "md", big);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::cout << cases << " cases\n";
  return 0;
}

}  // namespace

// A foreign subscriber: counts the frames it can read from ENDPOINT in SECONDS, with no
// CURVE at all, or as a CURVE client with the key pair NAME in KEY_DIR (and the mesh's
// server public key from there).
int tap(const std::string& endpoint, int seconds, const std::string& key_dir, const std::string& name) {
  zmq::context_t ctx(1);
  zmq::socket_t sub(ctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.set(zmq::sockopt::subscribe, "");
  if (!key_dir.empty()) {
    auto read = [&](const std::string& f) {
      std::ifstream in(key_dir + "/" + f);
      std::string k;
      std::getline(in, k);
      return k;
    };
    sub.set(zmq::sockopt::curve_serverkey, read("server.public"));
    sub.set(zmq::sockopt::curve_publickey, read(name + ".public"));
    sub.set(zmq::sockopt::curve_secretkey, read(name + ".secret"));
  }
  sub.connect(endpoint);
  uint64_t frames = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    zmq::message_t m;
    if (sub.recv(m, zmq::recv_flags::dontwait)) ++frames;
    else std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::cout << frames << "\n";
  return 0;
}

// Every market event and instant signals on `endpoints` for `seconds`, a line each: "bar
// SYMBOL OPEN_MS CLOSE W", "end T W", "signals T TRADING ENTRIES W" (W: the header's warm-up
// mark, 0 or 1).
int dump(const std::vector<std::string>& endpoints, int seconds) {
  zmq::context_t ctx(1);
  transport::Subscriber sub(ctx, endpoints, {transport::topics::kMarket, transport::topics::kSignals});
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < until) {
    auto frame = sub.receive(std::chrono::milliseconds(50));
    if (!frame) continue;
    if (frame->topic == transport::topics::kMarket) {
      v1::MarketEvent ev;
      if (!ev.ParseFromString(frame->payload)) continue;
      const int w = ev.header().warmup();
      if (ev.has_bar()) std::cout << "bar " << ev.bar().symbol() << " " << ev.bar().open_time_ms() << " " << ev.bar().close_raw() << " " << w << "\n";
      if (ev.has_instant_end()) std::cout << "end " << ev.instant_end().time_ms() << " " << w << "\n";
    } else {
      v1::InstantSignals sig;
      if (!sig.ParseFromString(frame->payload)) continue;
      std::cout << "signals " << sig.instant_ms() << " " << sig.trading() << " " << sig.entries_size() << " " << sig.header().warmup() << "\n";
    }
  }
  std::cout.flush();
  return 0;
}

// Engage → acknowledged by the router, N times on a live mesh: the latency the caller sees,
// and the invariant that no order reaches the venue (the router's fulcrum_orders_total)
// between an Engage's answer and its Release.
int kill_bench(const std::string& gatekeeper, int router_metrics_port, const std::string& engage_secret, const std::string& release_secret, int n) {
  auto stub = v1::KillSwitch::NewStub(grpc::CreateChannel(gatekeeper, grpc::InsecureChannelCredentials()));
  auto orders = [&] {
    const auto text = runtime::http_get("127.0.0.1", router_metrics_port, "/metrics");
    return text ? runtime::metric_sum(runtime::parse_prometheus_text(*text), "fulcrum_orders_total") : -1.0;
  };
  std::vector<double> engage_ms;
  int violations = 0, failures = 0;
  double flowed_while_open = 0;
  for (int i = 0; i < n; ++i) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + engage_secret);
    v1::EngageRequest req;
    req.set_reason("kill-bench");
    req.set_request_id("bench-" + std::to_string(::getpid()) + "-" + std::to_string(i));
    v1::StateChangeReply reply;
    const auto t0 = std::chrono::steady_clock::now();
    const auto st = stub->Engage(&ctx, req, &reply);
    engage_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (!st.ok() || reply.router_acked_epoch() < reply.epoch()) {
      ++failures;
      std::cerr << "engage " << i << ": " << st.error_message() << "\n";
      continue;
    }
    const double at_ack = orders();
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    if (orders() != at_ack) ++violations;
    grpc::ClientContext rctx;
    rctx.AddMetadata("authorization", "Bearer " + release_secret);
    v1::ReleaseRequest rel;
    rel.set_scope("global");
    rel.set_epoch(reply.epoch());
    const auto st2 = stub->Release(&rctx, rel, &reply);
    if (!st2.ok()) ++failures;
    const double at_release = orders();
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    flowed_while_open += orders() - at_release;
  }
  std::sort(engage_ms.begin(), engage_ms.end());
  auto q = [&](double p) { return engage_ms.empty() ? 0.0 : engage_ms[std::min(engage_ms.size() - 1, static_cast<size_t>(p * static_cast<double>(engage_ms.size())))]; };
  std::printf("engage_to_router_ack n=%zu p50_ms=%.3f p99_ms=%.3f max_ms=%.3f failures=%d\n", engage_ms.size(), q(0.5), q(0.99),
              engage_ms.empty() ? 0.0 : engage_ms.back(), failures);
  std::printf("invariant orders_after_ack=%d (halted windows with an order at the venue; must be 0) orders_while_released=%.0f\n", violations,
              flowed_while_open);
  return violations == 0 && failures == 0 ? 0 : 1;
}

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const std::string cmd = argv[1];
  if (cmd == "forge" && (argc == 6 || argc == 7)) return forge(argv[2], argv[3], std::atoll(argv[4]), argv[5], argc == 7 && std::string(argv[6]) == "oversized");
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
  if (cmd == "curve-keys" && argc >= 4) {
    for (int i = 3; i < argc; ++i) runtime::write_curve_keypair(argv[2], argv[i]);
    return 0;
  }
  if (cmd == "dump" && argc >= 4) return dump(std::vector<std::string>(argv + 3, argv + argc), std::atoi(argv[2]));
  if (cmd == "tap" && (argc == 4 || argc == 6)) return tap(argv[2], std::atoi(argv[3]), argc == 6 ? argv[4] : "", argc == 6 ? argv[5] : "");
  if (cmd == "kill-bench" && argc == 7) return kill_bench(argv[2], std::atoi(argv[3]), argv[4], argv[5], std::atoi(argv[6]));
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
  if (cmd == "order-path" && argc == 3) {  // order-path PORT: "stage part p50 p99" (µs) per segment, in path order
    const auto text = runtime::http_get("127.0.0.1", std::atoi(argv[2]), "/metrics");
    if (!text) return 1;
    const auto samples = runtime::parse_prometheus_text(*text);
    for (const char* stage : {"feature-engine", "signal-engine", "leverage", "risk-gatekeeper", "order-router"})
      for (const char* part : {"transit", "work"}) {
        const std::map<std::string, std::string> match{{"stage", stage}, {"part", part}};
        const auto p50 = runtime::histogram_quantile(samples, "fulcrum_order_path_seconds", 0.5, match);
        if (!p50) continue;
        const auto p99 = runtime::histogram_quantile(samples, "fulcrum_order_path_seconds", 0.99, match);
        std::printf("%s %s %.1f %.1f\n", stage, part, *p50 * 1e6, p99.value_or(0) * 1e6);
      }
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
    // The admin token from FULCRUM_TOKEN_ADMIN (<id>:<secret>), as the services read it.
    std::string secret;
    if (const char* env = std::getenv("FULCRUM_TOKEN_ADMIN"); env && std::strchr(env, ':')) secret = std::strchr(env, ':') + 1;
    const auto r = runtime::reload_config(std::string("127.0.0.1:") + argv[2], ss.str(), secret);
    if (!r.rpc_ok) {
      std::cout << r.rpc_error << "\n";
      return 1;
    }
    std::cout << (r.accepted ? "accepted" : "rejected") << " hash=" << r.config_hash << "\n";
    for (const auto& e : r.errors) std::cout << "error: " << e << "\n";
    return 0;
  }
  return usage();
}
