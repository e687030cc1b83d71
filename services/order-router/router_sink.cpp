#include "router_sink.h"

#include "fulcrum/report/report_writer.h"
#include "fulcrum/risk/pre_trade_gate.h"
#include "fulcrum/transport/strategy_codec.h"
#include "fulcrum/transport/topics.h"

namespace fulcrum::order_router {

ServiceSink::ServiceSink(runtime::Service& svc, transport::Publisher& snapshots, transport::Publisher& acks, std::string out_dir,
                         std::vector<std::string> symbols)
    : svc_(svc), snapshots_(snapshots), acks_(acks), out_dir_(std::move(out_dir)), symbols_(std::move(symbols)) {}

void ServiceSink::attach(router::RouterCore& core) {
  core_ = &core;
  auto& m = svc_.metrics();
  for (const auto& a : core.accounts()) {
    auto& g = gauges_.emplace_back();
    g.equity = &m.account_gauge("fulcrum_account_equity_usd", "Account equity at mark, USDT", a);
    g.exposure = &m.account_gauge("fulcrum_account_exposure_notional_usd", "Sum of |position| × mark, USDT", a);
    g.leverage = &m.account_gauge("fulcrum_account_leverage_ratio", "Exposure notional / equity", a);
    g.margin_ratio = &m.account_gauge("fulcrum_account_margin_ratio", "Maintenance margin / equity (Binance margin ratio)", a);
    g.margin_alert = &m.account_gauge("fulcrum_account_margin_alert", "1 while equity ≤ mesh.risk.margin_alert_ratio × maintenance margin", a);
    g.margin_alerts = &m.counter("fulcrum_margin_alerts_total", "Times an account entered the margin alert", {{"account", a}});
    for (const auto& s : symbols_) {
      const std::map<std::string, std::string> labels{{"account", a}, {"symbol", s}};
      g.symbols.push_back({&m.gauge("fulcrum_position_notional_usd", "|position| × mark, USDT", labels),
                           &m.gauge("fulcrum_position_unrealized_pnl_usd", "Unrealised PnL at mark, USDT", labels),
                           &m.gauge("fulcrum_position_liquidation_distance_ratio", "|mark − liquidation price| / mark (0 when flat)", labels),
                           &m.gauge("fulcrum_position_funding_paid_usd", "Funding paid on the symbol so far (negative: received), USDT", labels)});
    }
    g.funding_paid.assign(symbols_.size(), 0);
    m.orders(a);
    for (const auto reason : venue::all_reject_reasons()) m.rejections(a, venue::to_string(reason));
  }
  // Every variant's series exist from the start, under the version it is configured to run.
  for (const auto& row : core.result().variant_rows) entry_leverage(core.accounts()[row.run], row.variant, row.spans.front().version);
}

prometheus::Histogram& ServiceSink::entry_leverage(const std::string& account, const std::string& variant, const std::string& version) {
  auto& h = entry_leverage_[{account, variant, version}];
  if (h) return *h;
  // Binance's steps: most brackets cap at 20, 25, 50, 75, 100 or 125x.
  static const prometheus::Histogram::BucketBoundaries kLeverageBuckets{1, 2, 3, 5, 8, 10, 15, 20, 25, 50, 75, 100, 125};
  return *(h = &svc_.metrics().histogram("fulcrum_entry_leverage", "Leverage of each entry order the venue accepted (reduce-only orders excluded)",
                                  {{"account", account}, {"variant", variant}, {"version", version.empty() ? FULCRUM_VERSION : version}}, kLeverageBuckets));
}

void ServiceSink::account_views(core::TimestampMs, const std::vector<strategy::AccountView>& views, const v1::Header& cause) {
  const int64_t now_ns = runtime::wall_ns();
  for (size_t a = 0; a < views.size(); ++a) {
    const auto& view = views[a];
    // One arena and one buffer, refilled every instant: they keep their allocations.
    auto& snap = snapshot_.fresh();
    snap.set_account(core_->accounts()[a]);
    transport::to_proto(view, snap);
    svc_.stamp(*snap.mutable_header(), "order-router/acct", cause.exchange_ts_ms(), &cause, now_ns);
    snap.SerializeToString(&snapshot_wire_);
    snapshots_.publish(transport::topics::kAccounts, snapshot_wire_);
    const double eq = view.equity.to_double();
    gauges_[a].equity->Set(eq);
    gauges_[a].exposure->Set(view.exposure_notional);
    gauges_[a].leverage->Set(eq > 0 ? view.exposure_notional / eq : 0);
    gauges_[a].margin_ratio->Set(view.margin_ratio);
    // The view's margin ratio is maintenance / equity: maintenance = ratio × equity.
    const bool alert = risk::margin_alert(view.margin_ratio * eq, eq, svc_.config().mesh.risk.margin_alert_ratio);
    if (alert && !gauges_[a].alerting) {
      gauges_[a].margin_alerts->Increment();
      svc_.log().warn("event=margin_alert account={} margin_ratio={:.4f} alert_at={:.4f} equity={:.2f} note=\"equity within {}x of maintenance margin\"",
                      core_->accounts()[a], view.margin_ratio, 1.0 / svc_.config().mesh.risk.margin_alert_ratio, eq, svc_.config().mesh.risk.margin_alert_ratio);
    }
    gauges_[a].alerting = alert;
    gauges_[a].margin_alert->Set(alert ? 1 : 0);
    set_symbol_gauges(a);
  }
  svc_.metrics().published(transport::topics::kAccounts).Increment(static_cast<double>(views.size()));
}

void ServiceSink::set_symbol_gauges(size_t a) {
  const auto& venue = *core_->result().runs[a].venue;
  auto& g = gauges_[a];
  const auto& entries = venue.ledger().entries();
  for (; g.ledger_seen < entries.size(); ++g.ledger_seen) {
    const auto& e = entries[g.ledger_seen];
    if (e.kind != venue::LedgerKind::kFunding) continue;
    const auto it = std::find(symbols_.begin(), symbols_.end(), e.symbol);
    if (it != symbols_.end()) g.funding_paid[static_cast<size_t>(it - symbols_.begin())] -= e.amount.to_double();
  }
  for (size_t s = 0; s < symbols_.size() && s < venue.symbol_count(); ++s) {
    const auto& pos = venue.position(s);
    const auto mark = venue.mark_price(s);
    const auto liquidation = venue.liquidation_price(s);
    const double mark_price = mark ? mark->to_double() : 0;
    g.symbols[s].notional->Set(pos.qty.is_zero() || !mark ? 0 : pos.qty.abs().to_double() * mark_price);
    g.symbols[s].unrealized->Set(pos.qty.is_zero() ? 0 : venue.unrealized_pnl(s).to_double());
    g.symbols[s].liquidation_distance->Set(liquidation && mark_price > 0 ? std::abs(mark_price - liquidation->to_double()) / mark_price : 0);
    g.symbols[s].funding_paid->Set(g.funding_paid[s]);
  }
}

void ServiceSink::ack(core::TimestampMs instant_ms, bool replay_end) {
  auto& ack = ack_.fresh();
  ack.set_instant_ms(instant_ms);
  ack.set_replay_end(replay_end);
  ack.set_orders_applied(static_cast<uint32_t>(core_->orders_applied()));
  ack.set_orders_rejected(static_cast<uint32_t>(core_->orders_rejected()));
  svc_.stamp(*ack.mutable_header(), "order-router/ack", instant_ms, nullptr, runtime::wall_ns());
  acks_.publish(transport::topics::kAcks, ack.SerializeAsString());
}

void ServiceSink::order_outcome(const router::OrderOrigin& origin, const model::OrderRequest& order, const venue::SubmitResult& result) {
  const auto& account = origin.account;
  if (result.accepted()) {
    svc_.metrics().orders(account).Increment();
    if (!order.reduce_only && !origin.variant.empty()) entry_leverage(account, origin.variant, origin.version).Observe(order.leverage_x);
    return;
  }
  svc_.metrics().rejections(account, venue::to_string(result.reason)).Increment();
  svc_.log().info("event=order_rejected account={} client_order_id={} reason={} detail=\"{}\"", account, order.client_order_id, venue::to_string(result.reason),
                  result.detail);
}

void ServiceSink::journal_failed(core::TimestampMs instant_ms, const std::string& error) {
  svc_.log().error("event=journal_write_failed instant_ms={} error=\"{}\"", instant_ms, error);
}

void ServiceSink::write_report(core::TimestampMs through_ms, bool complete) {
  const auto& result = core_->close_books(through_ms);
  if (out_dir_.empty()) return;
  const auto& cfg = svc_.config();
  report::write_report(out_dir_, result, cfg.backtest.initial_equity, {"up", cfg.source, cfg.source_text, symbols_, complete});
  svc_.log().info("event=report_written dir={} through_instant_ms={} complete={}", out_dir_, through_ms, complete);
}

AccountStateWriter::AccountStateWriter(runtime::Service& svc, const report::RunResult& accounts, std::vector<std::string> symbols)
    : svc_(svc),
      accounts_(accounts),
      symbols_(std::move(symbols)),
      fills_written_(accounts.runs.size(), 0),
      registration_(svc.on_flush([this](std::vector<std::vector<std::string>>& cmds) -> std::function<void()> {
        std::vector<size_t> written(accounts_.runs.size());
        for (size_t a = 0; a < accounts_.runs.size(); ++a) {
          const auto& run = accounts_.runs[a];
          const auto& v = *run.venue;
          std::vector<std::string> hset{"HSET", svc_.key("account:" + run.policy), "equity", v.equity().str(), "wallet_balance", v.wallet_balance().str(),
                                        "available_balance", v.available_balance().str(), "open_positions", std::to_string(v.open_position_count()),
                                        "fills", std::to_string(v.fills().size()), "closed_trades", std::to_string(v.closed_trades().size())};
          for (size_t s = 0; s < symbols_.size(); ++s) {
            const auto& p = v.position(s);
            if (p.qty.is_zero()) continue;
            hset.push_back("position:" + symbols_[s]);
            hset.push_back(p.qty.str() + "@" + p.entry_price.str() + "x" + std::to_string(p.leverage_x));
          }
          std::string open_orders;
          for (const auto& id : v.open_order_ids()) open_orders += (open_orders.empty() ? "" : ",") + id;
          hset.push_back("open_orders");
          hset.push_back(open_orders);
          cmds.push_back(std::move(hset));
          std::vector<std::string> push{"RPUSH", svc_.key("fills:" + run.policy)};
          const auto& fills = v.fills();
          for (size_t i = fills_written_[a]; i < fills.size(); ++i) {
            const auto& f = fills[i];
            push.push_back(f.client_order_id + "," + f.symbol + "," + model::to_string(f.side) + "," + f.price.str() + "," + f.quantity.str() + "," +
                           f.fee.str() + "," + f.realized_pnl.str() + "," + std::to_string(f.time_ms));
          }
          if (push.size() > 2) cmds.push_back(std::move(push));
          written[a] = fills.size();
        }
        return [this, written] { fills_written_ = written; };
      })) {}

void AccountStateWriter::resume() {
  for (size_t a = 0; a < accounts_.runs.size(); ++a) {
    const auto have = svc_.redis().command({"LLEN", svc_.key("fills:" + accounts_.runs[a].policy)});
    fills_written_[a] = std::min<size_t>(have ? static_cast<size_t>(have->integer) : 0, accounts_.runs[a].venue->fills().size());
  }
}

}  // namespace fulcrum::order_router
