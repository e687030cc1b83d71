#include "binance_live.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <fstream>
#include <mutex>
#include <thread>

#include "fulcrum/binance/backoff.h"
#include "fulcrum/binance/live_assembler.h"
#include "fulcrum/binance/streams.h"
#include "fulcrum/exchange_link/http_client.h"
#include "fulcrum/exchange_link/ws_feed.h"
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
  std::map<std::string, prometheus::Counter*> resyncs;
  std::map<std::string, prometheus::Gauge*> stale;
  for (const auto& s : symbols) {
    resyncs[s] = &m.counter("fulcrum_depth_resyncs_total", "Depth books rebuilt from a REST snapshot after a break in pu (the first sync counts)", {{"symbol", s}});
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
    transport::to_proto(ev, msg);
    msg.SerializeToString(&payload);
    if (!pub.publish(transport::topics::kMarket, payload)) m.dropped().Increment();
    m.published(transport::topics::kMarket).Increment();
    ++published;
    if (received_ns > 0) latency.Observe(static_cast<double>(runtime::wall_ns() - received_ns) * 1e-9);
  };

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
  svc.log().info("event=binance_live_done published={} reconnects={} depth_gaps={} out_of_order={}", published, feed.reconnects(), assembler.resyncs(),
                 assembler.dropped_out_of_order());
  return 0;
}

}  // namespace fulcrum::market_data
