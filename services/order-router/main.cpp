// order-router: owns the paper venue, one account per policy. It applies market events to
// every account, publishes each account's snapshot after every instant, applies the checked
// order batches, and acknowledges an instant once every account's batch for it is in.
// Account state and every fill go to Redis on each flush, off the per-tick path.
//
// Crash recovery: every input the router applies (market events, order batches) goes to a
// journal in Redis. In lockstep the journal through instant T is written, in one pipelined
// call, before T is acknowledged: the ack is the commit point. A router killed at any
// moment restarts, replays the journal into fresh venues (the venue is deterministic, so
// the state is exact), and the unacknowledged instant is re-sent by market-data and
// answered from cache by every stage upstream. Nothing is lost and no order is applied
// twice. Free-running modes journal from a background thread instead, so a crash can lose
// the entries still queued.
#include <deque>
#include <limits>
#include <map>

#include "fulcrum/backtest/data_loader.h"
#include "fulcrum/backtest/report_writer.h"
#include "fulcrum/leverage/policies.h"
#include "fulcrum/runtime/async_appender.h"
#include "fulcrum/runtime/service.h"
#include "fulcrum/strategy/account_view.h"
#include "fulcrum/transport/codec.h"
#include "fulcrum/transport/strategy_codec.h"
#include "fulcrum/transport/topics.h"

using namespace fulcrum;
using runtime::Service;
namespace topics = transport::topics;

