#include "fulcrum/binance/exchange_venue.h"

#include <algorithm>
#include <limits>
#include <set>
#include <tuple>
#include <stdexcept>

#include "fulcrum/binance/client_order_id.h"
#include "fulcrum/binance/leverage_plan.h"

namespace fulcrum::binance {

using venue::RejectReason;
using venue::SubmitResult;

namespace {

std::string describe(const RestAnswer& a) {
  if (a.error) return std::to_string(a.error->code) + " " + a.error->msg;
  return "HTTP " + std::to_string(a.status) + (a.body.empty() ? "" : ": " + a.body.substr(0, 200));
}

bool is_stop(model::OrderType t) { return t == model::OrderType::kStopMarket || t == model::OrderType::kTrailingStop; }

}  // namespace

ExchangeVenue::ExchangeVenue(venue::VenueConfig cfg, std::vector<model::InstrumentSpec> specs, core::Money deposit, TimestampMs start_ms,
                             ExchangePort& port)
    : cfg_(cfg), book_(cfg, std::move(specs), deposit, start_ms), port_(port), symbol_leverage_(book_.symbol_count(), 0), margin_type_set_(book_.symbol_count(), false) {}

SubmitResult ExchangeVenue::submit(const model::OrderRequest& req, TimestampMs now_ms, std::string decision_reason) {
  const auto sym = book_.symbol_index(req.symbol);
  if (!sym) return {RejectReason::kUnknownSymbol, "symbol '" + req.symbol + "' is not traded on this venue"};
  return place(req, *sym, decision_reason, now_ms);
}

SubmitResult ExchangeVenue::place(model::OrderRequest req, size_t sym, const std::string& decision_reason, TimestampMs now_ms) {
  const auto refuse = [&](RejectReason r, std::string why) {
    ++counters_.orders_refused;
    book_.book_order_end({now_ms, req.client_order_id, req.symbol, venue::OrderEnd::kRejectedAtFill, why});
    return SubmitResult{r, std::move(why)};
  };
  std::string xid;
  try {
    xid = exchange_client_order_id(req.client_order_id);
  } catch (const std::invalid_argument& e) {
    return SubmitResult{RejectReason::kDuplicateClientOrderId, e.what()};
  }
  if (ids_used_.count(xid)) return {RejectReason::kDuplicateClientOrderId, "client order id '" + req.client_order_id + "' was sent before"};
  if (recovering_) {
    ids_used_[xid] = req.client_order_id;
    if (const auto sym_of = book_.symbol_index(req.symbol))
      recovered_[xid] = Working{req, decision_reason, *sym_of, is_stop(req.type), false, {}};
    return {};
  }
  const bool adds_exposure = !req.reduce_only && !req.close_position;
  const auto gate_refusal = [&]() -> std::optional<venue::SubmitResult> {
    if (!adds_exposure || !order_gate_) return std::nullopt;
    auto why = order_gate_(req);
    if (!why) return std::nullopt;
    ++counters_.refused_by_trading_state;
    return refuse(RejectReason::kTradingState, *why);
  };
  if (auto refused = gate_refusal()) return *refused;
  if (!differences_.empty() && adds_exposure) {
    ++counters_.refused_by_reconciliation;
    return refuse(RejectReason::kExchangeRefused, "the account disagrees with the exchange (" + differences_.front() + (differences_.size() > 1 ? ", …" : "") +
                                                      "): no new entry until a reconciliation comes out clean");
  }
  for (const auto& [id, w] : working_)
    if (w.sym == sym && w.unknown && !req.reduce_only)
      return refuse(RejectReason::kExchangeRefused, "order '" + w.req.client_order_id + "' on " + req.symbol +
                                                        " has an unknown outcome: no new entry on the symbol until it is settled");
  const auto& pos = book_.position(sym);
  const auto plan = plan_entry_leverage(req, {symbol_leverage_[sym], pos.qty});
  if (plan.refuse) return refuse(RejectReason::kInvalidLeverage, plan.note);
  if (!req.reduce_only && !req.close_position) req.leverage_x = plan.leverage_x;
  // The rules the paper venue applies, first: an order the exchange must refuse costs no request.
  if (auto checked = venue::check_order(book_.instrument(sym), req, book_.last_price(sym), pos, book_.available_balance(), cfg_.taker_fee);
      !checked.accepted()) {
    ++counters_.orders_refused;
    return checked;
  }
  // The book keeps the account in the venue's margin mode (isolated by default), so the
  // exchange must hold the symbol in it too. It can be changed only while flat and without
  // open orders (-4047, -4048); -4046 says it already is.
  if (!req.reduce_only && !req.close_position && !margin_type_set_[sym] && pos.qty.is_zero()) {
    const bool isolated = cfg_.margin_mode == venue::MarginMode::kIsolated;
    const auto a = port_.send(plan_margin_type(req.symbol, isolated, port_.clock()));
    const bool already = a.error && a.error->code == -4046;
    if (a.outcome != SendOutcome::kAccepted && !already)
      return refuse(RejectReason::kExchangeRefused, std::string("margin type ") + (isolated ? "ISOLATED" : "CROSSED") + ": " + describe(a));
    margin_type_set_[sym] = true;
    if (!already) ++counters_.margin_type_changes;
  }
  if (plan.set_leverage) {
    const auto a = port_.send(plan_set_leverage(req.symbol, plan.leverage_x, port_.clock()));
    if (a.outcome != SendOutcome::kAccepted) return refuse(RejectReason::kExchangeRefused, "leverage " + std::to_string(plan.leverage_x) + "x: " + describe(a));
    symbol_leverage_[sym] = plan.leverage_x;
    ++counters_.leverage_changes;
  }
  const auto planned = plan_new_order(req, book_.instrument(sym), port_.clock(), book_.last_price(sym));
  if (const auto* e = std::get_if<ExchangeError>(&planned)) return refuse(RejectReason::kExchangeRefused, std::to_string(e->code) + " " + e->msg);
  const auto& request = std::get<RestRequest>(planned);
  // Setting the margin type and leverage went over the wire: the trading state may have
  // changed meanwhile, so it is asked again right before the order goes.
  if (auto refused = gate_refusal()) return *refused;
  ids_used_[xid] = req.client_order_id;
  const auto placed = port_.place(request, req.symbol, req.client_order_id);
  counters_.order_sends += static_cast<uint64_t>(placed.sends);
  switch (placed.answer.outcome) {
    case SendOutcome::kAccepted:
    case SendOutcome::kUnknown: {
      const bool unknown = placed.answer.outcome == SendOutcome::kUnknown;
      working_[xid] = Working{req, decision_reason, sym, request.algo, unknown, {}};
      ++counters_.orders_placed;
      if (unknown) ++counters_.orders_unknown;
      return unknown ? SubmitResult{RejectReason::kNone, "execution status unknown after " + std::to_string(placed.queries) +
                                                             " look-ups: kept as working, never re-sent; the user stream or reconciliation settles it"}
                     : SubmitResult{};
    }
    default: return refuse(RejectReason::kExchangeRefused, describe(placed.answer));
  }
}

void ExchangeVenue::on_user_event(const UserEvent& event) {
  if (const auto* u = std::get_if<OrderUpdate>(&event)) return on_order_update(*u);
  if (const auto* a = std::get_if<AccountUpdate>(&event)) {
    for (const auto& [symbol, qty] : a->positions) exchange_positions_[symbol] = qty;
    if (a->reason == "FUNDING_FEE") book_funding(*a);
  }
  // A conditional order that ends without executing; one that triggers reports its fill
  // through ORDER_TRADE_UPDATE under the same id (and can do so before this event).
  if (const auto* a = std::get_if<AlgoUpdate>(&event))
    if (a->status == "CANCELED" || a->status == "EXPIRED" || a->status == "REJECTED")
      end_order(a->client_algo_id, a->status == "CANCELED" ? venue::OrderEnd::kCancelled : venue::OrderEnd::kExpired, "exchange: " + a->status,
                a->event_time_ms);
}

// A FUNDING_FEE account update is the exchange's funding payment: booked into the ledger
// as the exchange computed it (bc), once per (transaction time, symbol). On an isolated
// position the update names the position alone; a crossed one names none, and the payment
// is the book's only open position's or, when several are open, not attributable: counted
// and named, never guessed.
void ExchangeVenue::book_funding(const AccountUpdate& a) {
  const auto change = a.balance_changes.count("USDT") ? a.balance_changes.find("USDT")
                                                      : (a.balance_changes.size() == 1 ? a.balance_changes.begin() : a.balance_changes.end());
  std::optional<size_t> sym;
  if (a.positions.size() == 1) {
    sym = book_.symbol_index(a.positions.begin()->first);
  } else if (a.positions.empty()) {
    size_t open = 0;
    for (size_t i = 0; i < book_.symbol_count(); ++i)
      if (!book_.position(i).qty.is_zero()) ++open, sym = i;
    if (open != 1) sym.reset();
  }
  if (change == a.balance_changes.end() || !sym) {
    ++counters_.unattributed_funding;
    last_unattributed_funding_ = "FUNDING_FEE at " + std::to_string(a.transaction_time_ms) + ": " +
                                 (change == a.balance_changes.end() ? "no balance change in the margin asset" : "no single position it belongs to");
    return;
  }
  const auto& symbol = book_.instrument(*sym).symbol;
  if (!funding_seen_.insert({a.transaction_time_ms, symbol}).second) {
    ++counters_.repeated_funding;
    return;
  }
  book_.book_exchange_funding(*sym, change->second, a.transaction_time_ms, "exchange-funding-" + symbol + "-" + std::to_string(a.transaction_time_ms));
  ++counters_.funding_payments;
}

// An income row as the FUNDING_FEE update that reported it on the stream.
AccountUpdate ExchangeVenue::funding_update(const FundingIncomeView& f) const {
  AccountUpdate a;
  a.event_time_ms = a.transaction_time_ms = f.time_ms;
  a.reason = "FUNDING_FEE";
  a.balance_changes[f.asset] = f.income;
  const auto sym = book_.symbol_index(f.symbol);
  a.positions[f.symbol] = sym ? book_.position(*sym).qty : core::Qty{};
  return a;
}

size_t ExchangeVenue::book_funding_history(std::vector<FundingIncomeView> rows) {
  std::sort(rows.begin(), rows.end(), [](const FundingIncomeView& a, const FundingIncomeView& b) { return std::tie(a.time_ms, a.tran_id) < std::tie(b.time_ms, b.tran_id); });
  const auto before = counters_.funding_payments;
  for (const auto& f : rows) book_funding(funding_update(f));
  return counters_.funding_payments - before;
}

void ExchangeVenue::on_order_update(const OrderUpdate& u) {
  const auto sym = book_.symbol_index(u.symbol);
  if (!sym) return;
  const auto it = working_.find(u.client_id);
  if (it != working_.end()) it->second.unknown = false;  // the exchange has it
  if (!u.is_fill()) {
    if (u.status == "CANCELED" || u.status == "EXPIRED" || u.status == "REJECTED" || u.status == "EXPIRED_IN_MATCH")
      end_order(u.client_id, u.status == "CANCELED" ? venue::OrderEnd::kCancelled : venue::OrderEnd::kExpired, "exchange: " + u.status,
                u.transaction_time_ms);
    return;
  }
  if (!taken_.take(u)) {
    ++counters_.repeated_fills;
    return;
  }
  ++counters_.fills;
  const bool mine = it != working_.end();
  if (mine) it->second.filled += u.last_qty;
  const auto liquidity = u.origin != OrderUpdate::Origin::kClient ? model::Liquidity::kLiquidation
                         : u.maker                                ? model::Liquidity::kMaker
                                                                  : model::Liquidity::kTaker;
  const auto used = ids_used_.find(u.client_id);
  if (!mine && used == ids_used_.end() && u.origin == OrderUpdate::Origin::kClient) ++counters_.foreign_fills;
  const auto& mesh_id = mine ? it->second.req.client_order_id : used != ids_used_.end() ? used->second : u.client_id;
  const int leverage = mine ? it->second.req.leverage_x : std::max(1, symbol_leverage_[*sym]);
  // Commission in USDT (BNB fee discounts would be another asset; the ledger is in USDT).
  const core::Money fee = u.commission_asset.empty() || u.commission_asset == "USDT" ? u.commission : core::Money{};
  book_.book_exchange_fill(*sym, u.side == "BUY" ? model::Side::kBuy : model::Side::kSell, u.last_qty, u.last_price, fee, leverage, mesh_id,
                           mine ? it->second.decision_reason : std::string(), u.transaction_time_ms, liquidity);
  if (u.status != "FILLED") return;
  if (!mine) return;
  const Working done = it->second;
  working_.erase(it);
  if (!done.req.reduce_only && !book_.position(*sym).qty.is_zero()) protect(done, u.transaction_time_ms);
  if (book_.position(*sym).qty.is_zero()) {
    // Flat: its protection has nothing left to protect (Binance expires reduce-only orders
    // of a closed position; the Algo book is cancelled explicitly).
    std::vector<std::string> stale;
    for (const auto& [id, w] : working_)
      if (w.sym == *sym && w.req.reduce_only) stale.push_back(id);
    for (const auto& id : stale) {
      const auto& w = working_.at(id);
      port_.send(plan_cancel_order(w.req.symbol, id, w.algo, port_.clock()));
      end_order(id, venue::OrderEnd::kExpired, "position closed", u.transaction_time_ms);
    }
  }
}

void ExchangeVenue::protect(const Working& entry, TimestampMs t) {
  const auto& e = entry.req;
  const auto& spec = book_.instrument(entry.sym);
  const auto arm = [&](model::OrderRequest p) {
    p.symbol = e.symbol;
    p.side = model::opposite(e.side);
    p.reduce_only = true;
    p.close_position = true;
    const auto planned = plan_new_order(p, spec, port_.clock());
    std::string refused;
    if (const auto* err = std::get_if<ExchangeError>(&planned)) {
      refused = std::to_string(err->code) + " " + err->msg;
    } else {
      const auto& request = std::get<RestRequest>(planned);
      ids_used_[request.exchange_client_id] = p.client_order_id;
      const auto placed = port_.place(request, p.symbol, p.client_order_id);
      counters_.order_sends += static_cast<uint64_t>(placed.sends);
      if (placed.answer.outcome == SendOutcome::kAccepted || placed.answer.outcome == SendOutcome::kUnknown) {
        working_[request.exchange_client_id] = Working{p, "protection of " + e.client_order_id, entry.sym, request.algo,
                                                       placed.answer.outcome == SendOutcome::kUnknown, {}};
        ++counters_.protections_placed;
        return true;
      }
      refused = describe(placed.answer);
    }
    book_.book_order_end({t, p.client_order_id, p.symbol, venue::OrderEnd::kRejectedAtFill, "exchange refused the protection: " + refused});
    close_unprotected(entry.sym, e.client_order_id, refused, t);
    return false;
  };
  if (!e.attached_stop_price.is_zero()) {
    model::OrderRequest stop;
    stop.client_order_id = e.client_order_id + ".sl";
    stop.type = model::OrderType::kStopMarket;
    stop.stop_price = core::round_to(e.attached_stop_price, spec.tick_size);
    if (!arm(stop)) return;
  }
  if (!e.attached_trailing_callback.is_zero()) {
    model::OrderRequest trail;
    trail.client_order_id = e.client_order_id + ".ts";
    trail.type = model::OrderType::kTrailingStop;
    trail.stop_price = core::round_to(e.attached_trailing_activation, spec.tick_size);
    trail.callback_rate = e.attached_trailing_callback;
    arm(trail);
  }
}

void ExchangeVenue::close_unprotected(size_t sym, const std::string& entry_id, const std::string& why, TimestampMs t) {
  const auto& pos = book_.position(sym);
  if (pos.qty.is_zero()) return;
  model::OrderRequest close;
  close.client_order_id = entry_id + ".unprotected";
  close.symbol = book_.instrument(sym).symbol;
  close.side = pos.qty.raw > 0 ? model::Side::kSell : model::Side::kBuy;
  close.type = model::OrderType::kMarket;
  close.quantity = pos.qty.abs();
  close.reduce_only = true;
  ++counters_.unprotected_closes;
  place(close, sym, "protection refused (" + why + "): closed rather than left unprotected", t);
}

bool ExchangeVenue::amend_stop(const std::string& client_order_id, core::Price new_stop) {
  const auto it = std::find_if(working_.begin(), working_.end(), [&](const auto& kv) {
    return kv.second.req.client_order_id == client_order_id && kv.second.req.type == model::OrderType::kStopMarket;
  });
  if (it == working_.end()) return false;
  // Binance cannot move an Algo order's trigger: cancel, then place a new one. The new one
  // gets a new exchange id ("<id>.m<n>"), so every id the exchange sees is placed once and
  // "sent twice" keeps meaning a bug; the mesh keeps addressing it by its own id. A cancel
  // the exchange refuses means the stop has triggered or is gone: nothing is placed.
  Working w = it->second;
  const auto c = port_.send(plan_cancel_order(w.req.symbol, it->first, w.algo, port_.clock()));
  if (c.outcome != SendOutcome::kAccepted) return false;
  working_.erase(it);
  w.req.stop_price = core::round_to(new_stop, book_.instrument(w.sym).tick_size);
  auto renamed = w.req;
  renamed.client_order_id = client_order_id + ".m" + std::to_string(++amendments_);
  const auto planned = plan_new_order(renamed, book_.instrument(w.sym), port_.clock());
  const auto now = port_.clock().timestamp_ms;
  if (const auto* err = std::get_if<ExchangeError>(&planned)) {
    close_unprotected(w.sym, client_order_id, std::to_string(err->code) + " " + err->msg, now);
    return false;
  }
  const auto& request = std::get<RestRequest>(planned);
  ids_used_[request.exchange_client_id] = client_order_id;
  const auto placed = port_.place(request, w.req.symbol, renamed.client_order_id);
  counters_.order_sends += static_cast<uint64_t>(placed.sends);
  if (placed.answer.outcome != SendOutcome::kAccepted && placed.answer.outcome != SendOutcome::kUnknown) {
    book_.book_order_end({now, client_order_id, w.req.symbol, venue::OrderEnd::kRejectedAtFill, "exchange refused the moved stop: " + describe(placed.answer)});
    close_unprotected(w.sym, client_order_id, describe(placed.answer), now);
    return false;
  }
  w.unknown = placed.answer.outcome == SendOutcome::kUnknown;
  working_[request.exchange_client_id] = w;
  return true;
}

size_t ExchangeVenue::cancel_working(size_t sym, bool keep_reduce_only, const std::string& why) {
  std::vector<std::string> ids;
  for (const auto& [id, w] : working_)
    if (w.sym == sym && !(keep_reduce_only && w.req.reduce_only)) ids.push_back(id);
  size_t n = 0;
  const auto now = port_.clock().timestamp_ms;
  for (const auto& id : ids) {
    const auto& w = working_.at(id);
    const auto a = port_.send(plan_cancel_order(w.req.symbol, id, w.algo, port_.clock()));
    // -2011 "Unknown order sent": it filled or ended already; its own event books that.
    if (a.outcome != SendOutcome::kAccepted) continue;
    end_order(id, venue::OrderEnd::kCancelled, why, now);
    ++n;
  }
  return n;
}

void ExchangeVenue::end_order(const std::string& exchange_id, venue::OrderEnd end, const std::string& why, TimestampMs t) {
  const auto it = working_.find(exchange_id);
  if (it == working_.end()) return;
  book_.book_order_end({t, it->second.req.client_order_id, it->second.req.symbol, end, why});
  working_.erase(it);
}

namespace {
// A fill of the account's history as the stream's ORDER_TRADE_UPDATE carries it (status
// PARTIALLY_FILLED: the caller says when it ends its order).
OrderUpdate fill_update(const TradeView& t, const std::map<int64_t, std::string>& client_ids) {
  OrderUpdate u;
  u.event_time_ms = u.transaction_time_ms = t.time_ms;
  u.symbol = t.symbol;
  const auto id = client_ids.find(t.order_id);
  u.client_id = id == client_ids.end() ? "" : id->second;
  u.side = t.side;
  u.exec_type = "TRADE";
  u.status = "PARTIALLY_FILLED";
  u.order_id = t.order_id;
  u.trade_id = t.id;
  u.last_qty = t.qty;
  u.last_price = t.price;
  u.commission = t.commission;
  u.commission_asset = t.commission_asset;
  u.realized_pnl = t.realized_pnl;
  u.maker = t.maker;
  u.origin = origin_of_client_id(u.client_id);
  return u;
}
}  // namespace

std::vector<std::string> ExchangeVenue::adopt(std::vector<TradeView> trades, const std::map<int64_t, std::string>& client_ids,
                                              const std::vector<OpenOrderView>& open_orders, TimestampMs since_ms,
                                              std::vector<FundingIncomeView> funding) {
  // Orders the journal remembers lend their leverage and decision to their fills.
  working_ = recovered_;
  std::sort(trades.begin(), trades.end(), [](const TradeView& a, const TradeView& b) { return std::tie(a.time_ms, a.id) < std::tie(b.time_ms, b.id); });
  std::sort(funding.begin(), funding.end(), [](const FundingIncomeView& a, const FundingIncomeView& b) { return std::tie(a.time_ms, a.tran_id) < std::tie(b.time_ms, b.tran_id); });
  // A funding payment belongs to the position open at its time: book those due before each fill first.
  auto next_funding = funding.begin();
  const auto book_funding_until = [&](TimestampMs t) {
    for (; next_funding != funding.end() && next_funding->time_ms <= t; ++next_funding)
      if (next_funding->time_ms >= since_ms) book_funding(funding_update(*next_funding));
  };
  for (const auto& t : trades) {
    if (t.time_ms < since_ms) continue;  // before this account's run: already in its deposit
    book_funding_until(t.time_ms - 1);
    auto u = fill_update(t, client_ids);  // PARTIALLY_FILLED: booked only; the order's end, and its protection, are what is open now
    on_order_update(u);
  }
  book_funding_until(std::numeric_limits<TimestampMs>::max());
  // What works now is what the exchange has open, under the mesh's ids.
  working_.clear();
  for (const auto& o : open_orders) {
    const auto sym = book_.symbol_index(o.symbol);
    if (!sym) continue;
    const auto known = recovered_.find(o.client_id);
    Working w = known != recovered_.end() ? known->second : Working{};
    if (known == recovered_.end()) {
      const auto used = ids_used_.find(o.client_id);
      w.req.client_order_id = used != ids_used_.end() ? used->second : o.client_id;
      w.req.symbol = o.symbol;
      w.req.type = o.type == "STOP_MARKET" ? model::OrderType::kStopMarket
                   : o.type == "TRAILING_STOP_MARKET" ? model::OrderType::kTrailingStop
                   : o.type == "LIMIT" ? model::OrderType::kLimit
                                       : model::OrderType::kMarket;
      w.req.reduce_only = o.reduce_only;
      w.req.close_position = o.algo && o.remaining.is_zero();
      w.req.quantity = o.remaining;
      w.sym = *sym;
      w.algo = o.algo;
      const auto& pos = book_.position(*sym).qty;
      w.req.side = pos.raw > 0 ? model::Side::kSell : model::Side::kBuy;
    }
    ids_used_[o.client_id] = w.req.client_order_id;
    working_[o.client_id] = w;
  }
  recovered_.clear();
  std::vector<std::string> unprotected;
  for (size_t s = 0; s < book_.symbol_count(); ++s) {
    if (book_.position(s).qty.is_zero()) continue;
    const bool guarded = std::any_of(working_.begin(), working_.end(), [&](const auto& kv) { return kv.second.sym == s && kv.second.req.reduce_only; });
    if (!guarded) unprotected.push_back(book_.instrument(s).symbol + " " + book_.position(s).qty.str() + " has no protective order open at the exchange");
  }
  return unprotected;
}

size_t ExchangeVenue::catch_up(std::vector<TradeView> trades, const std::map<int64_t, std::string>& client_ids, const std::vector<OpenOrderView>& open_orders) {
  std::sort(trades.begin(), trades.end(), [](const TradeView& a, const TradeView& b) { return std::tie(a.time_ms, a.id) < std::tie(b.time_ms, b.id); });
  const auto before = counters_.fills;
  // What was working when the exchange was read: protection a caught-up fill arms is new, not gone.
  std::set<std::string> was_working;
  for (const auto& [id, w] : working_) was_working.insert(id);
  TimestampMs last_ms = 0;
  for (const auto& t : trades) {
    // The status the lost event carried: FILLED once this fill completes its order (a
    // close-position order: once the position is flat), so the order ends as it would have.
    auto u = fill_update(t, client_ids);
    const auto sym = book_.symbol_index(t.symbol);
    const auto w = working_.find(u.client_id);
    if (sym && w != working_.end()) {
      const auto signed_qty = t.side == "BUY" ? t.qty : -t.qty;
      const bool completes = w->second.req.close_position ? (book_.position(*sym).qty + signed_qty).is_zero()
                                                          : (w->second.filled + t.qty).raw >= w->second.req.quantity.raw;
      if (completes) u.status = "FILLED";
    }
    on_order_update(u);
    last_ms = std::max(last_ms, t.time_ms);
  }
  std::set<std::string> open;
  for (const auto& o : open_orders) open.insert(o.client_id);
  std::vector<std::string> gone;
  for (const auto& [id, w] : working_)
    if (was_working.count(id) && !open.count(id) && !w.unknown) gone.push_back(id);
  for (const auto& id : gone) end_order(id, venue::OrderEnd::kExpired, "not open at the exchange after a gap in the user stream: cancelled or expired unseen", last_ms);
  return static_cast<size_t>(counters_.fills - before);
}

ExpectedBook ExchangeVenue::expected_book() const {
  ExpectedBook b;
  for (const auto& [id, w] : working_)
    b.orders[id] = OpenOrderView{w.req.symbol, id, w.req.close_position ? core::Qty{} : w.req.quantity - w.filled, w.algo, {}, w.req.reduce_only};
  for (size_t s = 0; s < book_.symbol_count(); ++s)
    if (!book_.position(s).qty.is_zero()) b.positions[book_.instrument(s).symbol] = book_.position(s).qty;
  return b;
}

std::vector<std::string> ExchangeVenue::position_mismatches() const {
  std::vector<std::string> out;
  for (const auto& [symbol, qty] : exchange_positions_) {
    const auto sym = book_.symbol_index(symbol);
    const auto mine = sym ? book_.position(*sym).qty : core::Qty{};
    if (mine != qty) out.push_back(symbol + " book " + mine.str() + " exchange " + qty.str());
  }
  return out;
}

std::vector<std::string> ExchangeVenue::symbols_with_regular_orders() const {
  std::set<std::string> symbols;
  for (const auto& [id, w] : working_)
    if (!w.algo) symbols.insert(w.req.symbol);
  return {symbols.begin(), symbols.end()};
}

bool ExchangeVenue::has_open_orders(size_t sym) const {
  return std::any_of(working_.begin(), working_.end(), [&](const auto& kv) { return kv.second.sym == sym; });
}

std::vector<std::string> ExchangeVenue::resting_stop_ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, w] : working_)
    if (w.req.type == model::OrderType::kStopMarket) ids.push_back(w.req.client_order_id);
  return ids;
}

std::vector<std::string> ExchangeVenue::open_order_ids() const {
  std::vector<std::string> ids;
  for (const auto& [id, w] : working_) ids.push_back(w.req.client_order_id);
  return ids;
}

size_t ExchangeVenue::pending_entry_count() const {
  return static_cast<size_t>(std::count_if(working_.begin(), working_.end(), [](const auto& kv) { return !is_stop(kv.second.req.type); }));
}

}  // namespace fulcrum::binance
