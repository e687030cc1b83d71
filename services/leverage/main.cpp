// leverage: one OrderPlanner per account (account = policy name), planning each instant
// against the order router's AccountSnapshot of that instant (strategy::plan_instant, the
// venue's own acceptance rules), one OrderBatch per account per instant. A batch the router
// does not acknowledge in time is re-sent; client order ids make that idempotent at the
// router. The loop, re-sends and the journal that makes a restart exact are StageHost's.
#include <map>

#include <fmt/ranges.h>

#include "fulcrum/marketdata/dataset.h"
#include "fulcrum/strategy/run_config.h"
#include "fulcrum/runtime/stage_host.h"
#include "fulcrum/strategy/account_view.h"
#include "fulcrum/transport/strategy_codec.h"
#include "fulcrum/transport/topics.h"

using namespace fulcrum;
namespace topics = transport::topics;

namespace {

struct Options {
  std::string bind = "tcp://127.0.0.1:0";
  std::vector<std::string> signals, accounts;
  std::string router, router_acks;  // the order router's snapshot PUB and its ack PUB
  std::string variant = "A";
  bool force_orders = false;  // benchmarks: one order per account per instant
};

int run(runtime::Service& svc, const Options& o) {
  const auto& cfg = svc.config();
  const auto symbols = marketdata::symbol_list(cfg.data);
  const auto specs = cfg.mesh_specs(symbols);
  const auto accounts = o.accounts.empty() ? strategy::policy_list(cfg.backtest) : o.accounts;
  std::vector<strategy::OrderPlanner> planners;
  std::map<std::string, size_t> account_index;
  for (const auto& a : accounts) {
    if (!leverage::is_policy_name(a)) throw runtime::StartupError(runtime::kExitConfig, "--accounts: unknown policy '" + a + "'");
    account_index[a] = planners.size();
    planners.emplace_back(a, cfg.backtest.policies, cfg.backtest.strategy, specs, cfg.backtest.initial_equity);
  }
  const std::string policy_version = std::string("fulcrum-") + FULCRUM_VERSION + "/variant-" + o.variant;
  svc.board().set_policy(fmt::format("{}", fmt::join(accounts, ",")), policy_version);
  svc.on_reload([&](const config::AppConfig& c) {
    for (auto& p : planners) p.set_pre_trade_limits(c.mesh.risk);
  });
  runtime::StageHost host(svc, {o.bind, topics::kDecisions, "journal:leverage-" + o.variant});
  std::vector<std::optional<strategy::AccountView>> views(accounts.size());
  std::optional<std::pair<strategy::InstantSignals, v1::Header>> pending;  // signals waiting for every account's view
  const bool lockstep = cfg.mesh.replay == config::ReplayMode::kLockstep;
  auto last_sent = std::chrono::steady_clock::now();
  bool acked = true;

  auto try_plan = [&](int64_t recv_ns) {
    if (!pending) return;
    const auto& [signals, cause] = *pending;
    for (const auto& v : views)
      if (!v || (lockstep && v->instant_ms != signals.time_ms)) return;
    std::vector<std::string> batches;
    for (size_t a = 0; a < planners.size(); ++a) {
      const auto planned = strategy::plan_instant(planners[a], signals, *views[a], specs, cfg.backtest.venue.taker_fee, cfg.backtest.from_ms);
      v1::OrderBatch batch;
      batch.set_account(accounts[a]);
      batch.set_policy_version(policy_version);
      batch.set_instant_ms(signals.time_ms);
      for (const auto& d : planned.decisions) transport::to_proto(d, *batch.add_decisions());
      for (const auto& c : planned.commands) transport::to_proto(c, *batch.add_commands());
      if (o.force_orders && batch.commands().empty()) transport::to_proto(strategy::probe_order(accounts[a], signals.time_ms, *views[a], specs), *batch.add_commands());
      svc.stamp(*batch.mutable_header(), "leverage", cause.exchange_ts_ms(), &cause, recv_ns);
      batches.push_back(batch.SerializeAsString());
    }
    host.finish(signals.time_ms, std::move(batches));
    pending.reset();
    acked = false;
    last_sent = std::chrono::steady_clock::now();
  };
  host.add_input_of<v1::InstantSignals>(o.signals, {topics::kSignals}, [&](const v1::InstantSignals& in, int64_t recv_ns) {
    if (!svc.admit_instant(in.instant_ms(), "instant signals") || !host.begin(in.instant_ms())) return false;
    try {
      pending.emplace(transport::from_proto(in, symbols), in.header());
    } catch (const transport::WireError& e) {
      return svc.count_malformed(std::string("instant signals: ") + e.what()), false;
    }
    return try_plan(recv_ns), true;
  });
  std::vector<std::string> router{o.router};
  if (!o.router_acks.empty()) router.push_back(o.router_acks);
  host.add_input(router, {topics::kAccounts, topics::kAcks}, [&](const transport::ReceivedFrame& f, int64_t recv_ns) {
    if (f.topic == topics::kAcks) {
      v1::InstantAck ack;
      if (host.parse(f, ack) && host.accept(ack.header(), f.topic, recv_ns) && ack.instant_ms() == host.gate().done()) acked = true;
      return false;  // acks steer re-sends only, never the plan
    }
    v1::AccountSnapshot snap;
    if (!host.parse(f, snap) || !host.accept(snap.header(), f.topic, recv_ns) || !svc.admit_instant(snap.instant_ms(), "account snapshot")) return false;
    const auto it = account_index.find(snap.account());
    if (it == account_index.end()) return false;  // another variant's account
    if (views[it->second] && views[it->second]->instant_ms == snap.instant_ms()) return false;  // the router re-sent it
    try {
      views[it->second] = transport::from_proto(snap, symbols.size());
    } catch (const transport::WireError& e) {
      return svc.count_malformed("account snapshot for '" + snap.account() + "': " + e.what()), false;
    }
    return try_plan(recv_ns), true;
  });
  host.every_turn([&] {
    if (acked || !lockstep || std::chrono::steady_clock::now() - last_sent < std::chrono::milliseconds(cfg.mesh.resend_after_ms)) return;
    svc.log().warn("event=batch_resend instant_ms={}", host.gate().done());
    host.republish();
    last_sent = std::chrono::steady_clock::now();
  });
  return host.run();
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
      [&](runtime::Service& svc) { return run(svc, o); });
}
