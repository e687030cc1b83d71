// The pre-trade gate's cost per order, with and without trading states engaged: what the
// planner and the gatekeeper pay on every new order.
#include <benchmark/benchmark.h>

#include "fulcrum/risk/pre_trade_gate.h"

using namespace fulcrum;

static void BM_GateCheck(benchmark::State& state) {
  risk::PreTradeGate gate;
  risk::TradingStateBook book;
  for (int i = 0; i < state.range(0); ++i) {
    risk::EngageRequest r;
    r.scope = i == 0 ? risk::Scope::account("other") : risk::Scope::symbol("SYM" + std::to_string(i));
    r.state = risk::TradingState::kReducing;
    book.engage(r);
  }
  const risk::GateOrder order{*core::Qty::parse("0.01"), *core::Price::parse("50000"), 10};
  for (auto _ : state) {
    gate.begin_instant();
    auto v = gate.check(order, risk::state_verdict(book, "fixed", "BTCUSDT", false));
    benchmark::DoNotOptimize(v);
  }
  state.SetLabel(std::to_string(state.range(0)) + " engagements (none applying)");
}
BENCHMARK(BM_GateCheck)->Arg(0)->Arg(3)->Arg(50);
BENCHMARK_MAIN();
