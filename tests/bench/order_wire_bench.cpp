// Signal to signed request on the wire, beside a bare echo over the same loopback TCP
// socket, in one run. Per order:
//   signed:  from the mesh's OrderRequest to the HTTP request's last byte written: the
//            filter checks and the request (binance::plan_new_order), the signature
//            over it (HMAC-SHA256, or Ed25519 with a PEM key), the HTTP text, the write;
//   bare:    writing a pre-built request of the same size (what the wire alone costs);
//   echo:    that bare request's round trip through a server that echoes it.
// Usage: order_wire_bench [orders=20000] [hmac|ed25519]
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "fulcrum/binance/order_requests.h"

#include "bench_report.h"

using namespace fulcrum;

namespace {
int64_t now_ns() { return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
bool write_all(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    const auto n = ::write(fd, s.data() + done, s.size() - done);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}
bool read_exactly(int fd, std::string& buf, size_t n) {
  buf.resize(n);
  size_t got = 0;
  while (got < n) {
    const auto r = ::read(fd, buf.data() + got, n - got);
    if (r <= 0) return false;
    got += static_cast<size_t>(r);
  }
  return true;
}
}  // namespace

int main(int argc, char** argv) {
  const int orders = argc > 1 ? std::atoi(argv[1]) : 20000;
  const std::string key_type = argc > 2 ? argv[2] : "hmac";
  if (orders <= 0 || (key_type != "hmac" && key_type != "ed25519")) {
    std::fprintf(stderr, "usage: order_wire_bench [orders=20000] [hmac|ed25519]\n");
    return 2;
  }
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 1) != 0) return 1;
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  // The server: echoes every byte back, so the client's reads pace the run.
  std::thread server([&] {
    const int fd = ::accept(listener, nullptr, nullptr);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    char buf[65536];
    for (;;) {
      const auto n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      if (!write_all(fd, std::string(buf, static_cast<size_t>(n)))) break;
    }
    ::close(fd);
  });
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return 1;

  model::InstrumentSpec spec;
  spec.symbol = "BTCUSDT";
  spec.tick_size = *core::Price::parse("0.1");
  spec.step_size = *core::Qty::parse("0.001");
  spec.min_notional = *core::Money::parse("100");
  // Made once, as BinanceRest holds its credentials.
  const auto key = binance::SigningKey::from_secret(key_type == "ed25519" ? binance::make_ed25519_key_pair().first
                                                                          : "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j");
  const std::string api_key = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
  const auto http = [&](const binance::RestRequest& r) {
    return r.method + " " + r.path + "?" + r.params.signed_with(key) + " HTTP/1.1\r\nHost: fapi.binance.com\r\nX-MBX-APIKEY: " + api_key +
           "\r\nUser-Agent: fulcrum\r\nContent-Length: 0\r\n\r\n";
  };
  std::vector<int64_t> signed_ns, bare_ns, echo_ns;
  std::string echo;
  model::OrderRequest o;
  o.symbol = "BTCUSDT";
  o.type = model::OrderType::kMarket;
  o.quantity = *core::Qty::parse("0.002");
  o.leverage_x = 10;
  const auto reference = core::Price::parse("60000.1");
  for (int i = 0; i < orders; ++i) {
    o.client_order_id = "fixed-BTCUSDT-" + std::to_string(1'736'779'200'000 + i);
    o.side = i % 2 ? model::Side::kSell : model::Side::kBuy;
    const auto t0 = now_ns();
    const auto planned = binance::plan_new_order(o, spec, {1'736'779'200'000 + i, 5000}, reference);
    const auto text = http(std::get<binance::RestRequest>(planned));
    if (!write_all(fd, text)) return 1;
    signed_ns.push_back(now_ns() - t0);
    if (!read_exactly(fd, echo, text.size())) return 1;
    // The same bytes again, pre-built: the wire alone, and its round trip.
    const auto t1 = now_ns();
    if (!write_all(fd, echo)) return 1;
    const auto t2 = now_ns();
    if (!read_exactly(fd, echo, text.size())) return 1;
    const auto t3 = now_ns();
    bare_ns.push_back(t2 - t1);
    echo_ns.push_back(t3 - t1);
  }
  ::shutdown(fd, SHUT_RDWR);
  ::close(fd);
  server.join();
  ::close(listener);
  std::printf("order_wire_bench: %d market orders, %zu-byte %s-signed HTTP requests, loopback TCP (TCP_NODELAY), one process\n", orders, echo.size(),
              key_type.c_str());
  bench::report_latency("signed: order -> request written", signed_ns);
  bench::report_latency("bare: the same bytes pre-built -> written", bare_ns);
  bench::report_latency("echo: the bare request's round trip", echo_ns);
  return 0;
}
