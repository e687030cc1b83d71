// feature-engine: base bars → signal bars → features (strategy::FeatureStage), and from a
// WebSocket replay the top of book and trade flow (strategy::FlowStage), one FeatureUpdate
// per instant. The loop, re-sends and the journal that makes a restart exact are StageHost's.
#include "fulcrum/runtime/stage_host.h"
#include "fulcrum/runtime/symbol_table.h"
#include "fulcrum/strategy/stages.h"
#include "fulcrum/transport/codec.h"
#include "fulcrum/transport/strategy_codec.h"
#include "fulcrum/transport/scratch_message.h"
#include "fulcrum/transport/topics.h"

using namespace fulcrum;
namespace topics = transport::topics;

namespace {

struct Options {
  std::string bind = "tcp://127.0.0.1:0";
  std::vector<std::string> market;
};

int run(runtime::Service& svc, const Options& o) {
  const auto& cfg = svc.config();
  const auto symbols = runtime::await_symbol_table(svc);
  strategy::FeatureStage features(symbols.size(), cfg.backtest.features, cfg.backtest.strategy.signal_interval_ms);
  strategy::FlowStage flow(symbols.size());
  runtime::BookGauges book_gauges(svc.metrics(), symbols.names());
  runtime::StageHost host(svc, {o.bind, topics::kFeatures, "journal:feature-engine"});
  transport::ScratchMessage<v1::FeatureUpdate> update;

  host.add_input_of<v1::MarketEvent>(o.market, {topics::kMarket}, [&](const v1::MarketEvent& ev, int64_t recv_ns) {
    if (auto problem = transport::market_event_problem(ev)) return svc.count_malformed("market event: " + *problem), false;
    if (ev.has_instant_end()) {
      const auto t = ev.instant_end().time_ms();
      if (!svc.admit_instant(t, "instant end") || !host.begin(t)) return false;
      auto& out = update.fresh();
      out.set_instant_ms(t);
      for (const auto& c : features.take_closed()) transport::to_proto(symbols.name(c.symbol), c.symbol, c.features, *out.add_snapshots());
      for (const auto& f : flow.take_moved()) transport::to_proto(symbols.name(f.symbol), f, *out.add_books());
      svc.stamp(*out.mutable_header(), "feature-engine", ev.header().exchange_ts_ms(), &ev.header(), recv_ns);
      host.finish(t, {out.SerializeAsString()});
      return true;
    }
    if (!ev.has_bar() && !ev.has_book_top() && !ev.has_trade()) return false;  // mark bars and funding do not move features
    const auto& symbol = ev.has_bar() ? ev.bar().symbol() : ev.has_book_top() ? ev.book_top().symbol() : ev.trade().symbol();
    const auto index = symbols.find(symbol);
    if (!index) return svc.count_malformed("market event for unconfigured symbol '" + symbol + "'"), false;
    const auto bar = ev.has_bar() ? std::optional(transport::from_proto(ev.bar())) : std::nullopt;
    const auto t = bar ? bar->close_time_ms() : ev.header().exchange_ts_ms();
    if (!svc.admit_instant(t, "market event") || host.gate().classify(t) != runtime::InstantGate::Verdict::kNew) return false;  // a re-sent instant
    if (bar) {
      features.on_bar(*index, *bar);
    } else if (ev.has_book_top()) {
      book_gauges.set(*index, flow.on_book_top(*index, transport::from_proto(ev.book_top())));
    } else {
      const auto trade = transport::from_proto(ev.trade());
      flow.on_trade(*index, trade);
      book_gauges.add_trade(*index, trade);
    }
    return true;
  });
  return host.run();
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
      [&](runtime::Service& svc) { return run(svc, o); });
}