namespace {

struct Options {
  std::string bind = "tcp://127.0.0.1:0";
  std::string bind_acks = "tcp://127.0.0.1:0";
  std::vector<std::string> market;
  std::vector<std::string> orders;
  std::vector<std::string> accounts;
  std::string out;
};

struct AccountGauges {
  prometheus::Gauge *equity, *exposure, *leverage, *margin_ratio;
};

int run(Service& svc, const Options& o) {
  const auto& cfg = svc.config();
  if (cfg.backtest.from_ms == 0 || cfg.backtest.to_ms == 0)
    throw runtime::StartupError(runtime::kExitConfig, "config " + cfg.source + ": backtest.from and backtest.to are required by the mesh");
  const auto symbols = backtest::symbol_list(cfg.data);
  const auto specs = cfg.mesh_specs(symbols);
  std::map<std::string, size_t> symbol_index;
  for (size_t i = 0; i < symbols.size(); ++i) symbol_index[symbols[i]] = i;
  const auto accounts = o.accounts.empty() ? backtest::policy_list(cfg.backtest) : o.accounts;
  backtest::BacktestResult result;
  result.from_ms = cfg.backtest.from_ms;
  result.to_ms = cfg.backtest.to_ms;
  std::map<std::string, size_t> account_index;
  std::vector<AccountGauges> gauges;
  for (const auto& a : accounts) {
    account_index[a] = result.runs.size();
    backtest::PolicyRun run;
    run.policy = a;
    run.venue = std::make_unique<venue::PaperVenue>(cfg.backtest.venue, specs, core::Money::from_double(cfg.backtest.initial_equity), cfg.backtest.from_ms);
    result.runs.push_back(std::move(run));
    auto& m = svc.metrics();
    gauges.push_back({&m.account_gauge("fulcrum_account_equity_usd", "Account equity at mark, USDT", a),
                      &m.account_gauge("fulcrum_account_exposure_notional_usd", "Sum of |position| × mark, USDT", a),
                      &m.account_gauge("fulcrum_account_leverage_ratio", "Exposure notional / equity", a),
                      &m.account_gauge("fulcrum_account_margin_ratio", "Maintenance margin / equity (Binance margin ratio)", a)});
  }

  transport::Publisher pub(svc.zmq(), o.bind);
  // Acks get their own socket: market-data listens to nothing else, so any other topic it
  // sees is foreign and counted.
  transport::Publisher ack_pub(svc.zmq(), o.bind_acks);
  svc.watch(ack_pub, {topics::kAcks});
  transport::Subscriber md_sub(svc.zmq(), o.market, {topics::kMarket});
  transport::Subscriber ord_sub(svc.zmq(), o.orders, {topics::kOrders});
  svc.watch(pub, {topics::kAccounts});
  svc.watch(md_sub);
  svc.watch(ord_sub);
  for (const auto& account : accounts) {
    svc.metrics().orders(account);
    for (const auto reason : venue::all_reject_reasons()) svc.metrics().rejections(account, venue::to_string(reason));
  }

  std::vector<size_t> fills_flushed(accounts.size(), 0);
  // Declared after everything the flusher reads: its last flush runs before they go.
  const auto flush_registration = svc.on_flush([&](std::vector<std::vector<std::string>>& cmds) -> std::function<void()> {
    std::vector<size_t> written(accounts.size());
    for (size_t a = 0; a < accounts.size(); ++a) {
      const auto& v = *result.runs[a].venue;
      std::vector<std::string> hset{"HSET", svc.key("account:" + accounts[a]), "equity", v.equity().str(), "wallet_balance", v.wallet_balance().str(),
                                    "available_balance", v.available_balance().str(), "open_positions", std::to_string(v.open_position_count()),
                                    "fills", std::to_string(v.fills().size()), "closed_trades", std::to_string(v.closed_trades().size())};
      for (size_t s = 0; s < symbols.size(); ++s) {
        const auto& p = v.position(s);
        if (p.qty.is_zero()) continue;
        hset.push_back("position:" + symbols[s]);
        hset.push_back(p.qty.str() + "@" + p.entry_price.str() + "x" + std::to_string(p.leverage_x));
      }
      std::string open_orders;
      for (const auto& id : v.open_order_ids()) open_orders += (open_orders.empty() ? "" : ",") + id;
      hset.push_back("open_orders");
      hset.push_back(open_orders);
      cmds.push_back(std::move(hset));
      std::vector<std::string> push{"RPUSH", svc.key("fills:" + accounts[a])};
      const auto& fills = v.fills();
      for (size_t i = fills_flushed[a]; i < fills.size(); ++i) {
        const auto& f = fills[i];
        push.push_back(f.client_order_id + "," + f.symbol + "," + model::to_string(f.side) + "," + f.price.str() + "," + f.quantity.str() + "," +
                       f.fee.str() + "," + f.realized_pnl.str() + "," + std::to_string(f.time_ms));
      }
      if (push.size() > 2) cmds.push_back(std::move(push));
      written[a] = fills.size();
    }
    return [&fills_flushed, written] { fills_flushed = written; };
  });


  const bool lockstep = cfg.mesh.replay == config::ReplayMode::kLockstep;
  const std::string journal_key = svc.key("router:journal");
  std::vector<std::string> journal;  // applied inputs not yet in Redis
  bool replaying = false, ack_pending = false;
  core::TimestampMs md_done = std::numeric_limits<core::TimestampMs>::min();
  std::vector<core::TimestampMs> applied(accounts.size(), std::numeric_limits<core::TimestampMs>::min());
  std::vector<std::string> snapshot_cache;
  core::TimestampMs last_acked = std::numeric_limits<core::TimestampMs>::min();
  uint64_t orders_applied = 0, orders_rejected = 0, instants = 0;
  bool finished = false;
  std::string payload;

  // The lockstep commit: the journal through instant `t` and the acknowledged instant, in
  // one round trip before the ack, so a restarted market-data resumes right after `t`.
  auto write_journal = [&](core::TimestampMs t) {
    std::vector<std::vector<std::string>> cmds;
    if (!journal.empty()) {
      cmds.push_back({"RPUSH", journal_key});
      cmds.back().insert(cmds.back().end(), journal.begin(), journal.end());
    }
    cmds.push_back({"SET", svc.key("router:acked"), std::to_string(t)});
    if (!svc.redis().pipeline(cmds)) return false;
    journal.clear();
    return true;
  };
  auto send_ack = [&](core::TimestampMs t, bool replay_end) {
    if (replaying) return;
    v1::InstantAck ack;
    ack.set_instant_ms(t);
    ack.set_replay_end(replay_end);
    ack.set_orders_applied(static_cast<uint32_t>(orders_applied));
    ack.set_orders_rejected(static_cast<uint32_t>(orders_rejected));
    svc.stamp(*ack.mutable_header(), "order-router/ack", t, nullptr, runtime::wall_ns());
    ack_pub.publish(topics::kAcks, ack.SerializeAsString());
  };
  auto maybe_ack = [&] {
    if (md_done == std::numeric_limits<core::TimestampMs>::min()) return;
    for (auto t : applied)
      if (t != md_done) return;
    if (last_acked == md_done || replaying) return;
    if (lockstep && !write_journal(md_done)) {
      // Not durable, not acknowledged: market-data waits and re-sends; retried each turn.
      if (!ack_pending) svc.log().error("event=journal_write_failed instant_ms={} error=\"{}\"", md_done, svc.redis().last_error());
      ack_pending = true;
      return;
    }
    ack_pending = false;
    last_acked = md_done;
    send_ack(md_done, false);
  };

  auto publish_snapshots = [&](const v1::MarketEvent& ev, int64_t recv_ns) {
    snapshot_cache.clear();
    for (size_t a = 0; a < accounts.size(); ++a) {
      const auto view = strategy::view_of(*result.runs[a].venue, cfg.backtest.strategy.stats_window_trades, md_done);
      v1::AccountSnapshot snap;
      snap.set_account(accounts[a]);
      transport::to_proto(view, snap);
      svc.stamp(*snap.mutable_header(), "order-router/acct", ev.header().exchange_ts_ms(), &ev.header(), recv_ns);
      snapshot_cache.push_back(snap.SerializeAsString());
      pub.publish(topics::kAccounts, snapshot_cache.back());
      const double eq = view.equity.to_double();
      gauges[a].equity->Set(eq);
      gauges[a].exposure->Set(view.exposure_notional);
      gauges[a].leverage->Set(eq > 0 ? view.exposure_notional / eq : 0);
      gauges[a].margin_ratio->Set(view.margin_ratio);
    }
  };

  // The run's report as the accounts stand at `through`: at the replay's end, or partial
  // (complete false) when the router stops first.
  auto write_run_report = [&](core::TimestampMs through, bool complete) {
    result.to_ms = through;
    for (auto& run : result.runs) backtest::sample_equity(run, through);
    if (o.out.empty()) return;
    backtest::write_report(o.out, result, cfg.backtest.initial_equity, {"up", cfg.source, cfg.source_text, symbols, complete});
    svc.log().info("event=report_written dir={} through_instant_ms={} complete={}", o.out, through, complete);
  };

  // True when the event changed state (and so belongs in the journal).
  auto on_market = [&](const v1::MarketEvent& ev, int64_t recv_ns) -> bool {
    if (auto problem = transport::market_event_problem(ev)) return svc.count_malformed("market event: " + *problem), false;
    switch (ev.event_case()) {
      case v1::MarketEvent::kBar:
      case v1::MarketEvent::kMarkBar: {
        const auto& c = ev.event_case() == v1::MarketEvent::kBar ? ev.bar() : ev.mark_bar();
        const auto it = symbol_index.find(c.symbol());
        if (it == symbol_index.end()) return svc.count_malformed("market event for unconfigured symbol '" + c.symbol() + "'"), false;
        const auto bar = transport::from_proto(c);
        if (!svc.admit_instant(bar.close_time_ms(), "bar")) return false;
        if (bar.close_time_ms() <= md_done) return false;
        for (auto& run : result.runs) {
          if (ev.event_case() == v1::MarketEvent::kBar) run.venue->on_bar(it->second, bar);
          else run.venue->on_mark_bar(it->second, bar);
        }
        return true;
      }
      case v1::MarketEvent::kFunding: {
        const auto it = symbol_index.find(ev.funding().symbol());
        if (it == symbol_index.end()) return svc.count_malformed("funding for unconfigured symbol '" + ev.funding().symbol() + "'"), false;
        const auto f = transport::from_proto(ev.funding());
        if (!svc.admit_instant(f.funding_time_ms, "funding")) return false;
        if (f.funding_time_ms <= md_done) return false;
        for (auto& run : result.runs) run.venue->on_funding(it->second, f);
        return true;
      }
      case v1::MarketEvent::kInstantEnd: {
        const auto t = ev.instant_end().time_ms();
        if (!svc.admit_instant(t, "instant end")) return false;
        if (t < md_done) return false;
        if (t == md_done) {  // a re-sent instant: the snapshots again, and the ack if due
          if (snapshot_cache.empty()) publish_snapshots(ev, recv_ns);  // restarted since: rebuild them
          for (const auto& s : snapshot_cache) pub.publish(topics::kAccounts, s);
          if (last_acked == md_done) send_ack(md_done, false);
          return false;
        }
        md_done = t;
        ++instants;
        if (t >= cfg.backtest.from_ms && t % core::kMsPerHour == 0)
          for (auto& run : result.runs) backtest::sample_equity(run, t);
        snapshot_cache.clear();
        if (!replaying) publish_snapshots(ev, recv_ns);
        if (!lockstep) last_acked = md_done;
        return true;
      }
      case v1::MarketEvent::kReplayEnd: {
        // Only the end of this replay counts: in lockstep the router has applied exactly its
        // last instant by then, so a forged end mid-run is refused and counted.
        const auto last = ev.replay_end().last_instant_ms();
        if (ev.replay_end().to_ms() != cfg.backtest.to_ms || (lockstep && last != md_done))
          return svc.count_malformed("replay end for instant " + std::to_string(last) + " (to " + std::to_string(ev.replay_end().to_ms()) +
                                     ") while the router has applied through " + std::to_string(md_done)),
                 false;
        if (!finished) {
          // Free-running modes can lose instants at a full queue: the report says so.
          write_run_report(cfg.backtest.to_ms, last == md_done);
          finished = true;
        }
        send_ack(ev.replay_end().to_ms(), true);
        return false;
      }
      case v1::MarketEvent::EVENT_NOT_SET: return svc.count_malformed("market event with no event set"), false;
      default: return false;
    }
  };

  auto on_batch = [&](const v1::OrderBatch& batch, int64_t recv_ns) -> bool {
    const auto it = account_index.find(batch.account());
    if (it == account_index.end()) return svc.count_malformed("order batch for unknown account '" + batch.account() + "'"), false;
    const size_t a = it->second;
    if (batch.instant_ms() <= applied[a]) return maybe_ack(), false;  // a re-sent batch: never applied twice
    if (!replaying && batch.header().hops_size() > 0 && batch.header().hops(0).send_ns() > 0)
      svc.metrics().tick_to_order_latency().Observe(static_cast<double>(recv_ns - batch.header().hops(0).send_ns()) * 1e-9);
    auto& venue = *result.runs[a].venue;
    for (const auto& d : batch.decisions()) result.runs[a].decisions.push_back(transport::from_proto(d));
    for (const auto& c : batch.commands()) {
      if (c.has_amend_stop()) {
        venue.amend_stop(c.amend_stop().client_order_id(), core::Price::from_raw(c.amend_stop().stop_price_raw()));
        continue;
      }
      if (!c.has_submit()) {
        svc.count_malformed("order command with nothing set");
        continue;
      }
      model::OrderRequest req;
      try {
        req = transport::from_proto(c.submit());
      } catch (const transport::WireError& e) {
        svc.count_malformed(std::string("order: ") + e.what());
        continue;
      }
      const auto res = venue.submit(req, batch.instant_ms(), c.decision_reason());
      if (res.accepted()) {
        ++orders_applied;
        svc.metrics().orders(batch.account()).Increment();
      } else {
        ++orders_rejected;
        svc.metrics().rejections(batch.account(), venue::to_string(res.reason)).Increment();
        svc.log().info("event=order_rejected account={} client_order_id={} reason={} detail=\"{}\"", batch.account(), req.client_order_id,
                       venue::to_string(res.reason), res.detail);
      }
    }
    for (const auto& d : batch.denied()) ++orders_rejected, (void)d;
    applied[a] = batch.instant_ms();
    return true;
  };

  // Free-running modes journal from a background thread, so a big batch never stalls a tick.
  std::unique_ptr<runtime::AsyncListAppender> async_journal;
  if (!lockstep) async_journal = std::make_unique<runtime::AsyncListAppender>(svc.redis().url(), journal_key);
  auto record = [&](std::string entry) {
    if (async_journal) async_journal->append(std::move(entry));
    else journal.push_back(std::move(entry));
  };

  // Recovery: replay what an earlier run of this router (same namespace) journaled.
  {
    const auto len = svc.redis().command({"LLEN", journal_key});
    if (!len) throw runtime::StartupError(runtime::kExitRedisUnreachable, "cannot read the journal " + journal_key + ": " + svc.redis().last_error());
    replaying = true;
    size_t replayed = 0;
    for (long long from = 0; from < len->integer; from += 20'000) {
      const auto chunk = svc.redis().command({"LRANGE", journal_key, std::to_string(from), std::to_string(from + 19'999)});
      if (!chunk) throw runtime::StartupError(runtime::kExitRedisUnreachable, "journal read failed: " + svc.redis().last_error());
      for (const auto& e : chunk->elements) {
        const std::string_view body = std::string_view(e.str).substr(std::min<size_t>(1, e.str.size()));
        if (!e.str.empty() && e.str[0] == 'm') {
          v1::MarketEvent ev;
          if (!ev.ParseFromArray(body.data(), static_cast<int>(body.size()))) throw runtime::StartupError(runtime::kExitRuntime, "journal entry " + std::to_string(replayed) + " is corrupt");
          on_market(ev, 0);
        } else if (!e.str.empty() && e.str[0] == 'o') {
          v1::OrderBatch batch;
          if (!batch.ParseFromArray(body.data(), static_cast<int>(body.size()))) throw runtime::StartupError(runtime::kExitRuntime, "journal entry " + std::to_string(replayed) + " is corrupt");
          on_batch(batch, 0);
        } else {
          throw runtime::StartupError(runtime::kExitRuntime, "journal entry " + std::to_string(replayed) + " has an unknown kind");
        }
        ++replayed;
      }
    }
    replaying = false;
    if (replayed > 0) {
      last_acked = md_done;  // everything journaled was acknowledged (lockstep) or flushed
      for (size_t a = 0; a < accounts.size(); ++a) {
        const auto have = svc.redis().command({"LLEN", svc.key("fills:" + accounts[a])});
        fills_flushed[a] = std::min<size_t>(have ? static_cast<size_t>(have->integer) : 0, result.runs[a].venue->fills().size());
      }
      svc.log().warn("event=recovered journal_entries={} through_instant_ms={}", replayed, md_done);
    }
  }
  svc.ready();

  std::deque<v1::OrderBatch> early;
  const std::vector<transport::Subscriber*> inputs{&md_sub, &ord_sub};
  while (svc.running()) {
    for (size_t which : runtime::poll_inputs(inputs, std::chrono::milliseconds(50))) {
      const int64_t recv_ns = runtime::wall_ns();
      if (which == 0) {
        // Drain market events first: an instant's events arrive as a burst.
        for (int n = 0; n < 4096; ++n) {
          auto got = md_sub.receive_as<v1::MarketEvent>(std::chrono::milliseconds(0));
          if (!got) break;
          if (!svc.accept(got->second.header(), got->first, recv_ns)) continue;
          if (on_market(got->second, recv_ns)) record("m" + got->second.SerializeAsString());
        }
        while (!early.empty() && early.front().instant_ms() <= md_done) {
          if (on_batch(early.front(), recv_ns)) record("o" + early.front().SerializeAsString());
          early.pop_front();
          maybe_ack();
        }
      } else {
        auto got = ord_sub.receive_as<v1::OrderBatch>(std::chrono::milliseconds(0));
        if (!got) continue;
        if (!svc.accept(got->second.header(), got->first, recv_ns)) continue;
        if (!svc.admit_instant(got->second.instant_ms(), "order batch")) continue;
        if (got->second.instant_ms() > md_done) {
          // Orders for an instant whose market events are not all in yet (possible only
          // when a re-send races the direct market-data path): applying them now would fill
          // them on the wrong bar. They wait for the instant's end.
          early.push_back(std::move(got->second));
          continue;
        }
        if (on_batch(got->second, recv_ns)) record("o" + got->second.SerializeAsString());
        maybe_ack();
      }
    }
    if (ack_pending) maybe_ack();
    svc.set_counter("instants", instants);
    svc.set_counter("orders_applied", orders_applied);
    svc.set_counter("orders_rejected", orders_rejected);
    svc.tick();
  }
  // Stopped before the replay's end: the accounts as they stand, marked incomplete, so a
  // stopped run still leaves its ledgers (and never passes for a finished one).
  if (!finished && !o.out.empty() && md_done != std::numeric_limits<core::TimestampMs>::min()) {
    try {
      write_run_report(md_done, false);
    } catch (const std::exception& e) {
      svc.log().error("event=partial_report_failed dir={} error=\"{}\"", o.out, e.what());
    }
  }
  return 0;
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
        app.add_option("--out", o.out, "the run folder to write the report (ledgers, trades, summary) into at replay end");
      },
      [&](Service& svc) { return run(svc, o); });
}
