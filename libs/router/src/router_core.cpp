#include "fulcrum/router/router_core.h"

#include <algorithm>

#include "fulcrum/transport/codec.h"
#include "fulcrum/transport/hop_trail.h"
#include "fulcrum/transport/strategy_codec.h"
#include "fulcrum/transport/topics.h"

namespace fulcrum::router {

namespace {
// A journal entry: its kind, then the message's bytes (the wire's when given) without the
// header's hop trail, which is telemetry and half an order batch (transport/hop_trail.h).
template <class Message>
std::string journal_entry(char kind, const Message& m, std::string_view wire) {
  std::string serialized;
  if (wire.empty()) wire = serialized = m.SerializeAsString();
  std::string e(1, kind);
  if (!transport::append_without_hop_trail(wire, e)) e.append(wire);  // it parsed, so it scans: kept whole all the same
  return e;
}
}  // namespace

RouterCore::RouterCore(RouterSettings settings, model::SymbolTable symbols, std::vector<model::InstrumentSpec> specs, std::vector<std::string> accounts,
                       core::IJournal& journal, RouterSink& sink)
    : settings_(std::move(settings)), symbols_(std::move(symbols)), accounts_(std::move(accounts)), journal_(journal), sink_(sink) {
  // Accounts given by hand (tests, benchmarks) are one member each, whatever the config's A/B.
  const bool configured = accounts_ == strategy::account_list(settings_.run);
  const auto add_member = [&](const std::string& variant, size_t account) {
    Member m;
    m.variant = variant;
    m.account = account;
    members_.push_back(std::move(m));
  };
  if (configured && settings_.run.ab.mode == strategy::AbMode::kSplit)
    for (const auto& v : strategy::variant_list(settings_.run)) add_member(v.id, 0);
  else
    for (size_t a = 0; a < accounts_.size(); ++a) add_member(accounts_[a], a);
  applied_.assign(members_.size(), kNone);
  held_.resize(members_.size());
  result_.from_ms = settings_.run.from_ms;
  result_.to_ms = settings_.run.to_ms;
  for (const auto& a : accounts_) {
    report::PolicyRun run;
    run.policy = a;
    const auto deposit = core::Money::from_double(settings_.run.initial_equity);
    run.venue = settings_.make_venue ? settings_.make_venue(a, specs, deposit, settings_.run.from_ms)
                                     : std::make_unique<venue::PaperVenue>(settings_.run.venue, specs, deposit, settings_.run.from_ms);
    // A live account starts with what the exchange says it holds.
    run.deposit = settings_.make_venue ? run.venue->wallet_balance().to_double() : settings_.run.initial_equity;
    if (configured) report::make_split_account(run, settings_.run);
    result_.runs.push_back(std::move(run));
  }
  report::set_up_variant_rows(result_, settings_.run);
  if (!configured) {
    result_.variant_rows.clear();
    for (size_t a = 0; a < accounts_.size(); ++a) result_.variant_rows.push_back({accounts_[a], a, {{"", "", settings_.run.from_ms}}, false});
  }
}

bool RouterCore::malformed(const std::string& why) {
  if (!replaying_) sink_.malformed(why);
  return false;
}

bool RouterCore::admit(TimestampMs t, const char* what) {
  if (const auto why = transport::beyond_replay_window(t, settings_.run.to_ms, what)) return malformed(*why);
  return true;
}

size_t RouterCore::recover() {
  replaying_ = true;
  size_t n = 0;
  journal_.replay([&](std::string_view e) {
    const auto body = e.substr(std::min<size_t>(1, e.size()));
    const auto corrupt = [&] { return core::JournalError("router journal entry " + std::to_string(n) + " is corrupt"); };
    if (!e.empty() && e[0] == 'm') {
      v1::MarketEvent ev;
      if (!ev.ParseFromArray(body.data(), static_cast<int>(body.size()))) throw corrupt();
      on_market(ev);
    } else if (!e.empty() && e[0] == 's') {
      risk::TradingStateBook book;
      try {
        book = risk::TradingStateBook::parse(body, "router journal entry " + std::to_string(n));
      } catch (const std::exception&) {
        throw corrupt();
      }
      on_trading_state(book);
    } else if (!e.empty() && e[0] == 'b') {
      // b<active 0|1><tainted 0|1><variant>\n<why>
      const auto nl = body.find('\n');
      if (body.size() < 3 || nl == std::string_view::npos) throw corrupt();
      set_membership(std::string(body.substr(2, nl - 2)), body[0] == '1', body[1] == '1', std::string(body.substr(nl + 1)));
    } else if (!e.empty() && e[0] == 'o') {
      v1::OrderBatch batch;
      if (!batch.ParseFromArray(body.data(), static_cast<int>(body.size()))) throw corrupt();
      on_batch(batch);
    } else {
      throw corrupt();
    }
    ++n;
  });
  replaying_ = false;
  // Everything journaled was acknowledged (lockstep) or is past (free-running).
  if (n > 0) last_acked_ = md_done_;
  return n;
}

void RouterCore::on_market(const v1::MarketEvent& ev, std::string_view wire) {
  if (!apply_market(ev)) return;
  if (!replaying_) journal_.record(journal_entry('m', ev, wire));
  if (!ev.has_instant_end()) return;
  // Orders that came before their instant's market events were all in now apply, on the
  // bar they were planned for.
  while (!early_.empty() && early_.front().first <= md_done_) {
    const auto bytes = std::move(early_.front().second);
    early_.pop_front();
    auto& batch = early_scratch_.fresh();
    if (batch.ParseFromString(bytes)) on_batch(batch, bytes);  // it parsed when it came
  }
}

RouterCore::BatchOutcome RouterCore::on_batch(const v1::OrderBatch& batch, std::string_view wire) {
  if (!admit(batch.instant_ms(), "order batch")) return BatchOutcome::kRefused;
  if (!replaying_ && batch.instant_ms() > md_done_) {
    // Possible only when a re-send races the direct market-data path: applying these now
    // would fill them on the wrong bar.
    early_.emplace_back(batch.instant_ms(), wire.empty() ? batch.SerializeAsString() : std::string(wire));
    return BatchOutcome::kEarly;
  }
  const auto outcome = apply_batch(batch, wire);
  maybe_ack();
  return outcome;
}

bool RouterCore::apply_market(const v1::MarketEvent& ev) {
  if (auto problem = transport::market_event_problem(ev)) return malformed("market event: " + *problem);
  switch (ev.event_case()) {
    case v1::MarketEvent::kBar:
    case v1::MarketEvent::kMarkBar: {
      const auto& c = ev.event_case() == v1::MarketEvent::kBar ? ev.bar() : ev.mark_bar();
      const auto s = symbols_.find(c.symbol());
      if (!s) return malformed("market event for unconfigured symbol '" + c.symbol() + "'");
      const auto bar = transport::from_proto(c);
      if (!admit(bar.close_time_ms(), "bar") || bar.close_time_ms() <= md_done_) return false;
      for (auto& run : result_.runs) {
        if (ev.event_case() == v1::MarketEvent::kBar) run.venue->on_bar(*s, bar);
        else run.venue->on_mark_bar(*s, bar);
      }
      return true;
    }
    case v1::MarketEvent::kFunding: {
      const auto s = symbols_.find(ev.funding().symbol());
      if (!s) return malformed("funding for unconfigured symbol '" + ev.funding().symbol() + "'");
      const auto f = transport::from_proto(ev.funding());
      if (!admit(f.funding_time_ms, "funding") || f.funding_time_ms <= md_done_) return false;
      for (auto& run : result_.runs) run.venue->on_funding(*s, f);
      return true;
    }
    case v1::MarketEvent::kInstantEnd: {
      const auto t = ev.instant_end().time_ms();
      if (!admit(t, "instant end") || t < md_done_) return false;
      if (t == md_done_) {  // a re-sent instant: the views again, and the ack if it was given
        if (replaying_) return false;
        if (views_.empty()) publish_views(ev.header());  // restarted since: rebuild them
        else sink_.account_views(md_done_, views_, ev.header());
        if (last_acked_ == md_done_) sink_.ack(md_done_, false);
        return false;
      }
      md_done_ = t;
      ++instants_;
      // Warm-up history is not the account's: its hours are not the equity curve's.
      if (!ev.header().warmup() && strategy::is_equity_sample_instant(t, settings_.run.from_ms))
        for (auto& run : result_.runs) report::sample_equity(run, t);
      views_.clear();
      if (!replaying_) publish_views(ev.header());
      if (!settings_.lockstep) last_acked_ = md_done_;  // free-running: nothing waits for acks
      return true;
    }
    case v1::MarketEvent::kReplayEnd: {
      if (replaying_) return false;
      // Only the end of this replay counts: in lockstep the router has applied exactly its
      // last instant by then, so a forged end mid-run is refused and counted.
      const auto last = ev.replay_end().last_instant_ms();
      if (ev.replay_end().to_ms() != settings_.run.to_ms || (settings_.lockstep && last != md_done_))
        return malformed("replay end for instant " + std::to_string(last) + " (to " + std::to_string(ev.replay_end().to_ms()) +
                         ") while the router has applied through " + std::to_string(md_done_));
      if (!finished_) {
        finished_ = true;
        // Free-running modes can lose instants at a full queue: the report says so.
        sink_.replay_ended(settings_.run.to_ms, last == md_done_);
      }
      sink_.ack(ev.replay_end().to_ms(), true);
      return false;
    }
    default: return false;
  }
}

void RouterCore::on_trading_state(const risk::TradingStateBook& book) {
  if (book.epoch() == book_.epoch()) return;
  if (!replaying_) journal_.record("s" + book.serialize());
  const auto seen = book_.epoch();
  book_ = book;
  for (const auto& [scope, e] : book_.engagements())
    if (e.epoch > seen) act_on(e);
}

void RouterCore::act_on(const risk::Engagement& e) {
  const auto why = std::string("kill switch: ") + risk::to_string(e.state) + " on " + e.scope.str() + " at epoch " + std::to_string(e.epoch);
  for (size_t a = 0; a < accounts_.size(); ++a) {
    if (e.scope.kind == risk::Scope::Kind::kAccount && e.scope.name != accounts_[a]) continue;
    auto& venue = *result_.runs[a].venue;
    for (size_t s = 0; s < venue.symbol_count(); ++s) {
      const auto& symbol = venue.instrument(s).symbol;
      if (e.scope.kind == risk::Scope::Kind::kSymbol && e.scope.name != symbol) continue;
      kill_switch_actions_ += venue.cancel_working(s, !(e.state == risk::TradingState::kHalted && e.cancel_protective_stops), why);
      const auto& pos = venue.position(s);
      if (!e.flatten || pos.qty.is_zero()) continue;
      model::OrderRequest close;
      close.client_order_id = "kill-" + std::to_string(e.epoch) + "-" + symbol;
      close.symbol = symbol;
      close.side = pos.qty.raw > 0 ? model::Side::kSell : model::Side::kBuy;
      close.type = model::OrderType::kMarket;
      close.quantity = pos.qty.abs();
      close.reduce_only = true;
      close.leverage_x = std::max(1, pos.leverage_x);
      const auto res = venue.submit(close, md_done_ == kNone ? settings_.run.from_ms : md_done_, why);
      ++kill_switch_actions_;
      ++flatten_orders_;
      ++(res.accepted() ? orders_applied_ : orders_rejected_);
      static const std::string kNoVariant;
      if (!replaying_) sink_.order_outcome({accounts_[a], kNoVariant, kNoVariant}, close, res);
    }
  }
}

bool RouterCore::awaited(size_t m, TimestampMs instant_ms) const {
  return members_[m].active && (members_[m].awaited_after_ms == kNone || instant_ms > members_[m].awaited_after_ms);
}

bool RouterCore::missing(size_t m) const {
  return awaited(m, md_done_) && applied_[m] != md_done_ && !(held_[m] && held_[m]->instant_ms() == md_done_);
}

bool RouterCore::every_member_in() const {
  for (size_t m = 0; m < members_.size(); ++m)
    if (missing(m)) return false;
  return true;
}

void RouterCore::apply_held_when_complete() {
  if (md_done_ == kNone || !every_member_in()) return;
  for (size_t i = 0; i < members_.size(); ++i)
    if (held_[i]) apply_member_batch(i, *std::exchange(held_[i], std::nullopt));
}

std::vector<std::string> RouterCore::missing_members() const {
  std::vector<std::string> out;
  if (md_done_ == kNone || last_acked_ == md_done_) return out;
  for (size_t m = 0; m < members_.size(); ++m)
    if (missing(m)) out.push_back(members_[m].variant);
  return out;
}

std::string RouterCore::set_membership(const std::string& variant, bool active, bool tainted, const std::string& why) {
  size_t m = 0;
  while (m < members_.size() && members_[m].variant != variant) ++m;
  if (m == members_.size()) return "'" + variant + "' is not a variant of this run";
  auto& member = members_[m];
  if (member.active == active) return active ? "'" + variant + "' is a member already" : "'" + variant + "' is not a member";
  if (!active && std::count_if(members_.begin(), members_.end(), [](const Member& x) { return x.active; }) == 1)
    return "'" + variant + "' is the last member: a run needs one (engage the kill switch to stop trading)";
  if (!replaying_) journal_.record(std::string("b") + (active ? '1' : '0') + (tainted ? '1' : '0') + variant + "\n" + why);
  ++membership_epoch_;
  member.active = active;
  member.tainted = !active && tainted;
  member.why = why;
  member.changed_ms = md_done_ == kNone ? settings_.run.from_ms : md_done_;
  if (active) {
    member.awaited_after_ms = md_done_;  // its planner has not planned this instant: from the next
    held_[m].reset();
  }
  apply_held_when_complete();  // a leaver may have been all the instant waited for
  maybe_ack();
  return "";
}

RouterCore::BatchOutcome RouterCore::apply_batch(const v1::OrderBatch& batch, std::string_view wire) {
  const auto& variant = batch.variant().empty() ? batch.account() : batch.variant();
  size_t m = 0;
  while (m < members_.size() && members_[m].variant != variant) ++m;
  if (m == members_.size()) return malformed("order batch from unknown variant '" + variant + "'"), BatchOutcome::kRefused;
  if (accounts_[members_[m].account] != batch.account())
    return malformed("order batch from variant '" + variant + "' for account '" + batch.account() + "': it trades '" + accounts_[members_[m].account] + "'"),
           BatchOutcome::kRefused;
  if (batch.instant_ms() <= applied_[m]) return BatchOutcome::kRepeat;  // a re-sent batch: never applied twice
  if (!awaited(m, batch.instant_ms()))
    return malformed("order batch from variant '" + variant + "' for instant " + std::to_string(batch.instant_ms()) + ": not a member then" +
                     (members_[m].why.empty() ? "" : " (" + members_[m].why + ")")),
           BatchOutcome::kRefused;
  if (!settings_.lockstep) return apply_member_batch(m, batch, wire), BatchOutcome::kApplied;
  if (held_[m] && held_[m]->instant_ms() == batch.instant_ms()) return BatchOutcome::kRepeat;
  held_[m] = batch;
  if (!every_member_in()) return BatchOutcome::kHeld;
  apply_held_when_complete();
  return BatchOutcome::kApplied;
}

void RouterCore::apply_member_batch(size_t m, const v1::OrderBatch& batch, std::string_view wire) {
  if (!replaying_) journal_.record(journal_entry('o', batch, wire));
  auto& run = result_.runs[members_[m].account];
  // A new version (or config) of the variant opens a new leaderboard row from this instant.
  if (batch.policy_version().size() <= 64 && batch.config_hash().size() <= 64)
    report::note_version(result_.variant_rows, members_[m].variant, batch.policy_version(), batch.config_hash(), batch.instant_ms());
  // The row's version, not the batch's: note_version bounds how many there are.
  static const std::string kUnnamed;
  const auto row = std::find_if(result_.variant_rows.begin(), result_.variant_rows.end(), [&](const auto& r) { return r.variant == members_[m].variant; });
  const auto& version = row == result_.variant_rows.end() ? kUnnamed : row->spans.back().version;
  for (const auto& d : batch.decisions()) {
    run.decisions.push_back(transport::from_proto(d));
    run.decisions.back().variant = members_[m].variant;  // the batch's, as the planner stamps it in-process
  }
  for (const auto& c : batch.commands()) {
    if (c.has_amend_stop()) {
      run.venue->amend_stop(c.amend_stop().client_order_id(), core::Price::from_raw(c.amend_stop().stop_price_raw()));
      continue;
    }
    if (!c.has_submit()) {
      malformed("order command with nothing set");
      continue;
    }
    model::OrderRequest req;
    try {
      req = transport::from_proto(c.submit());
    } catch (const transport::WireError& e) {
      malformed(std::string("order: ") + e.what());
      continue;
    }
    // The last check before the venue: a kill switch engaged after the gatekeeper passed
    // this batch still stops it here.
    const auto res = book_.allows(batch.account(), req.symbol, req.reduce_only)
                         ? run.venue->submit(req, batch.instant_ms(), c.decision_reason())
                         : venue::SubmitResult{venue::RejectReason::kTradingState,
                                               std::string(risk::to_string(book_.effective(batch.account(), req.symbol))) + " at epoch " +
                                                   std::to_string(book_.deciding(batch.account(), req.symbol)->epoch)};
    ++(res.accepted() ? orders_applied_ : orders_rejected_);
    if (res.accepted() && !req.reduce_only && book_.effective(batch.account(), req.symbol) == risk::TradingState::kHalted) ++orders_while_halted_;
    if (!replaying_) sink_.order_outcome({batch.account(), members_[m].variant, version}, req, res);
  }
  orders_rejected_ += static_cast<uint64_t>(batch.denied_size());
  applied_[m] = batch.instant_ms();
}

void RouterCore::publish_views(const v1::Header& cause) {
  views_.clear();
  std::vector<std::string> members;
  for (const auto& m : members_)
    if (m.active) members.push_back(m.variant);
  for (const auto& run : result_.runs) {
    views_.push_back(strategy::view_of(*run.venue, settings_.run.strategy.stats_window_trades, md_done_));
    views_.back().membership_epoch = membership_epoch_;
    views_.back().members = members;
  }
  sink_.account_views(md_done_, views_, cause);
}

void RouterCore::maybe_ack() {
  if (md_done_ == kNone || replaying_ || last_acked_ == md_done_) return;
  for (size_t m = 0; m < members_.size(); ++m)
    if (awaited(m, md_done_) && applied_[m] != md_done_) return;  // a held batch waits for the rest: not applied, not acknowledged
  if (settings_.lockstep && !journal_.commit({{transport::state_keys::kAckedInstant, std::to_string(md_done_)}})) {
    // Not durable, not acknowledged: market-data waits and re-sends; retried each turn.
    if (!ack_pending_) sink_.journal_failed(md_done_, journal_.describe_error());
    ack_pending_ = true;
    return;
  }
  ack_pending_ = false;
  last_acked_ = md_done_;
  sink_.ack(md_done_, false);
}

const report::RunResult& RouterCore::close_books(TimestampMs through_ms) {
  result_.to_ms = through_ms;
  for (auto& run : result_.runs) report::sample_equity(run, through_ms);
  return result_;
}

}  // namespace fulcrum::router
