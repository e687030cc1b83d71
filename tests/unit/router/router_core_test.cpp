// The order router's core, driven directly: recovery from its journal is exact, the ack is
// its commit point, a re-sent batch is never applied twice, early orders wait for their
// bar, and a forged replay end is refused. No sockets, no Redis: a MemoryJournal stands in.
#include <gtest/gtest.h>

#include "fulcrum/core/journal.h"
#include "fulcrum/report/report_writer.h"
#include "fulcrum/router/router_core.h"
#include "fulcrum/transport/codec.h"
#include "fulcrum/transport/strategy_codec.h"
#include "fulcrum/transport/topics.h"
#include "test_support.h"

using namespace fulcrum;
using test::k5m;
using test::kT0;

namespace {

struct RecordingSink final : router::RouterSink {
  std::vector<std::string> malformed_frames;
  std::vector<std::pair<core::TimestampMs, bool>> acks;
  size_t view_batches = 0, outcomes = 0, journal_failures = 0;
  std::optional<std::pair<core::TimestampMs, bool>> ended;
  void malformed(const std::string& why) override { malformed_frames.push_back(why); }
  void account_views(core::TimestampMs, const std::vector<strategy::AccountView>&, const v1::Header&) override { ++view_batches; }
  void ack(core::TimestampMs t, bool replay_end) override { acks.emplace_back(t, replay_end); }
  // "account/variant/version client_order_id" of each order the venue took
  std::vector<std::string> accepted;
  void order_outcome(const router::OrderOrigin& o, const model::OrderRequest& r, const venue::SubmitResult& res) override {
    ++outcomes;
    if (res.accepted()) accepted.push_back(o.account + "/" + o.variant + "/" + o.version + " " + r.client_order_id);
  }
  void journal_failed(core::TimestampMs, const std::string&) override { ++journal_failures; }
  void replay_ended(core::TimestampMs through, bool complete) override { ended.emplace(through, complete); }
};

const std::vector<std::string> kAccounts{"fixed", "kelly"};

router::RouterSettings settings() {
  router::RouterSettings s;
  s.run.from_ms = kT0;
  s.run.to_ms = kT0 + 100 * k5m;
  s.run.initial_equity = 10'000;
  s.lockstep = true;
  return s;
}

struct Rig {
  RecordingSink sink;
  core::MemoryJournal journal;
  router::RouterCore core;
  explicit Rig(std::vector<std::string> journaled = {}, router::RouterSettings s = settings(), std::vector<std::string> accounts = kAccounts)
      : journal(std::move(journaled)), core(std::move(s), model::SymbolTable({"BTCUSDT"}), {test::spec("BTCUSDT")}, std::move(accounts), journal, sink) {}
};

// Instant i: the 5m bar that closes at kT0 + (i+1)·5m, prices drifting so positions move.
core::TimestampMs instant(int i) { return kT0 + (i + 1) * k5m; }
v1::MarketEvent bar_event(int i) {
  const double base = 100'000 + 150.0 * i;
  v1::MarketEvent ev;
  transport::to_proto("BTCUSDT", test::bar(kT0 + i * k5m, base, base + 400, base - 300, base + 120), *ev.mutable_bar());
  return ev;
}
v1::MarketEvent instant_end(core::TimestampMs t) {
  v1::MarketEvent ev;
  ev.mutable_instant_end()->set_time_ms(t);
  return ev;
}
// Each account's batch for instant i; "fixed" buys at instant 2 and sells at instant 7,
// "kelly" buys at instant 4.
v1::OrderBatch batch(const std::string& account, int i) {
  v1::OrderBatch b;
  b.set_account(account);
  b.set_instant_ms(instant(i));
  auto order = [&](model::Side side, bool reduce_only) {
    model::OrderRequest r;
    r.client_order_id = account + "-" + std::to_string(i);
    r.symbol = "BTCUSDT";
    r.side = side;
    r.quantity = *core::Qty::parse("0.02");
    r.leverage_x = 5;
    r.reduce_only = reduce_only;
    transport::to_proto(r, *b.add_commands()->mutable_submit());
  };
  if (account == "fixed" && i == 2) order(model::Side::kBuy, false);
  if (account == "fixed" && i == 7) order(model::Side::kSell, true);
  if (account == "kelly" && i == 4) order(model::Side::kBuy, false);
  return b;
}
void play(router::RouterCore& core, int from, int to) {
  for (int i = from; i < to; ++i) {
    core.on_market(bar_event(i));
    core.on_market(instant_end(instant(i)));
    for (const auto& a : kAccounts) core.on_batch(batch(a, i));
  }
}
std::vector<std::string> ledgers(const router::RouterCore& core) {
  std::vector<std::string> out;
  for (const auto& run : core.result().runs) out.push_back(report::ledger_csv(run.venue->ledger()) + report::trades_csv(*run.venue));
  return out;
}

}  // namespace

