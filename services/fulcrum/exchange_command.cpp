// `fulcrum exchange`: an operator's direct line to a Binance USDⓈ-M account, through the
// same code a venue adapter uses (exchange_link::BinanceRest): the exchange's clock, signed
// requests, an order placed exactly once. For a testnet smoke test before a session, and
// for the tests against the exchange double. The key and secret come from
// FULCRUM_EXCHANGE_API_KEY/_SECRET (or their _FILE forms) and are never printed.
// Exit codes: 0 done, 2 usage or config, 3 refused by the exchange (its code and message
// printed), 4 outcome unknown (the order could not be found either way: reconcile).
#include <chrono>
#include <csignal>
#include <iostream>
#include <mutex>
#include <thread>

#include "commands.h"
#include "fulcrum/binance/leverage_plan.h"
#include "fulcrum/binance/reconcile.h"
#include "fulcrum/core/error.h"
#include "fulcrum/config/app_config.h"
#include "fulcrum/binance/user_data.h"
#include "fulcrum/exchange_link/binance_rest.h"
#include "fulcrum/exchange_link/user_data_stream.h"
#include "fulcrum/exchange_link/ws_feed.h"
#include "fulcrum/runtime/cli_checks.h"

namespace fulcrum::cli {
namespace {

struct ExchangeOptions {
  std::string rest = "https://fapi.binance.com", ws = "wss://fstream.binance.com", ca_file, config = "deploy/config/backtest.yaml";
  double duration_s = 0;
  std::string symbol = "BTCUSDT", side = "BUY", type = "MARKET", client_id;
  std::string quantity, price, reference_price;
  int leverage = 0;
  bool reduce_only = false;
};

int print(const exchange_link::RestAnswer& a) {
  std::cout << a.body << "\n";
  if (a.outcome == binance::SendOutcome::kAccepted) return 0;
  if (a.error) std::cerr << "fulcrum exchange: refused: " << a.error->code << " " << a.error->msg << "\n";
  else std::cerr << "fulcrum exchange: HTTP " << a.status << "\n";
  return a.outcome == binance::SendOutcome::kRejected ? 3 : 4;
}

// The user-data stream until --duration (exchange_link::UserDataStream keeps the listenKey
// alive and makes it again on expiry): each fill printed once, each position change.
int follow_user_stream(const ExchangeOptions& o) {
  std::mutex mu;
  binance::FillBook fills;
  const auto say = [&](const std::string& line) {
    std::lock_guard lock(mu);
    std::cout << line << std::endl;
  };
  exchange_link::UserDataStream stream(
      exchange_link::Url::parse(o.rest), o.ws, {o.ca_file}, exchange_link::BinanceCredentials::from_environment(),
      [&](binance::UserEvent&& ev) {
        if (const auto* u = std::get_if<binance::OrderUpdate>(&ev)) {
          std::lock_guard lock(mu);
          if (fills.take(*u))
            std::cout << "fill " << u->client_id << " " << u->side << " " << u->last_qty.str() << " @ " << u->last_price.str() << " trade " << u->trade_id
                      << (u->origin == binance::OrderUpdate::Origin::kLiquidation ? " LIQUIDATION" : u->origin == binance::OrderUpdate::Origin::kAdl ? " ADL" : "")
                      << std::endl;
        } else if (const auto* a = std::get_if<binance::AccountUpdate>(&ev)) {
          for (const auto& [symbol, qty] : a->positions) say("position " + symbol + " " + qty.str() + " (" + a->reason + ")");
        }
      },
      [&](const std::string& note) {
        if (note.rfind("listenKey", 0) == 0 || note.rfind("malformed", 0) == 0) say(note + (note.find(" made") != std::string::npos ? "; following " + o.ws + "/private/ws/<listenKey>" : ""));
      });
  stream.start();
  const auto started = std::chrono::steady_clock::now();
  while (o.duration_s <= 0 || std::chrono::steady_clock::now() - started < std::chrono::duration<double>(o.duration_s))
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  stream.stop();
  std::lock_guard lock(mu);
  std::cout << "fills " << fills.fills() << ", repeats dropped " << fills.repeats() << std::endl;
  for (const auto& [symbol, qty] : fills.positions()) std::cout << "net from fills " << symbol << " " << qty.str() << std::endl;
  return 0;
}

}  // namespace

Runner add_exchange_command(CLI::App& app) {
  auto o = std::make_shared<ExchangeOptions>();
  auto* cmd = app.add_subcommand("exchange", "Talk to a Binance USDⓈ-M account directly (keys from FULCRUM_EXCHANGE_API_KEY/_SECRET)");
  cmd->require_subcommand(1);
  cmd->add_option("--rest", o->rest, "REST base (testnet: https://testnet.binancefuture.com)")->capture_default_str();
  cmd->add_option("--ca-file", o->ca_file, "trust only this CA (PEM)")->check(CLI::ExistingFile);
  auto* time = cmd->add_subcommand("time", "the exchange's clock and our offset to it");
  auto* order = cmd->add_subcommand("order", "place one order, exactly once");
  order->add_option("--config", o->config, "where the symbol's filters come from")->capture_default_str();
  order->add_option("--symbol", o->symbol)->capture_default_str();
  order->add_option("--side", o->side)->check(CLI::IsMember({"BUY", "SELL"}))->capture_default_str();
  order->add_option("--type", o->type)->check(CLI::IsMember({"MARKET", "LIMIT"}))->capture_default_str();
  order->add_option("--quantity", o->quantity)->required();
  order->add_option("--price", o->price, "LIMIT: the price");
  order->add_option("--reference-price", o->reference_price, "MARKET: the price its MIN_NOTIONAL check assumes");
  order->add_option("--client-id", o->client_id, "the mesh's id for it (the exchange's is derived from it)")->required();
  order->add_option("--leverage", o->leverage, "set the symbol's leverage first, if the symbol is flat (binance::plan_entry_leverage)")->check(CLI::Range(1, 125));
  order->add_flag("--reduce-only", o->reduce_only);
  auto* query = cmd->add_subcommand("query", "an order by the mesh's client id");
  query->add_option("--symbol", o->symbol)->capture_default_str();
  query->add_option("--client-id", o->client_id)->required();
  auto* positions = cmd->add_subcommand("positions", "GET /fapi/v2/positionRisk");
  auto* balance = cmd->add_subcommand("balance", "the wallet balance per asset (GET /fapi/v2/balance), one line each: ASSET BALANCE");
  auto* user = cmd->add_subcommand("user-stream", "follow the account's user-data stream: fills (each once) and positions");
  user->add_option("--ws", o->ws, "WebSocket base (the stream is <ws>/private/ws/<listenKey>)")->capture_default_str();
  user->add_option("--duration", o->duration_s, "stop after this many seconds (0: Ctrl-C)")->check(runtime::finite_range(0, 1e9));
  return [o, time, order, query, positions, balance, user] {
    exchange_link::BinanceCredentials creds;
    try {
      creds = exchange_link::BinanceCredentials::from_environment();
    } catch (const std::runtime_error& e) {
      std::cerr << "fulcrum exchange: " << e.what() << "\n";
      return 2;
    }
    exchange_link::BinanceRest rest(exchange_link::Url::parse(o->rest), {o->ca_file}, std::move(creds));
    const auto offset = rest.sync_time();
    if (time->parsed()) {
      std::cout << "exchange clock offset " << offset << " ms (exchange − local)\n";
      return 0;
    }
    if (user->parsed()) return follow_user_stream(*o);
    if (query->parsed()) return print(rest.send(binance::plan_query_order(o->symbol, o->client_id, false, rest.clock())));
    if (positions->parsed()) {
      binance::RestRequest r{"GET", "/fapi/v2/positionRisk", {}, "", false};
      return print(rest.send(r));
    }
    if (balance->parsed()) {
      const auto a = rest.send(binance::RestRequest{"GET", "/fapi/v2/balance", {}, "", false});
      if (a.outcome != binance::SendOutcome::kAccepted) return print(a);
      std::string error;
      const auto balances = binance::parse_balances(a.body, error);
      if (!balances) {
        std::cerr << "fulcrum exchange: GET /fapi/v2/balance: " << error << "\n";
        return 4;
      }
      for (const auto& [asset, amount] : *balances) std::cout << asset << " " << amount.str() << "\n";
      return 0;
    }
    (void)order;
    const auto cfg = config::load_app_config(o->config);
    const auto spec = cfg.spec_for(o->symbol);
    model::OrderRequest req;
    req.client_order_id = o->client_id;
    req.symbol = o->symbol;
    req.side = o->side == "BUY" ? model::Side::kBuy : model::Side::kSell;
    req.type = o->type == "LIMIT" ? model::OrderType::kLimit : model::OrderType::kMarket;
    const auto qty = core::Qty::parse(o->quantity);
    if (!qty) throw core::ConfigError("--quantity", {{"--quantity", "'" + o->quantity + "' is not a decimal"}});
    req.quantity = *qty;
    if (req.type == model::OrderType::kLimit) {
      const auto p = core::Price::parse(o->price);
      if (!p) throw core::ConfigError("--price", {{"--price", "LIMIT needs a decimal price"}});
      req.limit_price = *p;
    }
    req.reduce_only = o->reduce_only;
    req.leverage_x = o->leverage > 0 ? o->leverage : 1;
    if (o->leverage > 0 && !o->reduce_only) {
      // The exchange's current leverage and position decide, as they do for the router.
      const auto pos = rest.send(binance::RestRequest{"GET", "/fapi/v2/positionRisk", {}, "", false});
      std::string error;
      const auto positions_now = pos.outcome == binance::SendOutcome::kAccepted ? binance::parse_positions(pos.body, error) : std::nullopt;
      binance::SymbolLeverageState state;
      if (!positions_now) {
        std::cerr << "fulcrum exchange: cannot read positionRisk: " << (error.empty() ? pos.body.substr(0, 200) : error) << "\n";
        return 4;
      }
      for (const auto& p : *positions_now)
        if (p.symbol == o->symbol) state = {p.leverage_x, p.qty};
      const auto plan = binance::plan_entry_leverage(req, state);
      std::cerr << "leverage: " << plan.note << "\n";
      if (plan.refuse) return 3;
      if (plan.set_leverage) {
        const auto set = rest.send(binance::plan_set_leverage(o->symbol, plan.leverage_x, rest.clock()));
        if (set.outcome != binance::SendOutcome::kAccepted) return print(set);
      }
    }
    std::optional<core::Price> reference;
    if (!o->reference_price.empty()) reference = core::Price::parse(o->reference_price);
    const auto planned = binance::plan_new_order(req, spec, rest.clock(), reference);
    if (const auto* refused = std::get_if<binance::ExchangeError>(&planned)) {
      std::cerr << "fulcrum exchange: refused before sending: " << refused->code << " " << refused->msg << "\n";
      return 3;
    }
    const auto placed = rest.place(std::get<binance::RestRequest>(planned), o->symbol, o->client_id);
    std::cerr << "sends=" << placed.sends << " queries=" << placed.queries << "\n";
    return print(placed.answer);
  };
}

}  // namespace fulcrum::cli
