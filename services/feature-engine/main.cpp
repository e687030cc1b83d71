// feature-engine: base bars → signal bars → features (libs/strategy FeatureStage), one
// FeatureUpdate per instant. From a WebSocket replay it also measures the top of book
// (spread, depth, OBI) and the trade flow per symbol, on the update and as gauges. Instants at or before the last one finished are re-sends: the
// last one is answered from cache, older ones are dropped.
#include <unordered_map>

#include "fulcrum/backtest/data_loader.h"
#include "fulcrum/features/indicators.h"
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
  transport::Subscriber sub(svc.zmq(), o.market, {topics::kMarket});
  svc.watch(pub, {topics::kFeatures});
  svc.watch(sub);
  svc.ready();

  runtime::InstantGate gate;
  struct BookState {
    bool moved = false;
    core::TimestampMs time_ms = 0;
    features::BookMeasures measures;
    double buy_volume = 0, sell_volume = 0;
    uint64_t trades = 0;
    prometheus::Gauge *spread_bps = nullptr, *imbalance = nullptr, *depth = nullptr;
    prometheus::Counter *buys = nullptr, *sells = nullptr;
  };
  std::vector<BookState> books(symbols.size());
  auto book_for = [&](size_t sym) -> BookState& {
    auto& b = books[sym];
    if (!b.spread_bps) {
      auto& m = svc.metrics();
      const std::map<std::string, std::string> l{{"symbol", symbols[sym]}};
      b.spread_bps = &m.gauge("fulcrum_book_spread_bps", "Top-of-book spread in basis points of the mid", l);
      b.imbalance = &m.gauge("fulcrum_book_imbalance_ratio", "Order-book imbalance at the top, (bid qty − ask qty) / (bid qty + ask qty)", l);
      b.depth = &m.gauge("fulcrum_book_depth_notional_usd", "Bid plus ask size at the top, in quote currency", l);
      b.buys = &m.counter("fulcrum_trade_volume_total", "Traded base volume by aggressor side", {{"symbol", symbols[sym]}, {"aggressor", "buy"}});
      b.sells = &m.counter("fulcrum_trade_volume_total", "Traded base volume by aggressor side", {{"symbol", symbols[sym]}, {"aggressor", "sell"}});
    }
    return b;
  };
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
    if (!svc.accept(ev.header(), got->first, recv_ns)) continue;
    if (auto problem = transport::market_event_problem(ev)) {
      svc.count_malformed("market event: " + *problem);
      continue;
    }
    switch (ev.event_case()) {
      case v1::MarketEvent::kBar: {
        const auto it = index.find(ev.bar().symbol());
        if (it == index.end()) {
          svc.count_malformed("bar for unconfigured symbol '" + ev.bar().symbol() + "'");
          break;
        }
        const auto bar = transport::from_proto(ev.bar());
        if (!svc.admit_instant(bar.close_time_ms(), "bar")) break;
        if (gate.classify(bar.close_time_ms()) != runtime::InstantGate::Verdict::kNew) break;  // a re-sent instant
        stage.on_bar(it->second, bar);
        ++bars;
        break;
      }
      case v1::MarketEvent::kBookTop:
      case v1::MarketEvent::kTrade: {
        const bool is_book = ev.event_case() == v1::MarketEvent::kBookTop;
        const auto& symbol = is_book ? ev.book_top().symbol() : ev.trade().symbol();
        const auto it = index.find(symbol);
        if (it == index.end()) {
          svc.count_malformed("book or trade for unconfigured symbol '" + symbol + "'");
          break;
        }
        if (!svc.admit_instant(ev.header().exchange_ts_ms(), "book or trade")) break;
        if (gate.classify(ev.header().exchange_ts_ms()) != runtime::InstantGate::Verdict::kNew) break;
        auto& b = book_for(it->second);
        b.moved = true;
        if (is_book) {
          const auto top = transport::from_proto(ev.book_top());
          b.time_ms = top.event_time_ms;
          b.measures = features::book_measures(top.bid.to_double(), top.bid_qty.to_double(), top.ask.to_double(), top.ask_qty.to_double());
          b.spread_bps->Set(b.measures.spread_bps);
          b.imbalance->Set(b.measures.imbalance);
          b.depth->Set(b.measures.depth_notional);
        } else {
          const auto trade = transport::from_proto(ev.trade());
          const double q = trade.quantity.to_double();
          (trade.buyer_is_maker ? b.sell_volume : b.buy_volume) += q;
          (trade.buyer_is_maker ? b.sells : b.buys)->Increment(q);
          ++b.trades;
        }
        break;
      }
      case v1::MarketEvent::kInstantEnd: {
        const auto t = ev.instant_end().time_ms();
        if (!svc.admit_instant(t, "instant end")) break;
        const auto verdict = gate.classify(t);
        if (verdict == runtime::InstantGate::Verdict::kRepeat) pub.publish(topics::kFeatures, gate.outputs().front());
        if (verdict != runtime::InstantGate::Verdict::kNew) break;
        out.Clear();
        out.set_instant_ms(t);
        for (const auto& c : stage.take_closed()) transport::to_proto(symbols[c.symbol], c.symbol, c.features, *out.add_snapshots());
        for (size_t sym = 0; sym < books.size(); ++sym) {
          auto& b = books[sym];
          if (!b.moved) continue;
          auto* pb = out.add_books();
          pb->set_symbol(symbols[sym]);
          pb->set_time_ms(b.time_ms);
          pb->set_spread(b.measures.spread);
          pb->set_spread_bps(b.measures.spread_bps);
          pb->set_depth_notional(b.measures.depth_notional);
          pb->set_imbalance(b.measures.imbalance);
          pb->set_buy_volume(b.buy_volume);
          pb->set_sell_volume(b.sell_volume);
          pb->set_trades(b.trades);
          b.moved = false;
          b.buy_volume = b.sell_volume = 0;
          b.trades = 0;
        }
        svc.stamp(*out.mutable_header(), "feature-engine", ev.header().exchange_ts_ms(), &ev.header(), recv_ns);
        gate.finish(t, {out.SerializeAsString()});
        pub.publish(topics::kFeatures, gate.outputs().front());
        svc.metrics().published(topics::kFeatures).Increment();
        ++updates;
        break;
      }
      case v1::MarketEvent::EVENT_NOT_SET: svc.count_malformed("market event with no event set"); break;
      default: break;  // mark bars and funding do not move features
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