TEST(RouterCore, RecoveryFromItsJournalIsExactAndSilent) {
  Rig first;
  play(first.core, 0, 6);
  ASSERT_EQ(first.core.orders_applied(), 2u);
  ASSERT_EQ(first.sink.acks.size(), 6u);

  Rig second(first.journal.committed());  // a restart on the same journal
  EXPECT_EQ(second.core.recover(), first.journal.committed().size());
  EXPECT_EQ(second.core.instant_done(), instant(5));
  EXPECT_EQ(ledgers(second.core), ledgers(first.core));
  EXPECT_EQ(second.core.result().runs[0].venue->equity(), first.core.result().runs[0].venue->equity());
  // Recovery publishes nothing and acknowledges nothing: the previous life did.
  EXPECT_TRUE(second.sink.acks.empty());
  EXPECT_EQ(second.sink.view_batches, 0u);
  EXPECT_EQ(second.sink.outcomes, 0u);

  // market-data re-sends the last instant: the views again and the ack, nothing re-applied.
  second.core.on_market(bar_event(5));
  second.core.on_market(instant_end(instant(5)));
  EXPECT_EQ(second.sink.view_batches, 1u);
  ASSERT_EQ(second.sink.acks.size(), 1u);
  EXPECT_EQ(second.sink.acks[0].first, instant(5));
  EXPECT_EQ(ledgers(second.core), ledgers(first.core));

  // Both go on and stay identical, trades closed after the restart included.
  play(first.core, 6, 10);
  play(second.core, 6, 10);
  EXPECT_EQ(ledgers(second.core), ledgers(first.core));
  EXPECT_EQ(first.core.result().runs[0].venue->closed_trades().size(), 1u);
}

namespace {
// A header as a stage stamps it: run, stream, warm-up flag and a hop trail of `hops` stages.
v1::Header stamped_header(int hops, bool warmup) {
  v1::Header h;
  h.set_run_id("r42");
  h.set_stream("market-data");
  h.set_stream_seq(7);
  h.set_exchange_ts_ms(kT0);
  h.set_warmup(warmup);
  for (int i = 0; i < hops; ++i) {
    auto* hop = h.add_hops();
    hop->set_service("stage-" + std::to_string(i));
    hop->set_recv_ns(1'700'000'000'000'000'000 + i);
    hop->set_send_ns(1'700'000'000'000'000'100 + i);
  }
  return h;
}
// A message with only its header set: serialized before a body, it is that message's header
// (protobuf merges a message's concatenated encodings).
template <class Message>
std::string header_bytes(const v1::Header& h) {
  Message m;
  *m.mutable_header() = h;
  return m.SerializeAsString();
}
v1::Header without_hops(v1::Header h) {
  h.clear_hops();
  return h;
}
}  // namespace

