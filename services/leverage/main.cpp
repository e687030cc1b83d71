// leverage: one A/B variant (--variant, from the config's ab.variants) or, without
// variants, one OrderPlanner per policy, in a strategy::PlanningDesk, planning each instant
// against the order router's AccountSnapshot of that instant: one OrderBatch per planner
// per instant, stamped with its variant, version and config hash. StageHost re-sends
// batches the router has not acknowledged (client order ids make that idempotent) and
// journals the inputs so a restart is exact.
#include <fmt/ranges.h>

#include <deque>

#include "fulcrum/core/digest.h"

#include "fulcrum/runtime/stage_host.h"
#include "fulcrum/runtime/symbol_table.h"
#include "fulcrum/strategy/account_view.h"
#include "fulcrum/transport/strategy_codec.h"
#include "fulcrum/transport/scratch_message.h"
#include "fulcrum/transport/topics.h"

using namespace fulcrum;
namespace topics = transport::topics;

namespace {

struct Options {
  std::string bind = "tcp://127.0.0.1:0";
  std::vector<std::string> signals, accounts;
  std::string router, router_acks;  // the order router's snapshot PUB and its ack PUB
  std::string variant = "A";
  std::string version;  // overrides the variant's configured version label
  bool force_orders = false;  // benchmarks: one order per account per instant
};

int run(runtime::Service& svc, const Options& o) {
  const auto& cfg = svc.config();
  const auto symbols = runtime::await_symbol_table(svc).names();
  const auto specs = cfg.mesh_specs(symbols);
  std::vector<strategy::VariantSpec> variants;
  std::string policy_version = FULCRUM_VERSION;  // the build, unless the variant names its version
  if (!cfg.backtest.ab.variants.empty()) {
    // An A/B run: this instance is one variant, with its own policy, filters and version.
    for (const auto& v : cfg.backtest.ab.variants)
      if (v.id == o.variant) variants.push_back(v);
    if (variants.empty())
      throw runtime::StartupError(runtime::kExitConfig, "--variant '" + o.variant + "' is not in " + cfg.source + "'s ab.variants");
    if (!o.accounts.empty()) throw runtime::StartupError(runtime::kExitConfig, "--accounts: an A/B variant trades the account its config gives it");
    if (!variants.front().version.empty()) policy_version = variants.front().version;
    if (!o.version.empty()) policy_version = o.version;
  } else if (o.accounts.empty()) {
    variants = strategy::variant_list(cfg.backtest);
  } else {
    // Policies named by hand, in the order given: each a variant of its own name.
    for (const auto& a : o.accounts) {
      if (!leverage::is_policy_name(a)) throw runtime::StartupError(runtime::kExitConfig, "--accounts: unknown policy '" + a + "'");
      strategy::VariantSpec v;
      v.id = v.policy = a;
      v.policies = cfg.backtest.policies;
      variants.push_back(std::move(v));
    }
  }
  if (cfg.backtest.ab.variants.empty() && !o.version.empty()) policy_version = o.version;
  // Each A/B instance numbers its own batches: variants sharing one stream name would read as
  // a restart (or a gap) at the gatekeeper on every interleaved batch.
  const std::string stream = cfg.backtest.ab.variants.empty() ? "leverage" : "leverage/" + o.variant;
  if (policy_version.size() > 64) throw runtime::StartupError(runtime::kExitConfig, "--version: at most 64 characters");
  for (const auto& v : variants)
    if (const auto problem = leverage::make_policy(v.policy, v.policies)->model_problem(); !problem.empty())
      svc.log().warn("event=model_unusable variant={} policy={} fallback=rule_engine reason=\"{}\"", v.id, v.policy, problem);
  strategy::PlanningDesk desk(variants, cfg.backtest, specs, cfg.mesh.replay == config::ReplayMode::kLockstep);
  const auto config_hash = core::sha256_hex(cfg.source_text);
  std::vector<std::string> policies;
  for (const auto& v : variants) policies.push_back(v.policy);
  svc.board().set_policy(fmt::format("{}", fmt::join(policies, ",")), policy_version);
  svc.on_reload([&](const config::AppConfig& c) { desk.set_pre_trade_limits(c.mesh.risk); });
  runtime::StageHost host(svc, {o.bind, topics::kDecisions, "journal:leverage-" + o.variant, true});
  // The planner's own gate denials, one series per account and check, there from the start.
  for (const auto& v : variants)
    for (const auto r : risk::all_gate_reasons()) svc.metrics().rejections(v.id, risk::to_string(r));
  std::deque<v1::Header> causes;  // the waiting signals' headers: every batch carries its hops on
  transport::ScratchMessage<v1::OrderBatch> batch_scratch;
  transport::ScratchMessage<v1::AccountSnapshot> snapshot_scratch;
  transport::ScratchMessage<v1::InstantAck> ack_scratch;

  auto try_plan = [&](int64_t recv_ns) {
    while (const auto t = desk.pending_instant()) {
      const auto planned = desk.plan();
      if (!planned) return;
      const auto cause = std::move(causes.front());
      causes.pop_front();
      std::vector<std::string> batches;
      for (size_t p = 0; p < planned->size(); ++p) {
        const auto& variant = desk.variant(p).id;
        const auto& account = desk.accounts()[desk.account_of(p)];
        for (const auto& d : (*planned)[p].decisions) {
          if (host.replaying() || d.outcome.rfind("DENIED: ", 0) != 0) continue;
          const auto code = d.outcome.substr(8, d.outcome.find(':', 8) - 8);
          svc.metrics().rejections(variant, code).Increment();
          svc.log().info("event=order_denied stage=planner variant={} account={} symbol={} reason={} detail=\"{}\"", variant, account, d.symbol, code, d.outcome);
        }
        auto& batch = batch_scratch.fresh();
        transport::to_proto(account, policy_version, *t, (*planned)[p], batch);
        batch.set_variant(variant);
        batch.set_config_hash(config_hash);
        if (o.force_orders && batch.commands().empty())
          transport::to_proto(strategy::probe_order(variant, *t, desk.view(desk.account_of(p)), specs), *batch.add_commands());
        svc.stamp(*batch.mutable_header(), stream, cause.exchange_ts_ms(), &cause, recv_ns);
        batches.push_back(batch.SerializeAsString());
      }
      host.finish(*t, std::move(batches));
    }
  };
  host.add_input_of<v1::InstantSignals>(o.signals, {topics::kSignals}, [&](const v1::InstantSignals& in, int64_t recv_ns) {
    if (!svc.admit_instant(in.instant_ms(), "instant signals") || !host.begin(in.instant_ms())) return false;
    try {
      desk.on_signals(transport::from_proto(in, symbols));
    } catch (const transport::WireError& e) {
      return svc.count_malformed(std::string("instant signals: ") + e.what()), false;
    }
    causes.push_back(in.header());
    return try_plan(recv_ns), true;
  });
  std::vector<std::string> router{o.router};
  if (!o.router_acks.empty()) router.push_back(o.router_acks);
  host.add_input(router, {topics::kAccounts, topics::kAcks}, [&](const transport::ReceivedFrame& f, int64_t recv_ns) {
    if (f.topic == topics::kAcks) {
      auto& ack = ack_scratch.fresh();
      if (host.parse(f, ack) && host.accept(ack.header(), f.topic, recv_ns)) host.acknowledged(ack.instant_ms());
      return false;  // acks steer re-sends only, never the plan
    }
    auto& snap = snapshot_scratch.fresh();
    if (!host.parse(f, snap) || !host.accept(snap.header(), f.topic, recv_ns) || !svc.admit_instant(snap.instant_ms(), "account snapshot")) return false;
    const auto account = desk.account_index(snap.account());
    if (!account) return false;  // another variant's account
    try {
      if (!desk.on_view(*account, transport::from_proto(snap, symbols.size()))) return false;  // the router re-sent it
    } catch (const transport::WireError& e) {
      return svc.count_malformed("account snapshot for '" + snap.account() + "': " + e.what()), false;
    }
    return try_plan(recv_ns), true;
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
        app.add_option("--variant", o.variant, "the A/B variant this instance runs (one of ab.variants), or a label when the config has none");
        app.add_option("--version", o.version, "the version label its batches carry (default: the variant's version); a new one opens a new leaderboard row");
      },
      [&](runtime::Service& svc) { return run(svc, o); });
}
