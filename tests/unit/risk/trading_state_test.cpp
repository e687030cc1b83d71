// Trading states: strictest scope wins, epochs make an old release harmless, the file form
// round-trips and refuses damage by line, and two copies merge fail-closed.
#include <gtest/gtest.h>

#include "fulcrum/core/error.h"
#include "fulcrum/risk/pre_trade_gate.h"
#include "fulcrum/risk/trading_state.h"

using namespace fulcrum;
using risk::Scope;
using risk::TradingState;
using risk::TradingStateBook;

namespace {
risk::EngageRequest req(Scope s, TradingState st, std::string by = "ops") {
  risk::EngageRequest r;
  r.scope = std::move(s);
  r.state = st;
  r.by = std::move(by);
  r.at_ms = 1'700'000'000'000;
  r.reason = "test";
  return r;
}
}  // namespace

TEST(TradingState, StrictestScopeWins) {
  TradingStateBook book;
  EXPECT_EQ(book.effective("a", "BTCUSDT"), TradingState::kActive);
  ASSERT_TRUE(book.engage(req(Scope::account("a"), TradingState::kReducing)).applied());
  ASSERT_TRUE(book.engage(req(Scope::symbol("ETHUSDT"), TradingState::kHalted)).applied());
  EXPECT_EQ(book.effective("a", "BTCUSDT"), TradingState::kReducing);
  EXPECT_EQ(book.effective("a", "ETHUSDT"), TradingState::kHalted);  // symbol HALTED beats account REDUCING
  EXPECT_EQ(book.effective("b", "BTCUSDT"), TradingState::kActive);
  EXPECT_EQ(book.effective("b", "ETHUSDT"), TradingState::kHalted);
  EXPECT_TRUE(book.allows("a", "BTCUSDT", true));
  EXPECT_FALSE(book.allows("a", "BTCUSDT", false));
  EXPECT_FALSE(book.allows("a", "ETHUSDT", true));  // HALTED: nothing new, reduce-only neither
  ASSERT_TRUE(book.engage(req(Scope::global(), TradingState::kReducing)).applied());
  EXPECT_FALSE(book.allows("b", "BTCUSDT", false));
  EXPECT_EQ(book.deciding("a", "ETHUSDT")->scope, Scope::symbol("ETHUSDT"));
}

TEST(TradingState, EpochsAreMonotonicAndAnOldReleaseIsRefused) {
  TradingStateBook book;
  const auto first = book.engage(req(Scope::global(), TradingState::kHalted, "alice"));
  EXPECT_EQ(first.epoch, 1u);
  EXPECT_EQ(first.before, TradingState::kActive);
  const auto second = book.engage(req(Scope::global(), TradingState::kHalted, "bob"));
  EXPECT_EQ(second.epoch, 2u);
  EXPECT_EQ(second.before, TradingState::kHalted);
  // Alice releases what she engaged; Bob engaged again since: her release must not open the market.
  const auto stale = book.release(Scope::global(), first.epoch);
  EXPECT_EQ(stale.outcome, risk::StateChange::Outcome::kStaleEpoch);
  EXPECT_EQ(stale.epoch, 2u);
  EXPECT_EQ(book.effective("x", "y"), TradingState::kHalted);
  const auto released = book.release(Scope::global(), second.epoch);
  ASSERT_TRUE(released.applied());
  EXPECT_EQ(released.epoch, 3u);  // a release is a change too: the router acknowledges it like one
  EXPECT_EQ(released.after, TradingState::kActive);
  EXPECT_EQ(book.effective("x", "y"), TradingState::kActive);
  EXPECT_EQ(book.release(Scope::global(), 3).outcome, risk::StateChange::Outcome::kNotEngaged);
  EXPECT_EQ(book.engage(req(Scope::global(), TradingState::kActive)).outcome, risk::StateChange::Outcome::kInvalid);
  EXPECT_EQ(book.epoch(), 3u);
}