// Given the bytes an input was parsed from, the journal keeps those bytes less the header's
// hop trail, not a second serialization; a restart from them stands where the first life
// stood. The wires here parse to the same messages but differ from their serialization (a
// body twice, or followed by a second encoding of a field), so a re-serialization would
// show, and each carries a trail of hops, which must not.
TEST(RouterCore, TheJournalKeepsTheWireBytesItWasGivenLessTheHopTrail) {
  auto free_running = settings();
  free_running.lockstep = false;
  Rig first({}, free_running);
  std::vector<std::string> expected;
  for (int i = 0; i < 6; ++i) {
    const auto header = stamped_header(1, false);
    const auto body = bar_event(i).SerializeAsString();
    v1::MarketEvent ev;
    const auto wire = header_bytes<v1::MarketEvent>(header) + body + body;
    ASSERT_TRUE(ev.ParseFromString(wire));
    first.core.on_market(ev, wire);
    expected.push_back("m" + header_bytes<v1::MarketEvent>(without_hops(header)) + body + body);
    auto end = instant_end(instant(i));
    *end.mutable_header() = header;
    first.core.on_market(end);  // no wire: serialized, and the trail left out all the same
    auto end_bare = end;
    end_bare.mutable_header()->clear_hops();
    expected.push_back("m" + end_bare.SerializeAsString());
    for (const auto& a : kAccounts) {
      const auto trail = stamped_header(5, false);  // as the router gets it: five stages on
      auto b = batch(a, i);
      v1::OrderBatch account_again;
      account_again.set_account(a);
      const auto batch_body = b.SerializeAsString() + account_again.SerializeAsString();
      const auto batch_wire = header_bytes<v1::OrderBatch>(trail) + batch_body;
      ASSERT_TRUE(b.ParseFromString(batch_wire));
      first.core.on_batch(b, batch_wire);
      expected.push_back("o" + header_bytes<v1::OrderBatch>(without_hops(trail)) + batch_body);
      ASSERT_LT(expected.back().size(), batch_wire.size() / 2 + 1) << "the trail was most of this batch";
    }
  }
  ASSERT_TRUE(first.journal.commit());
  EXPECT_EQ(first.journal.committed(), expected);
  ASSERT_EQ(first.core.orders_applied(), 2u);
  Rig second(first.journal.committed(), free_running);
  EXPECT_EQ(second.core.recover(), expected.size());
  EXPECT_EQ(ledgers(second.core), ledgers(first.core));
}

// What the journal drops is telemetry only: a warm-up instant stays warm-up after a restart,
// so its hour stays off the equity curve.
TEST(RouterCore, AJournaledWarmUpInstantIsStillWarmUpAfterARestart) {
  auto free_running = settings();
  free_running.lockstep = false;
  Rig first({}, free_running);
  ASSERT_EQ(instant(11), kT0 + core::kMsPerHour);  // a warm-up hour; instant 23's is the account's
  for (int i = 0; i < 24; ++i) {
    auto ev = bar_event(i);
    *ev.mutable_header() = stamped_header(1, i < 12);
    first.core.on_market(ev, ev.SerializeAsString());
    auto end = instant_end(instant(i));
    *end.mutable_header() = stamped_header(1, i < 12);
    first.core.on_market(end, end.SerializeAsString());
  }
  ASSERT_TRUE(first.journal.commit());
  Rig second(first.journal.committed(), free_running);
  ASSERT_EQ(second.core.recover(), first.journal.committed().size());
  for (size_t r = 0; r < first.core.result().runs.size(); ++r) {
    const auto& curve = second.core.result().runs[r].equity_curve;
    ASSERT_EQ(first.core.result().runs[r].equity_curve.size(), 1u);
    ASSERT_EQ(curve.size(), 1u);
    EXPECT_EQ(curve[0].time_ms, kT0 + 2 * core::kMsPerHour);
  }
}

