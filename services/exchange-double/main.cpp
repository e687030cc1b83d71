// exchange-double: a local stand-in for Binance USDⓈ-M, for tests and for `fulcrum up
// --source binance` without the internet. It speaks the real protocol: combined streams on
// the routed paths (/public: bookTicker, depth, trade; /market: aggTrade, markPrice, kline; a
// stream asked for on the wrong path gets nothing, as on the exchange), GET /fapi/v1/depth
// from its own book (its start plus every diff it has sent), GET /fapi/v1/klines from what
// it has replayed so far (a live start's warm-up history), GET /fapi/v1/time, and Binance's
// error JSON for what it does not serve. TLS with the given certificate, so clients run their
// real wss:// path; --plain is for tests only.
// Its market is one of two real recordings:
//  - a combined-stream capture (--capture): its own messages byte for byte, the streams it
//    lacks composed from its trades (binance::CaptureScript); --start-at-s begins the
//    replay minutes in, so there is some kline history;
//  - kline history (--history-klines, with mark-price candles and funding events): each
//    bar walked as its OHLC path, the streams composed at each point (binance::
//    HistoryMarket), the bars before --history-start served as history. Days of real market
//    at --speed, enough for a strategy on 15-minute signals to warm up and trade.
// Faults, to prove the client survives them: --drop-every-ms closes every WebSocket,
// --skip-diff N withholds the N-th depth diff (a break in pu), --duplicate-every N sends
// every N-th message twice.
#include <utility>  // before asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <limits>
#include <deque>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <iostream>
#include <list>
#include <map>
#include <memory>

#include "fulcrum/binance/capture_script.h"
#include "fulcrum/binance/double_exchange.h"
#include "fulcrum/binance/exchange_info.h"
#include "fulcrum/binance/history_market.h"
#include "fulcrum/binance/kline_history.h"
#include "fulcrum/binance/rate_limits.h"
#include "fulcrum/binance/stream_messages.h"
#include "fulcrum/binance/signing.h"
#include "fulcrum/binance/streams.h"
#include "fulcrum/core/time_format.h"
#include "fulcrum/features/indicators.h"
#include "fulcrum/marketdata/dataset.h"
#include "fulcrum/marketdata/file_source.h"
#include "fulcrum/runtime/cli_checks.h"

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using namespace fulcrum;

namespace {

struct Options {
  std::string capture, bind = "127.0.0.1:0", cert, key, ready_file;
  std::string history_klines, history_mark_price, history_funding, history_start;  // the other market: real kline history
  bool plain = false, loop = false;
  double speed = 1, funding_rate = 0.0001;
  double start_at_s = 0;  // begin this far into the capture, as an exchange that was already running
  int64_t drop_every_ms = 0, skip_diff = 0, duplicate_every = 0;
  // Trading: the account's key and secret (from FULCRUM_EXCHANGE_API_KEY/_SECRET), its
  // balance, the symbols' filters, and the withheld answer.
  bool trading = false;
  double balance = 10'000;
  std::vector<std::string> filters{"BTCUSDT:0.1:0.001:100"};
  int64_t withhold_order = 0;
  int64_t fail_order_5xx = 0;  // fault: the N-th order is taken but answered 503
  int64_t withhold_silence_ms = 10'000;  // the withheld answer's connection stays open and silent this long
  int64_t weight_limit_1m = 2400;        // REQUEST_WEIGHT per minute, as Binance USDⓈ-M sets it
  int64_t listen_key_ttl_ms = 60 * 60'000;
  std::string ed25519_public_key;  // trading: the account's API key is Ed25519, with this public key (PEM file)
  int64_t settle_funding_every_ms = 0;  // 0: never (Binance settles every 8 h; a test wants it sooner)
};

int64_t wall_ms() { return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count(); }

void log(const std::string& line) { std::cerr << "exchange-double: " << line << std::endl; }

// One subscriber: its path, its streams (canonical name → the name it asked for), its
// queue of frames.
struct Subscriber {
  binance::StreamPath path;
  std::string listen_key;  // a user-data subscriber: /private/ws/<listenKey>
  std::map<std::string, std::string> streams;
  std::deque<std::string> outbox;
  std::unique_ptr<asio::steady_timer> wake;
  bool closing = false;
  bool closing_after_outbox = false;  // send what is queued, then close
};

struct Double {
  Options opts;
  std::optional<binance::CaptureScript> script;   // the market: a capture …
  std::optional<binance::HistoryMarket> history;  // … or kline history
  std::map<std::string, binance::DepthBook> books;  // per symbol: its start and every diff sent
  std::unique_ptr<binance::DoubleExchange> exchange;  // null: market data only
  std::vector<model::InstrumentSpec> listed;           // --filters: what GET /fapi/v1/exchangeInfo lists
  binance::WeightBook weights;                         // the one IP's request budget (--weight-limit-1m)
  asio::io_context& ioc;
  std::list<std::shared_ptr<Subscriber>> subscribers;
  uint64_t sent = 0, drops = 0, skipped = 0, duplicated = 0, diffs_seen = 0, settlements = 0;
  size_t next_event = 0;  // the replay's position in the script: what REST history has seen
  std::map<std::string, std::pair<core::Price, core::Rate>> marks;  // symbol → last mark price and announced funding rate
  bool withheld = false;  // the request just handled is a withheld order

