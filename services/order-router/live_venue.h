#pragma once
// The order router on a live Binance USDⓈ-M account (--venue binance): the venue factory
// that gives the core a binance::ExchangeVenue instead of a paper venue, the user-data
// stream that brings its fills, and the reconciliation that checks its account against the
// exchange's. All of it on the router's thread except the stream's socket: events wait in
// a queue until the next turn, and are applied under the same lock as every other input.
//
// One exchange account per router. Split mode A/Bs the variants on it. Shadow mode (an
// account per variant) puts one of them, the live account (the first unless told), on the
// exchange and the others on paper venues that fill on the same live data, with the
// exchange's filters and brackets and the exchange account's deposit: the challengers trade
// beside the champion without risking money, and their reports compare like for like.
// Start-up: the exchange's clock, its symbol filters (exchangeInfo, used in place of the
// config's, each difference logged), the wallet balance (the account's deposit), one-way
// position mode assumed (hedge mode is not supported). The run's start (exchange time) and
// deposit are kept in Redis: after a restart the journal is replayed without sending
// anything (ExchangeVenue::set_recovering), the fills since the start are booked from the
// exchange's history (userTrades, allOrders) and the open orders adopted, and
// reconciliation decides whether entries may go on.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "fulcrum/binance/exchange_info.h"
#include "fulcrum/binance/exchange_venue.h"
#include "fulcrum/exchange_link/binance_rest.h"
#include "fulcrum/exchange_link/user_data_stream.h"
#include "fulcrum/router/router_core.h"
#include "fulcrum/runtime/service.h"
#include "exchange_rules.h"
#include "unlocking_port.h"

namespace fulcrum::order_router {

struct LiveVenueOptions {
  std::string venue = "paper";  // paper | binance
  std::string rest = "https://fapi.binance.com", ws = "wss://fstream.binance.com", ca_file;
  int64_t reconcile_every_ms = 30'000;
  // The dead-man switch: each symbol with regular open orders gets countdownCancelAll with
  // this countdown, renewed at a quarter of it; if the router dies they are cancelled
  // (protective stops are Algo orders and stay). 0: off.
  int64_t dead_man_ms = 120'000;
  std::string live_account;  // shadow mode: the account on the exchange ("": the first)
};

class LiveVenue {
 public:
  LiveVenue(runtime::Service& svc, LiveVenueOptions o, const std::vector<std::string>& accounts);
  ~LiveVenue();
  router::VenueFactory factory();
  // After the journal's replay: orders go to the exchange from now on, the user stream
  // starts, and the account is reconciled before the first new order.
  void go_live();
  // Every turn, under the router's state lock: the events received since the last turn go
  // to the venue in order; a due reconciliation runs.
  void on_turn();
  // The account on the exchange (the first, or --live-account).
  const std::string& live_account() const { return o_.live_account; }
  // The loop's state lock, let go while a request is on the wire (unlocking_port.h).
  LoopLock& loop_lock() { return loop_lock_; }
  // Asked right before each new order that adds exposure goes to the exchange: the trading
  // state in force then (a reason: refused as kTradingState). Reduce-only orders always go.
  void gate_orders(std::function<std::optional<std::string>(const model::OrderRequest&)> gate);

 private:
  void reconcile(const char* why);
  void adopt();
  // The account's fills and their orders' client ids since `since_ms`, every symbol; false
  // with `error` naming the request that failed.
  bool read_trade_history(core::TimestampMs since_ms, std::vector<binance::TradeView>& trades, std::map<int64_t, std::string>& ids, std::string& error);
  size_t catch_up_fills(const char* why, const std::vector<binance::OpenOrderView>& open_orders);
  // The account's USDT wallet balance (GET /fapi/v2/balance); nullopt with `error` naming why.
  std::optional<core::Money> usdt_wallet(std::string& error);
  std::optional<std::vector<binance::FundingIncomeView>> read_funding_history(std::string& error);
  void catch_up_funding(const char* why);
  void dead_man_heartbeat();
  runtime::Service& svc_;
  LiveVenueOptions o_;
  exchange_link::BinanceCredentials creds_;
  std::unique_ptr<exchange_link::BinanceRest> rest_;
  LoopLock loop_lock_;
  std::optional<UnlockingPort> port_;  // rest_ with the loop's lock let go: every request once the loop runs
  std::unique_ptr<exchange_link::UserDataStream> stream_;
  binance::ExchangeVenue* venue_ = nullptr;  // owned by the core's accounts
  core::Money deposit_;
  std::optional<RulesOnSpecs> rules_;  // exchangeInfo and leverageBracket at start
  core::TimestampMs since_ms_ = 0;  // the account's run started here (exchange time)
  bool restarted_ = false;
  std::set<std::string> countdowns_;  // symbols whose dead-man countdown is running
  std::chrono::steady_clock::time_point next_heartbeat_{};
  std::mutex mu_;
  std::vector<binance::UserEvent> inbox_;
  std::vector<std::string> notes_;
  bool reconnected_ = false;
  std::chrono::steady_clock::time_point next_reconcile_{};
  uint64_t sends_seen_ = 0, fills_seen_ = 0, repeats_seen_ = 0, foreign_seen_ = 0, unattributed_seen_ = 0;
  size_t fills_logged_ = 0, ledger_logged_ = 0;
  prometheus::Counter *user_events_, *sends_, *fills_, *funding_, *repeats_, *reconciliations_;
  prometheus::Gauge *differences_, *stream_keys_;
};

}  // namespace fulcrum::order_router
