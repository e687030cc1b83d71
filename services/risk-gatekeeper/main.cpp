// risk-gatekeeper: every order batch passes here on its way to the router. New orders are
// checked by risk::PreTradeGate, the object the planner runs too (limits in mesh.risk), with
// the trading states as its state input, then on live data the feed's health, and on a live
// account the leverage brackets the order router read from the exchange. The gatekeeper
// serves the kill switch (runtime::KillSwitchDesk): the book lives in memory, in a local
// fsynced file and in Redis, and every change reaches the order router before Engage answers. Stop amendments only
// tighten protection and always pass. Denials travel with the batch so the router's books
// show them. It keeps no order state across instants, so no journal.
#include <map>

#include "fulcrum/risk/pre_trade_gate.h"
#include "fulcrum/runtime/account_bracket_watch.h"
#include "fulcrum/runtime/feed_watch.h"
#include "fulcrum/runtime/stage_host.h"
#include "fulcrum/runtime/trading_state_service.h"
#include "fulcrum/transport/strategy_codec.h"
#include "fulcrum/transport/scratch_message.h"
#include "fulcrum/transport/topics.h"

using namespace fulcrum;
namespace topics = transport::topics;

namespace {

struct Options {
  std::string bind = "tcp://127.0.0.1:0";
  std::vector<std::string> decisions;
  std::string router_control, trading_state_file;
  int ack_timeout_ms = 2000;
  bool feed_health = false;      // live market data: entries need its health fresh
  int64_t feed_max_age_ms = 3000;
  bool account_brackets = false;  // a live account: entries stay within the brackets the router read from the exchange
};

int run(runtime::Service& svc, const Options& o) {
  runtime::StageHost host(svc, {o.bind, topics::kOrders, ""});
  const auto& triggers = svc.config().mesh.kill_switch;
  runtime::KillSwitchDesk desk(svc, {o.trading_state_file, o.router_control, std::chrono::milliseconds(o.ack_timeout_ms), std::chrono::milliseconds(500),
                                     std::chrono::milliseconds(triggers.router_heartbeat_ms), triggers.rejection_burst,
                                     std::chrono::milliseconds(triggers.rejection_window_ms)});
  std::shared_ptr<const risk::TradingStateBook> book = desk.book();
  std::map<std::string, risk::PreTradeGate> gates;  // per account: its per-instant count is per account, as in the planner
  for (const auto& v : strategy::variant_list(svc.config().backtest))
    for (const auto r : risk::all_gate_reasons()) svc.metrics().rejections(v.id, risk::to_string(r));
  svc.on_reload([&](const config::AppConfig& c) {
    for (auto& [account, g] : gates) g.set_limits(c.mesh.risk);
  });
  uint64_t passed = 0, denied = 0;
  runtime::FeedWatch feed(svc, o.feed_health, o.feed_max_age_ms);
  runtime::AccountBracketWatch brackets(svc, o.account_brackets);
  feed.poll();
  brackets.poll();
  host.every_turn([&] {
    feed.poll();
    brackets.poll();
  });

  transport::ScratchMessage<v1::OrderBatch> checked;
  host.add_input_of<v1::OrderBatch>(o.decisions, {topics::kDecisions}, [&](const v1::OrderBatch& in, int64_t recv_ns) {
    // One stream per variant: split-mode variants share an account but each sends its own batch.
    const auto& variant = in.variant().empty() ? in.account() : in.variant();
    if (!svc.admit_instant(in.instant_ms(), "order batch") || !host.begin(in.instant_ms(), variant)) return false;
    if (desk.epoch() != book->epoch()) book = desk.book();
    auto& gate = gates.try_emplace(variant, svc.config().mesh.risk).first->second;  // per variant, as each planner has its own
    gate.begin_instant();
    auto& out = checked.fresh();
    out.set_account(in.account());
    out.set_variant(in.variant());
    out.set_config_hash(in.config_hash());
    out.set_policy_version(in.policy_version());
    out.set_instant_ms(in.instant_ms());
    *out.mutable_decisions() = in.decisions();  // the planner's records travel to the router's report
    for (const auto& c : in.commands()) {
      if (!c.has_submit()) {
        *out.add_commands() = c;
        continue;
      }
      const auto& order = c.submit();
      // Seed 001's checklist again, on the inputs the planner measured, under this gate's limits.
      std::optional<risk::GateContext> context;
      if (order.has_risk_context()) context = transport::from_proto(order.risk_context(), order);
      // The trading state first (an operator's word wins), then the live feed's health, then
      // the live account's own brackets.
      const risk::GateOrder gate_order{core::Qty::from_raw(order.quantity_raw()), core::Price::from_raw(order.reference_price_raw()), order.leverage_x()};
      auto denial = risk::state_verdict(*book, in.account(), order.symbol(), order.reduce_only());
      if (!denial) denial = feed.verdict(order.symbol(), order.reduce_only());
      if (!denial) denial = brackets.verdict(order.symbol(), gate_order, order.reduce_only());
      const auto v = gate.check(gate_order, denial, context ? &*context : nullptr);
      if (v.allowed()) {
        ++passed;
        *out.add_commands() = c;
        continue;
      }
      transport::to_proto(v, order, *out.add_denied());
      ++denied;
      svc.metrics().rejections(variant, risk::to_string(v.reason)).Increment();
      svc.log().warn("event=order_denied variant={} account={} client_order_id={} reason={} observed={} limit={} detail=\"{}\"", variant, in.account(),
                     order.client_order_id(), risk::to_string(v.reason), v.observed, v.limit, v.detail);
    }
    int gate_denials = 0;
    for (const auto& d : out.denied())
      // A stale feed's denials are the gate working, not a burst of bad orders: the kill switch's trigger ignores them too.
      if (d.reason() != v1::DENY_REASON_TRADING_HALTED && d.reason() != v1::DENY_REASON_REDUCING_ONLY && d.reason() != v1::DENY_REASON_FEED_STALE) ++gate_denials;
    desk.note_denials(gate_denials);
    svc.stamp(*out.mutable_header(), "risk-gatekeeper", in.header().exchange_ts_ms(), &in.header(), recv_ns);
    host.finish(in.instant_ms(), {out.SerializeAsString()}, variant);
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
        app.add_option("--router-control", o.router_control, "the order router's gRPC control host:port: every trading-state change goes there before Engage answers");
        app.add_option("--trading-state-file", o.trading_state_file, "the local fsynced copy of the trading states (survives Redis)");
        app.add_option("--ack-timeout-ms", o.ack_timeout_ms, "how long Engage waits for the router's acknowledgement")->check(CLI::Range(10, 60'000));
        app.add_flag("--feed-health", o.feed_health, "live market data: deny entries while market-data reports a symbol's stream stale, or stops reporting");
        app.add_option("--feed-max-age-ms", o.feed_max_age_ms, "--feed-health: a report older than this is no report")->check(CLI::Range(int64_t{500}, int64_t{600'000}));
        app.add_flag("--account-brackets", o.account_brackets,
                     "a live account: deny entries above the account's leverage brackets, which the order router reads from the exchange (denied until it has)");
      },
      [&](runtime::Service& svc) { return run(svc, o); });
}
