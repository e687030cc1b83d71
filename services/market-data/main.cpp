// market-data: replays real Binance history onto the hot path, one instant at a time.
// Lockstep waits for the order router's acknowledgement of each instant and re-sends an
// instant that goes unacknowledged (every downstream stage drops what it has already done,
// so a re-send is harmless); flat runs flat out; realtime paces by exchange time / speed.
// Sources: the config's kline/mark/funding files, or (--ws) a recorded Binance WebSocket
// capture, replayed as book tops and trades.
#include <charconv>
#include <thread>

#include "fulcrum/marketdata/dataset.h"
#include "fulcrum/marketdata/replay_merge.h"
#include "fulcrum/marketdata/ws_capture.h"
#include "fulcrum/runtime/service.h"
#include "fulcrum/transport/codec.h"
#include "fulcrum/transport/topics.h"
#include "fulcrum/v1/market.pb.h"
#include "fulcrum/v1/orders.pb.h"

using namespace fulcrum;
using runtime::Service;
namespace topics = transport::topics;

namespace {

struct Options {
  std::string bind = "tcp://127.0.0.1:0";
  std::vector<std::string> acks;
  double rate = 0;        // events/s override (benchmarks); 0 = by config
  size_t max_instants = 0;
  int join_wait_ms = 1000;
  std::string ws_capture;  // free-running modes: let subscribers connect before the first event
};

int run(Service& svc, const Options& o) {
  const auto& cfg = svc.config();
  if (cfg.backtest.from_ms == 0 || cfg.backtest.to_ms == 0)
    throw runtime::StartupError(runtime::kExitConfig, "config " + cfg.source + ": backtest.from and backtest.to are required by the mesh");
  // The replay as a list of events, each with its instant (non-decreasing) and a way to
  // write it into a message.
  std::vector<core::TimestampMs> times;
  std::function<void(size_t, v1::MarketEvent&)> fill;
  marketdata::LoadedData loaded;
  std::vector<marketdata::ReplayEvent> events;
  marketdata::WsCapture capture;
  if (!o.ws_capture.empty()) {
    capture = marketdata::read_ws_capture(o.ws_capture);
    if (!capture.report.issues.empty()) svc.log().warn("event=data_report detail=\"{}\"", capture.report.summary());
    core::TimestampMs t = std::numeric_limits<core::TimestampMs>::min();
    // Exchange times in a capture step back now and then across streams; an instant never does.
    for (const auto& e : capture.events) times.push_back(t = std::max(t, e.event_time_ms));
    fill = [&](size_t i, v1::MarketEvent& msg) {
      const auto& e = capture.events[i];
      if (e.kind == marketdata::WsEvent::Kind::kBookTop) transport::to_proto(e.symbol, e.book, *msg.mutable_book_top());
      else transport::to_proto(e.symbol, e.trade, *msg.mutable_trade());
    };
    svc.log().info("event=ws_capture file={} book_tops_and_trades={} depth_updates_skipped={}", o.ws_capture, capture.events.size(), capture.depth_updates);
  } else {
    loaded = marketdata::load_data(cfg.data, [&](const std::string& s) { return cfg.spec_for(s); });
    for (const auto& r : loaded.reports) svc.log().info("event=data_report detail=\"{}\"", r);
    std::vector<marketdata::SymbolStreams> streams;
    for (const auto& d : loaded.symbols)
      streams.push_back({&d.bars, d.mark_bars.empty() ? nullptr : &d.mark_bars, d.funding.empty() ? nullptr : &d.funding});
    events = marketdata::merge_streams(streams, std::numeric_limits<core::TimestampMs>::min() / 2, cfg.backtest.to_ms);
    for (const auto& e : events) times.push_back(e.time_ms);
    fill = [&](size_t i, v1::MarketEvent& msg) {
      const auto& ev = events[i];
      const auto& d = loaded.symbols[ev.symbol_index];
      switch (ev.kind) {
        case marketdata::ReplayKind::kBarClose: transport::to_proto(d.spec.symbol, d.bars[ev.seq], *msg.mutable_bar()); break;
        case marketdata::ReplayKind::kMarkClose: transport::to_proto(d.spec.symbol, d.mark_bars[ev.seq], *msg.mutable_mark_bar()); break;
        case marketdata::ReplayKind::kFunding: transport::to_proto(d.spec.symbol, d.funding[ev.seq], *msg.mutable_funding()); break;
      }
    };
  }

  transport::Publisher pub(svc.zmq(), o.bind);
  svc.watch(pub, {topics::kMarket});
  std::unique_ptr<transport::Subscriber> acks;
  if (!o.acks.empty()) {
    acks = std::make_unique<transport::Subscriber>(svc.zmq(), o.acks, std::vector<std::string>{topics::kAcks});
    svc.watch(*acks);
  }
  const bool lockstep = cfg.mesh.replay == config::ReplayMode::kLockstep && acks;
  svc.log().info("event=replay_start events={} mode={} bind={}", times.size(),
                 lockstep ? "lockstep" : (cfg.mesh.replay == config::ReplayMode::kFlat ? "flat" : "realtime"), pub.endpoint());
  svc.ready();

  v1::MarketEvent msg;
  std::string payload;
  uint64_t published = 0, resends = 0, instants = 0;
  auto send = [&](const std::string& topic) {
    msg.SerializeToString(&payload);
    if (pub.publish(topic, payload)) ++published;
    else svc.metrics().dropped().Increment();
    svc.metrics().published(topic).Increment();
  };
  auto send_instant = [&](size_t begin, size_t end, core::TimestampMs t) {
    for (size_t i = begin; i < end; ++i) {
      msg.Clear();
      svc.stamp(*msg.mutable_header(), "market-data", times[i], nullptr, runtime::wall_ns());
      fill(i, msg);
      send(topics::kMarket);
    }
    msg.Clear();
    svc.stamp(*msg.mutable_header(), "market-data", t, nullptr, runtime::wall_ns());
    msg.mutable_instant_end()->set_time_ms(t);
    send(topics::kMarket);
  };
  // Waits for the router's ack of instant `t` (or of the replay end); re-sends on silence.
  auto await_ack = [&](const std::function<void()>& resend, core::TimestampMs t, bool replay_end) {
    // Until the first ack the subscribers may still be connecting: retry sooner.
    const auto wait = std::chrono::milliseconds(instants == 0 ? std::min(250, cfg.mesh.resend_after_ms) : cfg.mesh.resend_after_ms);
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (svc.running()) {
      if (auto got = acks->receive_as<v1::InstantAck>(std::chrono::milliseconds(20))) {
        if (svc.accept(got->second.header(), topics::kAcks, runtime::wall_ns()) && got->second.instant_ms() == t && got->second.replay_end() == replay_end) return true;
      }
      svc.tick();
      if (std::chrono::steady_clock::now() >= deadline) {
        ++resends;
        svc.log().warn("event=lockstep_resend instant_ms={} after_ms={}", t, cfg.mesh.resend_after_ms);
        resend();
        deadline = std::chrono::steady_clock::now() + wait;
      }
    }
    return false;
  };

  // PUB drops what it sends before a subscriber's connection is up. Lockstep recovers by
  // re-sending; the free-running modes give subscribers this long to join instead.
  if (!lockstep) std::this_thread::sleep_for(std::chrono::milliseconds(o.join_wait_ms));
  const auto wall_start = std::chrono::steady_clock::now();
  const core::TimestampMs first_t = times.empty() ? 0 : times.front();
  size_t begin = 0, sent_events = 0;
  // A restarted market-data resumes after the last instant the router acknowledged (the
  // router commits it with its journal), instead of replaying from the start and stalling.
  if (lockstep) {
    if (const auto acked = svc.redis().command({"GET", svc.key(transport::state_keys::kAckedInstant)}); acked && acked->kind == runtime::RedisReply::Kind::kString) {
      core::TimestampMs after = 0;
      const auto [end, ec] = std::from_chars(acked->str.data(), acked->str.data() + acked->str.size(), after);
      if (ec != std::errc() || end != acked->str.data() + acked->str.size())
        throw runtime::StartupError(runtime::kExitRuntime, svc.key(transport::state_keys::kAckedInstant) + " holds '" + acked->str.substr(0, 40) + "', not an instant");
      while (begin < times.size() && times[begin] <= after) ++begin;
      if (begin > 0) svc.log().warn("event=resumed after_instant_ms={} skipped_events={}", after, begin);
    }
  }
  while (begin < times.size() && svc.running()) {
    const auto t = times[begin];
    size_t end = begin;
    while (end < times.size() && times[end] == t) ++end;
    if (o.rate > 0) {
      const auto due = wall_start + std::chrono::nanoseconds(static_cast<int64_t>(static_cast<double>(sent_events) * 1e9 / o.rate));
      std::this_thread::sleep_until(due);
    } else if (cfg.mesh.replay == config::ReplayMode::kRealtime) {
      const auto due = wall_start + std::chrono::nanoseconds(static_cast<int64_t>(static_cast<double>(t - first_t) * 1e6 / cfg.mesh.speed));
      while (svc.running() && std::chrono::steady_clock::now() < due) {
        std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(due - std::chrono::steady_clock::now(), std::chrono::milliseconds(50)));
        svc.tick();
      }
    }
    send_instant(begin, end, t);
    sent_events += end - begin;
    if (lockstep && !await_ack([&] { send_instant(begin, end, t); }, t, false)) break;
    begin = end;
    ++instants;
    svc.set_counter("instants_replayed", instants);
    svc.set_counter("lockstep_resends", resends);
    svc.tick();
    if (o.max_instants && instants >= o.max_instants) break;
  }
  if (svc.running()) {
    auto send_end = [&] {
      msg.Clear();
      svc.stamp(*msg.mutable_header(), "market-data", cfg.backtest.to_ms, nullptr, runtime::wall_ns());
      msg.mutable_replay_end()->set_to_ms(cfg.backtest.to_ms);
      msg.mutable_replay_end()->set_last_instant_ms(begin > 0 ? times[begin - 1] : 0);
      msg.mutable_replay_end()->set_instants(instants);
      send(topics::kMarket);
    };
    send_end();
    if (acks) await_ack(send_end, cfg.backtest.to_ms, true);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  svc.log().info("event=replay_done instants={} messages={} resends={} seconds={:.2f}", instants, published, resends, secs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  return runtime::run_service(
      "market-data", argc, argv,
      [&](CLI::App& app) {
        app.add_option("--bind", o.bind, "PUB endpoint for market events");
        app.add_option("--acks", o.acks, "order router's ack PUB endpoint(s) (lockstep)");
        app.add_option("--rate", o.rate, "publish at this many events/s (benchmarks)");
        app.add_option("--max-instants", o.max_instants, "stop after this many instants");
        app.add_option("--ws", o.ws_capture, "replay this Binance WebSocket capture (book tops, trades) instead of the config's files")
            ->check(CLI::ExistingFile);
        app.add_option("--join-wait-ms", o.join_wait_ms, "flat/realtime: wait this long for subscribers before replaying")->check(CLI::Range(0, 60'000));
      },
      [&](Service& svc) { return run(svc, o); });
}
