// signal-engine: features → universe, market context and breakout signals (libs/strategy
// SignalStage), one InstantSignals per instant, re-sends answered from cache.
#include "fulcrum/backtest/data_loader.h"
#include "fulcrum/runtime/instant_gate.h"
#include "fulcrum/runtime/service.h"
#include "fulcrum/strategy/stages.h"
#include "fulcrum/transport/strategy_codec.h"
#include "fulcrum/transport/topics.h"

using namespace fulcrum;
using runtime::Service;
namespace topics = transport::topics;

namespace {

struct Options {
  std::string bind = "tcp://127.0.0.1:0";
  std::vector<std::string> features;
};

int run(Service& svc, const Options& o) {
  const auto& cfg = svc.config();
  const auto symbols = backtest::symbol_list(cfg.data);
  strategy::SignalStage stage(symbols, cfg.backtest.signal, cfg.backtest.strategy.signal_interval_ms, cfg.backtest.from_ms);

  transport::Publisher pub(svc.zmq(), o.bind);
  transport::Subscriber sub(svc.zmq(), o.features, {topics::kFeatures});
  svc.watch(pub, {topics::kSignals});
  svc.watch(sub);
  svc.ready();

  runtime::InstantGate gate;
  v1::InstantSignals out;
  while (svc.running()) {
    auto got = sub.receive_as<v1::FeatureUpdate>(std::chrono::milliseconds(50));
    if (!got) {
      svc.tick();
      continue;
    }
    const int64_t recv_ns = runtime::wall_ns();
    const auto& in = got->second;
    if (!svc.accept(in.header(), got->first, recv_ns)) continue;
    const auto t = in.instant_ms();
    if (!svc.admit_instant(t, "feature update")) continue;
    const auto verdict = gate.classify(t);
    if (verdict == runtime::InstantGate::Verdict::kRepeat) pub.publish(topics::kSignals, gate.outputs().front());
    if (verdict != runtime::InstantGate::Verdict::kNew) continue;
    std::vector<strategy::ClosedBar> closed;
    bool bad = false;
    for (const auto& snap : in.snapshots()) {
      if (snap.symbol_index() >= symbols.size() || symbols[snap.symbol_index()] != snap.symbol()) {
        svc.count_malformed("feature snapshot for '" + snap.symbol() + "' at index " + std::to_string(snap.symbol_index()) + " does not match the config's symbols");
        bad = true;
        break;
      }
      try {
        closed.push_back({snap.symbol_index(), transport::from_proto(snap)});
      } catch (const transport::WireError& e) {
        svc.count_malformed(std::string("feature snapshot: ") + e.what());
        bad = true;
        break;
      }
    }
    if (bad) continue;
    const auto signals = stage.on_instant(t, closed);
    out.Clear();
    transport::to_proto(signals, symbols, out);
    svc.stamp(*out.mutable_header(), "signal-engine", in.header().exchange_ts_ms(), &in.header(), recv_ns);
    gate.finish(t, {out.SerializeAsString()});
    pub.publish(topics::kSignals, gate.outputs().front());
    svc.metrics().published(topics::kSignals).Increment();
    svc.set_counter("signals", stage.signals_emitted());
    svc.tick();
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  return runtime::run_service(
      "signal-engine", argc, argv,
      [&](CLI::App& app) {
        app.add_option("--bind", o.bind, "PUB endpoint for instant signals");
        app.add_option("--features", o.features, "feature-engine PUB endpoint(s)")->required();
      },
      [&](Service& svc) { return run(svc, o); });
}
