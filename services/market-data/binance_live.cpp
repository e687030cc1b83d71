#include "binance_live.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <thread>

#include "fulcrum/binance/backoff.h"
#include "fulcrum/binance/kline_history.h"
#include "fulcrum/binance/rate_limits.h"
#include "fulcrum/binance/live_assembler.h"
#include "fulcrum/binance/streams.h"
#include "fulcrum/exchange_link/http_client.h"
#include "fulcrum/exchange_link/ws_feed.h"
#include "fulcrum/features/feature_set.h"
#include "fulcrum/marketdata/dataset.h"
#include "fulcrum/runtime/feed_watch.h"
#include "fulcrum/transport/live_codec.h"
#include "fulcrum/transport/topics.h"

namespace fulcrum::market_data {
namespace {

struct Inbox {
  struct Frame {
    size_t connection;
    int64_t received_ns;
    std::string text;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Frame> frames;
  size_t max_frames = 1'000'000;  // a stalled publisher must not take the machine's memory
  uint64_t overflow = 0;
};

// The history a live start sends first, in bars of the stream's interval.
size_t warmup_bars(const config::AppConfig& cfg, const LiveOptions& opts, int64_t bar_ms) {
  if (opts.warmup_hours == 0) return 0;
  const int64_t signal_ms = std::max<int64_t>(cfg.backtest.strategy.signal_interval_ms, bar_ms);
  // One signal bar more than needed: the first one may start mid-way.
  const double span_ms = opts.warmup_hours > 0 ? opts.warmup_hours * 3'600'000.0
                                               : static_cast<double>(features::bars_to_warm(cfg.backtest.features) + 1) * static_cast<double>(signal_ms);
  return static_cast<size_t>(std::ceil(span_ms / static_cast<double>(bar_ms)));
}

}  // namespace

int run_binance_live(runtime::Service& svc, transport::Publisher& pub, const LiveOptions& opts) {
  const auto& cfg = svc.config();
  const auto symbols = marketdata::symbol_list(cfg.data);
  if (binance::interval_ms(opts.kline_interval) == 0)
    throw runtime::StartupError(runtime::kExitConfig, "--kline-interval '" + opts.kline_interval + "' is not a Binance interval (1m, 5m, 1h, …)");
  binance::LiveAssembler assembler(symbols, opts.kline_interval);
  std::vector<std::string> streams;
  for (const auto& s : symbols) {
    const auto mine = binance::symbol_streams(s, opts.kline_interval);
    streams.insert(streams.end(), mine.begin(), mine.end());
  }
  const auto plan = binance::plan_connections(streams);
  std::vector<exchange_link::Url> targets;
  for (const auto& c : plan) targets.push_back(exchange_link::Url::parse(c.url(opts.ws_base)));
  const auto rest = exchange_link::Url::parse(opts.rest_base);
  exchange_link::TlsOptions tls{opts.ca_file};

  auto& m = svc.metrics();
  auto& reconnects = m.counter("fulcrum_ws_reconnects_total", "WebSocket connections made again after a drop", {});
  auto& malformed = m.counter("fulcrum_ws_malformed_total", "Exchange messages that did not parse (or named a symbol not traded)", {});
  auto& overflow = m.counter("fulcrum_ws_inbox_overflow_total", "Messages dropped because the publisher fell a million behind", {});
  auto& connected = m.gauge("fulcrum_ws_connections", "WebSocket connections up now", {});
  auto& latency = m.histogram("fulcrum_ws_to_publish_seconds", "From a WebSocket message's receipt to its proto on the hot path",
                              {}, {5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 5e-2});
  std::map<std::string, prometheus::Counter*> resyncs, bar_gaps;
  std::map<std::string, prometheus::Gauge*> stale, warmed;
  for (const auto& s : symbols) {
    resyncs[s] = &m.counter("fulcrum_depth_resyncs_total", "Depth books rebuilt from a REST snapshot after a break in pu (the first sync counts)", {{"symbol", s}});
    bar_gaps[s] = &m.counter("fulcrum_bar_gaps_total", "Closed bars the kline stream skipped (closed while a connection was down)", {{"symbol", s}});
    warmed[s] = &m.gauge("fulcrum_warmup_bars", "Closed bars of history sent at start, before the streams, to warm the features up", {{"symbol", s}});
    for (const auto& stream : binance::symbol_streams(s, opts.kline_interval))
      stale[stream] = &m.gauge("fulcrum_stream_stale", "1 while the stream has been silent longer than its limit", {{"symbol", s}, {"stream", stream.substr(stream.find('@') + 1)}});
  }

  runtime::FeedHealthWriter health(svc);
  std::ofstream record;
  if (!opts.record.empty()) {
    record.open(opts.record, std::ios::app);
    if (!record) throw runtime::StartupError(runtime::kExitConfig, "--record " + opts.record + ": cannot open for appending");
  }

  Inbox inbox;
  std::atomic<int> up{0};
  exchange_link::WsFeedOptions feed_opts;
  feed_opts.tls = tls;
  exchange_link::WsFeed feed(
      targets, feed_opts,
      [&](size_t connection, int64_t received_ns, std::string&& text) {
        std::lock_guard lock(inbox.mu);
        if (inbox.frames.size() >= inbox.max_frames) {
          ++inbox.overflow;
          return;
        }
        inbox.frames.push_back({connection, received_ns, std::move(text)});
        inbox.cv.notify_one();
      },
      [&](const exchange_link::WsFeedEvent& e) {
        if (e.kind == exchange_link::WsFeedEvent::Kind::kConnected) {
          ++up;
          svc.log().info("event=ws_connected connection={} url={}", e.connection, e.detail);
        } else {
          --up;
          svc.log().warn("event=ws_disconnected connection={} why=\"{}\"", e.connection, e.detail);
        }
      });
  svc.log().info("event=binance_live symbols={} connections={} ws={} rest={} kline={}", symbols.size(), targets.size(), opts.ws_base, opts.rest_base,
                 opts.kline_interval);
  svc.ready();
  // ZeroMQ drops what a PUB sends before a SUB has joined: the feed starts once they have
  // had the time to, as the free-running replay does.
  const auto join_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(opts.join_wait_ms);
  while (svc.running() && std::chrono::steady_clock::now() < join_until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    svc.tick();
  }
  feed.start();

  v1::MarketEvent msg;
  std::string payload;
  std::vector<binance::LiveEvent> out;
  const auto started = std::chrono::steady_clock::now();
  auto last_message = std::chrono::steady_clock::now();
  uint64_t seen_reconnects = 0, seen_overflow = 0, published = 0;
  struct Retry {
    binance::Backoff backoff;
    std::chrono::steady_clock::time_point due;
  };
  std::map<std::string, Retry> snapshot_retries;
  const auto publish = [&](const binance::LiveEvent& ev, int64_t received_ns) {
    msg.Clear();
    svc.stamp(*msg.mutable_header(), "market-data", ev.instant_ms, nullptr, runtime::wall_ns());
    msg.mutable_header()->set_warmup(ev.warmup);
    transport::to_proto(ev, msg);
    msg.SerializeToString(&payload);
    if (!pub.publish(transport::topics::kMarket, payload)) m.dropped().Increment();
    m.published(transport::topics::kMarket).Increment();
    ++published;
    if (received_ns > 0) latency.Observe(static_cast<double>(runtime::wall_ns() - received_ns) * 1e-9);
  };

  // Warm-up history, once the streams are up: a bar that closes after this is asked for comes
  // from the stream (the first page's open bar is left out), and one the answer also holds is
  // dropped as the stream's duplicate. What the streams send meanwhile waits in the inbox.
  if (const auto want = warmup_bars(cfg, opts, binance::interval_ms(opts.kline_interval)); want > 0) {
    const auto connect_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(opts.connect_wait_ms);
    while (svc.running() && up.load() < static_cast<int>(targets.size()) && std::chrono::steady_clock::now() < connect_until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      svc.tick();
    }
    if (up.load() < static_cast<int>(targets.size()))
      svc.log().warn("event=warmup_before_streams connected={} of={} why=\"the streams are not all up after {} ms: a bar that closes before they are is a gap (counted)\"",
                     up.load(), targets.size(), opts.connect_wait_ms);
    binance::RateLimiter limiter;
    const binance::PublicGet get = [&](const std::string& target, int weight) {
      for (int64_t wait_ms = 0;;) {
        const auto verdict = limiter.check(runtime::wall_ns() / 1'000'000, weight, false, wait_ms);
        if (verdict == binance::RateLimiter::Verdict::kSend) break;
        if (verdict == binance::RateLimiter::Verdict::kBanned)
          throw std::runtime_error("the exchange banned this IP (418) until " + std::to_string(limiter.banned_until_ms()) + " ms");
        if (!svc.running()) throw std::runtime_error("stopped while waiting for request weight");
        std::this_thread::sleep_for(std::chrono::milliseconds(std::clamp<int64_t>(wait_ms, 1, 1000)));
        svc.tick();
      }
      const auto res = exchange_link::http_request(rest, "GET", target, "", {}, tls);
      limiter.on_response(runtime::wall_ns() / 1'000'000, res.status, res.headers);
      return binance::PublicAnswer{res.status, res.body};
    };
    std::map<std::string, std::vector<model::Bar>> history;
    size_t total = 0;
    const auto t0 = std::chrono::steady_clock::now();
    for (const auto& s : symbols) {
      if (!svc.running()) break;
      std::string error;
      auto bars = binance::read_closed_klines(get, s, opts.kline_interval, want, error);
      if (!bars) {
        // Fail open on history, never on trading: this symbol's features warm up on live bars
        // and it trades only once they are ready.
        svc.log().warn("event=warmup_failed symbol={} why=\"{}\"", s, error);
        continue;
      }
      warmed[s]->Set(static_cast<double>(bars->size()));
      if (!bars->empty())
        svc.log().info("event=warmup symbol={} bars={} first_open_ms={} last_open_ms={}", s, bars->size(), bars->front().open_time_ms, bars->back().open_time_ms);
      total += bars->size();
      history[s] = std::move(*bars);
      svc.tick();
    }
    out.clear();
    if (const auto error = assembler.warm_up(history, out); !error.empty()) throw std::runtime_error("warm-up: " + error);
    size_t instants = 0;
    for (const auto& ev : out) {
      publish(ev, 0);
      instants += ev.kind == binance::LiveEvent::Kind::kInstantEnd;
    }
    svc.log().info("event=warmup_done symbols={} bars={} instants={} asked_per_symbol={} used_weight={} ms={}", history.size(), total, instants, want,
                   limiter.used_weight(), std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
  }

  while (svc.running()) {
    if (opts.duration_s > 0 && std::chrono::steady_clock::now() - started > std::chrono::duration<double>(opts.duration_s)) break;
    std::deque<Inbox::Frame> batch;
    {
      std::unique_lock lock(inbox.mu);
      inbox.cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return !inbox.frames.empty(); });
      batch.swap(inbox.frames);
    }
    for (auto& f : batch) {
      if (record) record << f.received_ns << ' ' << f.text << '\n';
      out.clear();
      const auto error = assembler.on_message(f.text, f.received_ns, out);
      if (!error.empty()) {
        malformed.Increment();
        svc.count_malformed("binance connection " + std::to_string(f.connection) + ": " + error);
      }
      for (const auto& ev : out) publish(ev, f.received_ns);
    }
    for (const auto& gap : assembler.take_bar_gaps()) {
      bar_gaps[gap.symbol]->Increment(static_cast<double>(gap.missing));
      svc.log().warn("event=bar_gap symbol={} first_missing_open_ms={} missing={}", gap.symbol, gap.first_missing_open_ms, gap.missing);
    }
    const auto now = std::chrono::steady_clock::now();
    if (!batch.empty()) last_message = now;
    else if (now - last_message > std::chrono::milliseconds(opts.quiet_flush_ms)) {
      out.clear();
      assembler.flush(out);
      for (const auto& ev : out) publish(ev, 0);
      last_message = now;
    }
    // Snapshots: asked for at once, and again after a failure no sooner than the backoff
    // allows (a symbol the venue does not list would otherwise be asked for in a loop).
    for (auto it = snapshot_retries.begin(); it != snapshot_retries.end();) {
      if (now < it->second.due) { ++it; continue; }
      assembler.snapshot_failed(it->first);
      ++it;
    }
    for (const auto& symbol : assembler.take_snapshot_requests()) {
      std::string why;
      try {
        const auto res = exchange_link::http_request(rest, "GET", "/fapi/v1/depth?symbol=" + symbol + "&limit=1000", "", {}, tls);
        std::string error;
        const auto snap = res.status == 200 ? binance::parse_depth_snapshot(res.body, error) : std::nullopt;
        if (snap) {
          resyncs[symbol]->Increment();
          const bool ok = assembler.on_snapshot(symbol, *snap);
          snapshot_retries.erase(symbol);
          svc.log().info("event=depth_snapshot symbol={} last_update_id={} synced={}", symbol, snap->last_update_id, ok);
          continue;
        }
        why = "HTTP " + std::to_string(res.status) + (error.empty() ? "" : ": " + error) + ": " + res.body.substr(0, 200);
      } catch (const std::exception& e) {
        why = e.what();
      }
      auto& retry = snapshot_retries.try_emplace(symbol, Retry{binance::Backoff(1'000, 60'000), now}).first->second;
      retry.due = now + std::chrono::milliseconds(retry.backoff.ceiling_ms());
      retry.backoff.next_ms(0);
      svc.log().warn("event=depth_snapshot_failed symbol={} retry_in_ms={} why=\"{}\"", symbol,
                     std::chrono::duration_cast<std::chrono::milliseconds>(retry.due - now).count(), why);
    }
    const auto stale_now = assembler.stale_streams(runtime::wall_ns(), opts.stale_after_ms * 1'000'000);
    for (auto& [stream, g] : stale) g->Set(std::find(stale_now.begin(), stale_now.end(), stream) != stale_now.end() ? 1 : 0);
    health.write(stale_now);  // for the risk gate: entries stop on a stale symbol, or when this goes quiet
    connected.Set(up.load());
    if (const auto r = feed.reconnects(); r > seen_reconnects) {
      reconnects.Increment(static_cast<double>(r - seen_reconnects));
      seen_reconnects = r;
    }
    {
      std::lock_guard lock(inbox.mu);
      if (inbox.overflow > seen_overflow) {
        overflow.Increment(static_cast<double>(inbox.overflow - seen_overflow));
        seen_overflow = inbox.overflow;
      }
    }
    svc.set_counter("published", published);
    svc.set_counter("depth_resyncs", assembler.resyncs());
    svc.tick();
  }
  feed.stop();
  svc.log().info("event=binance_live_done published={} reconnects={} depth_gaps={} out_of_order={} bar_gaps={}", published, feed.reconnects(),
                 assembler.resyncs(), assembler.dropped_out_of_order(), assembler.bar_gaps());
  return 0;
}

}  // namespace fulcrum::market_data