TEST(RouterCore, TheAckWaitsForTheJournalCommit) {
  Rig rig;
  rig.journal.refuse_commits(true);
  play(rig.core, 0, 1);
  EXPECT_TRUE(rig.sink.acks.empty()) << "an instant was acknowledged before its journal was durable";
  EXPECT_EQ(rig.sink.journal_failures, 1u);
  EXPECT_TRUE(rig.journal.committed().empty());
  rig.core.retry_ack();
  EXPECT_EQ(rig.sink.journal_failures, 1u) << "a failing commit is reported once, not every turn";
  rig.journal.refuse_commits(false);
  rig.core.retry_ack();
  ASSERT_EQ(rig.sink.acks.size(), 1u);
  EXPECT_EQ(rig.sink.acks[0], std::make_pair(instant(0), false));
  EXPECT_EQ(rig.journal.marks().at(transport::state_keys::kAckedInstant), std::to_string(instant(0)));
  EXPECT_EQ(rig.journal.committed().size(), 4u);  // bar, instant end, two batches
}

TEST(RouterCore, AReSentBatchIsNeverAppliedTwice) {
  Rig rig;
  play(rig.core, 0, 4);  // the market order of instant 2 fills on instant 3's bar
  ASSERT_EQ(rig.core.orders_applied(), 1u);
  EXPECT_EQ(rig.core.on_batch(batch("fixed", 2)), router::RouterCore::BatchOutcome::kRepeat);
  EXPECT_EQ(rig.core.orders_applied(), 1u);
  EXPECT_EQ(rig.core.result().runs[0].venue->fills().size(), 1u);
}

TEST(RouterCore, AnEarlyBatchWaitsForItsInstantsBar) {
  Rig with_race, in_order;
  play(with_race.core, 0, 2);
  play(in_order.core, 0, 2);
  // Instant 2's orders arrive before instant 2's market events are all in.
  with_race.core.on_market(bar_event(2));
  EXPECT_EQ(with_race.core.on_batch(batch("fixed", 2)), router::RouterCore::BatchOutcome::kEarly);
  EXPECT_EQ(with_race.core.orders_applied(), 0u);
  with_race.core.on_market(instant_end(instant(2)));
  EXPECT_EQ(with_race.core.orders_applied(), 0u) << "held until every member's batch of the instant is in";
  EXPECT_EQ(with_race.core.on_batch(batch("kelly", 2)), router::RouterCore::BatchOutcome::kApplied);
  EXPECT_EQ(with_race.core.orders_applied(), 1u);
  play(in_order.core, 2, 3);
  EXPECT_EQ(ledgers(with_race.core), ledgers(in_order.core));
  EXPECT_EQ(with_race.sink.acks.back().first, instant(2));
}

TEST(RouterCore, AForgedReplayEndIsRefusedAndTheRealOneEndsTheRun) {
  Rig rig;
  play(rig.core, 0, 3);
  v1::MarketEvent forged;
  forged.mutable_replay_end()->set_to_ms(settings().run.to_ms);
  forged.mutable_replay_end()->set_last_instant_ms(instant(40));
  rig.core.on_market(forged);
  EXPECT_FALSE(rig.sink.ended);
  EXPECT_FALSE(rig.core.finished());
  ASSERT_EQ(rig.sink.malformed_frames.size(), 1u);
  EXPECT_NE(rig.sink.malformed_frames[0].find("replay end"), std::string::npos);

  v1::MarketEvent real;
  real.mutable_replay_end()->set_to_ms(settings().run.to_ms);
  real.mutable_replay_end()->set_last_instant_ms(instant(2));
  rig.core.on_market(real);
  ASSERT_TRUE(rig.sink.ended);
  EXPECT_EQ(*rig.sink.ended, std::make_pair(settings().run.to_ms, true));
  EXPECT_TRUE(rig.core.finished());
  EXPECT_EQ(rig.sink.acks.back(), std::make_pair(settings().run.to_ms, true));
}

TEST(RouterCore, ACorruptJournalEntryFailsTheRestart) {
  Rig rig({"m" + bar_event(0).SerializeAsString(), "x-not-an-entry"});
  EXPECT_THROW(rig.core.recover(), core::JournalError);
}

