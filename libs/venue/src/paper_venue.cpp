#include "fulcrum/venue/paper_venue.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "fulcrum/risk/margin.h"

namespace fulcrum::venue {

using core::div_round;
using core::int128;
using model::Liquidity;
using model::OrderType;
using model::Side;

VenueModels binance_models(const VenueConfig& cfg) {
  return {std::make_shared<SlippageFillModel>(cfg.slippage), std::make_shared<MakerTakerFeeModel>(cfg.maker_fee, cfg.taker_fee),
          std::make_shared<MarkPriceFundingModel>(), std::make_shared<BracketMarginModel>(),
          std::make_shared<ClearanceFeeLiquidationModel>(cfg.liquidation_fee)};
}

const char* to_string(OrderEnd e) {
  switch (e) {
    case OrderEnd::kRejectedAtFill: return "REJECTED_AT_FILL";
    case OrderEnd::kCancelled: return "CANCELLED";
    case OrderEnd::kExpired: return "EXPIRED";
  }
  return "UNKNOWN";
}

PaperVenue::PaperVenue(VenueConfig cfg, std::vector<InstrumentSpec> instruments, Money deposit, TimestampMs start_ms)
    : PaperVenue(cfg, binance_models(cfg), std::move(instruments), deposit, start_ms) {}

PaperVenue::PaperVenue(VenueConfig cfg, VenueModels models, std::vector<InstrumentSpec> instruments, Money deposit, TimestampMs start_ms)
    : cfg_(cfg), models_(std::move(models)), instruments_(std::move(instruments)), now_ms_(start_ms) {
  const size_t n = instruments_.size();
  for (size_t i = 0; i < n; ++i) index_[instruments_[i].symbol] = i;
  positions_.resize(n);
  mark_.resize(n);
  last_.resize(n);
  orders_.resize(n);
  lifecycle_.resize(n);
  ledger_.post(start_ms, "", LedgerKind::kDeposit, deposit, "deposit", "initial deposit");
}

std::optional<size_t> PaperVenue::symbol_index(const std::string& symbol) const {
  auto it = index_.find(symbol);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

Money PaperVenue::required_initial_margin(Price p, Qty q, int leverage_x) const { return models_.margin->initial(p, q, leverage_x); }

SubmitResult PaperVenue::submit(const OrderRequest& req, TimestampMs now_ms, std::string decision_reason) {
  now_ms_ = now_ms;
  auto reject = [](RejectReason r, std::string d) { return SubmitResult{r, std::move(d)}; };
  if (seen_client_ids_.count(req.client_order_id))
    return reject(RejectReason::kDuplicateClientOrderId, "client_order_id '" + req.client_order_id + "' was already used");
  const auto sym = symbol_index(req.symbol);
  if (!sym) return reject(RejectReason::kUnknownSymbol, "symbol '" + req.symbol + "' is not listed");
  Money available;
  try {
    available = available_balance();
  } catch (const core::ArithmeticOverflow& e) {
    return reject(RejectReason::kValueOutOfRange, std::string("account values out of range: ") + e.what());
  }
  if (auto verdict = check_order(instruments_[*sym], req, last_[*sym], positions_[*sym], available, cfg_.taker_fee); !verdict.accepted())
    return verdict;
  seen_client_ids_[req.client_order_id] = true;
  RestingOrder o{req, std::move(decision_reason), false, false, Price{}};
  orders_[*sym].push_back(std::move(o));
  return {};
}

void PaperVenue::end_order(const RestingOrder& o, OrderEnd end, std::string reason) {
  outcomes_.push_back({now_ms_, o.req.client_order_id, o.req.symbol, end, std::move(reason)});
}

bool PaperVenue::cancel(const std::string& client_order_id) {
  for (auto& book : orders_) {
    auto it = std::find_if(book.begin(), book.end(), [&](const RestingOrder& o) { return o.req.client_order_id == client_order_id; });
    if (it != book.end()) {
      end_order(*it, OrderEnd::kCancelled, "cancelled on request");
      book.erase(it);
      return true;
    }
  }
  return false;
}

void PaperVenue::cancel_all(size_t sym) {
  for (const auto& o : orders_[sym]) end_order(o, OrderEnd::kCancelled, "cancel-all on " + instruments_[sym].symbol);
  orders_[sym].clear();
}

size_t PaperVenue::cancel_working(size_t sym, bool keep_reduce_only, const std::string& why) {
  auto& book = orders_[sym];
  const auto before = book.size();
  std::erase_if(book, [&](const RestingOrder& o) {
    if (keep_reduce_only && o.req.reduce_only) return false;
    end_order(o, OrderEnd::kCancelled, why);
    return true;
  });
  return before - book.size();
}

size_t PaperVenue::pending_entry_count() const {
  size_t n = 0;
  for (const auto& book : orders_)
    for (const auto& o : book) n += o.req.reduce_only ? 0 : 1;
  return n;
}

bool PaperVenue::amend_stop(const std::string& client_order_id, Price new_stop) {
  for (auto& book : orders_) {
    for (auto& o : book) {
      if (o.req.client_order_id == client_order_id && o.req.type == OrderType::kStopMarket) {
        const auto& spec = instruments_[*symbol_index(o.req.symbol)];
        o.req.stop_price = core::round_to(new_stop, spec.tick_size);
        return true;
      }
    }
  }
  return false;
}

bool PaperVenue::has_open_orders(size_t sym) const { return !orders_[sym].empty(); }

std::vector<std::string> PaperVenue::open_order_ids() const {
  std::vector<std::string> ids;
  for (const auto& book : orders_)
    for (const auto& o : book) ids.push_back(o.req.client_order_id);
  return ids;
}

std::vector<std::string> PaperVenue::resting_stop_ids() const {
  std::vector<std::string> ids;
  for (const auto& book : orders_)
    for (const auto& o : book)
      if (o.req.type == OrderType::kStopMarket) ids.push_back(o.req.client_order_id);
  return ids;
}
std::optional<Price> PaperVenue::mark_price(size_t sym) const { return mark_[sym] ? mark_[sym] : last_[sym]; }
std::optional<Price> PaperVenue::last_price(size_t sym) const { return last_[sym]; }

Money PaperVenue::unrealized_pnl(size_t sym) const {
  const auto& p = positions_[sym];
  const auto m = mark_price(sym);
  if (p.qty.is_zero() || !m) return {};
  return core::pnl(p.qty, p.entry_price, *m);
}

Money PaperVenue::equity() const {
  Money e = wallet_balance();
  for (size_t i = 0; i < positions_.size(); ++i) e += unrealized_pnl(i);
  return e;
}

Money PaperVenue::maintenance_margin(size_t sym) const {
  const auto& p = positions_[sym];
  const auto m = mark_price(sym);
  if (p.qty.is_zero() || !m) return {};
  return models_.margin->maintenance(instruments_[sym], *m, p.qty);
}

Money PaperVenue::available_balance() const {
  Money avail = wallet_balance();
  Money cross_upnl;
  for (size_t i = 0; i < positions_.size(); ++i) {
    const auto& p = positions_[i];
    if (p.qty.is_zero()) continue;
    if (cfg_.margin_mode == MarginMode::kIsolated) {
      avail -= p.isolated_margin;
    } else {
      avail -= required_initial_margin(p.entry_price, p.qty, p.leverage_x);
      cross_upnl += unrealized_pnl(i);
    }
  }
  // Unrealised losses reduce what can be posted; unrealised gains are not lent against.
  if (cross_upnl.raw < 0) avail += cross_upnl;
  return avail;
}

int PaperVenue::open_position_count() const {
  return static_cast<int>(std::count_if(positions_.begin(), positions_.end(), [](const Position& p) { return !p.qty.is_zero(); }));
}

std::optional<Price> PaperVenue::cross_liquidation_price(size_t sym) const {
  const auto& p = positions_[sym];
  Money other_mm, other_upnl;
  for (size_t i = 0; i < positions_.size(); ++i) {
    if (i == sym || positions_[i].qty.is_zero()) continue;
    other_mm += maintenance_margin(i);
    other_upnl += unrealized_pnl(i);
  }
  risk::LiquidationInput in{p.qty.raw > 0 ? 1 : -1, p.qty.abs(), p.entry_price, wallet_balance(), other_mm, other_upnl};
  return models_.margin->liquidation_price(instruments_[sym], in);
}

std::optional<Price> PaperVenue::liquidation_price(size_t sym) const {
  const auto& p = positions_[sym];
  if (p.qty.is_zero()) return std::nullopt;
  if (cfg_.margin_mode == MarginMode::kCross) return cross_liquidation_price(sym);
  risk::LiquidationInput in{p.qty.raw > 0 ? 1 : -1, p.qty.abs(), p.entry_price, p.isolated_margin, {}, {}};
  return models_.margin->liquidation_price(instruments_[sym], in);
}

void PaperVenue::on_bar(size_t sym, const Bar& bar) {
  if (orders_[sym].empty() && positions_[sym].qty.is_zero()) {
    // Nothing can happen to a flat symbol with no orders; most bars of most accounts.
    last_[sym] = bar.close;
    return;
  }
  last_[sym] = bar.open;
  // Orders submitted before this bar take part from its open on.
  for (auto& o : orders_[sym]) o.arrived = true;
  const bool up = bar.close >= bar.open;
  const Price path[4] = {bar.open, up ? bar.low : bar.high, up ? bar.high : bar.low, bar.close};
  // A fill at the open happened at the open; inside the bar only its close time is known.
  now_ms_ = bar.open_time_ms;
  process_segment(sym, path[0], path[0], false, true);
  now_ms_ = bar.close_time_ms();
  for (size_t i = 1; i < 4; ++i) process_segment(sym, path[i - 1], path[i], false, false);
  last_[sym] = bar.close;
}

void PaperVenue::on_mark_bar(size_t sym, const Bar& mark_bar) {
  const auto& p = positions_[sym];
  // A position opened during this mark bar only sees its close: no look-back liquidation.
  const bool full = !p.qty.is_zero() && p.opened_ms <= mark_bar.open_time_ms;
  const bool up = mark_bar.close >= mark_bar.open;
  const Price path[4] = {mark_bar.open, up ? mark_bar.low : mark_bar.high, up ? mark_bar.high : mark_bar.low, mark_bar.close};
  now_ms_ = mark_bar.close_time_ms();
  const size_t first = full ? 0 : 3;
  mark_[sym] = path[first];
  process_segment(sym, path[first], path[first], true, true);
  for (size_t i = first + 1; i < 4; ++i) {
    process_segment(sym, path[i - 1], path[i], true, false);
    mark_[sym] = path[i];
  }
}

// Fires, in the order price reaches them, every order (trade path) or liquidation (mark
// path) touched on the segment from → to. Returns whether anything fired.
bool PaperVenue::process_segment(size_t sym, Price from, Price to, bool is_mark, bool first_point) {
  const auto& spec = instruments_[sym];
  bool any = false;
  for (int guard = 0; guard < 64; ++guard) {
    int best = -2;  // -2 none, -1 liquidation, ≥0 order index
    int64_t best_distance = std::numeric_limits<int64_t>::max();
    Price best_price;
    auto consider = [&](int which, Price touch) {
      const int64_t d = std::llabs(touch.raw - from.raw);
      if (d < best_distance) best = which, best_distance = d, best_price = touch;
    };
    auto touched_down = [&](Price level) { return from <= level || to <= level; };  // price falls to level
    auto touched_up = [&](Price level) { return from >= level || to >= level; };

    if (!is_mark) {
      auto& book = orders_[sym];
      for (size_t i = 0; i < book.size(); ++i) {
        auto& o = book[i];
        if (!o.arrived) continue;
        const auto& r = o.req;
        const bool buy = r.side == Side::kBuy;
        switch (r.type) {
          case OrderType::kMarket:
            if (first_point) consider(static_cast<int>(i), from);
            break;
          case OrderType::kLimit:
            if (buy ? touched_down(r.limit_price) : touched_up(r.limit_price))
              consider(static_cast<int>(i), buy ? std::min(from, r.limit_price) : std::max(from, r.limit_price));
            break;
          case OrderType::kStopMarket:
            if (buy ? touched_up(r.stop_price) : touched_down(r.stop_price))
              consider(static_cast<int>(i), buy ? std::max(from, r.stop_price) : std::min(from, r.stop_price));
            break;
          case OrderType::kTrailingStop: {
            if (!o.activated) {
              const bool no_activation = r.stop_price.is_zero();
              if (no_activation || (buy ? from <= r.stop_price : from >= r.stop_price)) {
                o.activated = true;
                o.extreme = from;
              } else {
                break;
              }
            }
            // Sell trailing: trigger below the highest price since activation, and vice versa.
            const Price trigger = core::round_to(core::scale_price(o.extreme, buy ? r.callback_rate : -r.callback_rate), spec.tick_size);
            if (buy ? touched_up(trigger) : touched_down(trigger))
              consider(static_cast<int>(i), buy ? std::max(from, trigger) : std::min(from, trigger));
            break;
          }
        }
      }
    }
    // Liquidation watches both paths: mark bars arrive hourly, and between them the trade
    // path stands in, so a stop can never fill beyond the liquidation price.
    if (!positions_[sym].qty.is_zero()) {
      if (const auto lp = liquidation_price(sym)) {
        const Price lp_price = core::round_to(*lp, spec.tick_size);
        const bool is_long = positions_[sym].qty.raw > 0;
        if (is_long ? touched_down(lp_price) : touched_up(lp_price)) {
          // Liquidation yields to an order at the same price: the trader's stop goes first.
          const Price touch = lp_price;
          const int64_t d = std::llabs(touch.raw - from.raw);
          if (d < best_distance) best = -1, best_distance = d, best_price = touch;
        }
      }
    }
    if (best == -2) break;
    any = true;
    if (best == -1) {
      liquidate(sym, best_price, now_ms_);
      continue;
    }
    RestingOrder order = orders_[sym][static_cast<size_t>(best)];
    orders_[sym].erase(orders_[sym].begin() + best);
    const auto type = order.req.type;
    const bool resting_limit = type == OrderType::kLimit && !(first_point && best_price == from);
    fill(sym, order, models_.fill->execution_price(order.req, best_price, spec), resting_limit ? Liquidity::kMaker : Liquidity::kTaker, now_ms_);
  }
  if (!is_mark) {
    // Trailing extremes move with the price after the segment's triggers are settled.
    for (auto& o : orders_[sym]) {
      if (o.req.type != OrderType::kTrailingStop || !o.activated) continue;
      const Price hi = std::max(from, to), lo = std::min(from, to);
      o.extreme = o.req.side == Side::kSell ? std::max(o.extreme, hi) : std::min(o.extreme, lo);
    }
  }
  return any;
}

void PaperVenue::fill(size_t sym, RestingOrder& o, Price price, Liquidity liquidity, TimestampMs t) {
  const auto& r = o.req;
  Qty qty = r.quantity;
  const Position& pos = positions_[sym];
  if (r.reduce_only) {
    const bool reduces = !pos.qty.is_zero() && (pos.qty.raw > 0) != (r.side == Side::kBuy);
    if (!reduces) return end_order(o, OrderEnd::kExpired, "reduce-only with no position left to reduce");
    qty = r.close_position ? pos.qty.abs() : std::min(qty, pos.qty.abs());
  } else {
    // Margin is checked again at the fill price; an order that no longer fits is rejected
    // there, as Binance rejects it at matching, and the rejection is recorded.
    const Money need = required_initial_margin(price, qty, r.leverage_x);
    const Money available = available_balance();
    if (need > available)
      return end_order(o, OrderEnd::kRejectedAtFill, "INSUFFICIENT_MARGIN at fill " + price.str() + ": needs " + need.str() + ", available " + available.str());
  }
  const Money fee = models_.fee->fee(price, qty, liquidity);
  apply_fill(sym, r.side, qty, price, fee, r.leverage_x, r.client_order_id, o.decision_reason, t, liquidity);
  if (r.reduce_only || positions_[sym].qty.is_zero()) return;
  auto attach = [&](OrderType type, const char* suffix, Price stop, Rate callback) {
    OrderRequest p;
    p.client_order_id = r.client_order_id + suffix;
    p.symbol = r.symbol;
    p.side = model::opposite(r.side);
    p.type = type;
    p.stop_price = stop;
    p.callback_rate = callback;
    p.reduce_only = true;
    p.close_position = true;
    seen_client_ids_[p.client_order_id] = true;
    orders_[sym].push_back(RestingOrder{p, {}, true, false, Price{}});
  };
  const auto& spec = instruments_[sym];
  if (!r.attached_stop_price.is_zero())
    attach(OrderType::kStopMarket, ".sl", core::round_to(r.attached_stop_price, spec.tick_size), Rate{});
  if (!r.attached_trailing_callback.is_zero())
    attach(OrderType::kTrailingStop, ".ts", core::round_to(r.attached_trailing_activation, spec.tick_size), r.attached_trailing_callback);
}

void PaperVenue::apply_fill(size_t sym, Side side, Qty qty, Price price, Money fee, int leverage_x, const std::string& ref,
                            const std::string& decision_reason, TimestampMs t, Liquidity liquidity) {
  const auto& symbol = instruments_[sym].symbol;
  Position& pos = positions_[sym];
  Lifecycle& life = lifecycle_[sym];
  const Qty signed_qty = side == Side::kBuy ? qty : -qty;
  const bool opening = pos.qty.is_zero() || (pos.qty.raw > 0) == (side == Side::kBuy);
  Money realized;
  if (opening) {
    if (pos.qty.is_zero()) {
      pos = Position{};
      pos.opened_ms = t;
      pos.opened_by = ref;
      pos.leverage_x = leverage_x;
      life = Lifecycle{};
      life.open = true;
      life.trade.symbol = symbol;
      life.trade.side = side;
      life.trade.open_ms = t;
      life.trade.first_entry_price = price;
      life.trade.leverage_x = leverage_x;
      life.trade.equity_at_open = equity();
      life.trade.decision_reason = decision_reason;
      life.trade.opened_by = ref;
    }
    const Qty new_abs = pos.qty.abs() + qty;
    const int128 cost = static_cast<int128>(pos.entry_price.raw) * pos.qty.abs().raw + static_cast<int128>(price.raw) * qty.raw;
    pos.entry_price = Price::from_raw(div_round(cost, new_abs.raw));
    pos.qty += signed_qty;
    if (cfg_.margin_mode == MarginMode::kIsolated) pos.isolated_margin += required_initial_margin(price, qty, pos.leverage_x);
    ++life.trade.entries;
    life.trade.max_quantity = std::max(life.trade.max_quantity, pos.qty.abs());
  } else {
    const Qty closing = std::min(qty, pos.qty.abs());
    const Qty closing_signed = pos.qty.raw > 0 ? closing : -closing;
    realized = core::pnl(closing_signed, pos.entry_price, price);
    if (cfg_.margin_mode == MarginMode::kIsolated) {
      const Money released = Money::from_raw(div_round(static_cast<int128>(pos.isolated_margin.raw) * closing.raw, pos.qty.abs().raw));
      pos.isolated_margin -= released;
    }
    pos.qty -= closing_signed;
    life.trade.exit_price = price;
  }
  const Money margin_now = cfg_.margin_mode == MarginMode::kIsolated ? pos.isolated_margin
                                                                     : required_initial_margin(pos.entry_price, pos.qty, pos.leverage_x);
  life.trade.max_margin = std::max(life.trade.max_margin, margin_now);

  fills_.push_back({ref, symbol, side, price, qty, fee, realized, liquidity, t});
  const std::string detail = std::string(model::to_string(side)) + " " + qty.str() + " @ " + price.str();
  if (!realized.is_zero()) ledger_.post(t, symbol, LedgerKind::kRealizedPnl, realized, ref, detail);
  if (!fee.is_zero()) {
    const bool liq = liquidity == Liquidity::kLiquidation;
    ledger_.post(t, symbol, liq ? LedgerKind::kLiquidationFee : LedgerKind::kTradeFee, -fee, ref, detail);
  }
  life.trade.realized_pnl += realized;
  life.trade.fees += fee;
  if (pos.qty.is_zero()) {
    if (cfg_.margin_mode == MarginMode::kIsolated) pos.isolated_margin = Money{};
    life.trade.close_ms = t;
    life.trade.liquidated = liquidity == Liquidity::kLiquidation;
    closed_.push_back(life.trade);
    life.open = false;
    drop_reduce_only_if_flat(sym);
  }
}

void PaperVenue::drop_reduce_only_if_flat(size_t sym) {
  auto& book = orders_[sym];
  for (const auto& o : book)
    if (o.req.reduce_only) end_order(o, OrderEnd::kExpired, "position closed");
  book.erase(std::remove_if(book.begin(), book.end(), [](const RestingOrder& o) { return o.req.reduce_only; }), book.end());
}

void PaperVenue::liquidate(size_t sym, Price price, TimestampMs t) {
  ++liquidations_;
  // Σ (realised − fee) of this liquidation's closes so far: it must end ≤ 0.
  Money event_net;
  auto close_at = [&](size_t i, Price at, bool last) {
    Position& p = positions_[i];
    if (p.qty.is_zero()) return;
    const Side side = p.qty.raw > 0 ? Side::kSell : Side::kBuy;
    const Qty q = p.qty.abs();
    const Money realized = core::pnl(p.qty, p.entry_price, at);
    // The clearance fee takes what margin is left, never more.
    const Money left = cfg_.margin_mode == MarginMode::kIsolated ? p.isolated_margin + realized : wallet_balance() + realized;
    Money fee = models_.liquidation->clearance_fee(at, q, left);
    // A liquidation never pays the account: any gain it would book (funding that drained
    // an isolated margin, a degenerate cross wallet) goes to the clearance, as the
    // remaining margin goes to Binance's insurance fund.
    if (last && event_net + realized - fee > Money{}) fee = event_net + realized;
    event_net += realized - fee;
    for (const auto& o : orders_[i]) end_order(o, OrderEnd::kCancelled, "liquidation");
    orders_[i].clear();
    apply_fill(i, side, q, at, fee, p.leverage_x, "liquidation-" + std::to_string(liquidations_), "", t, Liquidity::kLiquidation);
  };
  if (cfg_.margin_mode == MarginMode::kCross) {
    for (size_t i = 0; i < positions_.size(); ++i)
      if (i != sym && !positions_[i].qty.is_zero()) close_at(i, *mark_price(i), false);
  }
  close_at(sym, price, true);
}

void PaperVenue::on_funding(size_t sym, const FundingEvent& ev) {
  Position& p = positions_[sym];
  const auto mark = mark_price(sym);
  if (p.qty.is_zero() || !mark) return;
  const Money payment = models_.funding->payment(p.qty, *mark, ev.rate);
  if (cfg_.margin_mode == MarginMode::kIsolated) p.isolated_margin += payment;
  lifecycle_[sym].trade.funding += payment;
  ledger_.post(ev.funding_time_ms, instruments_[sym].symbol, LedgerKind::kFunding, payment, "funding@" + std::to_string(ev.funding_time_ms),
               "rate=" + ev.rate.str() + " mark=" + mark->str() + " qty=" + p.qty.str());
}

void PaperVenue::book_exchange_fill(size_t sym, Side side, Qty qty, Price price, Money fee, int leverage_x, const std::string& client_order_id,
                                    const std::string& decision_reason, TimestampMs t, Liquidity liquidity) {
  if (liquidity == Liquidity::kLiquidation) ++liquidations_;
  last_[sym] = price;
  apply_fill(sym, side, qty, price, fee, std::max(1, leverage_x), client_order_id, decision_reason, t, liquidity);
}

void PaperVenue::book_exchange_funding(size_t sym, Money payment, TimestampMs t, const std::string& ref) {
  Position& p = positions_[sym];
  if (cfg_.margin_mode == MarginMode::kIsolated && !p.qty.is_zero()) p.isolated_margin += payment;
  if (lifecycle_[sym].open) lifecycle_[sym].trade.funding += payment;
  ledger_.post(t, instruments_[sym].symbol, LedgerKind::kFunding, payment, ref, "funding fee reported by the exchange");
}

void PaperVenue::set_prices(size_t sym, std::optional<Price> last, std::optional<Price> mark) {
  if (last) last_[sym] = *last;
  if (mark) mark_[sym] = *mark;
}

}  // namespace fulcrum::venue

