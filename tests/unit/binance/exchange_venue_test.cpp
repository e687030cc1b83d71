// The Binance venue adapter against the exchange double, in one process: every request is
// signed and checked by the double as the exchange would, fills come back only through the
// user-data events the double emits, and the account the adapter books is compared with
// the double's own record and with sums worked by hand.
#include "fulcrum/binance/exchange_venue.h"

#include <gtest/gtest.h>

#include "fulcrum/binance/double_exchange.h"
#include "test_support.h"

#include <set>

using namespace fulcrum;
using namespace fulcrum::binance;
using core::Money;
using core::Price;
using core::Qty;

namespace {
constexpr int64_t kNow = 1'735'689'600'000;
const char* kKey = "adapter-test-key";
const char* kSecret = "adapter-test-secret";

Price px(const char* s) { return *Price::parse(s); }
Qty qty(const char* s) { return *Qty::parse(s); }
Money money(const char* s) { return *Money::parse(s); }

// The double behind the port, in-process: signed as BinanceRest signs, and a withheld
// answer is a lost one, followed by a look-up by client id as BinanceRest::place does.
class LoopbackPort final : public ExchangePort {
 public:
  explicit LoopbackPort(DoubleExchange& ex) : ex_(ex) {}
  RequestClock clock() const override { return {kNow, 5000}; }
  RestAnswer send(const RestRequest& r) override {
    ++requests;
    // Stamped at sending when the plan left it out, as BinanceRest re-stamps every request.
    auto params = r.params;
    bool stamped = false;
    for (const auto& [k, v] : params.params()) stamped = stamped || k == "timestamp";
    if (!stamped) params.add("timestamp", std::to_string(kNow));
    const auto res = ex_.handle({r.method, r.path, params.signed_with(kSecret), "", kKey, kNow});
    RestAnswer a;
    if (res.withhold) return a;  // status 0: no answer
    a.status = res.status;
    a.body = res.body;
    a.error = parse_exchange_error(res.body);
    a.outcome = classify(res.status, a.error);
    return a;
  }
  PlaceResult place(const RestRequest& order, const std::string& symbol, const std::string& mesh_id) override {
    PlaceResult p;
    ++p.sends;
    p.answer = send(order);
    if (p.answer.outcome != SendOutcome::kUnknown) return p;
    ++p.queries;
    const auto q = send(plan_query_order(symbol, mesh_id, order.algo, clock()));
    if (q.outcome == SendOutcome::kAccepted) p.answer = q;
    return p;
  }
  int requests = 0;