TEST(RouterCore, AnInstantBeyondTheWindowIsCountedAndDropped) {
  Rig rig;
  rig.core.on_market(instant_end(settings().run.to_ms + k5m));
  EXPECT_FALSE(rig.core.started());
  ASSERT_EQ(rig.sink.malformed_frames.size(), 1u);
  EXPECT_NE(rig.sink.malformed_frames[0].find("beyond the replay window"), std::string::npos);
}

// --- Trading states: the router is the kill switch's last hop ---

namespace {
risk::TradingStateBook engaged(risk::Scope scope, risk::TradingState state, bool flatten = false, risk::TradingStateBook book = {}) {
  risk::EngageRequest r;
  r.scope = std::move(scope);
  r.state = state;
  r.flatten = flatten;
  r.by = "test";
  book.engage(r);
  return book;
}
v1::OrderBatch with_order(const std::string& account, int i, model::OrderRequest r) {
  v1::OrderBatch b;
  b.set_account(account);
  b.set_instant_ms(instant(i));
  transport::to_proto(r, *b.add_commands()->mutable_submit());
  return b;
}
model::OrderRequest order(const std::string& id, model::Side side, model::OrderType type = model::OrderType::kMarket) {
  model::OrderRequest r;
  r.client_order_id = id;
  r.symbol = "BTCUSDT";
  r.side = side;
  r.type = type;
  r.quantity = *core::Qty::parse("0.02");
  r.leverage_x = 5;
  return r;
}
// One instant where the accounts send `fixed_batch` and an empty batch for kelly.
void play_one(router::RouterCore& core, int i, const v1::OrderBatch& fixed_batch) {
  core.on_market(bar_event(i));
  core.on_market(instant_end(instant(i)));
  core.on_batch(fixed_batch);
  core.on_batch(batch("kelly", i));
}
}  // namespace

TEST(RouterCore, HaltRejectsNewOrdersCancelsEntriesAndKeepsStops) {
  Rig rig;
  play(rig.core, 0, 2);
  auto entry = order("fixed-buy", model::Side::kBuy);
  entry.attached_stop_price = *core::Price::parse("95000");
  play_one(rig.core, 2, with_order("fixed", 2, entry));
  play_one(rig.core, 3, with_order("fixed", 3, [] {
             auto limit = order("fixed-limit", model::Side::kBuy, model::OrderType::kLimit);
             limit.limit_price = *core::Price::parse("50000");  // rests: far below the market
             return limit;
           }()));
  auto& venue = *rig.core.result().runs[0].venue;
  ASSERT_FALSE(venue.position(0).qty.is_zero());
  ASSERT_EQ(venue.open_order_ids().size(), 2u);  // the protective stop and the resting entry

  rig.core.on_trading_state(engaged(risk::Scope::global(), risk::TradingState::kHalted));
  const auto ids = venue.open_order_ids();
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0], "fixed-buy.sl");  // the entry went, the stop stayed
  EXPECT_EQ(rig.core.kill_switch_actions(), 1u);

  const auto rejected_before = rig.core.orders_rejected();
  auto close = order("fixed-close", model::Side::kSell);
  close.reduce_only = true;
  play_one(rig.core, 4, with_order("fixed", 4, close));  // HALTED: not even reduce-only
  EXPECT_EQ(rig.core.orders_rejected(), rejected_before + 2);  // fixed's close, and kelly's buy at 4 (the halt is global)
  EXPECT_FALSE(venue.position(0).qty.is_zero());
}

TEST(RouterCore, ReducingPassesOnlyReduceOnlyOrdersInItsScope) {
  Rig rig;
  play(rig.core, 0, 4);  // fixed bought at 2
  rig.core.on_trading_state(engaged(risk::Scope::account("kelly"), risk::TradingState::kReducing));
  const auto applied = rig.core.orders_applied(), rejected = rig.core.orders_rejected();
  play(rig.core, 4, 5);  // kelly's buy at 4: refused
  EXPECT_EQ(rig.core.orders_rejected(), rejected + 1);
  EXPECT_EQ(rig.core.orders_applied(), applied);
  EXPECT_TRUE(rig.core.result().runs[1].venue->position(0).qty.is_zero());
  play(rig.core, 5, 9);  // fixed (ACTIVE) sells reduce-only at 7: passes
  EXPECT_EQ(rig.core.orders_applied(), applied + 1);
  EXPECT_TRUE(rig.core.result().runs[0].venue->position(0).qty.is_zero());
}

