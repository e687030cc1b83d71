#include "live_venue.h"

#include <algorithm>

#include "fulcrum/binance/exchange_info.h"
#include "fulcrum/binance/reconcile.h"
#include "fulcrum/venue/paper_venue.h"

namespace fulcrum::order_router {

LiveVenue::LiveVenue(runtime::Service& svc, LiveVenueOptions o, const std::vector<std::string>& accounts) : svc_(svc), o_(std::move(o)) {
  auto& m = svc.metrics();
  user_events_ = &m.counter("fulcrum_exchange_user_events_total", "User-data stream events applied to the account", {});
  sends_ = &m.counter("fulcrum_exchange_order_sends_total", "Order requests sent to the exchange (a re-send only after the exchange said it never got one)", {});
  fills_ = &m.counter("fulcrum_exchange_fills_total", "Fills booked from the user-data stream, each once", {});
  funding_ = &m.counter("fulcrum_exchange_funding_payments_total", "FUNDING_FEE payments booked from the user-data stream, each once", {});
  repeats_ = &m.counter("fulcrum_exchange_repeated_fills_total", "Fills the stream delivered again (a reconnect's repeat), dropped", {});
  reconciliations_ = &m.counter("fulcrum_exchange_reconciliations_total", "Reconciliations of the account against the exchange", {});
  differences_ = &m.gauge("fulcrum_exchange_reconciliation_differences", "Differences the last reconciliation found: entries stop while > 0", {});
  stream_keys_ = &m.gauge("fulcrum_exchange_listen_keys_made", "listenKeys made for the user-data stream (more than 1: expiries)", {});
  const auto config_error = [&](const std::string& why) { return runtime::StartupError(runtime::kExitConfig, "--venue binance: " + why); };
  if (accounts.empty()) throw config_error("no account to trade");
  if (o_.live_account.empty()) o_.live_account = accounts.front();
  if (std::find(accounts.begin(), accounts.end(), o_.live_account) == accounts.end())
    throw config_error("--live-account '" + o_.live_account + "' is not one of this run's accounts");
  if (accounts.size() > 1) {
    std::string paper;
    for (const auto& a : accounts)
      if (a != o_.live_account) paper += (paper.empty() ? "" : ",") + a;
    svc.log().info("event=shadow_accounts live={} paper={} note=\"one router trades one exchange account; the others fill on paper, on the same data\"",
                   o_.live_account, paper);
  }
  if (svc.config().mesh.replay == config::ReplayMode::kLockstep) throw config_error("mesh.replay is lockstep: a live venue needs realtime or flat");
  try {
    creds_ = exchange_link::BinanceCredentials::from_environment();
    rest_ = std::make_unique<exchange_link::BinanceRest>(exchange_link::Url::parse(o_.rest), exchange_link::TlsOptions{o_.ca_file}, creds_);
    port_.emplace(*rest_, loop_lock_);
    const auto offset = rest_->sync_time();
    std::string error;
    const auto usdt = usdt_wallet(error);
    if (!usdt) throw std::runtime_error(error);
    // The symbols' filters as the exchange enforces them today, and the account's leverage
    // brackets (they can differ per account): the margin, the maintenance and the
    // liquidation price the book computes are the exchange's, and so is the gate's cap.
    rules_.emplace(svc, ExchangeRules{read_exchange_filters(o_.rest, exchange_link::TlsOptions{o_.ca_file}), read_account_brackets(*rest_)});
    // The account's run starts once: its time and balance are kept in Redis, so a restarted
    // router books the fills since then from the exchange's history onto the same deposit.
    const auto key = svc.key("router:live_account");
    const auto now_ms = rest_->clock().timestamp_ms;
    const auto set = svc.redis().command({"SET", key, std::to_string(now_ms) + " " + usdt->str(), "NX"});
    if (!set) throw std::runtime_error("Redis: cannot record the live account's start: " + svc.redis().last_error());
    const auto kept = svc.redis().command({"GET", key});
    const auto space = kept && kept->kind == runtime::RedisReply::Kind::kString ? kept->str.find(' ') : std::string::npos;
    const auto since = space == std::string::npos ? std::nullopt : core::parse_decimal_raw(kept->str.substr(0, space), 0);
    const auto deposit = space == std::string::npos ? std::nullopt : core::Money::parse(kept->str.substr(space + 1));
    if (!since || !deposit) throw std::runtime_error("Redis key " + key + " is not '<since_ms> <deposit>': '" + (kept ? kept->str : "") + "'");
    since_ms_ = *since;
    deposit_ = *deposit;
    restarted_ = set->kind == runtime::RedisReply::Kind::kNil;  // NX refused: a run was under way
    svc.log().info("event=exchange_connected rest={} api_key_type={} clock_offset_ms={} usdt_balance={} deposit={} since_ms={} restarted={}", o_.rest,
                   creds_.key.is_ed25519() ? "ed25519" : "hmac", offset, usdt->str(), deposit_.str(), since_ms_, restarted_);
  } catch (const runtime::StartupError&) {
    throw;
  } catch (const std::invalid_argument& e) {
    throw config_error(e.what());
  } catch (const std::exception& e) {
    throw runtime::StartupError(runtime::kExitRuntime, std::string("--venue binance: ") + e.what());
  }
}

LiveVenue::~LiveVenue() {
  if (stream_) stream_->stop();
}

router::VenueFactory LiveVenue::factory() {
  return [this](const std::string& account, const std::vector<model::InstrumentSpec>& configured, core::Money, core::TimestampMs start_ms)
             -> std::unique_ptr<venue::Venue> {
    // Each symbol on the exchange's filters and the account's brackets; a symbol it does not trade stops the start.
    std::vector<model::InstrumentSpec> specs;
    try {
      specs = rules_->specs(configured);
    } catch (const runtime::StartupError& e) {
      throw runtime::StartupError(e.exit_code(), std::string("--venue binance: ") + e.what());
    }
    // A shadow account: a paper venue on the exchange's rules, from the same deposit.
    if (account != o_.live_account) return std::make_unique<venue::PaperVenue>(svc_.config().backtest.venue, specs, deposit_, start_ms);
    auto v = std::make_unique<binance::ExchangeVenue>(svc_.config().backtest.venue, specs, deposit_, start_ms, *port_);
    v->set_recovering(true);
    venue_ = v.get();
    return v;
  };
}

void LiveVenue::gate_orders(std::function<std::optional<std::string>(const model::OrderRequest&)> gate) { venue_->set_order_gate(std::move(gate)); }

void LiveVenue::go_live() {
  venue_->set_recovering(false);
  if (restarted_) adopt();
  stream_ = std::make_unique<exchange_link::UserDataStream>(
      exchange_link::Url::parse(o_.rest), o_.ws, exchange_link::TlsOptions{o_.ca_file}, creds_,
      [this](binance::UserEvent&& ev) {
        std::lock_guard lock(mu_);
        inbox_.push_back(std::move(ev));
      },
      [this](const std::string& note) {
        std::lock_guard lock(mu_);
        notes_.push_back(note);
        // A stream that came back may have missed events: the account is checked again.
        if (note.rfind("connected", 0) == 0) reconnected_ = true;
      });
  stream_->start();
  reconcile("start");
}

void LiveVenue::on_turn() {
  std::vector<binance::UserEvent> events;
  std::vector<std::string> notes;
  bool reconnected = false;
  {
    std::lock_guard lock(mu_);
    events.swap(inbox_);
    notes.swap(notes_);
    reconnected = std::exchange(reconnected_, false);
  }
  for (const auto& n : notes) svc_.log().info("event=user_stream note=\"{}\"", n);
  for (const auto& e : events) venue_->on_user_event(e);
  // Each fill booked, in the log: the account's trail on the exchange, line by line.
  const auto& fills = venue_->fills();
  for (; fills_logged_ < fills.size(); ++fills_logged_) {
    const auto& f = fills[fills_logged_];
    svc_.log().info("event=exchange_fill client_id={} symbol={} side={} qty={} price={} fee={} realized_pnl={} wallet_after={}", f.client_order_id, f.symbol,
                    model::to_string(f.side), f.quantity.str(), f.price.str(), f.fee.str(), f.realized_pnl.str(), venue_->wallet_balance().str());
  }
  // Each funding payment the exchange reported, booked: the same trail for funding.
  const auto& ledger = venue_->ledger().entries();
  for (; ledger_logged_ < ledger.size(); ++ledger_logged_) {
    const auto& e = ledger[ledger_logged_];
    if (e.kind != venue::LedgerKind::kFunding) continue;
    svc_.log().info("event=exchange_funding symbol={} amount={} ref={} wallet_after={}", e.symbol, e.amount.str(), e.ref, venue_->wallet_balance().str());
    funding_->Increment();
  }
  if (const auto& c = venue_->counters(); c.unattributed_funding > unattributed_seen_) {
    svc_.log().warn("event=funding_unattributed count={} why=\"{}\" note=\"the wallet now differs from the exchange's; reconciliation names it\"",
                    c.unattributed_funding - unattributed_seen_, venue_->last_unattributed_funding());
    unattributed_seen_ = c.unattributed_funding;
  }
  if (venue_->counters().foreign_fills > foreign_seen_) {
    svc_.log().warn("event=foreign_fill count={} note=\"a fill of an order this router did not place (an operator's, or another program's on the same account): booked, so the account stays true\"",
                    venue_->counters().foreign_fills - foreign_seen_);
    foreign_seen_ = venue_->counters().foreign_fills;
  }
  if (!events.empty()) user_events_->Increment(static_cast<double>(events.size()));
  const auto& c = venue_->counters();
  if (c.order_sends > sends_seen_) sends_->Increment(static_cast<double>(c.order_sends - std::exchange(sends_seen_, c.order_sends)));
  if (c.fills > fills_seen_) fills_->Increment(static_cast<double>(c.fills - std::exchange(fills_seen_, c.fills)));
  if (c.repeated_fills > repeats_seen_) repeats_->Increment(static_cast<double>(c.repeated_fills - std::exchange(repeats_seen_, c.repeated_fills)));
  stream_keys_->Set(static_cast<double>(stream_->keys_made()));
  dead_man_heartbeat();
  if (reconnected) reconcile("user stream connected");
  else if (std::chrono::steady_clock::now() >= next_reconcile_) reconcile("periodic");
}

bool LiveVenue::read_trade_history(core::TimestampMs since_ms, std::vector<binance::TradeView>& trades, std::map<int64_t, std::string>& ids, std::string& error) {
  for (size_t s = 0; s < venue_->symbol_count(); ++s) {
    const auto& symbol = venue_->instrument(s).symbol;
    for (const char* path : {"/fapi/v1/userTrades", "/fapi/v1/allOrders"}) {
      binance::RestRequest r{"GET", path, {}, "", false};
      r.params.add("symbol", symbol).add("startTime", std::to_string(since_ms));
      const auto a = port_->send(r);
      if (a.outcome != binance::SendOutcome::kAccepted) {
        error = std::string(path) + " " + symbol + ": " + a.body.substr(0, 200);
        return false;
      }
      std::string why;
      if (std::string_view(path) == "/fapi/v1/userTrades") {
        const auto t = binance::parse_user_trades(a.body, why);
        if (t) trades.insert(trades.end(), t->begin(), t->end());
        else error = "userTrades " + symbol + ": " + why;
      } else {
        const auto i = binance::parse_order_client_ids(a.body, why);
        if (i) ids.insert(i->begin(), i->end());
        else error = "allOrders " + symbol + ": " + why;
      }
      if (!error.empty()) return false;
    }
  }
  return true;
}

// The user stream lost what the exchange sent while it was down: the fills are read back and
// booked once, and orders gone unseen are closed. `open_orders` was read before this call, so
// an order that fills after that read has its fill in the trades read here.
size_t LiveVenue::catch_up_fills(const char* why, const std::vector<binance::OpenOrderView>& open_orders) {
  std::string error;
  std::vector<binance::TradeView> trades;
  std::map<int64_t, std::string> ids;
  // From a minute before the last fill booked: the gap's fills are after it (exchange time).
  const auto since = std::max(since_ms_, venue_->last_fill_ms() - 60'000);
  if (!read_trade_history(since, trades, ids, error)) {
    svc_.log().error("event=fill_catch_up_failed why=\"{}\" error=\"{}\"", why, error);
    return 0;
  }
  const auto booked = venue_->catch_up(std::move(trades), ids, open_orders);
  if (booked > 0) svc_.log().warn("event=fills_caught_up why=\"{}\" fills={} note=\"fills the user stream lost, read back from userTrades and booked once\"", why, booked);
  return booked;
}

void LiveVenue::adopt() {
  std::vector<binance::TradeView> trades;
  std::map<int64_t, std::string> ids;
  const auto parsed = [&](auto value, const std::string& what, const std::string& error) {
    if (!value) throw runtime::StartupError(runtime::kExitRuntime, "--venue binance: " + what + ": " + error);
    return *value;
  };
  std::string error;
  if (!read_trade_history(since_ms_, trades, ids, error)) throw runtime::StartupError(runtime::kExitRuntime, "--venue binance: " + error);
  const auto funding = read_funding_history(error);
  if (!funding) throw runtime::StartupError(runtime::kExitRuntime, "--venue binance: " + error);
  const auto open = parsed(binance::read_exchange_book(*port_, error), "open orders", error).orders;
  const auto unprotected = venue_->adopt(trades, ids, open, since_ms_, *funding);
  svc_.log().warn("event=adopted_account since_ms={} trades={} open_orders={} funding_payments={} wallet={} note=\"restarted: the account since the run's start, booked from the exchange's history\"",
                  since_ms_, trades.size(), open.size(), funding->size(), venue_->wallet_balance().str());
  for (const auto& u : unprotected) svc_.log().error("event=unprotected_position detail=\"{}\"", u);
}

std::optional<core::Money> LiveVenue::usdt_wallet(std::string& error) {
  const auto answer = port_->send({"GET", "/fapi/v2/balance", {}, "", false});
  const auto balances = answer.outcome == binance::SendOutcome::kAccepted ? binance::parse_balances(answer.body, error) : std::nullopt;
  if (!balances) {
    error = "GET /fapi/v2/balance: " + (error.empty() ? answer.body.substr(0, 200) : error);
    return std::nullopt;
  }
  const auto usdt = balances->find("USDT");
  if (usdt == balances->end()) {
    error = "GET /fapi/v2/balance: no USDT balance";
    return std::nullopt;
  }
  return usdt->second;
}

std::optional<std::vector<binance::FundingIncomeView>> LiveVenue::read_funding_history(std::string& error) {
  std::vector<binance::FundingIncomeView> rows;
  for (size_t s = 0; s < venue_->symbol_count(); ++s) {
    const auto f = binance::read_funding_income(*port_, venue_->instrument(s).symbol, since_ms_, error);
    if (!f) return std::nullopt;
    rows.insert(rows.end(), f->begin(), f->end());
  }
  return rows;
}

// The book's wallet against the exchange's. Funding the stream did not bring (paid while the
// router was down or its stream reconnecting) is read from the income history and booked,
// each payment once; only a difference makes it look, so the stream's own bookings stand.
void LiveVenue::catch_up_funding(const char* why) {
  std::string error;
  const auto usdt = usdt_wallet(error);
  if (!usdt) {
    svc_.log().error("event=wallet_check_failed why=\"{}\" error=\"{}\"", why, error);
    return;
  }
  if (*usdt == venue_->wallet_balance()) return;
  auto rows = read_funding_history(error);
  if (!rows) {
    svc_.log().error("event=wallet_check_failed why=\"{}\" error=\"{}\"", why, error);
    return;
  }
  const auto booked = venue_->book_funding_history(std::move(*rows));
  // A fill in flight also moves the exchange's wallet first: the next check sees it settled.
  svc_.log().info("event=wallet_checked why=\"{}\" funding_booked={} wallet_book={} wallet_exchange={}", why, booked, venue_->wallet_balance().str(),
                  usdt->str());
}

void LiveVenue::dead_man_heartbeat() {
  if (o_.dead_man_ms <= 0) return;
  const auto symbols = venue_->symbols_with_regular_orders();
  const std::set<std::string> open(symbols.begin(), symbols.end());
  const auto now = std::chrono::steady_clock::now();
  const bool due = now >= next_heartbeat_;
  for (const auto& s : open) {
    if (!due && countdowns_.count(s)) continue;  // renewed on the next beat
    const auto a = port_->send(binance::plan_countdown_cancel_all(s, o_.dead_man_ms, port_->clock()));
    if (a.outcome == binance::SendOutcome::kAccepted) countdowns_.insert(s);
    else svc_.log().error("event=dead_man_heartbeat_failed symbol={} answer=\"{}\"", s, a.body.substr(0, 200));
  }
  // A symbol with nothing open left: its countdown is stopped, not left to fire.
  for (auto it = countdowns_.begin(); it != countdowns_.end();) {
    if (open.count(*it)) {
      ++it;
      continue;
    }
    port_->send(binance::plan_countdown_cancel_all(*it, 0, port_->clock()));
    it = countdowns_.erase(it);
  }
  if (due) next_heartbeat_ = now + std::chrono::milliseconds(o_.dead_man_ms / 4);
}

void LiveVenue::reconcile(const char* why) {
  next_reconcile_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(o_.reconcile_every_ms);
  reconciliations_->Increment();
  std::string error;
  const auto exchange = binance::read_exchange_book(*port_, error);
  if (!exchange) {
    // Unable to look: that is not agreement. Entries stop until a reconciliation succeeds.
    venue_->set_reconciliation_differences({"reconciliation could not read the exchange: " + error});
    differences_->Set(1);
    svc_.log().error("event=reconciliation_failed why=\"{}\" error=\"{}\"", why, error);
    return;
  }
  auto r = binance::reconcile(venue_->expected_book(), exchange->orders, exchange->positions);
  // A difference may be fills the stream lost in a gap (they cost 10 weight a symbol to read,
  // so only a difference makes it look): booked, the account is compared again. The wallet
  // is checked after, so a lost fill's fee and PnL are not mistaken for unbooked funding.
  if (!r.clean() && catch_up_fills(why, exchange->orders) > 0) r = binance::reconcile(venue_->expected_book(), exchange->orders, exchange->positions);
  catch_up_funding(why);
  // A fill in flight (done at the exchange, its event not here yet) differs for a moment:
  // a difference is looked at again within a second, and entries go on once it clears.
  if (!r.clean()) next_reconcile_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  venue_->set_reconciliation_differences(r.differences);
  differences_->Set(static_cast<double>(r.differences.size()));
  for (const auto& d : r.differences) svc_.log().error("event=reconciliation_difference why=\"{}\" difference=\"{}\"", why, d);
  // Every clean one too (each 30 s): the account's agreement with the exchange is on record.
  if (r.clean())
    svc_.log().info("event=reconciled why=\"{}\" open_orders={} positions_checked={}", why, exchange->orders.size(), exchange->positions.size());
}

}  // namespace fulcrum::order_router
