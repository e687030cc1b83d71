// feature-engine: base bars → signal bars → features (libs/strategy FeatureStage), one
// FeatureUpdate per instant. Instants at or before the last one finished are re-sends: the
// last one is answered from cache, older ones are dropped.
#include <unordered_map>

#include "fulcrum/backtest/data_loader.h"
#include "fulcrum/runtime/instant_gate.h"
#include "fulcrum/runtime/service.h"
#include "fulcrum/strategy/stages.h"
#include "fulcrum/transport/codec.h"
#include "fulcrum/transport/strategy_codec.h"
#include "fulcrum/transport/topics.h"
#include "fulcrum/v1/market.pb.h"

using namespace fulcrum;
using runtime::Service;
namespace topics = transport::topics;

namespace {

struct Options {
  std::string bind = "tcp://127.0.0.1:0";
  std::vector<std::string> market;
};

int run(Service& svc, const Options& o) {
  const auto& cfg = svc.config();
  const auto symbols = backtest::symbol_list(cfg.data);
  std::unordered_map<std::string, size_t> index;
  for (size_t i = 0; i < symbols.size(); ++i) index[symbols[i]] = i;
  strategy::FeatureStage stage(symbols.size(), cfg.backtest.features, cfg.backtest.strategy.signal_interval_ms);

  transport::Publisher pub(svc.zmq(), o.bind);
  transport::Subscriber sub(svc.zmq(), o.market.front(), {topics::kMarket});
  for (size_t i = 1; i < o.market.size(); ++i) sub.connect(o.market[i]);
  svc.watch(pub);
  svc.watch(sub);
  svc.ready();

  runtime::InstantGate gate;
  uint64_t bars = 0, updates = 0;
  v1::FeatureUpdate out;
  while (svc.running()) {
    auto got = sub.receive_as<v1::MarketEvent>(std::chrono::milliseconds(50));
    if (!got) {
      svc.tick();
      continue;
    }
    const int64_t recv_ns = runtime::wall_ns();
    const auto& ev = got->second;
    svc.accept(ev.header(), got->first, recv_ns);
    switch (ev.event_case()) {
      case v1::MarketEvent::kBar: {
        const auto it = index.find(ev.bar().symbol());
        if (it == index.end()) {
          svc.count_malformed("bar for unconfigured symbol '" + ev.bar().symbol() + "'");
          break;
        }
        const auto bar = transport::from_proto(ev.bar());
        if (gate.classify(bar.close_time_ms()) != runtime::InstantGate::Verdict::kNew) break;  // a re-sent instant
        stage.on_bar(it->second, bar);
        ++bars;
        break;
      }
      case v1::MarketEvent::kInstantEnd: {
        const auto t = ev.instant_end().time_ms();
        const auto verdict = gate.classify(t);
        if (verdict == runtime::InstantGate::Verdict::kRepeat) pub.publish(topics::kFeatures, gate.outputs().front());
        if (verdict != runtime::InstantGate::Verdict::kNew) break;
        out.Clear();
        out.set_instant_ms(t);
        for (const auto& c : stage.take_closed()) transport::to_proto(symbols[c.symbol], c.symbol, c.features, *out.add_snapshots());
        svc.stamp(*out.mutable_header(), "feature-engine", ev.header().exchange_ts_ms(), &ev.header(), recv_ns);
        gate.finish(t, {out.SerializeAsString()});
        pub.publish(topics::kFeatures, gate.outputs().front());
        svc.metrics().published(topics::kFeatures).Increment();
        ++updates;
        break;
      }
      case v1::MarketEvent::EVENT_NOT_SET: svc.count_malformed("market event with no event set"); break;
      default: break;  // mark bars, funding, book and trades do not move signal-bar features
    }
    svc.set_counter("bars", bars);
    svc.set_counter("feature_updates", updates);
    svc.tick();
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  return runtime::run_service(
      "feature-engine", argc, argv,
      [&](CLI::App& app) {
        app.add_option("--bind", o.bind, "PUB endpoint for feature updates");
        app.add_option("--market", o.market, "market-data PUB endpoint(s)")->required();
      },
      [&](Service& svc) { return run(svc, o); });
}