TEST(RouterCore, FlattenClosesEveryPositionInScopeAtTheNextPrice) {
  Rig rig;
  play(rig.core, 0, 6);  // fixed bought at 2, kelly at 4: both long
  auto& fixed = *rig.core.result().runs[0].venue;
  auto& kelly = *rig.core.result().runs[1].venue;
  ASSERT_FALSE(fixed.position(0).qty.is_zero());
  ASSERT_FALSE(kelly.position(0).qty.is_zero());
  rig.core.on_trading_state(engaged(risk::Scope::symbol("BTCUSDT"), risk::TradingState::kHalted, true));
  EXPECT_EQ(rig.core.flatten_orders(), 2u);  // one close per account holding BTCUSDT
  ASSERT_GE(rig.sink.accepted.size(), 2u);
  EXPECT_EQ(rig.sink.accepted.back(), "kelly// kill-1-BTCUSDT");  // no variant sent it
  play(rig.core, 6, 7);  // the next bar's open fills the reduce-only closes
  EXPECT_TRUE(fixed.position(0).qty.is_zero());
  EXPECT_TRUE(kelly.position(0).qty.is_zero());
  const auto& last = fixed.fills().back();
  EXPECT_EQ(last.client_order_id, "kill-1-BTCUSDT");
  EXPECT_EQ(last.time_ms, kT0 + 6 * k5m);  // at the next bar's open, not its close
  EXPECT_EQ(fixed.ledger().balance(), fixed.equity());  // flat: nothing left unrealised
}

TEST(RouterCore, TradingStateChangesReplayFromTheJournalExactly) {
  Rig first;
  play(first.core, 0, 3);
  auto book = engaged(risk::Scope::account("kelly"), risk::TradingState::kHalted);
  first.core.on_trading_state(book);
  play(first.core, 3, 6);
  book.release(risk::Scope::account("kelly"), 1);
  first.core.on_trading_state(book);
  play(first.core, 6, 9);
  ASSERT_GT(first.core.orders_rejected(), 0u);

  Rig second(first.journal.committed());
  second.core.recover();
  EXPECT_EQ(second.core.state_epoch(), 2u);
  EXPECT_EQ(second.core.orders_rejected(), first.core.orders_rejected());
  EXPECT_EQ(ledgers(second.core), ledgers(first.core));
}

namespace {

// Split mode: variants A and B trade the one account "split". A buys 0.02 BTC at instant 2,
// B buys 0.03 at instant 2 too and sells it at instant 5: on a shared one-way account the
// order they meet the venue in decides the fills, so it must not be the order they arrive in.
router::RouterSettings split_settings() {
  auto s = settings();
  for (const char* id : {"A", "B"}) {
    strategy::VariantSpec v;
    v.id = id;
    v.policy = "fixed";
    v.margin_budget = 0.5;
    s.run.ab.variants.push_back(v);
  }
  s.run.ab.mode = strategy::AbMode::kSplit;
  return s;
}

v1::OrderBatch split_batch(const std::string& variant, int i, const std::string& version = "v1") {
  v1::OrderBatch b;
  b.set_account("split");
  b.set_variant(variant);
  b.set_policy_version(version);
  b.set_config_hash("cfg");
  b.set_instant_ms(instant(i));
  const auto add = [&](model::Side side, const char* qty, bool reduce_only) {
    auto r = test::market_order(variant + "-" + std::to_string(i), side, qty, 5, reduce_only);
    transport::to_proto(r, *b.add_commands()->mutable_submit());
  };
  if (variant == "A" && i == 2) add(model::Side::kBuy, "0.02", false);
  if (variant == "B" && i == 2) add(model::Side::kBuy, "0.03", false);
  if (variant == "B" && i == 5) add(model::Side::kSell, "0.03", true);
  return b;
}

struct SplitRig : Rig {
  explicit SplitRig(std::vector<std::string> journaled = {}) : Rig(std::move(journaled), split_settings(), {"split"}) {}
};

void play_split(router::RouterCore& core, int from, int to, bool b_first, const std::string& b_version = "v1") {
  for (int i = from; i < to; ++i) {
    core.on_market(bar_event(i));
    core.on_market(instant_end(instant(i)));
    if (b_first) core.on_batch(split_batch("B", i, b_version));
    core.on_batch(split_batch("A", i));
    if (!b_first) core.on_batch(split_batch("B", i, b_version));
  }
}

}  // namespace