TEST(TradingState, ScopesParseStrictly) {
  EXPECT_EQ(Scope::parse("global"), Scope::global());
  EXPECT_EQ(Scope::parse("account:fixed_5x"), Scope::account("fixed_5x"));
  EXPECT_EQ(Scope::parse("symbol:BTCUSDT")->str(), "symbol:BTCUSDT");
  for (const char* bad : {"", "GLOBAL", "account:", "venue:x", "symbol:BTC USDT", "account:a\tb", "symbol:a:b", "account"})
    EXPECT_FALSE(Scope::parse(bad)) << bad;
}

TEST(TradingState, FileFormRoundTripsAndNamesTheBadLine) {
  TradingStateBook book;
  auto r = req(Scope::symbol("BTCUSDT"), TradingState::kHalted, "token-engage-1");
  r.reason = "exchange\tincident\nline two \\ slash";
  r.flatten = true;
  book.engage(r);
  auto r2 = req(Scope::account("vpin_3x"), TradingState::kReducing);
  r2.cancel_protective_stops = true;
  book.engage(r2);
  const auto text = book.serialize();
  EXPECT_EQ(TradingStateBook::parse(text, "state"), book);

  auto damaged = text;
  damaged.replace(damaged.find("HALTED"), 6, "PAUSED");
  try {
    TradingStateBook::parse(damaged, "risk-state.txt");
    FAIL() << "a damaged file parsed";
  } catch (const core::DataError& e) {
    EXPECT_EQ(e.file(), "risk-state.txt");
    EXPECT_EQ(e.line(), 4u);  // magic, epoch, account:vpin_3x, then symbol:BTCUSDT
    EXPECT_NE(std::string(e.what()).find("PAUSED"), std::string::npos);
  }
  EXPECT_THROW(TradingStateBook::parse("hello\n", "f"), core::DataError);
  EXPECT_THROW(TradingStateBook::parse("fulcrum-trading-state 1\nepoch 1\nglobal\tHALTED\t2\t-,-\t0\tx\ty\n", "f"), core::DataError);  // epoch beyond the book's
  EXPECT_THROW(TradingStateBook::parse("fulcrum-trading-state 1\nepoch -1\n", "f"), core::DataError);
}

TEST(TradingState, TwoCopiesMergeFailClosed) {
  // Redis missed a release the local file saw, and the file missed a later engage: the merge
  // keeps both engagements, never a release over an engage.
  TradingStateBook redis, file;
  redis.engage(req(Scope::global(), TradingState::kHalted));  // epoch 1
  file = redis;
  file.release(Scope::global(), 1);                                            // file: epoch 2, ACTIVE
  redis.engage(req(Scope::symbol("ETHUSDT"), TradingState::kReducing));        // redis: epoch 2
  const auto merged = TradingStateBook::strictest(redis, file);
  EXPECT_EQ(merged.effective("a", "BTCUSDT"), TradingState::kHalted);
  EXPECT_EQ(merged.engagements().size(), 2u);
  EXPECT_EQ(merged.epoch(), 2u);
  EXPECT_EQ(TradingStateBook::strictest(file, redis), merged);  // order does not matter
  // The next engage after a merge still takes a fresh epoch above both copies.
  auto next = merged;
  EXPECT_EQ(next.engage(req(Scope::global(), TradingState::kHalted)).epoch, 3u);
}

TEST(TradingState, GateVerdictNamesScopeEpochAndWho) {
  TradingStateBook book;
  book.engage(req(Scope::account("a"), TradingState::kReducing, "token-ops"));
  EXPECT_FALSE(risk::state_verdict(book, "a", "BTCUSDT", true));
  const auto v = risk::state_verdict(book, "a", "BTCUSDT", false);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->reason, risk::GateReason::kTradingReducing);
  EXPECT_NE(v->detail.find("account:a at epoch 1 by token-ops"), std::string::npos) << v->detail;
  book.engage(req(Scope::global(), TradingState::kHalted));
  EXPECT_EQ(risk::state_verdict(book, "a", "BTCUSDT", true)->reason, risk::GateReason::kTradingHalted);
  // The gate puts the state's denial before every other check.
  risk::PreTradeGate gate;
  EXPECT_EQ(gate.check({core::Qty::from_int(1), core::Price::from_int(1), 1}, risk::state_verdict(book, "a", "X", false)).reason,
            risk::GateReason::kTradingHalted);
}