  Double(Options o, std::optional<binance::CaptureScript> s, std::optional<binance::HistoryMarket> h, asio::io_context& io)
      : opts(std::move(o)), script(std::move(s)), history(std::move(h)), ioc(io) {
    binance::RateLimits limits;
    limits.weight_per_minute = opts.weight_limit_1m;
    weights = binance::WeightBook(limits);
    if (history)
      for (const auto& symbol : history->symbols()) reset_book(symbol);
    else
      reset_book(script->symbol);
  }

  void reset_book(const std::string& symbol) {
    auto& book = books[symbol] = binance::DepthBook();
    if (history) {
      if (!book.on_snapshot(history->book_start(symbol))) throw std::runtime_error(symbol + ": the composed book does not start");
      return;
    }
    for (const auto& d : script->diffs_before_snapshot) book.on_diff(d);
    if (!book.on_snapshot(script->snapshot)) throw std::runtime_error("the capture's snapshot and the diffs around it do not make a book");
  }

  void publish(const binance::ScriptEvent& ev) {
    for (auto& sub : subscribers) {
      if (!sub->streams.count(ev.stream)) continue;
      sub->outbox.push_back(binance::envelope(sub->streams.at(ev.stream), ev.data));
      ++sent;
      if (opts.duplicate_every > 0 && sent % static_cast<uint64_t>(opts.duplicate_every) == 0) {
        sub->outbox.push_back(sub->outbox.back());
        ++duplicated;
      }
      sub->wake->cancel();
    }
  }
  // One event out: the double's own book follows its diffs (the depth fault withholds one),
  // the account's marks and book top follow the market, and every subscriber gets it.
  void send(const binance::ScriptEvent& ev) {
    if (ev.diff) {
      ++diffs_seen;
      const auto& symbol = ev.diff->symbol;
      // The double's own book is always whole: a capture with a gap is the capture's fault.
      if (books[symbol].on_diff(*ev.diff) == binance::DepthBook::DiffResult::kGap) {
        log("the market itself breaks the diff chain at u " + std::to_string(ev.diff->final_update_id) + "; the book starts again");
        reset_book(symbol);
      }
      if (opts.skip_diff > 0 && diffs_seen == static_cast<uint64_t>(opts.skip_diff)) {
        ++skipped;
        log("fault: depth diff " + std::to_string(diffs_seen) + " (u " + std::to_string(ev.diff->final_update_id) + ") withheld: the next pu breaks");
        return;
      }
    }
    if (exchange && ev.stream.find("@markPrice") != std::string::npos) {
      const auto parsed = binance::parse_stream_message(ev.data);
      if (parsed.message)
        if (const auto* m = std::get_if<binance::MarkPriceMsg>(&*parsed.message)) marks[m->symbol] = {m->mark, m->funding_rate};
    }
    if (exchange && ev.stream.ends_with("@bookTicker")) {
      const auto parsed = binance::parse_stream_message(ev.data);
      if (parsed.message)
        if (const auto* b = std::get_if<binance::BookTickerMsg>(&*parsed.message)) exchange->set_book_top(b->symbol, b->top.bid, b->top.ask, wall_ms());
      deliver_user_events();  // the stops the move triggered
    }
    publish(ev);
  }

  awaitable<void> replay() {
    for (;;) {
      const auto skip_ns = static_cast<int64_t>(opts.start_at_s * 1e9);
      const auto started = std::chrono::steady_clock::now() - std::chrono::nanoseconds(static_cast<int64_t>(static_cast<double>(skip_ns) / opts.speed));
      for (next_event = 0; next_event < script->events.size(); ++next_event) {
        const auto& ev = script->events[next_event];
        if (ev.offset_ns < skip_ns) {  // before the start: history (its book and its klines), never sent
          if (ev.diff && books[ev.diff->symbol].on_diff(*ev.diff) == binance::DepthBook::DiffResult::kGap) reset_book(ev.diff->symbol);
          continue;
        }
        const auto due = started + std::chrono::nanoseconds(static_cast<int64_t>(static_cast<double>(ev.offset_ns) / opts.speed));
        if (due > std::chrono::steady_clock::now()) {
          asio::steady_timer t(ioc, due);
          co_await t.async_wait(use_awaitable);
        }
        send(ev);
      }
      log("replay done: " + std::to_string(script->events.size()) + " events, " + std::to_string(sent) + " frames sent");
      if (!opts.loop) co_return;
      // Looping restarts the book too: a new snapshot is the only way clients can follow.
      reset_book(script->symbol);
      diffs_seen = 0;
    }
  }