TEST(RouterCore, SplitVariantsMeetTheSharedAccountInMemberOrderWhateverTheArrival) {
  SplitRig a_first, b_first;
  play_split(a_first.core, 0, 8, false);
  play_split(b_first.core, 0, 8, true);
  EXPECT_EQ(ledgers(a_first.core), ledgers(b_first.core));
  const auto& fills = a_first.core.result().runs[0].venue->fills();
  ASSERT_GE(fills.size(), 2u);
  EXPECT_EQ(fills[0].client_order_id, "A-2") << "A is the first member";
  EXPECT_EQ(fills[1].client_order_id, "B-2");
  ASSERT_EQ(a_first.core.members().size(), 2u);
  EXPECT_EQ(a_first.core.accounts(), std::vector<std::string>{"split"});
}

TEST(RouterCore, AHeldBatchIsNeitherAppliedNorAcknowledgedUntilTheInstantIsWhole) {
  SplitRig rig;
  play_split(rig.core, 0, 2, false);
  rig.core.on_market(bar_event(2));
  rig.core.on_market(instant_end(instant(2)));
  const auto acks = rig.sink.acks.size();
  EXPECT_EQ(rig.core.on_batch(split_batch("B", 2)), router::RouterCore::BatchOutcome::kHeld);
  EXPECT_EQ(rig.core.on_batch(split_batch("B", 2)), router::RouterCore::BatchOutcome::kRepeat) << "a re-send of a held batch";
  EXPECT_EQ(rig.core.orders_applied(), 0u);
  EXPECT_EQ(rig.sink.acks.size(), acks);
  EXPECT_EQ(rig.core.missing_members(), std::vector<std::string>{"A"});
  EXPECT_EQ(rig.core.on_batch(split_batch("A", 2)), router::RouterCore::BatchOutcome::kApplied);
  EXPECT_EQ(rig.core.orders_applied(), 2u);
  EXPECT_EQ(rig.sink.acks.size(), acks + 1);
  EXPECT_TRUE(rig.core.missing_members().empty());
}

