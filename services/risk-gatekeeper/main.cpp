// risk-gatekeeper: every order batch passes here on its way to the router. New orders are
// checked by risk::PreTradeGate, the object the planner runs too (limits in mesh.risk), with
// the trading-halt flag in Redis as its state input. The flag is re-read every 100 ms, never
// per order, and a reading older than 1 s counts as none: new orders are then denied (fail
// closed). Stop amendments only tighten protection and always pass. Denials travel with the
// batch so the router's books show them. It keeps no state across instants, so no journal.
#include <map>

#include "fulcrum/risk/pre_trade_gate.h"
#include "fulcrum/runtime/redis_flag.h"
#include "fulcrum/runtime/stage_host.h"
#include "fulcrum/transport/strategy_codec.h"
#include "fulcrum/transport/topics.h"

using namespace fulcrum;
namespace topics = transport::topics;

namespace {

struct Options {
  std::string bind = "tcp://127.0.0.1:0";
  std::vector<std::string> decisions;
};

int run(runtime::Service& svc, const Options& o) {
  runtime::StageHost host(svc, {o.bind, topics::kOrders, ""});
  runtime::RedisFlag halted(svc, svc.key("trading_halted"), std::chrono::milliseconds(100), std::chrono::milliseconds(1000));
  std::map<std::string, risk::PreTradeGate> gates;  // per account: its per-instant count is per account, as in the planner
  svc.on_reload([&](const config::AppConfig& c) {
    for (auto& [account, g] : gates) g.set_limits(c.mesh.risk);
  });
  host.every_turn([&] { halted.refresh(); });
  uint64_t passed = 0, denied = 0;

  host.add_input_of<v1::OrderBatch>(o.decisions, {topics::kDecisions}, [&](const v1::OrderBatch& in, int64_t recv_ns) {
    if (!svc.admit_instant(in.instant_ms(), "order batch") || !host.begin(in.instant_ms(), in.account())) return false;
    std::optional<risk::GateVerdict> state_denial;
    if (std::any_of(in.commands().begin(), in.commands().end(), [](const auto& c) { return c.has_submit(); })) {
      halted.refresh();
      if (!halted.fresh()) state_denial = risk::GateVerdict{risk::GateReason::kStateUnavailable, 0, 0, "risk state unreadable: " + halted.error()};
      else if (halted.set()) state_denial = risk::GateVerdict{risk::GateReason::kTradingHalted, 0, 0, "trading halted: " + halted.value()};
    }
    auto& gate = gates.try_emplace(in.account(), svc.config().mesh.risk).first->second;
    gate.begin_instant();
    v1::OrderBatch out;
    out.set_account(in.account());
    out.set_policy_version(in.policy_version());
    out.set_instant_ms(in.instant_ms());
    *out.mutable_decisions() = in.decisions();  // the planner's records travel to the router's report
    for (const auto& c : in.commands()) {
      if (!c.has_submit()) {
        *out.add_commands() = c;
        continue;
      }
      const auto& order = c.submit();
      const auto v = gate.check({core::Qty::from_raw(order.quantity_raw()), core::Price::from_raw(order.reference_price_raw()), order.leverage_x()}, state_denial);
      if (v.allowed()) {
        ++passed;
        *out.add_commands() = c;
        continue;
      }
      transport::to_proto(v, order, *out.add_denied());
      ++denied;
      svc.metrics().rejections(in.account(), risk::to_string(v.reason)).Increment();
      svc.log().warn("event=order_denied account={} client_order_id={} reason={} observed={} limit={} detail=\"{}\"", in.account(),
                     order.client_order_id(), risk::to_string(v.reason), v.observed, v.limit, v.detail);
    }
    svc.stamp(*out.mutable_header(), "risk-gatekeeper", in.header().exchange_ts_ms(), &in.header(), recv_ns);
    host.finish(in.instant_ms(), {out.SerializeAsString()}, in.account());
    svc.set_counter("orders_passed", passed);
    svc.set_counter("orders_denied", denied);
    return true;
  });
  return host.run();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  return runtime::run_service(
      "risk-gatekeeper", argc, argv,
      [&](CLI::App& app) {
        app.add_option("--bind", o.bind, "PUB endpoint for checked order batches");
        app.add_option("--decisions", o.decisions, "leverage PUB endpoint(s), one per variant")->required();
      },
      [&](runtime::Service& svc) { return run(svc, o); });
}
