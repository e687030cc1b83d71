// order-router: the venue accounts, one per policy (router::RouterCore), fed the
// replay's market events and the gatekeeper's checked batches. It publishes each account's
// snapshot after every instant and acknowledges an instant once every batch for it is in
// and journaled; a restart replays the journal (see router_core.h). Account state and
// fills go to Redis on each flush, off the per-tick path.
#include "fulcrum/analytics/leaderboard.h"
#include "fulcrum/core/digest.h"
#include "fulcrum/report/report_writer.h"
#include "fulcrum/runtime/membership_service.h"
#include "fulcrum/runtime/redis_journal.h"
#include "fulcrum/runtime/stage_host.h"
#include "fulcrum/runtime/symbol_table.h"
#include "fulcrum/runtime/trading_state_service.h"
#include "fulcrum/transport/topics.h"
#include "live_venue.h"
#include "router_sink.h"

using namespace fulcrum;
namespace topics = transport::topics;

namespace {

struct Options {
  std::string bind = "tcp://127.0.0.1:0", bind_acks = "tcp://127.0.0.1:0", out, trading_state_file;
  std::vector<std::string> market, orders, accounts;
  order_router::LiveVenueOptions live;
  bool exchange_rules = false;  // paper venues on the exchange's filters (live market data)
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
  host.batch_with(ack_pub);
  runtime::RedisJournal journal(svc.redis(), svc.key("router:journal"), lockstep, svc.key(""));
  order_router::ServiceSink sink(svc, host.publisher(), ack_pub, o.out, symbols.names());
  const auto accounts = o.accounts.empty() ? strategy::account_list(cfg.backtest) : o.accounts;
  std::optional<order_router::LiveVenue> live;
  if (o.live.venue == "binance") live.emplace(svc, o.live, accounts);
  router::VenueFactory venues;
  if (live) venues = live->factory();
  else if (o.exchange_rules) venues = order_router::paper_on_exchange_rules(svc, o.live.rest, exchange_link::TlsOptions{o.live.ca_file});
  router::RouterCore core({cfg.backtest, lockstep, venues}, symbols, cfg.mesh_specs(symbols.names()), accounts, journal, sink);
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
  if (live) live->go_live();
  // The kill switch's last hop: every input is applied under the enforcer's lock, after the
  // book it holds, so an acknowledged state change governs every order that follows it.
  // A live venue lets the lock go while a request is on the wire (unlocking_port.h), so an
  // Engage is not held back by a slow exchange; right before each new order it sends, it asks
  // the state in force then, which an Engage meanwhile may have changed.
  runtime::TradingStateEnforcer enforcer(svc, o.trading_state_file);
  if (live)
    live->gate_orders([&](const model::OrderRequest& req) -> std::optional<std::string> {
      const auto denial = risk::state_verdict(enforcer.book(), live->live_account(), req.symbol, false);
      if (!denial) return std::nullopt;
      return "the trading state changed while a request was on the wire: " + denial->detail;
    });
  struct LoopHold {  // the live venue knows the lock of the input under way, and forgets it after
    order_router::LoopLock* loop;
    LoopHold(order_router::LoopLock* l, std::unique_lock<std::mutex>& lock) : loop(l) {
      if (loop) loop->hold(&lock);
    }
    ~LoopHold() {
      if (loop) loop->hold(nullptr);
    }
    LoopHold(const LoopHold&) = delete;
    LoopHold& operator=(const LoopHold&) = delete;
  };
  const auto under_state = [&](auto&& input) {
    auto lock = enforcer.lock();
    const LoopHold hold(live ? &live->loop_lock() : nullptr, lock);
    if (enforcer.epoch() != core.state_epoch()) {
      const auto book = enforcer.book();  // a copy: an Apply may swap the enforcer's while the core's flatten is on the wire
      core.on_trading_state(book);
      svc.log().warn("event=trading_state_enforced epoch={} kill_switch_actions={} flatten_orders={}", core.state_epoch(), core.kill_switch_actions(),
                     core.flatten_orders());
    }
    return input();
  };
  host.add_input_of<v1::MarketEvent>(o.market, {topics::kMarket}, [&](const v1::MarketEvent& ev, int64_t) {
    return under_state([&] { return core.on_market(ev, host.current_payload()), false; });
  });
  // The live leaderboard: a row per version of each variant, as the final report has them.
  const auto config_hash = core::sha256_hex(cfg.source_text);
  auto next_board = std::chrono::steady_clock::now();
  // Gauges per row (variant, version, config): a new version's row is new series, and the
  // old row's stay at their last figures, as the leaderboard keeps them.
  const auto set_row_gauges = [&](const std::string& variant, const std::string& version, const std::string& hash, const analytics::PolicyMetrics* m, int rank) {
    const std::map<std::string, std::string> labels{{"variant", variant}, {"version", version}, {"config", hash.substr(0, 12)}};
    auto& reg = svc.metrics();
    reg.gauge("fulcrum_leaderboard_equity_usd", "Equity of the row's variant (its account, or its share of the split account)", labels).Set(m ? m->final_equity : cfg.backtest.initial_equity);
    reg.gauge("fulcrum_leaderboard_pnl_usd", "Equity change over the row's span", labels).Set(m ? m->final_equity - m->initial_equity : 0);
    reg.gauge("fulcrum_leaderboard_trades", "Closed trades opened in the row's span", labels).Set(m ? static_cast<double>(m->trades) : 0);
    reg.gauge("fulcrum_leaderboard_win_rate", "Share of the row's closed trades that won", labels).Set(m ? m->win_rate : 0);
    reg.gauge("fulcrum_leaderboard_max_drawdown", "Largest fall from an equity peak in the row's span (fraction)", labels).Set(m ? m->max_drawdown : 0);
    reg.gauge("fulcrum_leaderboard_sharpe", "Annualised Sharpe of the row's daily returns so far", labels).Set(m ? m->sharpe : 0);
    reg.gauge("fulcrum_leaderboard_liquidations", "Liquidations in the row's span", labels).Set(m ? static_cast<double>(m->liquidations) : 0);
    reg.gauge("fulcrum_leaderboard_rank", "Rank by equity (1 = first; 0 before the first ranking)", labels).Set(rank);
  };
  // There from the start, under the version each variant is configured to run.
  for (const auto& row : core.result().variant_rows)
    set_row_gauges(row.variant, row.spans.front().version.empty() ? FULCRUM_VERSION : row.spans.front().version, config_hash, nullptr, 0);
  const auto publish_leaderboard = [&] {
    if (!core.started() || std::chrono::steady_clock::now() < next_board) return;
    next_board = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    analytics::LeaderboardSettings settings;
    settings.resamples = 500;  // every 2 s: the final report's 2000 are for the record
    settings.baseline = core.result().baseline;
    const auto input = report::leaderboard_input(core.result(), cfg.backtest.initial_equity, core.instant_done(), FULCRUM_VERSION, config_hash);
    const auto rows = analytics::build_leaderboard(input.metrics, input.keys, settings);
    for (const auto& r : rows) set_row_gauges(r.variant, r.version, r.config_hash, r.metrics, r.rank);
    svc.board().set_leaderboard({core.instant_done(), analytics::render_leaderboard_text(rows, settings), analytics::render_leaderboard_json(rows, settings)});
  };
  host.add_input_of<v1::OrderBatch>(o.orders, {topics::kOrders}, [&](const v1::OrderBatch& batch, int64_t recv_ns) {
    return under_state([&] {
      // A batch held for its instant's bar arrived now all the same: its path is measured too.
      const auto outcome = core.on_batch(batch, host.current_payload());
      using Outcome = router::RouterCore::BatchOutcome;
      if (outcome == Outcome::kApplied || outcome == Outcome::kEarly || outcome == Outcome::kHeld) svc.observe_order_path(batch.header(), recv_ns);
      return false;
    });
  });
  // A/B membership: Join/Leave over gRPC, and the deadline that taints a late variant.
  runtime::MembershipDesk membership(svc);
  const auto& ab = cfg.backtest.ab;
  uint64_t gauged_epoch = 0;
  const auto member_gauges = [&] {
    if (gauged_epoch == core.membership_epoch()) return;  // label lookups only when something changed
    gauged_epoch = core.membership_epoch();
    for (const auto& m : core.members()) {
      svc.metrics().gauge("fulcrum_ab_member", "1 while the variant is a member the router waits for", {{"variant", m.variant}}).Set(m.active ? 1 : 0);
      svc.metrics().counter("fulcrum_ab_tainted_total", "Times the variant missed ab.deadline_ms and left the run", {{"variant", m.variant}});
    }
    svc.set_counter("membership_epoch", core.membership_epoch());
  };
  member_gauges();
  const auto describe = [&](v1::MembershipState& s) {
    s.Clear();
    s.set_epoch(core.membership_epoch());
    s.set_instant_ms(core.started() ? core.instant_done() : 0);
    s.set_mode(ab.mode == strategy::AbMode::kSplit ? "split" : "shadow");
    s.set_fallback(ab.on_taint == strategy::TaintAction::kFallback ? ab.fallback : "");
    for (const auto& m : core.members()) {
      auto* out = s.add_members();
      out->set_variant(m.variant);
      out->set_account(core.accounts()[m.account]);
      out->set_active(m.active);
      out->set_tainted(m.tainted);
      out->set_why(m.why);
      out->set_changed_instant_ms(m.changed_ms);
    }
  };
  auto instant_seen = core.instant_done();
  auto instant_since = std::chrono::steady_clock::now();
  const auto enforce_deadline = [&] {
    if (ab.deadline_ms <= 0 || !lockstep || !core.started()) return;
    if (core.instant_done() != instant_seen) {
      instant_seen = core.instant_done();
      instant_since = std::chrono::steady_clock::now();
      return;
    }
    if (std::chrono::steady_clock::now() - instant_since < std::chrono::milliseconds(ab.deadline_ms)) return;
    for (const auto& variant : core.missing_members()) {
      const auto why = fmt::format("missed the {} ms deadline of instant {}", ab.deadline_ms, core.instant_done());
      if (const auto refused = core.set_membership(variant, false, true, why); !refused.empty()) {
        svc.log().error("event=variant_late variant={} instant_ms={} left=false why=\"{}\"", variant, core.instant_done(), refused);
        continue;
      }
      svc.metrics().counter("fulcrum_ab_tainted_total", "Times the variant missed ab.deadline_ms and left the run", {{"variant", variant}}).Increment();
      svc.log().warn("event=variant_tainted variant={} instant_ms={} deadline_ms={} on_taint={} epoch={}", variant, core.instant_done(), ab.deadline_ms,
                     ab.on_taint == strategy::TaintAction::kFallback ? "fallback:" + ab.fallback : std::string("skip"), core.membership_epoch());
    }
  };
  // The trading state in force at the last hop, for alerts: engagements by state, the
  // epoch, and the invariant that no new order passes a HALTED state.
  auto& halted_gauge = svc.metrics().gauge("fulcrum_trading_state_engagements", "Scopes engaged in this trading state at the order router", {{"state", "HALTED"}});
  auto& reducing_gauge = svc.metrics().gauge("fulcrum_trading_state_engagements", "Scopes engaged in this trading state at the order router", {{"state", "REDUCING"}});
  auto& epoch_gauge = svc.metrics().gauge("fulcrum_trading_state_epoch", "The trading-state epoch the order router enforces", {});
  auto& while_halted = svc.metrics().counter("fulcrum_orders_while_halted_total", "New orders the venue accepted under a HALTED state: an invariant that must stay 0", {});
  uint64_t gauged_state_epoch = std::numeric_limits<uint64_t>::max();
  const auto state_gauges = [&] {
    if (core.orders_while_halted() > static_cast<uint64_t>(while_halted.Value())) while_halted.Increment(static_cast<double>(core.orders_while_halted()) - while_halted.Value());
    if (gauged_state_epoch == core.state_epoch()) return;
    gauged_state_epoch = core.state_epoch();
    double halted = 0, reducing = 0;
    for (const auto& [scope, e] : enforcer.book().engagements()) {
      if (e.state == risk::TradingState::kHalted) halted += 1;
      if (e.state == risk::TradingState::kReducing) reducing += 1;
    }
    halted_gauge.Set(halted);
    reducing_gauge.Set(reducing);
    epoch_gauge.Set(static_cast<double>(core.state_epoch()));
  };
  host.every_turn([&] {
    under_state([&] {
      if (live) live->on_turn();
      state_gauges();
      core.retry_ack();
      enforce_deadline();
      membership.serve(
          [&](const std::string& variant, bool join, const std::string& reason) {
            const auto refused = core.set_membership(variant, join, false, reason);
            if (refused.empty()) svc.log().warn("event=membership_changed variant={} join={} epoch={} instant_ms={} reason=\"{}\"", variant, join, core.membership_epoch(), core.instant_done(), reason);
            return refused;
          },
          describe);
    });
    member_gauges();
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
        app.add_option("--accounts", o.accounts, "accounts (default: the config's: one per variant, or the split account)");
        app.add_option("--trading-state-file", o.trading_state_file, "the local fsynced copy of the trading states the router enforces");
        app.add_option("--out", o.out, "the run folder to write the report (ledgers, trades, summary) into at replay end");
        app.add_option("--venue", o.live.venue, "paper (the paper venue on the mesh's market data) or binance (a live USDⓈ-M account; keys from FULCRUM_EXCHANGE_API_KEY/_SECRET or their _FILE)")
            ->check(CLI::IsMember({"paper", "binance"}))
            ->capture_default_str();
        app.add_flag("--exchange-rules", o.exchange_rules,
                     "paper: fill under the exchange's symbol filters (exchangeInfo from --binance-rest, read at start; public, no key) instead of the config's");
        app.add_option("--binance-rest", o.live.rest, "binance: the REST base (testnet: https://testnet.binancefuture.com)")->capture_default_str();
        app.add_option("--binance-ws", o.live.ws, "binance: the WebSocket base; the user-data stream is <ws>/private/ws/<listenKey>")->capture_default_str();
        app.add_option("--ca-file", o.live.ca_file, "binance: trust only this CA (PEM)")->check(CLI::ExistingFile);
        app.add_option("--dead-man-ms", o.live.dead_man_ms, "binance: countdownCancelAll for symbols with open orders, renewed at a quarter of it (0: off)")
            ->check(CLI::Range(int64_t{0}, int64_t{3'600'000}))
            ->capture_default_str();
        app.add_option("--live-account", o.live.live_account, "binance, shadow mode: the account on the exchange (default: the first); the others trade on paper");
        app.add_option("--reconcile-every-ms", o.live.reconcile_every_ms, "binance: how often the account is checked against the exchange")
            ->check(CLI::Range(int64_t{1'000}, int64_t{3'600'000}))
            ->capture_default_str();
      },
      [&](runtime::Service& svc) { return run(svc, o); });
}
