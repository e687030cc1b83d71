// risk-gatekeeper: every order batch passes here on its way to the router. New orders are
// checked against the pre-trade limits (mesh.risk) and the trading-halt flag in Redis; if
// Redis cannot be read, new orders are denied (fail closed). The flag is re-read every
// 100 ms between messages, never per order, and a reading older than 1 s counts as none. Stop amendments only tighten
// protection and always pass. Denials travel with the batch so the router's books show them.
#include <map>

#include "fulcrum/runtime/instant_gate.h"
#include "fulcrum/runtime/service.h"
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

const char* deny_name(v1::DenyReason r) {
  switch (r) {
    case v1::DENY_REASON_TRADING_HALTED: return "TRADING_HALTED";
    case v1::DENY_REASON_STATE_UNAVAILABLE: return "STATE_UNAVAILABLE";
    case v1::DENY_REASON_LEVERAGE_ABOVE_BRACKET: return "LEVERAGE_LIMIT";
    case v1::DENY_REASON_INVALID_QUANTITY: return "ORDER_LIMIT";
    default: return "OTHER";
  }
}

int run(Service& svc, const Options& o) {
  transport::Publisher pub(svc.zmq(), o.bind);
  transport::Subscriber sub(svc.zmq(), o.decisions, {topics::kDecisions});
  svc.watch(pub, {topics::kOrders});
  svc.watch(sub);
  config::RiskLimits limits = svc.config().mesh.risk;
  svc.on_reload([&](const config::AppConfig& c) { limits = c.mesh.risk; });
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
    svc.accept(in.header(), got->first, recv_ns);
    auto& gate = gates[in.account()];
    const auto verdict = gate.classify(in.instant_ms());
    if (verdict == runtime::InstantGate::Verdict::kRepeat) pub.publish(topics::kOrders, gate.outputs().front());
    if (verdict != runtime::InstantGate::Verdict::kNew) continue;

    bool has_new_orders = false;
    for (const auto& c : in.commands()) has_new_orders |= c.has_submit();
    std::optional<v1::DenyReason> batch_denial;
    std::string halt_detail;
    if (has_new_orders) {
      refresh_state();
      if (Clock::now() - state.read_at > kMaxStateAge) {
        batch_denial = v1::DENY_REASON_STATE_UNAVAILABLE;
        halt_detail = "risk state unreadable: " + state.error;
      } else if (!state.halted.empty()) {
        batch_denial = v1::DENY_REASON_TRADING_HALTED;
        halt_detail = "trading halted: " + state.halted;
      }
    }

    out.Clear();
    out.set_account(in.account());
    out.set_policy_version(in.policy_version());
    out.set_instant_ms(in.instant_ms());
    int new_orders = 0;
    for (const auto& c : in.commands()) {
      if (!c.has_submit()) {
        *out.add_commands() = c;
        continue;
      }
      const auto& order = c.submit();
      const double notional = static_cast<double>(order.quantity_raw()) * 1e-8 * static_cast<double>(order.reference_price_raw()) * 1e-8;
      std::optional<v1::DenyReason> reason = batch_denial;
      std::string detail = halt_detail;
      double observed = 0, limit = 0;
      if (!reason && order.leverage_x() > limits.max_leverage_x) {
        reason = v1::DENY_REASON_LEVERAGE_ABOVE_BRACKET;
        observed = order.leverage_x(), limit = limits.max_leverage_x;
        detail = "leverage above mesh.risk.max_leverage_x";
      } else if (!reason && notional > limits.max_order_notional) {
        reason = v1::DENY_REASON_INVALID_QUANTITY;
        observed = notional, limit = limits.max_order_notional;
        detail = "notional above mesh.risk.max_order_notional";
      } else if (!reason && new_orders >= limits.max_orders_per_instant) {
        reason = v1::DENY_REASON_INVALID_QUANTITY;
        observed = new_orders + 1, limit = limits.max_orders_per_instant;
        detail = "more orders this instant than mesh.risk.max_orders_per_instant";
      }
      if (reason) {
        auto* v = out.add_denied();
        v->set_allowed(false);
        v->set_reason(*reason);
        v->set_observed(observed);
        v->set_limit(limit);
        v->set_detail(detail);
        *v->mutable_order() = order;
        ++denied;
        svc.metrics().rejections(in.account(), deny_name(*reason)).Increment();
        svc.log().warn("event=order_denied account={} client_order_id={} reason={} detail=\"{}\"", in.account(), order.client_order_id(), deny_name(*reason), detail);
        continue;
      }
      ++new_orders;
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
