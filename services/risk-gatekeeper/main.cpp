// risk-gatekeeper: every order batch passes here on its way to the router. New orders are
// checked by risk::PreTradeGate, the same object the planner runs (limits in mesh.risk),
// with the trading-halt flag in Redis as its state input; if
// Redis cannot be read, new orders are denied (fail closed). The flag is re-read every
// 100 ms between messages, never per order, and a reading older than 1 s counts as none. Stop amendments only tighten
// protection and always pass. Denials travel with the batch so the router's books show them.
#include <map>

#include "fulcrum/risk/pre_trade_gate.h"
#include "fulcrum/runtime/instant_gate.h"
#include "fulcrum/runtime/service.h"
#include "fulcrum/transport/strategy_codec.h"
#include "fulcrum/transport/topics.h"
#include "fulcrum/v1/orders.pb.h"

using namespace fulcrum;
using runtime::Service;
namespace topics = transport::topics;

namespace {

struct Options {
  std::string bind = "tcp://127.0.0.1:0";
  std::vector<std::string> decisions;
};

int run(Service& svc, const Options& o) {
  transport::Publisher pub(svc.zmq(), o.bind);
  transport::Subscriber sub(svc.zmq(), o.decisions, {topics::kDecisions});
  svc.watch(pub, {topics::kOrders});
  svc.watch(sub);
  // One pre-trade gate per account: its per-instant count is per account, as in the planner.
  std::map<std::string, risk::PreTradeGate> pre_trade;
  svc.on_reload([&](const config::AppConfig& c) {
    for (auto& [account, g] : pre_trade) g.set_limits(c.mesh.risk);
  });
  svc.ready();

  using Clock = std::chrono::steady_clock;
  constexpr auto kRefreshEvery = std::chrono::milliseconds(100);
  constexpr auto kMaxStateAge = std::chrono::milliseconds(1000);
  struct RiskState {
    Clock::time_point read_at{};
    Clock::time_point tried_at{};
    std::string halted;  // non-empty and not "0": trading halted, with the reason
    std::string error;
  } state;
  auto refresh_state = [&] {
    const auto now = Clock::now();
    if (now - state.tried_at < kRefreshEvery) return;
    state.tried_at = now;
    const auto halted = svc.redis().command({"GET", svc.key("trading_halted")});
    if (!halted) {
      state.error = svc.redis().last_error();
      svc.metrics().redis_errors().Increment();
      svc.metrics().redis_up().Set(0);
      return;
    }
    svc.metrics().redis_up().Set(1);
    state.read_at = now;
    state.halted = halted->kind == runtime::RedisReply::Kind::kString && halted->str != "0" ? halted->str : "";
  };
  std::map<std::string, runtime::InstantGate> gates;  // per account
  uint64_t passed = 0, denied = 0;
  v1::OrderBatch out;
  while (svc.running()) {
    auto got = sub.receive_as<v1::OrderBatch>(std::chrono::milliseconds(50));
    refresh_state();
    if (!got) {
      svc.tick();
      continue;
    }
    const int64_t recv_ns = runtime::wall_ns();
    const auto& in = got->second;
    if (!svc.accept(in.header(), got->first, recv_ns)) continue;
    if (!svc.admit_instant(in.instant_ms(), "order batch")) continue;
    auto& gate = gates[in.account()];
    const auto verdict = gate.classify(in.instant_ms());
    if (verdict == runtime::InstantGate::Verdict::kRepeat) pub.publish(topics::kOrders, gate.outputs().front());
    if (verdict != runtime::InstantGate::Verdict::kNew) continue;

    bool has_new_orders = false;
    for (const auto& c : in.commands()) has_new_orders |= c.has_submit();
    std::optional<risk::GateVerdict> state_denial;
    if (has_new_orders) {
      refresh_state();
      if (Clock::now() - state.read_at > kMaxStateAge)
        state_denial = risk::GateVerdict{risk::GateReason::kStateUnavailable, 0, 0, "risk state unreadable: " + state.error};
      else if (!state.halted.empty())
        state_denial = risk::GateVerdict{risk::GateReason::kTradingHalted, 0, 0, "trading halted: " + state.halted};
    }
    auto& account_gate = pre_trade.try_emplace(in.account(), svc.config().mesh.risk).first->second;
    account_gate.begin_instant();

    out.Clear();
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
      const auto v = account_gate.check({core::Qty::from_raw(order.quantity_raw()), core::Price::from_raw(order.reference_price_raw()), order.leverage_x()},
                                        state_denial);
      if (!v.allowed()) {
        auto* d = out.add_denied();
        d->set_allowed(false);
        d->set_reason(transport::to_proto(v.reason));
        d->set_observed(v.observed);
        d->set_limit(v.limit);
        d->set_detail(v.detail);
        *d->mutable_order() = order;
        ++denied;
        svc.metrics().rejections(in.account(), risk::to_string(v.reason)).Increment();
        svc.log().warn("event=order_denied account={} client_order_id={} reason={} observed={} limit={} detail=\"{}\"", in.account(),
                       order.client_order_id(), risk::to_string(v.reason), v.observed, v.limit, v.detail);
        continue;
      }
      ++passed;
      *out.add_commands() = c;
    }
    svc.stamp(*out.mutable_header(), "risk-gatekeeper", in.header().exchange_ts_ms(), &in.header(), recv_ns);
    gate.finish(in.instant_ms(), {out.SerializeAsString()});
    pub.publish(topics::kOrders, gate.outputs().front());
    svc.metrics().published(topics::kOrders).Increment();
    svc.set_counter("orders_passed", passed);
    svc.set_counter("orders_denied", denied);
    svc.tick();
  }
  return 0;
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
      [&](Service& svc) { return run(svc, o); });
}
