// order-router: the paper venue's accounts, one per policy (router::RouterCore), fed the
// replay's market events and the gatekeeper's checked batches. It publishes each account's
// snapshot after every instant and acknowledges an instant once every batch for it is in
// and journaled; a restart replays the journal (see router_core.h). Account state and
// fills go to Redis on each flush, off the per-tick path.
#include "fulcrum/analytics/leaderboard.h"
#include "fulcrum/core/digest.h"
#include "fulcrum/report/report_writer.h"
#include "fulcrum/runtime/redis_journal.h"
#include "fulcrum/runtime/stage_host.h"
#include "fulcrum/runtime/symbol_table.h"
#include "fulcrum/runtime/trading_state_service.h"
#include "fulcrum/transport/topics.h"
#include "router_sink.h"

using namespace fulcrum;
namespace topics = transport::topics;

namespace {

struct Options {
  std::string bind = "tcp://127.0.0.1:0", bind_acks = "tcp://127.0.0.1:0", out, trading_state_file;
  std::vector<std::string> market, orders, accounts;
};

int run(runtime::Service& svc, const Options& o) {
  const auto& cfg = svc.config();
  if (cfg.backtest.from_ms == 0 || cfg.backtest.to_ms == 0)
    throw runtime::StartupError(runtime::kExitConfig, "config " + cfg.source + ": backtest.from and backtest.to are required by the mesh");
  const auto symbols = runtime::await_symbol_table(svc);
  const bool lockstep = cfg.mesh.replay == config::ReplayMode::kLockstep;
  runtime::StageHost host(svc, {o.bind, topics::kAccounts, ""});  // the core keeps the journal
  // Acks get their own socket: market-data listens to nothing else, so any other topic it sees is foreign.
  transport::Publisher ack_pub(svc.zmq(), o.bind_acks);
  svc.watch(ack_pub, {topics::kAcks});
  runtime::RedisJournal journal(svc.redis(), svc.key("router:journal"), lockstep, svc.key(""));
  order_router::ServiceSink sink(svc, host.publisher(), ack_pub, o.out, symbols.names());
  router::RouterCore core({cfg.backtest, lockstep}, symbols, cfg.mesh_specs(symbols.names()),
                          o.accounts.empty() ? strategy::policy_list(cfg.backtest) : o.accounts, journal, sink);
  sink.attach(core);
  order_router::AccountStateWriter state(svc, core.result(), symbols.names());  // after what it reads: its last flush runs before they go
  try {
    if (const auto n = core.recover(); n > 0) {
      state.resume();
      svc.log().warn("event=recovered journal_entries={} through_instant_ms={}", n, core.instant_done());
    }
  } catch (const core::JournalError& e) {
    throw runtime::StartupError(runtime::kExitRuntime, e.what());
  }
  // The kill switch's last hop: every input is applied under the enforcer's lock, after the
  // book it holds, so an acknowledged state change governs every order that follows it.
  runtime::TradingStateEnforcer enforcer(svc, o.trading_state_file);
  const auto under_state = [&] {
    auto lock = enforcer.lock();
    if (enforcer.epoch() != core.state_epoch()) {
      core.on_trading_state(enforcer.book());
      svc.log().warn("event=trading_state_enforced epoch={} kill_switch_actions={}", core.state_epoch(), core.kill_switch_actions());
    }
    return lock;
  };
  host.add_input_of<v1::MarketEvent>(o.market, {topics::kMarket}, [&](const v1::MarketEvent& ev, int64_t) {
    const auto lock = under_state();
    return core.on_market(ev), false;
  });
  // The live leaderboard: one row per account and the version its batches carry.
  std::map<std::string, std::string> versions;
  const auto config_hash = core::sha256_hex(cfg.source_text);
  auto next_board = std::chrono::steady_clock::now();
  const auto publish_leaderboard = [&] {
    if (!core.started() || std::chrono::steady_clock::now() < next_board) return;
    next_board = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    analytics::LeaderboardSettings settings;
    settings.resamples = 500;  // every 2 s: the final report's 2000 are for the record
    const auto metrics = report::live_metrics(core.result(), cfg.backtest.initial_equity, core.instant_done());
    const auto rows = analytics::build_leaderboard(metrics, FULCRUM_VERSION, config_hash, settings, versions);
    for (const auto& r : rows) {
      const std::map<std::string, std::string> labels{{"variant", r.variant}, {"version", r.version}};
      svc.metrics().gauge("fulcrum_leaderboard_equity_usd", "Account equity by variant and version", labels).Set(r.metrics->final_equity);
      svc.metrics().gauge("fulcrum_leaderboard_sharpe", "Annualised Sharpe so far by variant and version", labels).Set(r.metrics->sharpe);
      svc.metrics().gauge("fulcrum_leaderboard_rank", "Rank by equity (1 = first)", labels).Set(r.rank);
    }
    svc.board().set_leaderboard({core.instant_done(), analytics::render_leaderboard_text(rows, settings), analytics::render_leaderboard_json(rows, settings)});
  };
  host.add_input_of<v1::OrderBatch>(o.orders, {topics::kOrders}, [&](const v1::OrderBatch& batch, int64_t recv_ns) {
    const auto lock = under_state();
    const auto& accounts = core.accounts();
    if (!batch.policy_version().empty() && batch.policy_version().size() <= 128 && std::find(accounts.begin(), accounts.end(), batch.account()) != accounts.end())
      versions[batch.account()] = batch.policy_version();
    // A batch held for its instant's bar arrived now all the same: its path is measured too.
    const auto outcome = core.on_batch(batch);
    if (outcome == router::RouterCore::BatchOutcome::kApplied || outcome == router::RouterCore::BatchOutcome::kEarly) svc.observe_order_path(batch.header(), recv_ns);
    return false;
  });
  host.every_turn([&] {
    {
      const auto lock = under_state();
      core.retry_ack();
    }
    svc.set_counter("trading_state_epoch", core.state_epoch());
    svc.set_counter("instants", core.instants());
    svc.set_counter("orders_applied", core.orders_applied());
    svc.set_counter("orders_rejected", core.orders_rejected());
    publish_leaderboard();  // outside the state lock: an Engage never waits for the statistics
  });
  const int rc = host.run();
  // Stopped before the replay's end: the accounts as they stand, marked incomplete, so a
  // stopped run still leaves its ledgers and never passes for a finished one.
  if (!core.finished() && core.started()) {
    try {
      sink.write_report(core.instant_done(), false);
    } catch (const std::exception& e) {
      svc.log().error("event=partial_report_failed dir={} error=\"{}\"", o.out, e.what());
    }
  }
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  return runtime::run_service(
      "order-router", argc, argv,
      [&](CLI::App& app) {
        app.add_option("--bind", o.bind, "PUB endpoint for account snapshots");
        app.add_option("--bind-acks", o.bind_acks, "PUB endpoint for instant acknowledgements");
        app.add_option("--market", o.market, "market-data PUB endpoint(s)")->required();
        app.add_option("--orders", o.orders, "risk-gatekeeper PUB endpoint(s)")->required();
        app.add_option("--accounts", o.accounts, "accounts, one per policy (default: backtest.policies)");
        app.add_option("--trading-state-file", o.trading_state_file, "the local fsynced copy of the trading states the router enforces");
        app.add_option("--out", o.out, "the run folder to write the report (ledgers, trades, summary) into at replay end");
      },
      [&](runtime::Service& svc) { return run(svc, o); });
}