  // Kline history at --speed: each step at its exchange time, funding settled as its time
  // passes (at the mark then, the file's rate). History does not loop: time runs one way.
  awaitable<void> replay_history() {
    const auto started = std::chrono::steady_clock::now();
    while (!history->done()) {
      const auto offset_ms = history->next_time_ms() - history->start_ms();
      const auto due = started + std::chrono::nanoseconds(static_cast<int64_t>(static_cast<double>(offset_ms) * 1e6 / opts.speed));
      if (due > std::chrono::steady_clock::now()) {
        asio::steady_timer t(ioc, due);
        co_await t.async_wait(use_awaitable);
      }
      const auto step = history->take();
      if (exchange)
        for (const auto& f : step.settlements) {
          exchange->settle_funding(f.symbol, f.mark, f.rate, wall_ms());
          ++settlements;
        }
      if (exchange && !step.settlements.empty()) deliver_user_events();
      for (const auto& ev : step.events) send(ev);
    }
    log("replay done: history to " + std::to_string(history->now_ms()) + " ms, " + std::to_string(sent) + " frames sent, " +
        std::to_string(history->settlements()) + " funding events passed");
  }

  // The user-data stream: what the account's last request made, to every subscriber of
  // its listenKey, as bare payloads (ws mode).
  void deliver_user_events() {
    for (auto& event : exchange->take_user_events())
      for (auto& sub : subscribers)
        if (!sub->listen_key.empty()) {
          sub->outbox.push_back(event);
          sub->wake->cancel();
        }
  }

  // A listenKey that lapses: its subscribers get listenKeyExpired, then the close.
  awaitable<void> listen_key_watch() {
    for (;;) {
      asio::steady_timer t(ioc, std::chrono::milliseconds(200));
      co_await t.async_wait(use_awaitable);
      for (auto& sub : subscribers)
        if (!sub->listen_key.empty() && !sub->closing && !exchange->listen_key_valid(sub->listen_key, wall_ms())) {
          sub->outbox.push_back("{\"e\":\"listenKeyExpired\",\"E\":" + std::to_string(wall_ms()) + ",\"listenKey\":\"" + sub->listen_key + "\"}");
          sub->closing_after_outbox = true;
          sub->wake->cancel();
        }
    }
  }

  // Funding settlements on a wall-clock period, at each symbol's last mark price and the rate
  // its markPrice stream announced: what the exchange does every 8 hours, sooner for a test.
  awaitable<void> funding_settler() {
    for (;;) {
      asio::steady_timer t(ioc, std::chrono::milliseconds(opts.settle_funding_every_ms));
      co_await t.async_wait(use_awaitable);
      for (const auto& [symbol, mark] : marks) exchange->settle_funding(symbol, mark.first, mark.second, wall_ms());
      ++settlements;
      deliver_user_events();
    }
  }

  awaitable<void> dropper() {
    for (;;) {
      asio::steady_timer t(ioc, std::chrono::milliseconds(opts.drop_every_ms));
      co_await t.async_wait(use_awaitable);
      for (auto& sub : subscribers) {
        sub->closing = true;
        sub->wake->cancel();
      }
      ++drops;
      log("fault: dropped every WebSocket (" + std::to_string(subscribers.size()) + ")");
    }
  }

  // The account's trail as the exchange keeps it: each request that changes something, with
  // what it asked and what it got (never its signature, key or listenKey). An order says the
  // symbol's leverage when it was placed: per-trade leverage is visible on the exchange's side.
  void log_request(const std::string& method, const std::string& path, const std::string& query, const std::string& body, const binance::DoubleResponse& answer) {
    std::vector<std::pair<std::string, std::string>> params, from_body;
    binance::parse_query(query, params);
    binance::parse_query(body, from_body);
    params.insert(params.end(), from_body.begin(), from_body.end());
    std::string line = "request " + method + " " + path;
    std::string symbol;
    for (const auto& [k, v] : params) {
      if (k == "symbol") symbol = v;
      if (k == "symbol" || k == "side" || k == "type" || k == "quantity" || k == "leverage" || k == "marginType" || k == "newClientOrderId" || k == "clientAlgoId" ||
          k == "origClientOrderId" || k == "reduceOnly" || k == "closePosition" || k == "triggerPrice" || k == "callbackRate" || k == "countdownTime")
        line += " " + k + "=" + v;
    }
    line += " -> " + std::to_string(answer.status);
    if (answer.status != 200) {
      const auto at = answer.body.find("\"code\":");
      if (at != std::string::npos) line += " code=" + answer.body.substr(at + 7, answer.body.find_first_of(",}", at) - at - 7);
    }
    if (path == "/fapi/v1/order" && method == "POST" && !symbol.empty() && answer.status == 200) line += " at_leverage=" + std::to_string(exchange->symbol_leverage(symbol));
    log(line);
  }