 private:
  DoubleExchange& ex_;
};

struct Rig {
  DoubleExchange ex{kKey, kSecret, {test::spec("BTCUSDT")}, Money::from_int(10'000)};
  LoopbackPort port{ex};
  ExchangeVenue venue{venue::VenueConfig{}, {test::spec("BTCUSDT")}, Money::from_int(10'000), kNow, port};
  Rig() { top("60000", "60000.1"); }
  void top(const char* bid, const char* ask) {
    ex.set_book_top("BTCUSDT", px(bid), px(ask), kNow);
    venue.on_bar(0, test::bar(kNow, std::stod(bid), std::stod(bid), std::stod(bid), std::stod(bid)));
  }
  // Hands the double's user-data events to the adapter; returns them for a replay.
  std::vector<std::string> pump() {
    auto events = ex.take_user_events();
    deliver(events);
    return events;
  }
  void deliver(const std::vector<std::string>& events) {
    for (const auto& e : events) {
      std::string error;
      const auto parsed = parse_user_event(e, error);
      ASSERT_TRUE(parsed || error.empty()) << error << " in " << e;
      if (parsed) venue.on_user_event(*parsed);
    }
  }
};

model::OrderRequest entry(const char* id, const char* q, int leverage, const char* stop = nullptr) {
  auto o = test::market_order(id, model::Side::kBuy, q, leverage);
  if (stop) o.attached_stop_price = px(stop);
  return o;
}
}  // namespace

TEST(ExchangeVenue, TradesThroughTheDoubleAndBooksItsAccountFromTheUserStream) {
  Rig rig;
  ASSERT_TRUE(rig.venue.submit(entry("e1", "0.010", 10, "59000"), kNow).accepted());
  EXPECT_EQ(rig.ex.symbol_leverage("BTCUSDT"), 10) << "leverage set on the flat symbol before the entry";
  EXPECT_TRUE(rig.venue.fills().empty()) << "a fill is booked from the user stream, never from the REST answer";
  const auto first_events = rig.pump();
  ASSERT_EQ(rig.venue.fills().size(), 1u);
  EXPECT_EQ(rig.venue.position(0).qty, qty("0.010"));
  EXPECT_EQ(rig.venue.position(0).entry_price, px("60000.1"));  // a buy lifts the ask
  // 60000.1 * 0.010 * 0.0005 = 0.3000005, the double's commission, booked as it reported it.
  EXPECT_EQ(rig.venue.wallet_balance(), money("9999.6999995"));
  EXPECT_EQ(rig.venue.wallet_balance(), rig.ex.wallet_balance());
  EXPECT_EQ(rig.venue.resting_stop_ids(), std::vector<std::string>{"e1.sl"}) << "the attached stop is placed once the entry filled";
  EXPECT_EQ(rig.ex.open_algo_orders(), 1u);

  // A reconnect that delivers the same events again books nothing twice.
  rig.deliver(first_events);
  EXPECT_EQ(rig.venue.fills().size(), 1u);
  EXPECT_EQ(rig.venue.counters().repeated_fills, 1u);
  EXPECT_EQ(rig.venue.position(0).qty, qty("0.010"));

  // An add asking 20x goes at the open position's 10x: leverage is never changed under it.
  ASSERT_TRUE(rig.venue.submit(entry("e2", "0.010", 20, "59000"), kNow).accepted());
  rig.pump();
  EXPECT_EQ(rig.ex.leverage_changes(), 1u);
  EXPECT_EQ(rig.ex.symbol_leverage("BTCUSDT"), 10);
  EXPECT_EQ(rig.venue.position(0).qty, qty("0.020"));
  EXPECT_EQ(rig.venue.position(0).leverage_x, 10);
  EXPECT_EQ(rig.ex.open_algo_orders(), 2u);

  // Break-even: the stop is moved by cancel and re-place under the same id.
  ASSERT_TRUE(rig.venue.amend_stop("e1.sl", px("59500")));
  EXPECT_EQ(rig.ex.open_algo_orders(), 2u);
  EXPECT_FALSE(rig.venue.amend_stop("no-such.sl", px("59500")));

  // The market falls through the moved stop: it closes the whole position on the double.
  rig.top("59400", "59400.1");
  rig.pump();
  EXPECT_TRUE(rig.venue.position(0).qty.is_zero());
  EXPECT_FALSE(rig.venue.has_open_orders(0)) << "the other stop ends with the position";
  EXPECT_EQ(rig.ex.open_algo_orders(), 0u);
  ASSERT_EQ(rig.venue.closed_trades().size(), 1u);
  // By hand: (59400 - 60000.1) * 0.020 = -12.002; fees 0.3000005 * 2 + 59400 * 0.020 * 0.0005 = 1.194001.
  EXPECT_EQ(rig.venue.closed_trades()[0].realized_pnl, money("-12.002"));
  EXPECT_EQ(rig.venue.closed_trades()[0].fees, money("1.194001"));
  EXPECT_EQ(rig.venue.wallet_balance(), money("9986.803999"));
  EXPECT_EQ(rig.venue.wallet_balance(), rig.ex.wallet_balance()) << "the account equals the double's own record";
  EXPECT_TRUE(rig.venue.position_mismatches().empty());
  EXPECT_TRUE(rig.ex.ids_placed_twice().empty());

  // Flat again: the next entry's own leverage is set.
  ASSERT_TRUE(rig.venue.submit(entry("e3", "0.010", 5), kNow).accepted());
  EXPECT_EQ(rig.ex.symbol_leverage("BTCUSDT"), 5);
  EXPECT_EQ(rig.venue.symbol_leverage(0), 5);
}

// The book keeps isolated margin, so the exchange must too: set while flat, once per symbol.
TEST(ExchangeVenue, SetsTheSymbolsMarginTypeToTheBooksBeforeItsFirstEntry) {
  Rig rig;
  ASSERT_TRUE(rig.venue.submit(entry("m1", "0.010", 10), kNow).accepted());
  EXPECT_EQ(rig.venue.counters().margin_type_changes, 1u);
  EXPECT_NE(rig.ex.position_json().find("\"marginType\":\"isolated\""), std::string::npos) << rig.ex.position_json();
  rig.pump();
  ASSERT_TRUE(rig.venue.submit(test::market_order("m1.close", model::Side::kSell, "0.010", 10, true), kNow).accepted());
  rig.pump();
  ASSERT_TRUE(rig.venue.position(0).qty.is_zero());
  const int before = rig.port.requests;
  ASSERT_TRUE(rig.venue.submit(entry("m2", "0.010", 10), kNow).accepted());
  EXPECT_EQ(rig.port.requests, before + 1) << "the second entry sends its order alone: margin type and leverage are already so";
  EXPECT_EQ(rig.venue.counters().margin_type_changes, 1u);

  // An account whose symbol is isolated already (-4046, "no need to change") trades on.
  Rig again;
  ASSERT_EQ(again.port.send(plan_margin_type("BTCUSDT", true, again.port.clock())).status, 200);
  ASSERT_TRUE(again.venue.submit(entry("m3", "0.010", 10), kNow).accepted());
  EXPECT_EQ(again.venue.counters().margin_type_changes, 0u);
}

// Funding is the exchange's: each FUNDING_FEE update is booked once, as the exchange paid it.
TEST(ExchangeVenue, BooksTheExchangesFundingFeesOnceIntoTheLedger) {
  Rig rig;
  ASSERT_TRUE(rig.venue.submit(entry("f1", "0.010", 10), kNow).accepted());
  rig.pump();
  // By hand: a long of 0.010 at mark 60100 and rate 0.0001 pays 60100 · 0.010 · 0.0001 = 0.0601.
  rig.ex.settle_funding("BTCUSDT", px("60100"), *core::Rate::parse("0.0001"), kNow + 1000);
  const auto events = rig.pump();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find("\"m\":\"FUNDING_FEE\""), std::string::npos);
  EXPECT_EQ(rig.venue.counters().funding_payments, 1u);
  EXPECT_EQ(rig.venue.ledger().total(venue::LedgerKind::kFunding), money("-0.0601"));
  EXPECT_EQ(rig.venue.wallet_balance(), rig.ex.wallet_balance()) << "the book's wallet is the exchange's after funding";
  ASSERT_TRUE(rig.venue.open_trade(0).has_value());
  EXPECT_EQ(rig.venue.open_trade(0)->funding, money("-0.0601")) << "the trade carries its funding";
  const auto& last = rig.venue.ledger().entries().back();
  EXPECT_EQ(last.symbol, "BTCUSDT");
  EXPECT_EQ(last.kind, venue::LedgerKind::kFunding);
  // A reconnect that delivers it again books nothing twice.
  rig.deliver(events);
  EXPECT_EQ(rig.venue.counters().repeated_funding, 1u);
  EXPECT_EQ(rig.venue.ledger().total(venue::LedgerKind::kFunding), money("-0.0601"));
  // A negative rate pays the long: 60000 · 0.010 · 0.0003 = 0.18.
  rig.ex.settle_funding("BTCUSDT", px("60000"), *core::Rate::parse("-0.0003"), kNow + 2000);
  rig.pump();
  EXPECT_EQ(rig.venue.ledger().total(venue::LedgerKind::kFunding), money("0.1199"));
  EXPECT_EQ(rig.venue.wallet_balance(), rig.ex.wallet_balance());

  // A crossed account's update names no position: it is the book's one open position's, and
  // with none, or with several open, it is not guessed.
  std::vector<model::InstrumentSpec> specs{test::spec("BTCUSDT"), test::spec("ETHUSDT"), test::spec("SOLUSDT")};
  DoubleExchange ex{kKey, kSecret, specs, Money::from_int(100'000)};
  LoopbackPort port{ex};
  ExchangeVenue three{venue::VenueConfig{}, specs, Money::from_int(100'000), kNow, port};
  std::string error;
  const auto crossed = [&](int64_t t) {
    const auto e = parse_user_event(R"({"e":"ACCOUNT_UPDATE","E":)" + std::to_string(t) + R"(,"T":)" + std::to_string(t) +
                                        R"(,"a":{"m":"FUNDING_FEE","B":[{"a":"USDT","wb":"1","cw":"1","bc":"-1"}],"P":[]}})",
                                    error);
    EXPECT_TRUE(e) << error;
    three.on_user_event(*e);
  };
  crossed(1);  // nothing open
  EXPECT_EQ(three.counters().unattributed_funding, 1u);
  EXPECT_NE(three.last_unattributed_funding().find("no single position"), std::string::npos) << three.last_unattributed_funding();
  for (size_t i = 0; i < specs.size(); ++i) {
    ex.set_book_top(specs[i].symbol, px("100"), px("100.1"), kNow);
    three.on_bar(i, test::bar(kNow, 100, 100, 100, 100));
    auto o = test::market_order("x" + std::to_string(i), model::Side::kBuy, "1.000", 5);
    o.symbol = specs[i].symbol;
    ASSERT_TRUE(three.submit(o, kNow).accepted()) << specs[i].symbol;
  }
  for (const auto& e : ex.take_user_events()) three.on_user_event(*parse_user_event(e, error));
  ASSERT_EQ(three.open_position_count(), 3);
  crossed(2);  // three open: whose is it?
  EXPECT_EQ(three.counters().unattributed_funding, 2u);
  EXPECT_EQ(three.ledger().total(venue::LedgerKind::kFunding), Money{});
  for (const char* sym : {"BTCUSDT", "ETHUSDT"}) {
    auto close = test::market_order(std::string("c-") + sym, model::Side::kSell, "1.000", 5, true);
    close.symbol = sym;
    ASSERT_TRUE(three.submit(close, kNow).accepted()) << sym;
  }
  for (const auto& e : ex.take_user_events()) three.on_user_event(*parse_user_event(e, error));
  ASSERT_EQ(three.open_position_count(), 1);
  crossed(3);  // one open: SOLUSDT's
  EXPECT_EQ(three.counters().funding_payments, 1u);
  EXPECT_EQ(three.ledger().entries().back().symbol, "SOLUSDT");
  EXPECT_EQ(three.ledger().total(venue::LedgerKind::kFunding), money("-1"));
}

TEST(ExchangeVenue, RefusesWhatTheExchangeWouldWithoutARequest) {
  Rig rig;
  const int before = rig.port.requests;
  auto off_step = entry("bad-step", "0.0105", 10);
  EXPECT_EQ(rig.venue.submit(off_step, kNow).reason, venue::RejectReason::kQuantityNotOnStep);
  auto unknown = entry("bad-symbol", "0.010", 10);
  unknown.symbol = "DOGEUSDT";
  EXPECT_EQ(rig.venue.submit(unknown, kNow).reason, venue::RejectReason::kUnknownSymbol);
  EXPECT_EQ(rig.port.requests, before);
  EXPECT_EQ(rig.ex.orders_accepted(), 0u);
  ASSERT_TRUE(rig.venue.submit(entry("once", "0.010", 10), kNow).accepted());
  EXPECT_EQ(rig.venue.submit(entry("once", "0.010", 10), kNow).reason, venue::RejectReason::kDuplicateClientOrderId);
  EXPECT_EQ(rig.ex.orders_accepted(), 1u);
  // A sell entry against the open long would net it in one-way mode: refused.
  auto against = test::market_order("against", model::Side::kSell, "0.010", 10);
  rig.pump();
  EXPECT_EQ(rig.venue.submit(against, kNow).reason, venue::RejectReason::kInvalidLeverage);
}

TEST(ExchangeVenue, ClosesAPositionWhoseProtectionTheExchangeRefused) {
  Rig rig;
  rig.ex.refuse_algo_orders(true);
  ASSERT_TRUE(rig.venue.submit(entry("naked", "0.010", 10, "59000"), kNow).accepted());
  rig.pump();  // the entry fills; its stop is refused; the position is closed
  EXPECT_EQ(rig.venue.counters().unprotected_closes, 1u);
  rig.pump();
  EXPECT_TRUE(rig.venue.position(0).qty.is_zero());
  EXPECT_TRUE(rig.ex.position_qty("BTCUSDT").is_zero());
  bool recorded = false;
  for (const auto& o : rig.venue.order_outcomes()) recorded |= o.client_order_id == "naked.sl" && o.reason.find("-4120") != std::string::npos;
  EXPECT_TRUE(recorded) << "the refused protection is in the order outcomes with the exchange's code";
  EXPECT_EQ(rig.venue.wallet_balance(), rig.ex.wallet_balance());
}

TEST(ExchangeVenue, ALostAnswerIsLookedUpNeverSentTwice) {
  Rig rig;
  rig.ex.withhold_answer_to_order(1);
  const auto r = rig.venue.submit(entry("lost", "0.010", 10), kNow);
  EXPECT_TRUE(r.accepted()) << r.detail;
  rig.pump();
  EXPECT_EQ(rig.ex.orders_accepted(), 1u);
  EXPECT_TRUE(rig.ex.ids_placed_twice().empty());
  EXPECT_EQ(rig.venue.position(0).qty, qty("0.010"));
  EXPECT_EQ(rig.venue.counters().order_sends, 1u);
}

TEST(ExchangeVenue, KillSwitchCancelsWorkingOrdersOnTheExchange) {
  Rig rig;
  ASSERT_TRUE(rig.venue.submit(entry("k1", "0.010", 10, "59000"), kNow).accepted());
  rig.pump();
  ASSERT_EQ(rig.ex.open_algo_orders(), 1u);
  EXPECT_EQ(rig.venue.cancel_working(0, true, "halt"), 0u) << "the protective stop stays";
  EXPECT_EQ(rig.ex.open_algo_orders(), 1u);
  EXPECT_EQ(rig.venue.cancel_working(0, false, "halt, stops too"), 1u);
  EXPECT_EQ(rig.ex.open_algo_orders(), 0u);
  EXPECT_FALSE(rig.venue.has_open_orders(0));
}

namespace {
Reconciliation reconcile_with(Rig& rig) {
  std::string error;
  const auto exchange = read_exchange_book(rig.port, error);
  EXPECT_TRUE(exchange) << error;
  return exchange ? reconcile(rig.venue.expected_book(), exchange->orders, exchange->positions) : Reconciliation{{"unreadable: " + error}};
}
}  // namespace

TEST(ExchangeVenue, ReconciliationFindsWhatTheStreamMissedAndStopsEntriesUntilClean) {
  Rig rig;
  ASSERT_TRUE(rig.venue.submit(entry("r1", "0.010", 10, "59000"), kNow).accepted());
  rig.pump();
  EXPECT_TRUE(reconcile_with(rig).clean()) << reconcile_with(rig).differences.front();
  // A fill the stream never delivered (a gap while it reconnected).
  ASSERT_TRUE(rig.venue.submit(entry("r2", "0.010", 10), kNow).accepted());
  rig.ex.take_user_events();
  const auto found = reconcile_with(rig);
  ASSERT_FALSE(found.clean());
  const auto names = [](const Reconciliation& r, const std::string& what) {
    return std::any_of(r.differences.begin(), r.differences.end(), [&](const std::string& d) { return d.find(what) != std::string::npos; });
  };
  EXPECT_TRUE(names(found, "position BTCUSDT: the journal has 0.01, the exchange 0.02")) << ::testing::PrintToString(found.differences);
  EXPECT_TRUE(names(found, "order r2 (BTCUSDT) is open in the journal but not at the exchange"));
  rig.venue.set_reconciliation_differences(found.differences);
  const auto refused = rig.venue.submit(entry("r3", "0.010", 10), kNow);
  EXPECT_EQ(refused.reason, venue::RejectReason::kExchangeRefused);
  EXPECT_NE(refused.detail.find("disagrees with the exchange"), std::string::npos);
  auto close = test::market_order("r-close", model::Side::kSell, "0.010", 10, true);
  EXPECT_TRUE(rig.venue.submit(close, kNow).accepted()) << "closing is always allowed";
  rig.pump();
  EXPECT_TRUE(rig.venue.position(0).qty.is_zero());
  EXPECT_TRUE(names(reconcile_with(rig), "position BTCUSDT: the journal has 0")) << "the missed fill stays a difference until someone looks";
}

namespace {
// The account's history as a restarted or reconnected router reads it: fills, their orders'
// client ids, and what is open now.
struct History {
  std::vector<TradeView> trades;
  std::map<int64_t, std::string> ids;
  std::vector<OpenOrderView> open;
};
History read_history(Rig& rig) {
  const auto get = [&](const std::string& path) {
    RestRequest r{"GET", path, {}, "", false};
    r.params.add("symbol", "BTCUSDT").add("startTime", std::to_string(kNow));
    const auto a = rig.port.send(r);
    EXPECT_EQ(a.status, 200) << path << ": " << a.body;
    return a.body;
  };
  std::string error;
  History h;
  const auto open = read_exchange_book(rig.port, error);
  EXPECT_TRUE(open) << error;
  if (open) h.open = open->orders;
  const auto trades = parse_user_trades(get("/fapi/v1/userTrades"), error);
  EXPECT_TRUE(trades) << error;
  if (trades) h.trades = *trades;
  const auto ids = parse_order_client_ids(get("/fapi/v1/allOrders"), error);
  EXPECT_TRUE(ids) << error;
  if (ids) h.ids = *ids;
  return h;
}
}  // namespace

// Events sent while the user stream was down are gone: after the reconnect the fills are read
// back from the account's history and booked once, with the consequences a stream fill has
// (a missed stop fill ends its sibling; a missed entry fill arms its protection).
TEST(ExchangeVenue, FillsLostInAUserStreamGapAreCaughtUpFromTheHistoryOnce) {
  Rig rig;
  ASSERT_TRUE(rig.venue.submit(entry("g1", "0.010", 10, "59000"), kNow).accepted());
  rig.pump();
  ASSERT_EQ(rig.venue.resting_stop_ids(), std::vector<std::string>{"g1.sl"});
  // The stop fills at the exchange while the stream is down: its events never arrive.
  rig.top("58900", "58900.1");
  rig.ex.take_user_events();
  ASSERT_FALSE(reconcile_with(rig).clean());
  ASSERT_NE(rig.venue.wallet_balance(), rig.ex.wallet_balance());
  auto h = read_history(rig);
  EXPECT_EQ(rig.venue.catch_up(h.trades, h.ids, h.open), 1u) << "the entry's fill was booked already: only the stop's is new";
  EXPECT_TRUE(rig.venue.position(0).qty.is_zero());
  EXPECT_FALSE(rig.venue.has_open_orders(0));
  EXPECT_EQ(rig.venue.wallet_balance(), rig.ex.wallet_balance());
  EXPECT_TRUE(reconcile_with(rig).clean()) << reconcile_with(rig).differences.front();
  ASSERT_EQ(rig.venue.closed_trades().size(), 1u);
  EXPECT_EQ(rig.venue.catch_up(h.trades, h.ids, h.open), 0u) << "read again, nothing is booked twice";
  EXPECT_EQ(rig.venue.wallet_balance(), rig.ex.wallet_balance());

  // An entry whose fill is lost: caught up, it is protected as a stream fill would have made it.
  ASSERT_TRUE(rig.venue.submit(entry("g2", "0.010", 10, "58000"), kNow).accepted());
  rig.ex.take_user_events();
  EXPECT_TRUE(rig.venue.position(0).qty.is_zero());
  h = read_history(rig);
  EXPECT_EQ(rig.venue.catch_up(h.trades, h.ids, h.open), 1u);
  EXPECT_EQ(rig.venue.position(0).qty, qty("0.010"));
  EXPECT_EQ(rig.venue.resting_stop_ids(), std::vector<std::string>{"g2.sl"});
  EXPECT_EQ(rig.ex.open_algo_orders(), 1u) << "the protection was placed at the exchange";
  rig.pump();
  EXPECT_EQ(rig.venue.wallet_balance(), rig.ex.wallet_balance());
  EXPECT_TRUE(reconcile_with(rig).clean()) << reconcile_with(rig).differences.front();
  EXPECT_TRUE(rig.ex.ids_placed_twice().empty());
}

TEST(ExchangeVenue, RecoveringTakesOrdersAsSentInAPastLife) {
  Rig rig;
  rig.venue.set_recovering(true);
  ASSERT_TRUE(rig.venue.submit(entry("past", "0.010", 10), kNow).accepted());
  EXPECT_EQ(rig.ex.orders_accepted(), 0u) << "nothing is sent while the journal is replayed";
  rig.venue.set_recovering(false);
  EXPECT_EQ(rig.venue.submit(entry("past", "0.010", 10), kNow).reason, venue::RejectReason::kDuplicateClientOrderId);
  EXPECT_EQ(rig.ex.orders_accepted(), 0u);
}

TEST(ExchangeVenue, ARestartedRouterAdoptsTheAccountFromTheExchangesHistory) {
  Rig rig;
  ASSERT_TRUE(rig.venue.submit(entry("h1", "0.010", 10, "59000"), kNow).accepted());
  rig.pump();
  // Funding paid in the past life: 60000 · 0.010 · 0.0001 = 0.06, from the long.
  rig.ex.settle_funding("BTCUSDT", px("60000"), *core::Rate::parse("0.0001"), kNow);
  ASSERT_TRUE(rig.venue.submit(entry("h2", "0.010", 10, "59000"), kNow).accepted());
  rig.pump();
  const auto before = rig.venue.wallet_balance();
  ASSERT_EQ(rig.venue.ledger().total(venue::LedgerKind::kFunding), money("-0.06"));

  // A new life: the journal's orders replayed (nothing sent), then the exchange's word.
  ExchangeVenue restarted{venue::VenueConfig{}, {test::spec("BTCUSDT")}, Money::from_int(10'000), kNow, rig.port};
  restarted.set_recovering(true);
  ASSERT_TRUE(restarted.submit(entry("h1", "0.010", 10, "59000"), kNow).accepted());
  ASSERT_TRUE(restarted.submit(entry("h2", "0.010", 10, "59000"), kNow).accepted());
  restarted.set_recovering(false);
  const auto accepted_before = rig.ex.orders_accepted();
  const auto h = read_history(rig);
  std::string error;
  const auto funding = read_funding_income(rig.port, "BTCUSDT", kNow, error);
  ASSERT_TRUE(funding) << error;
  ASSERT_EQ(funding->size(), 1u);
  const auto unprotected = restarted.adopt(h.trades, h.ids, h.open, kNow, *funding);
  EXPECT_TRUE(unprotected.empty()) << unprotected.front();
  EXPECT_EQ(restarted.ledger().total(venue::LedgerKind::kFunding), money("-0.06")) << "the past life's funding, booked from the income history";
  EXPECT_EQ(restarted.book_funding_history(*funding), 0u) << "a payment already booked is not booked again";
  EXPECT_EQ(rig.ex.orders_accepted(), accepted_before) << "adopting sends nothing";
  EXPECT_EQ(restarted.position(0).qty, qty("0.020"));
  EXPECT_EQ(restarted.position(0).leverage_x, 10) << "the journal's order lends its leverage";
  EXPECT_EQ(restarted.wallet_balance(), before);
  EXPECT_EQ(restarted.wallet_balance(), rig.ex.wallet_balance());
  EXPECT_EQ(restarted.fills().size(), 2u);
  auto stops = restarted.resting_stop_ids();
  std::sort(stops.begin(), stops.end());
  EXPECT_EQ(stops, (std::vector<std::string>{"h1.sl", "h2.sl"}));

  // The stream then goes on where the history stopped: a repeat is dropped, the stop's fill booked.
  rig.top("58900", "58900.1");
  for (const auto& e : rig.ex.take_user_events()) {
    std::string err;
    if (const auto parsed = parse_user_event(e, err)) restarted.on_user_event(*parsed);
  }
  EXPECT_TRUE(restarted.position(0).qty.is_zero());
  EXPECT_EQ(restarted.wallet_balance(), rig.ex.wallet_balance());
  EXPECT_FALSE(restarted.has_open_orders(0));
}

// The income endpoint answers at most 1 000 rows a request: a long run's funding comes page by
// page, every payment once, in time order, and nothing before the asked start.
TEST(ExchangeVenue, FundingHistoryLongerThanAPageIsReadWhole) {
  Rig rig;
  ASSERT_TRUE(rig.venue.submit(entry("long", "0.010", 10, "59000"), kNow).accepted());
  rig.pump();
  constexpr int kPayments = 2'345;
  constexpr int64_t kEvery = 8 * 3'600'000;
  for (int i = 0; i < kPayments; ++i) rig.ex.settle_funding("BTCUSDT", px("60000"), *core::Rate::parse("0.0001"), kNow + (i + 1) * kEvery);
  std::string error;
  const auto all = read_funding_income(rig.port, "BTCUSDT", kNow, error);
  ASSERT_TRUE(all) << error;
  ASSERT_EQ(all->size(), static_cast<size_t>(kPayments)) << "one request holds 1 000: the rest came on later pages";
  std::set<int64_t> ids;
  Money total = Money::from_int(0);
  for (size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].time_ms, kNow + static_cast<int64_t>(i + 1) * kEvery);
    ids.insert((*all)[i].tran_id);
    total = total + (*all)[i].income;
  }
  EXPECT_EQ(ids.size(), all->size()) << "no payment twice";
  // Each payment is the long's: 60000 · 0.010 · 0.0001 = 0.06 paid.
  Money expected = Money::from_int(0);
  for (int i = 0; i < kPayments; ++i) expected -= money("0.06");
  EXPECT_EQ(total, expected);
  const auto later = read_funding_income(rig.port, "BTCUSDT", kNow + 1'500 * kEvery, error);
  ASSERT_TRUE(later) << error;
  ASSERT_EQ(later->size(), static_cast<size_t>(kPayments - 1'499));
  EXPECT_EQ(later->front().time_ms, kNow + 1'500 * kEvery) << "startTime is inclusive";
}

// The router lets its state lock go while a request is on the wire, so a kill switch can
// change the trading state in the middle of an entry. The venue asks the state in force
// before it sets anything for the entry, and again right before the order itself goes: an
// entry the state forbids by then never reaches the exchange. Closing always goes.
TEST(ExchangeVenue, AnEntryTheTradingStateForbidsByItsSendingNeverReachesTheExchange) {
  Rig rig;
  std::optional<std::string> halted;
  int asked = 0;
  rig.venue.set_order_gate([&](const model::OrderRequest&) {
    ++asked;
    return halted;
  });
  // Halted from the start: refused before any request, leverage untouched.
  halted = "HALTED on ALL";
  const auto before = rig.port.requests;
  const auto refused = rig.venue.submit(entry("h1", "0.010", 10), kNow);
  EXPECT_EQ(refused.reason, venue::RejectReason::kTradingState);
  EXPECT_NE(refused.detail.find("HALTED on ALL"), std::string::npos);
  EXPECT_EQ(rig.port.requests, before) << "nothing was sent for a forbidden entry";
  EXPECT_EQ(rig.ex.symbol_leverage("BTCUSDT"), 20) << "the exchange's default leverage, not changed";
  EXPECT_EQ(rig.ex.orders_accepted(), 0u);
  // Allowed, then halted while the leverage request is on the wire: the order is refused
  // right before it would have gone. The leverage change already went, as it did on the wire.
  halted.reset();
  int seen_by_second_ask = 0;
  rig.venue.set_order_gate([&](const model::OrderRequest&) -> std::optional<std::string> {
    ++seen_by_second_ask;
    if (seen_by_second_ask == 1) return std::nullopt;
    return std::string("HALTED on ALL (engaged while the leverage request was on the wire)");
  });
  const auto late = rig.venue.submit(entry("h2", "0.010", 10), kNow);
  EXPECT_EQ(late.reason, venue::RejectReason::kTradingState);
  EXPECT_EQ(seen_by_second_ask, 2);
  EXPECT_EQ(rig.ex.symbol_leverage("BTCUSDT"), 10) << "the leverage went before the state changed";
  EXPECT_EQ(rig.ex.orders_accepted(), 0u) << "the entry never reached the exchange";
  EXPECT_EQ(rig.venue.counters().refused_by_trading_state, 2u);
  ASSERT_FALSE(rig.venue.order_outcomes().empty());
  EXPECT_EQ(rig.venue.order_outcomes().back().client_order_id, "h2") << "the refusal is recorded as the order's end";
  // With the state allowing it the entry goes; under a halt a reduce-only close still goes
  // and the gate is not even asked.
  rig.venue.set_order_gate([&](const model::OrderRequest&) { return halted; });
  ASSERT_TRUE(rig.venue.submit(entry("h3", "0.010", 10), kNow).accepted());
  rig.pump();
  ASSERT_EQ(rig.venue.position(0).qty, qty("0.010"));
  halted = "HALTED on ALL";
  asked = 0;
  rig.venue.set_order_gate([&](const model::OrderRequest&) {
    ++asked;
    return halted;
  });
  auto close = test::market_order("h4", model::Side::kSell, "0.010", 10);
  close.reduce_only = true;
  ASSERT_TRUE(rig.venue.submit(close, kNow).accepted());
  rig.pump();
  EXPECT_TRUE(rig.venue.position(0).qty.is_zero());
  EXPECT_EQ(asked, 0) << "a reduce-only order does not ask the trading state: closing is always allowed";
  EXPECT_EQ(rig.ex.orders_accepted(), 2u);
}