TEST(RouterCore, ALeaverStopsBeingAwaitedAndAJoinerIsAwaitedFromTheNextInstant) {
  SplitRig rig;
  play_split(rig.core, 0, 3, false);
  rig.core.on_market(bar_event(3));
  rig.core.on_market(instant_end(instant(3)));
  rig.core.on_batch(split_batch("A", 3));
  const auto acks = rig.sink.acks.size();
  EXPECT_EQ(rig.core.set_membership("B", false, true, "missed its deadline"), "");
  EXPECT_EQ(rig.sink.acks.size(), acks + 1) << "the instant was waiting for B alone";
  EXPECT_EQ(rig.core.membership_epoch(), 2u);
  EXPECT_TRUE(rig.core.members()[1].tainted);
  EXPECT_EQ(rig.core.on_batch(split_batch("B", 3)), router::RouterCore::BatchOutcome::kRefused) << "a non-member's batch";
  EXPECT_NE(rig.core.set_membership("A", false, false, "x"), "") << "the last member cannot leave";
  EXPECT_NE(rig.core.set_membership("C", true, false, "x"), "") << "not a variant of the run";
  EXPECT_NE(rig.core.set_membership("A", true, false, "x"), "") << "already a member";

  rig.core.on_market(bar_event(4));
  rig.core.on_market(instant_end(instant(4)));
  EXPECT_EQ(rig.core.set_membership("B", true, false, "back"), "");
  EXPECT_TRUE(rig.core.missing_members() == std::vector<std::string>{"A"}) << "B joined at instant 4: awaited from instant 5";
  EXPECT_EQ(rig.core.on_batch(split_batch("B", 4)), router::RouterCore::BatchOutcome::kRefused);
  EXPECT_EQ(rig.core.on_batch(split_batch("A", 4)), router::RouterCore::BatchOutcome::kApplied);
  rig.core.on_market(bar_event(5));
  rig.core.on_market(instant_end(instant(5)));
  EXPECT_EQ(rig.core.missing_members(), (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(rig.core.on_batch(split_batch("B", 5)), router::RouterCore::BatchOutcome::kHeld);

  // The journal holds the changes in their place: a restart meets the same members.
  SplitRig second(rig.journal.committed());
  second.core.recover();
  EXPECT_EQ(second.core.membership_epoch(), 3u);
  EXPECT_EQ(ledgers(second.core), ledgers(rig.core));
}

TEST(RouterCore, ANewVersionOpensANewLeaderboardRowAtItsInstant) {
  SplitRig rig;
  play_split(rig.core, 0, 4, false, "v1");
  play_split(rig.core, 4, 8, false, "v2");
  const auto& rows = rig.core.result().variant_rows;
  ASSERT_EQ(rows.size(), 2u);
  ASSERT_EQ(rows[0].spans.size(), 1u) << "A kept its version";
  EXPECT_EQ(rows[0].spans[0].version, "v1");
  ASSERT_EQ(rows[1].spans.size(), 2u);
  EXPECT_EQ(rows[1].spans[0].version, "v1");
  EXPECT_EQ(rows[1].spans[1].version, "v2");
  EXPECT_EQ(rows[1].spans[1].from_ms, instant(4));
  // Each order is reported with the variant that sent it and the version it ran then.
  EXPECT_EQ(rig.sink.accepted, (std::vector<std::string>{"split/A/v1 A-2", "split/B/v1 B-2", "split/B/v2 B-5"}));
  // and a restart rebuilds the rows from the journal
  SplitRig second(rig.journal.committed());
  second.core.recover();
  ASSERT_EQ(second.core.result().variant_rows[1].spans.size(), 2u);
  EXPECT_EQ(second.core.result().variant_rows[1].spans[1].from_ms, instant(4));
}

// A live start's warm-up history is applied like any instant (views, acks) but its hours
// are not the accounts' equity curve; the first live hour is.
TEST(RouterCore, WarmUpHoursAreNotOnTheEquityCurve) {
  auto s = settings();
  s.lockstep = false;
  Rig rig({}, s);
  const auto hour = kT0 + core::kMsPerHour;  // instant 11's close: an hour boundary
  ASSERT_EQ(instant(11), hour);
  for (int i = 0; i < 12; ++i) {
    auto bar = bar_event(i);
    auto end = instant_end(instant(i));
    bar.mutable_header()->set_warmup(true);
    end.mutable_header()->set_warmup(true);
    rig.core.on_market(bar);
    rig.core.on_market(end);
  }
  EXPECT_EQ(rig.sink.view_batches, 12u);
  for (const auto& run : rig.core.result().runs) EXPECT_TRUE(run.equity_curve.empty());
  for (int i = 12; i < 24; ++i) {
    rig.core.on_market(bar_event(i));
    rig.core.on_market(instant_end(instant(i)));
  }
  for (const auto& run : rig.core.result().runs) {
    ASSERT_EQ(run.equity_curve.size(), 1u);
    EXPECT_EQ(run.equity_curve[0].time_ms, kT0 + 2 * core::kMsPerHour);
  }
}