  http::response<http::string_body> rest(const http::request<http::string_body>& req) {
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, "application/json");
    const std::string target(req.target());
    const auto q = target.find('?');
    const auto path = target.substr(0, q);
    std::vector<std::pair<std::string, std::string>> params;
    const bool parsed = q == std::string::npos || binance::parse_query(target.substr(q + 1), params);
    // The IP's budget, as the exchange keeps it: every request weighs what Binance documents.
    const std::string method(req.method_string());
    const bool is_order = binance::is_new_order(method, path);
    const auto admitted = weights.admit(wall_ms(), binance::request_weight(method, path, params), is_order);
    res.set("X-MBX-USED-WEIGHT-1M", std::to_string(admitted.used_weight));
    if (is_order) {
      res.set("X-MBX-ORDER-COUNT-10S", std::to_string(admitted.orders_10s));
      res.set("X-MBX-ORDER-COUNT-1M", std::to_string(admitted.orders_1m));
    }
    if (admitted.status != 200) {
      res.result(static_cast<http::status>(admitted.status));
      res.set(http::field::retry_after, std::to_string(admitted.retry_after_s));
      res.body() = admitted.body;
      log(std::string(admitted.status == 429 ? "rate limit: 429" : "rate limit: 418 (banned)") + " for " + method + " " + path + ", retry after " +
          std::to_string(admitted.retry_after_s) + " s");
    } else if (!parsed) {
      res.result(http::status::bad_request);
      res.body() = R"({"code":-1100,"msg":"Illegal characters found in a parameter."})";
    } else if (exchange && path != "/fapi/v1/depth" && path != "/fapi/v1/klines") {
      const auto api_key = req.find("X-MBX-APIKEY");
      const auto answer = exchange->handle({std::string(req.method_string()), path, q == std::string::npos ? "" : target.substr(q + 1), req.body(),
                                            api_key == req.end() ? "" : std::string(api_key->value()), wall_ms()});
      if (answer.withhold) {
        withheld = true;
        log("fault: order " + std::to_string(exchange->orders_accepted()) + " taken, its answer withheld");
      }
      if (answer.status == 503 && path == "/fapi/v1/order" && req.method() == http::verb::post)
        log("fault: order " + std::to_string(exchange->orders_accepted()) + " taken, answered 503 (execution status unknown)");
      if (method != "GET" && path != "/fapi/v1/listenKey") log_request(method, path, target.substr(q == std::string::npos ? target.size() : q + 1), req.body(), answer);
      res.result(static_cast<http::status>(answer.status));
      res.body() = answer.body;
      deliver_user_events();
    } else if (path == "/fapi/v1/time") {
      res.body() = "{\"serverTime\":" + std::to_string(wall_ms()) + "}";
    } else if (path == "/fapi/v1/exchangeInfo" && !listed.empty()) {
      res.body() = binance::exchange_info_json(listed);
    } else if (path == "/fapi/v1/depth") {
      std::string symbol;
      int limit = 500;
      for (const auto& [k, v] : params) {
        if (k == "symbol") symbol = v;
        if (k == "limit") limit = std::atoi(v.c_str());
      }
      if (!books.count(symbol)) {
        res.result(http::status::bad_request);
        res.body() = R"({"code":-1121,"msg":"Invalid symbol."})";
      } else {
        const auto& book = books.at(symbol);
        std::string body = "{\"lastUpdateId\":" + std::to_string(book.last_update_id()) + ",\"E\":" + std::to_string(wall_ms()) + ",\"T\":" +
                           std::to_string(wall_ms()) + ",\"bids\":[";
        int n = 0;
        for (const auto& [p, qty] : book.bids()) {
          if (n++ == limit) break;
          body += (n > 1 ? ",[\"" : "[\"") + core::Price::from_raw(p).str() + "\",\"" + core::Qty::from_raw(qty).str() + "\"]";
        }
        body += "],\"asks\":[";
        n = 0;
        for (const auto& [p, qty] : book.asks()) {
          if (n++ == limit) break;
          body += (n > 1 ? ",[\"" : "[\"") + core::Price::from_raw(p).str() + "\",\"" + core::Qty::from_raw(qty).str() + "\"]";
        }
        res.body() = body + "]}";
      }
    } else if (path == "/fapi/v1/klines") {
      klines(params, res);
    } else {
      res.result(http::status::not_found);
      res.body() = R"({"code":-5000,"msg":"Path not found (the exchange double serves market data only)."})";
    }
    res.prepare_payload();
    return res;
  }

