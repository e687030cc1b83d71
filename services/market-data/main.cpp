// market-data: replays real Binance history onto the hot path, one instant at a time
// (runtime::run_replay: lockstep with the order router's acks, flat, or realtime). The
// source is the config's kline/mark/funding files, or (--ws) a recorded Binance WebSocket
// capture replayed as book tops and trades.
#include "binance_live.h"
#include "fulcrum/runtime/cli_checks.h"
#include "fulcrum/runtime/replay_driver.h"
#include "fulcrum/runtime/symbol_table.h"
#include "fulcrum/transport/topics.h"

using namespace fulcrum;
namespace topics = transport::topics;

namespace {

struct Options {
  std::string bind = "tcp://127.0.0.1:0";
  std::vector<std::string> acks;
  std::string ws_capture;
  std::string source = "files";
  runtime::ReplayOptions replay;
  market_data::LiveOptions live;
};

transport::ReplayFeed load_feed(runtime::Service& svc, const Options& o) {
  const auto& cfg = svc.config();
  if (!o.ws_capture.empty()) {
    auto capture = marketdata::read_ws_capture(o.ws_capture);
    if (!capture.report.issues.empty()) svc.log().warn("event=data_report detail=\"{}\"", capture.report.summary());
    svc.log().info("event=ws_capture file={} book_tops_and_trades={} depth_updates_skipped={}", o.ws_capture, capture.events.size(), capture.depth_updates);
    return transport::ReplayFeed::from_capture(std::move(capture));
  }
  auto loaded = marketdata::load_data(cfg.data, [&](const std::string& s) { return cfg.spec_for(s); });
  for (const auto& r : loaded.reports) svc.log().info("event=data_report detail=\"{}\"", r);
  return transport::ReplayFeed::from_files(std::move(loaded), cfg.backtest.to_ms);
}

int run(runtime::Service& svc, const Options& o) {
  const auto& cfg = svc.config();
  if (o.source == "binance") {
    runtime::publish_symbol_table(svc.redis(), svc.key(runtime::kSymbolTableKey), marketdata::symbol_list(cfg.data), cfg.data.klines);
    transport::Publisher pub(svc.zmq(), o.bind);
    svc.watch(pub, {topics::kMarket});
    auto live = o.live;
    live.join_wait_ms = o.replay.join_wait_ms;
    return market_data::run_binance_live(svc, pub, live);
  }
  if (cfg.backtest.from_ms == 0 || cfg.backtest.to_ms == 0)
    throw runtime::StartupError(runtime::kExitConfig, "config " + cfg.source + ": backtest.from and backtest.to are required by the mesh");
  const auto feed = load_feed(svc, o);
  // Before anything is published: every other service takes its symbol indices from it.
  runtime::publish_symbol_table(svc.redis(), svc.key(runtime::kSymbolTableKey), marketdata::symbol_list(cfg.data), cfg.data.klines);
  transport::Publisher pub(svc.zmq(), o.bind);
  svc.watch(pub, {topics::kMarket});
  std::unique_ptr<transport::Subscriber> acks;
  if (!o.acks.empty()) {
    acks = std::make_unique<transport::Subscriber>(svc.zmq(), o.acks, std::vector<std::string>{topics::kAcks});
    svc.watch(*acks);
  }
  return runtime::run_replay(svc, feed, pub, acks.get(), o.replay);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  return runtime::run_service(
      "market-data", argc, argv,
      [&](CLI::App& app) {
        app.add_option("--bind", o.bind, "PUB endpoint for market events");
        app.add_option("--acks", o.acks, "order router's ack PUB endpoint(s) (lockstep)");
        app.add_option("--rate", o.replay.rate, "publish at this many events/s (benchmarks)")->check(runtime::finite_range(0, 1e9));
        app.add_option("--max-instants", o.replay.max_instants, "stop after this many instants");
        app.add_option("--ws", o.ws_capture, "replay this Binance WebSocket capture (book tops, trades) instead of the config's files")
            ->check(CLI::ExistingFile);
        app.add_option("--source", o.source, "files (the config's history, or --ws), or binance (the exchange's live streams)")
            ->check(CLI::IsMember({"files", "binance"}));
        app.add_option("--binance-ws", o.live.ws_base, "binance: the WebSocket base (routed paths /public, /market are added)");
        app.add_option("--binance-rest", o.live.rest_base, "binance: the REST base (depth snapshots)");
        app.add_option("--ca-file", o.live.ca_file, "binance: trust only this CA (PEM) instead of the system's")->check(CLI::ExistingFile);
        app.add_option("--kline-interval", o.live.kline_interval, "binance: the bar interval the strategy trades");
        app.add_option("--warmup-hours", o.live.warmup_hours,
                       "binance: history sent first from GET /fapi/v1/klines, never traded (-1: what the config's features need; 0: none)")
            ->check(runtime::finite_range(-1, 24.0 * 366));
        app.add_option("--record", o.live.record, "binance: append every message as '<receive ns> <json>' (replayable with --ws)");
        app.add_option("--duration-s", o.live.duration_s, "binance: stop after this many seconds (0: until told)")->check(runtime::finite_range(0, 1e9));
        app.add_option("--join-wait-ms", o.replay.join_wait_ms, "flat/realtime: wait this long for subscribers before replaying")->check(CLI::Range(0, 60'000));
      },
      [&](runtime::Service& svc) { return run(svc, o); });
}
