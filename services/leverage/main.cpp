// leverage: one OrderPlanner per account (account = policy name). It plans against the
// order router's AccountSnapshot of the same instant through SnapshotGateway, which applies
// the venue's own acceptance rules, and emits one OrderBatch per account per instant.
// A batch the router does not acknowledge in time is re-sent; client order ids make that
// idempotent at the router.
#include <map>

#include "fulcrum/backtest/data_loader.h"
#include "fulcrum/backtest/engine.h"
#include "fulcrum/leverage/policies.h"
#include "fulcrum/runtime/instant_gate.h"
#include "fulcrum/runtime/service.h"
#include "fulcrum/strategy/account_view.h"
#include "fulcrum/transport/strategy_codec.h"
#include "fulcrum/transport/topics.h"

using namespace fulcrum;
using runtime::Service;
namespace topics = transport::topics;

namespace {

struct Options {
  std::string bind = "tcp://127.0.0.1:0";
  std::vector<std::string> signals;
  std::string router;       // order router's snapshot PUB
  std::string router_acks;  // order router's ack PUB
  std::vector<std::string> accounts;
  std::string variant = "A";
  bool force_orders = false;  // benchmarks: one order per account per instant
};

int run(Service& svc, const Options& o) {
  const auto& cfg = svc.config();
  const auto symbols = backtest::symbol_list(cfg.data);
  const auto specs = cfg.mesh_specs(symbols);
  const auto accounts = o.accounts.empty() ? backtest::policy_list(cfg.backtest) : o.accounts;
  const auto known = leverage::policy_names();
  for (const auto& a : accounts)
    if (std::find(known.begin(), known.end(), a) == known.end())
      throw runtime::StartupError(runtime::kExitConfig, "--accounts: unknown policy '" + a + "'");
  std::vector<strategy::OrderPlanner> planners;
  std::map<std::string, size_t> account_index;
  for (const auto& a : accounts) {
    account_index[a] = planners.size();
    planners.emplace_back(a, cfg.backtest.policies, cfg.backtest.strategy, specs, cfg.backtest.initial_equity);
  }
  const std::string policy_version = std::string("fulcrum-") + FULCRUM_VERSION + "/variant-" + o.variant;
  std::string joined;
  for (const auto& a : accounts) joined += (joined.empty() ? "" : ",") + a;
  svc.board().set_policy(joined, policy_version);

  transport::Publisher pub(svc.zmq(), o.bind);
  transport::Subscriber sig_sub(svc.zmq(), o.signals, {topics::kSignals});
  transport::Subscriber acct_sub(svc.zmq(), o.router, {topics::kAccounts, topics::kAcks});
  if (!o.router_acks.empty()) acct_sub.connect(o.router_acks);
  svc.watch(pub, {topics::kDecisions});
  svc.watch(sig_sub);
  svc.watch(acct_sub);
  svc.on_reload([&](const config::AppConfig& c) {
    for (auto& p : planners) p.set_pre_trade_limits(c.mesh.risk);
  });
  svc.ready();

  const bool lockstep = cfg.mesh.replay == config::ReplayMode::kLockstep;
  std::vector<std::optional<strategy::AccountView>> views(accounts.size());
  std::optional<strategy::InstantSignals> pending;
  v1::Header pending_header;
  int64_t pending_recv_ns = 0;
  runtime::InstantGate gate;
  auto last_sent = std::chrono::steady_clock::now();
  bool acked = true;
  uint64_t batches = 0, orders = 0;

  auto publish_cached = [&] {
    for (const auto& c : gate.outputs()) pub.publish(topics::kDecisions, c);
    last_sent = std::chrono::steady_clock::now();
  };
  auto try_plan = [&] {
    if (!pending) return;
    const auto t = pending->time_ms;
    for (const auto& v : views)
      if (!v || (lockstep ? v->instant_ms != t : false)) return;
    std::vector<std::string> batches_out;
    for (size_t a = 0; a < planners.size(); ++a) {
      const auto& view = *views[a];
      if (t >= cfg.backtest.from_ms && t % core::kMsPerHour == 0) planners[a].observe_equity(view.equity.to_double());
      strategy::SnapshotGateway gateway(view, specs, cfg.backtest.venue.taker_fee);
      planners[a].on_instant(*pending, gateway);
      v1::OrderBatch batch;
      batch.set_account(accounts[a]);
      batch.set_policy_version(policy_version);
      batch.set_instant_ms(t);
      for (const auto& d : planners[a].take_decisions()) transport::to_proto(d, *batch.add_decisions());
      for (const auto& c : gateway.take_commands()) {
        auto* pc = batch.add_commands();
        transport::to_proto(c, *pc);
        if (!c.is_amend) {
          const auto sym = std::find(symbols.begin(), symbols.end(), c.order.symbol) - symbols.begin();
          if (const auto& lp = view.last_prices[static_cast<size_t>(sym)]) pc->mutable_submit()->set_reference_price_raw(lp->raw);
          ++orders;
        }
      }
      if (o.force_orders && batch.commands_size() == 0) {
        // A reduce-only order that would add to the position (or open one): it travels the
        // whole path and the venue refuses it without touching the account.
        model::OrderRequest probe;
        probe.client_order_id = accounts[a] + "-force-" + std::to_string(t);
        probe.symbol = symbols.front();
        probe.side = view.positions.front().qty.raw > 0 ? model::Side::kBuy : model::Side::kSell;
        probe.quantity = specs.front().step_size;
        probe.reduce_only = true;
        auto* pc = batch.add_commands();
        transport::to_proto(probe, *pc->mutable_submit());
        if (const auto& lp = view.last_prices.front()) pc->mutable_submit()->set_reference_price_raw(lp->raw);
      }
      svc.stamp(*batch.mutable_header(), "leverage", pending_header.exchange_ts_ms(), &pending_header, pending_recv_ns);
      batches_out.push_back(batch.SerializeAsString());
    }
    gate.finish(t, std::move(batches_out));
    pending.reset();
    acked = false;
    ++batches;
    publish_cached();
    svc.metrics().published(topics::kDecisions).Increment(static_cast<double>(gate.outputs().size()));
  };

  const std::vector<transport::Subscriber*> inputs{&sig_sub, &acct_sub};
  while (svc.running()) {
    for (size_t which : runtime::poll_inputs(inputs, std::chrono::milliseconds(50))) {
      const int64_t recv_ns = runtime::wall_ns();
      if (which == 0) {
        auto got = sig_sub.receive_as<v1::InstantSignals>(std::chrono::milliseconds(0));
        if (!got) continue;
        if (!svc.accept(got->second.header(), got->first, recv_ns)) continue;
        if (!svc.admit_instant(got->second.instant_ms(), "instant signals")) continue;
        const auto verdict = gate.classify(got->second.instant_ms());
        if (verdict == runtime::InstantGate::Verdict::kRepeat) publish_cached();
        if (verdict != runtime::InstantGate::Verdict::kNew) continue;
        try {
          pending = transport::from_proto(got->second, symbols);
        } catch (const transport::WireError& e) {
          svc.count_malformed(std::string("instant signals: ") + e.what());
          continue;
        }
        pending_header = got->second.header();
        pending_recv_ns = recv_ns;
      } else {
        auto frame = acct_sub.receive(std::chrono::milliseconds(0));
        if (!frame) continue;
        if (frame->topic == topics::kAcks) {
          v1::InstantAck ack;
          if (!ack.ParseFromString(frame->payload)) {
            svc.count_malformed("unparsable ack");
            continue;
          }
          if (!svc.accept(ack.header(), frame->topic, recv_ns)) continue;
          if (gate.any() && ack.instant_ms() == gate.done()) acked = true;
          continue;
        }
        v1::AccountSnapshot snap;
        if (!snap.ParseFromString(frame->payload)) {
          svc.count_malformed("unparsable account snapshot (" + std::to_string(frame->payload.size()) + " bytes)");
          continue;
        }
        if (!svc.accept(snap.header(), frame->topic, recv_ns)) continue;
        if (!svc.admit_instant(snap.instant_ms(), "account snapshot")) continue;
        const auto it = account_index.find(snap.account());
        if (it == account_index.end()) continue;  // another variant's account
        try {
          views[it->second] = transport::from_proto(snap, symbols.size());
        } catch (const transport::WireError& e) {
          svc.count_malformed("account snapshot for '" + snap.account() + "': " + e.what());
        }
      }
      try_plan();
    }
    if (!acked && lockstep && std::chrono::steady_clock::now() - last_sent > std::chrono::milliseconds(cfg.mesh.resend_after_ms)) {
      svc.log().warn("event=batch_resend instant_ms={}", gate.done());
      publish_cached();
    }
    svc.set_counter("instants_planned", batches);
    svc.set_counter("orders_planned", orders);
    svc.tick();
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  return runtime::run_service(
      "leverage", argc, argv,
      [&](CLI::App& app) {
        app.add_option("--bind", o.bind, "PUB endpoint for order batches");
        app.add_option("--signals", o.signals, "signal-engine PUB endpoint(s)")->required();
        app.add_option("--router", o.router, "order-router snapshot PUB endpoint")->required();
        app.add_option("--router-acks", o.router_acks, "order-router ack PUB endpoint (re-sends stop once acknowledged)");
        app.add_option("--accounts", o.accounts, "policies to run, one account each (default: backtest.policies)");
        app.add_flag("--force-orders", o.force_orders, "benchmarks: send an order for every instant");
        app.add_option("--variant", o.variant, "A/B variant label reported in status and on every batch");
      },
      [&](Service& svc) { return run(svc, o); });
}