  // GET /fapi/v1/klines: the market's bars so far (the last one still open), within
  // startTime/endTime, the latest `limit` of them (500 by default, at most 1500): a capture's
  // minute bars of its trades, or the history's own bars.
  void klines(const std::vector<std::pair<std::string, std::string>>& params, http::response<http::string_body>& res) {
    std::string symbol, interval;
    int64_t limit = 500, start_ms = std::numeric_limits<int64_t>::min(), end_ms = std::numeric_limits<int64_t>::max();
    bool bad_number = false;
    const auto number = [&](const std::string& v) {
      int64_t n = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      bad_number |= ec != std::errc() || end != v.data() + v.size();
      return n;
    };
    for (const auto& [k, v] : params) {
      if (k == "symbol") symbol = v;
      else if (k == "interval") interval = v;
      else if (k == "limit") limit = number(v);
      else if (k == "startTime") start_ms = number(v);
      else if (k == "endTime") end_ms = number(v);
    }
    const auto refuse = [&](const std::string& body) {
      res.result(http::status::bad_request);
      res.body() = body;
    };
    if (symbol.empty() || interval.empty()) return refuse(R"({"code":-1102,"msg":"Mandatory parameter 'symbol' or 'interval' was not sent, was empty/null, or malformed."})");
    if (!books.count(symbol)) return refuse(R"({"code":-1121,"msg":"Invalid symbol."})");
    const std::string served = history ? history->interval() : "1m";
    if (interval != served) return refuse(R"({"code":-1120,"msg":"Invalid interval (the exchange double serves )" + served + R"( klines only)."})");
    if (bad_number || limit < 1 || limit > 1500) return refuse(R"({"code":-1130,"msg":"Data sent for parameter 'limit' is not valid."})");
    std::vector<model::Bar> rows;
    for (const auto& b : history ? history->bars_so_far(symbol) : binance::minute_bars_so_far(*script, next_event))
      if (b.open_time_ms >= start_ms && b.open_time_ms <= end_ms) rows.push_back(b);
    // Binance answers the first `limit` from startTime, else the last `limit` up to endTime.
    if (static_cast<int64_t>(rows.size()) > limit) {
      if (start_ms != std::numeric_limits<int64_t>::min()) rows.resize(static_cast<size_t>(limit));
      else rows.erase(rows.begin(), rows.end() - limit);
    }
    res.body() = binance::klines_json(rows);
  }

  template <class Ws>
  awaitable<void> stream_session(Ws& ws, const std::string& target) {
    auto sub = std::make_shared<Subscriber>();
    sub->wake = std::make_unique<asio::steady_timer>(ioc, std::chrono::steady_clock::time_point::max());
    if (target.rfind("/private/ws/", 0) == 0) {
      sub->path = binance::StreamPath::kPrivate;
      sub->listen_key = target.substr(12);
      if (!exchange || !exchange->listen_key_valid(sub->listen_key, wall_ms())) {
        log("user-data subscriber refused: unknown or expired listenKey");
        beast::error_code ignored;
        co_await ws.async_close(websocket::close_reason(websocket::close_code::policy_error, "invalid listenKey"), asio::redirect_error(use_awaitable, ignored));
        co_return;
      }
    }
    // "/public/stream?streams=a/b" (combined mode); the path picks what can be delivered.
    const auto q = target.find("?streams=");
    const auto path = target.substr(0, target.find('?'));
    if (sub->listen_key.empty()) sub->path = path == "/market/stream" ? binance::StreamPath::kMarket : binance::StreamPath::kPublic;
    size_t start = q == std::string::npos || !sub->listen_key.empty() ? target.size() : q + 9;
    while (start < target.size()) {
      auto slash = target.find('/', start);
      if (slash == std::string::npos) slash = target.size();
      const auto name = target.substr(start, slash - start);
      start = slash + 1;
      try {
        // A stream on the wrong path is accepted and never delivers: what the exchange does.
        if (binance::path_of(name) == sub->path) sub->streams[binance::canonical_stream(name)] = name;
      } catch (const std::invalid_argument&) {
      }
    }
    subscribers.push_back(sub);
    // The listenKey is the user stream's credential: the log names the path, not the key.
    log("subscriber on " + (sub->listen_key.empty() ? path : std::string("/private/ws/<listenKey>")) + ": " +
        (sub->listen_key.empty() ? std::to_string(sub->streams.size()) + " streams" : std::string("user data")));
    beast::error_code ec;
    while (!sub->closing) {
      while (!sub->outbox.empty() && !sub->closing) {
        co_await ws.async_write(asio::buffer(sub->outbox.front()), asio::redirect_error(use_awaitable, ec));
        if (ec) break;
        sub->outbox.pop_front();
      }
      if (ec || sub->closing || sub->closing_after_outbox) break;
      // Quiet streams (the user-data one) get a ping every 10 s, as the exchange pings its
      // connections: a client that reads answers it, and sees its connection alive.
      sub->wake->expires_after(std::chrono::seconds(10));
      co_await sub->wake->async_wait(asio::redirect_error(use_awaitable, ec));
      if (!ec && sub->outbox.empty() && !sub->closing) {
        co_await ws.async_ping({}, asio::redirect_error(use_awaitable, ec));
        if (ec) break;
      }
      ec = {};
    }
    subscribers.remove(sub);
    beast::get_lowest_layer(ws).close();
  }

