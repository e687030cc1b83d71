// signal-engine: features → universe, market context and breakout signals
// (strategy::SignalStage), one InstantSignals per instant. The loop, re-sends and the
// journal that makes a restart exact are StageHost's.
#include "fulcrum/runtime/stage_host.h"
#include "fulcrum/runtime/symbol_table.h"
#include "fulcrum/strategy/stages.h"
#include "fulcrum/transport/strategy_codec.h"
#include "fulcrum/transport/scratch_message.h"
#include "fulcrum/transport/topics.h"

using namespace fulcrum;
namespace topics = transport::topics;

namespace {

struct Options {
  std::string bind = "tcp://127.0.0.1:0";
  std::vector<std::string> features;
};

int run(runtime::Service& svc, const Options& o) {
  const auto& cfg = svc.config();
  const auto symbols = runtime::await_symbol_table(svc).names();
  strategy::SignalStage stage(symbols, cfg.backtest.signal, cfg.backtest.strategy.signal_interval_ms, cfg.backtest.from_ms);
  runtime::StageHost host(svc, {o.bind, topics::kSignals, "journal:signal-engine"});

  transport::ScratchMessage<v1::InstantSignals> signals;
  host.add_input_of<v1::FeatureUpdate>(o.features, {topics::kFeatures}, [&](const v1::FeatureUpdate& in, int64_t recv_ns) {
    const auto t = in.instant_ms();
    if (!svc.admit_instant(t, "feature update") || !host.begin(t)) return false;
    std::vector<strategy::ClosedBar> closed;
    for (const auto& snap : in.snapshots()) {
      if (snap.symbol_index() >= symbols.size() || symbols[snap.symbol_index()] != snap.symbol())
        return svc.count_malformed("feature snapshot for '" + snap.symbol() + "' at index " + std::to_string(snap.symbol_index()) +
                                   " does not match the config's symbols"),
               false;
      try {
        closed.push_back({snap.symbol_index(), transport::from_proto(snap)});
      } catch (const transport::WireError& e) {
        return svc.count_malformed(std::string("feature snapshot: ") + e.what()), false;
      }
    }
    auto& out = signals.fresh();
    transport::to_proto(stage.on_instant(t, closed, in.header().warmup()), symbols, out);
    svc.stamp(*out.mutable_header(), "signal-engine", in.header().exchange_ts_ms(), &in.header(), recv_ns);
    host.finish(t, {out.SerializeAsString()});
    svc.set_counter("signals", stage.signals_emitted());
    return true;
  });
  return host.run();
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
      [&](runtime::Service& svc) { return run(svc, o); });
}
