// Live market data's hot path, beside a bare echo over the same loopback WebSocket, in one
// run: a server sends real frames (the capture through the exchange double's script), and
// the client either
//   echo:      writes each frame straight back (the least a client can do per message), or
//   pipeline:  parses it, runs binance::LiveAssembler, encodes each event as the proto
//              market-data publishes, and sends it on a ZeroMQ PUB (tcp loopback, read by
//              a SUB so nothing backs up).
// Each figure is client-side: from the frame's receipt to its last send returning. Also the
// echo's round trip measured at the server, for the loopback's own cost.
// Usage: ws_live_bench CAPTURE [frames=20000]
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "fulcrum/binance/capture_script.h"
#include "fulcrum/binance/live_assembler.h"
#include "fulcrum/marketdata/file_source.h"
#include "fulcrum/transport/live_codec.h"
#include "fulcrum/transport/endpoint.h"
#include "fulcrum/transport/topics.h"

#include "bench_report.h"

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace fulcrum;

namespace {
int64_t now_ns() { return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: ws_live_bench CAPTURE [frames=20000]\n");
    return 2;
  }
  const size_t want = argc > 2 ? std::stoul(argv[2]) : 20000;
  const auto file = marketdata::read_data_file(argv[1]);
  const auto script = binance::build_capture_script(file.bytes, 0.0001);
  std::vector<std::string> frames;
  for (const auto& ev : script.events) {
    if (ev.stream.ends_with("@trade")) continue;
    const auto name = ev.stream.ends_with("@depth") ? ev.stream + "@100ms" : ev.stream.ends_with("@markPrice") ? ev.stream + "@1s" : ev.stream;
    frames.push_back(binance::envelope(name, ev.data));
    if (frames.size() == want) break;
  }
  asio::io_context server_ioc;
  tcp::acceptor acceptor(server_ioc, {asio::ip::make_address("127.0.0.1"), 0});
  const auto port = acceptor.local_endpoint().port();
  std::vector<int64_t> round_trips;
  std::thread server([&] {
    auto socket = acceptor.accept();
    websocket::stream<tcp::socket> ws(std::move(socket));
    ws.accept();
    ws.text(true);
    beast::flat_buffer buffer;
    for (const auto& f : frames) {  // echo: one frame at a time
      const auto t0 = now_ns();
      ws.write(asio::buffer(f));
      buffer.clear();
      ws.read(buffer);
      round_trips.push_back(now_ns() - t0);
    }
    for (const auto& f : frames) ws.write(asio::buffer(f));  // pipeline: as fast as it takes them
    beast::error_code ec;
    ws.close(websocket::close_code::normal, ec);
  });

  asio::io_context ioc;
  websocket::stream<tcp::socket> ws(ioc);
  ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  ws.handshake("127.0.0.1", "/public/stream?streams=bench");
  beast::flat_buffer buffer;
  std::vector<int64_t> echo, pipeline;
  for (size_t i = 0; i < frames.size(); ++i) {
    buffer.clear();
    ws.read(buffer);
    const auto t0 = now_ns();
    ws.write(buffer.data());
    echo.push_back(now_ns() - t0);
  }
  zmq::context_t ctx;
  transport::Publisher pub(ctx, "tcp://127.0.0.1:*");
  std::atomic<bool> done{false};
  std::atomic<uint64_t> received{0};
  std::thread sink([&] {
    transport::Subscriber sub(ctx, pub.endpoint(), {transport::topics::kMarket});
    while (!done)
      if (sub.receive(std::chrono::milliseconds(50))) ++received;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the SUB joins
  binance::LiveAssembler assembler({script.symbol}, "1m");
  std::vector<binance::LiveEvent> out;
  v1::MarketEvent msg;
  std::string payload;
  uint64_t published = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    buffer.clear();
    ws.read(buffer);
    const auto t0 = now_ns();
    out.clear();
    const auto text = beast::buffers_to_string(buffer.data());
    assembler.on_message(text, t0, out);
    for (const auto& ev : out) {
      msg.Clear();
      transport::to_proto(ev, msg);
      auto* hop = msg.mutable_header()->add_hops();  // the stamp market-data puts on it
      hop->set_service("market-data");
      hop->set_send_ns(now_ns());
      msg.SerializeToString(&payload);
      pub.publish(transport::topics::kMarket, payload);
      ++published;
    }
    pipeline.push_back(now_ns() - t0);
  }
  beast::error_code ec;
  ws.read(buffer, ec);  // the server's close
  server.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  done = true;
  sink.join();
  std::printf("ws_live_bench: %zu real frames (%s, composed streams included), loopback WebSocket, one process\n", frames.size(), script.symbol.c_str());
  bench::report_latency("bare echo: receipt -> echo written", echo);
  bench::report_latency("pipeline: receipt -> protos published", pipeline);
  std::vector<int64_t> one_way;
  for (const auto rt : round_trips) one_way.push_back(rt / 2);
  bench::report_latency("loopback one way (echo round trip / 2)", one_way);
  std::printf("pipeline published %llu protos, the SUB received %llu\n", static_cast<unsigned long long>(published), static_cast<unsigned long long>(received.load()));
  return 0;
}