  template <class Stream>
  awaitable<void> serve(Stream& stream) {
    beast::flat_buffer buffer;
    for (;;) {
      http::request<http::string_body> req;
      beast::error_code ec;
      co_await http::async_read(stream, buffer, req, asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      if (websocket::is_upgrade(req)) {
        websocket::stream<Stream&> ws(stream);
        co_await ws.async_accept(req, asio::redirect_error(use_awaitable, ec));
        if (ec) co_return;
        co_await stream_session(ws, std::string(req.target()));
        co_return;
      }
      withheld = false;
      auto res = rest(req);
      if (withheld) {
        // The order stands and the client never hears. The connection stays open and silent,
        // as a lost answer looks on the wire, so the client's own request timeout runs out;
        // a closed connection would tell it at once.
        asio::steady_timer silence(ioc, std::chrono::milliseconds(opts.withhold_silence_ms));
        co_await silence.async_wait(asio::redirect_error(use_awaitable, ec));
        co_return;
      }
      co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
      if (ec || !req.keep_alive()) co_return;
    }
  }

  awaitable<void> session(tcp::socket socket, asio::ssl::context* tls) {
    try {
      if (!tls) {
        beast::tcp_stream stream(std::move(socket));
        co_await serve(stream);
      } else {
        beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
        co_await stream.async_handshake(asio::ssl::stream_base::server, use_awaitable);
        co_await serve(stream);
      }
    } catch (const std::exception& e) {
      log(std::string("session ended: ") + e.what());
    }
  }

  awaitable<void> listen(tcp::acceptor& acceptor, asio::ssl::context* tls) {
    for (;;) {
      auto socket = co_await acceptor.async_accept(use_awaitable);
      asio::co_spawn(ioc, session(std::move(socket), tls), asio::detached);
    }
  }
};

// The --filters symbols' real history, from the files a backtest reads, cut at --history-start.
binance::HistoryMarket load_history(const Options& o, const std::vector<model::InstrumentSpec>& specs) {
  marketdata::DataSources src;
  src.klines = o.history_klines;
  src.mark_price = o.history_mark_price;
  src.funding = o.history_funding;
  for (const auto& spec : specs) src.symbols.push_back(spec.symbol);
  const auto loaded = marketdata::load_data(src, [&](const std::string& symbol) {
    for (const auto& spec : specs)
      if (spec.symbol == symbol) return spec;
    throw std::invalid_argument(symbol + " has no --filters");
  });
  for (const auto& report : loaded.reports) log("history: " + report);
  std::vector<binance::SymbolHistory> symbols;
  size_t bars = 0;
  size_t classified = 0;
  for (const auto& d : loaded.symbols) {
    symbols.push_back({d.spec.symbol, d.spec.tick_size, d.bars, d.mark_bars, d.funding});
    classified += static_cast<size_t>(std::count_if(d.bars.begin(), d.bars.end(), [](const model::Bar& b) { return !b.taker_buy_volume; }));
    features::classify_missing_taker_buys(symbols.back().bars);
    bars += d.bars.size();
  }
  // A kline carries its taker-buy volume (V); a 6-column file does not know it.
  if (classified > 0)
    log("history: " + std::to_string(classified) + " bars have no taker-buy volume; their V is composed by bulk volume classification, the rule VPIN applies to them");
  int64_t start_ms = std::numeric_limits<int64_t>::min();
  if (!o.history_start.empty()) {
    const auto parsed = core::parse_utc_ms(o.history_start);
    if (!parsed) throw std::invalid_argument("--history-start '" + o.history_start + "' is not a UTC date or time");
    start_ms = *parsed;
  }
  binance::HistoryMarket market(std::move(symbols), start_ms);
  log("history " + o.history_klines + ": " + std::to_string(market.symbols().size()) + " symbols, " + std::to_string(bars) + " " + market.interval() +
      " bars, streaming from " + core::format_utc_ms(market.start_ms()) + " at " + std::to_string(o.speed) + "x; composed at each of a bar's four OHLC points: "
      "a one-level book (bookTicker and depth diffs), an aggTrade and markPrice (the last hourly mark candle, the next real funding rate); each bar's own kline at its close");
  return market;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"A local Binance USDⓈ-M market-data double that replays a real capture"};
  auto* capture = app.add_option("--capture", o.capture, "the market: a combined-stream capture with a depth snapshot (plain or .gz)")->check(CLI::ExistingFile);
  auto* history = app.add_option("--history-klines", o.history_klines,
                                 "the market: real kline history (a folder of SYMBOL files or one file, Binance's layout) for the --filters symbols")
                      ->check(CLI::ExistingPath)
                      ->excludes(capture);
  app.add_option("--history-mark-price", o.history_mark_price, "--history-klines: hourly mark-price candles (folder)")->check(CLI::ExistingPath)->needs(history);
  app.add_option("--history-funding", o.history_funding, "--history-klines: funding events (folder); each settles as its time passes")
      ->check(CLI::ExistingPath)
      ->needs(history);
  app.add_option("--history-start", o.history_start, "--history-klines: the replay starts here (UTC: 2025-01-08 or 2025-01-08T08:00:00Z); the bars before are GET /fapi/v1/klines history")
      ->needs(history);
  app.add_option("--bind", o.bind, "HOST:PORT to listen on (port 0: any free one)");
  app.add_option("--tls-cert", o.cert, "certificate chain (PEM)");
  app.add_option("--tls-key", o.key, "its private key (PEM)");
  app.add_flag("--plain", o.plain, "plain ws:// and http:// (tests only)");
  app.add_option("--speed", o.speed, "replay pace: exchange time / speed")->check(runtime::finite_range(0.01, 1e6));
  app.add_flag("--loop", o.loop, "start again at the end");
  app.add_option("--start-at-s", o.start_at_s, "begin this many seconds into the capture: what came before is history (the book, GET /fapi/v1/klines), never sent")
      ->check(runtime::finite_range(0, 1e6));
  app.add_option("--funding-rate", o.funding_rate, "the funding rate the composed markPrice stream reports")->check(runtime::finite_range(-0.03, 0.03));
  app.add_option("--ready-file", o.ready_file, "write the bound port here once listening");
  app.add_option("--drop-every-ms", o.drop_every_ms, "fault: close every WebSocket this often")->check(CLI::Range(int64_t{0}, int64_t{86'400'000}));
  app.add_option("--skip-diff", o.skip_diff, "fault: withhold the N-th depth diff (1-based)")->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  app.add_flag("--trading", o.trading, "serve the signed trading endpoints for one account (key and secret from FULCRUM_EXCHANGE_API_KEY/_SECRET)");
  app.add_option("--ed25519-public-key", o.ed25519_public_key,
                 "trading: the account's API key is an Ed25519 key with this public key (PEM): requests are signed with its private key, no secret is shared")
      ->check(CLI::ExistingFile);
  app.add_option("--balance", o.balance, "trading: the account's USDT")->check(runtime::finite_range(0, 1e12));
  app.add_option("--filters", o.filters, "SYMBOL:tick:step:min_notional, per symbol: GET /fapi/v1/exchangeInfo lists them, and an account trades under them");
  app.add_option("--settle-funding-every-ms", o.settle_funding_every_ms, "trading: settle funding on open positions this often (0: never)")
      ->check(CLI::Range(int64_t{0}, int64_t{86'400'000}));
  app.add_option("--listen-key-ttl-ms", o.listen_key_ttl_ms, "trading: a listenKey's life (Binance: 60 minutes)")->check(CLI::Range(int64_t{100}, int64_t{86'400'000}));
  app.add_option("--withhold-order", o.withhold_order, "fault: take the N-th order but never answer it")->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  app.add_option("--weight-limit-1m", o.weight_limit_1m, "the IP's request weight per minute (Binance USDⓈ-M: 2400); over it 429, and 418 for a client that keeps on")
      ->check(CLI::Range(int64_t{1}, int64_t{1'000'000}))
      ->capture_default_str();
  app.add_option("--fail-order-5xx", o.fail_order_5xx, "fault: take the N-th order (it fills) but answer HTTP 503 'Unknown error' (execution status unknown)")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  app.add_option("--withhold-silence-ms", o.withhold_silence_ms,
                 "fault: the withheld answer's connection stays open and silent this long, then closes (0: at once); longer than the client's timeout makes it one")
      ->check(CLI::Range(int64_t{0}, int64_t{600'000}))
      ->capture_default_str();
  app.add_option("--duplicate-every", o.duplicate_every, "fault: send every N-th frame twice")->check(CLI::Range(int64_t{0}, int64_t{1} << 40));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  if (o.capture.empty() == o.history_klines.empty()) {
    std::cerr << "exchange-double: name the market: --capture FILE or --history-klines PATH\n";
    return 2;
  }
  if (!o.history_klines.empty() && o.loop) {
    std::cerr << "exchange-double: --loop replays a capture again; history does not loop (exchange time runs one way)\n";
    return 2;
  }
  if (!o.plain && (o.cert.empty() || o.key.empty())) {
    std::cerr << "exchange-double: --tls-cert and --tls-key are required (or --plain, for tests)\n";
    return 2;
  }
  try {
    // The symbols' filters: exchangeInfo serves them (public market data), and the account trades under them.
    std::vector<model::InstrumentSpec> specs;
    for (const auto& f : o.filters) {
      model::InstrumentSpec spec;
      std::vector<std::string> parts;
      size_t start = 0;
      for (size_t sep; (sep = f.find(':', start)) != std::string::npos; start = sep + 1) parts.push_back(f.substr(start, sep - start));
      parts.push_back(f.substr(start));
      const auto tick = parts.size() == 4 ? core::Price::parse(parts[1]) : std::nullopt;
      const auto step = parts.size() == 4 ? core::Qty::parse(parts[2]) : std::nullopt;
      const auto min_notional = parts.size() == 4 ? core::Money::parse(parts[3]) : std::nullopt;
      if (!tick || !step || !min_notional || tick->raw <= 0 || step->raw <= 0) throw std::invalid_argument("--filters '" + f + "' is not SYMBOL:tick:step:min_notional");
      spec.symbol = parts[0];
      spec.tick_size = *tick;
      spec.step_size = *step;
      spec.min_notional = *min_notional;
      specs.push_back(spec);
    }
    std::optional<binance::CaptureScript> script;
    std::optional<binance::HistoryMarket> market;
    if (!o.capture.empty()) {
      const auto file = marketdata::read_data_file(o.capture);
      script = binance::build_capture_script(file.bytes, o.funding_rate);
      log("capture " + o.capture + ": " + std::to_string(script->events.size()) + " events for " + script->symbol + " after the snapshot (lastUpdateId " +
          std::to_string(script->snapshot.last_update_id) + "), " + std::to_string(script->skipped_before_snapshot) + " before it left out, " +
          std::to_string(script->malformed) + " malformed" + (script->first_error.empty() ? "" : " (first: " + script->first_error + ")"));
      log("composed " + std::to_string(script->composed) +
          " messages the capture lacks: aggTrade from each real trade, kline_1m from each minute of real trades, markPrice@1s from the last real trade "
          "(mark = index = it) with funding rate " +
          std::to_string(o.funding_rate));
    } else {
      market = load_history(o, specs);
    }
    asio::io_context ioc;
    std::unique_ptr<asio::ssl::context> tls;
    if (!o.plain) {
      tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
      tls->set_options(asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
      tls->use_certificate_chain_file(o.cert);
      tls->use_private_key_file(o.key, asio::ssl::context::pem);
    }
    const auto colon = o.bind.rfind(':');
    if (colon == std::string::npos) throw std::invalid_argument("--bind '" + o.bind + "' is not HOST:PORT");
    tcp::acceptor acceptor(ioc, {asio::ip::make_address(o.bind.substr(0, colon)), static_cast<unsigned short>(std::stoi(o.bind.substr(colon + 1)))});
    const auto port = acceptor.local_endpoint().port();
    Double dbl(o, std::move(script), std::move(market), ioc);
    dbl.listed = specs;
    if (o.trading) {
      const char* key = std::getenv("FULCRUM_EXCHANGE_API_KEY");
      const char* env_secret = std::getenv("FULCRUM_EXCHANGE_API_SECRET");
      std::optional<binance::VerifyingKey> ed25519;
      if (!o.ed25519_public_key.empty()) {
        std::ifstream in(o.ed25519_public_key);
        const std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        ed25519 = binance::VerifyingKey::from_pem(pem);  // throws naming what the file is instead
      }
      if (!key || !*key || (!ed25519 && (!env_secret || !*env_secret)))
        throw std::invalid_argument("--trading needs FULCRUM_EXCHANGE_API_KEY, and FULCRUM_EXCHANGE_API_SECRET or --ed25519-public-key");
      // An Ed25519 account shares no secret; the listenKeys it is given still must not be guessable.
      std::string secret = env_secret && *env_secret ? env_secret : "";
      if (secret.empty())
        for (std::random_device urandom; secret.size() < 32;) secret += std::to_string(urandom());
      dbl.exchange = std::make_unique<binance::DoubleExchange>(key, secret, specs, core::Money::from_double(o.balance));
      if (ed25519) dbl.exchange->use_ed25519(std::move(*ed25519));
      if (o.withhold_order > 0) dbl.exchange->withhold_answer_to_order(static_cast<uint64_t>(o.withhold_order));
      if (o.fail_order_5xx > 0) dbl.exchange->fail_answer_to_order(static_cast<uint64_t>(o.fail_order_5xx));
      dbl.exchange->set_listen_key_ttl_ms(o.listen_key_ttl_ms);
      log("trading endpoints on for one account (" + std::to_string(specs.size()) + " symbols, balance " + std::to_string(o.balance) + " USDT, " +
          (ed25519 ? "an Ed25519 API key" : "an HMAC API key") + ")");
    }
    asio::co_spawn(ioc, dbl.listen(acceptor, tls.get()), asio::detached);
    asio::co_spawn(ioc, dbl.history ? dbl.replay_history() : dbl.replay(), asio::detached);
    if (o.drop_every_ms > 0) asio::co_spawn(ioc, dbl.dropper(), asio::detached);
    if (dbl.exchange && o.settle_funding_every_ms > 0) asio::co_spawn(ioc, dbl.funding_settler(), asio::detached);
    if (dbl.exchange) asio::co_spawn(ioc, dbl.listen_key_watch(), asio::detached);
    asio::signal_set signals(ioc, SIGINT, SIGTERM);
    signals.async_wait([&](auto, int) { ioc.stop(); });
    log(std::string("listening on ") + (o.plain ? "ws://" : "wss://") + o.bind.substr(0, colon) + ":" + std::to_string(port));
    if (!o.ready_file.empty()) {
      std::ofstream(o.ready_file + ".tmp") << port << "\n";
      std::rename((o.ready_file + ".tmp").c_str(), o.ready_file.c_str());
    }
    ioc.run();
    if (dbl.exchange) {
      const auto twice = dbl.exchange->ids_placed_twice();
      std::string ids;
      for (const auto& id : twice) ids += " " + id;
      log("orders: " + std::to_string(dbl.exchange->orders_accepted()) + " accepted, " + std::to_string(twice.size()) + " client ids placed twice" + ids);
      log("fills: " + std::to_string(dbl.exchange->trade_count()) + " trades; wallet " + dbl.exchange->wallet_balance().str() + " USDT");
      log("funding: " + std::to_string(dbl.settlements) + " settlements");
      log("positions: " + dbl.exchange->position_json());
    }
    log("stopped: " + std::to_string(dbl.sent) + " frames sent, " + std::to_string(dbl.drops) + " drops, " + std::to_string(dbl.skipped) + " diffs withheld, " +
        std::to_string(dbl.duplicated) + " duplicated");
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "exchange-double: " << e.what() << "\n";
    return 1;
  }
}
