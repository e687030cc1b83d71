#include "fulcrum/exchange_link/ws_feed.h"

#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <chrono>
#include <random>
#include <variant>

#include "fulcrum/binance/backoff.h"
#include "tls_context.h"

namespace fulcrum::exchange_link {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;

namespace {
int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

struct WsFeed::Impl {
  std::vector<Url> targets;
  WsFeedOptions opts;
  OnMessage on_message;
  OnEvent on_event;
  asio::io_context ioc;
  asio::ssl::context tls_ctx;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t>* reconnects = nullptr;
  std::mt19937_64 rng{std::random_device{}()};

  Impl(std::vector<Url> t, WsFeedOptions o, OnMessage m, OnEvent e)
      : targets(std::move(t)), opts(std::move(o)), on_message(std::move(m)), on_event(std::move(e)), tls_ctx(detail::client_tls_context(opts.tls)) {}

  // One session: connect, read until it drops or ages out. Returns why it ended.
  template <class Ws>
  awaitable<std::string> read_loop(Ws& ws, size_t index) {
    websocket::stream_base::timeout t{};
    t.handshake_timeout = std::chrono::milliseconds(opts.connect_timeout_ms);
    t.idle_timeout = std::chrono::milliseconds(opts.idle_timeout_ms);
    t.keep_alive_pings = true;
    ws.set_option(t);
    const auto& url = targets[index];
    co_await ws.async_handshake(url.host + ":" + url.port, url.target, use_awaitable);
    on_event({WsFeedEvent::Kind::kConnected, index, url.origin() + url.target});
    const auto born = std::chrono::steady_clock::now();
    beast::flat_buffer buffer;
    for (;;) {
      if (stopping) co_return std::string("stopping");
      if (std::chrono::steady_clock::now() - born > std::chrono::milliseconds(opts.max_age_ms)) {
        beast::error_code ec;
        co_await ws.async_close(websocket::close_code::going_away, asio::redirect_error(use_awaitable, ec));
        co_return std::string("connection age limit: remade before the exchange's 24-hour cut");
      }
      beast::error_code ec;
      buffer.clear();
      co_await ws.async_read(buffer, asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (ec == websocket::error::closed) co_return "closed by the peer (" + std::string(ws.reason().reason.data(), ws.reason().reason.size()) + " code " + std::to_string(ws.reason().code) + ")";
        co_return ec.message();
      }
      on_message(index, wall_ns(), beast::buffers_to_string(buffer.data()));
    }
  }

  awaitable<void> run_connection(size_t index) {
    binance::Backoff backoff(opts.backoff_initial_ms, opts.backoff_max_ms);
    std::uniform_real_distribution<double> uniform(0.0, 1.0);
    const auto& url = targets[index];
    bool first = true;
    while (!stopping) {
      if (!first) {
        asio::steady_timer wait(ioc, std::chrono::milliseconds(backoff.next_ms(uniform(rng))));
        beast::error_code ec;
        co_await wait.async_wait(asio::redirect_error(use_awaitable, ec));
        if (stopping) break;
        reconnects->fetch_add(1);
      }
      first = false;
      const auto started = std::chrono::steady_clock::now();
      std::string why;
      try {
        asio::ip::tcp::resolver resolver(ioc);
        const auto endpoints = co_await resolver.async_resolve(url.host, url.port, use_awaitable);
        if (url.tls) {
          websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ioc, tls_ctx);
          if (!SSL_set_tlsext_host_name(ws.next_layer().native_handle(), url.host.c_str())) throw std::runtime_error("cannot set SNI");
          ws.next_layer().set_verify_callback(asio::ssl::host_name_verification(url.host));
          beast::get_lowest_layer(ws).expires_after(std::chrono::milliseconds(opts.connect_timeout_ms));
          co_await beast::get_lowest_layer(ws).async_connect(endpoints, use_awaitable);
          co_await ws.next_layer().async_handshake(asio::ssl::stream_base::client, use_awaitable);
          beast::get_lowest_layer(ws).expires_never();  // the websocket's own timeouts from here
          why = co_await read_loop(ws, index);
        } else {
          websocket::stream<beast::tcp_stream> ws(ioc);
          beast::get_lowest_layer(ws).expires_after(std::chrono::milliseconds(opts.connect_timeout_ms));
          co_await beast::get_lowest_layer(ws).async_connect(endpoints, use_awaitable);
          beast::get_lowest_layer(ws).expires_never();
          why = co_await read_loop(ws, index);
        }
      } catch (const std::exception& e) {
        why = e.what();
      }
      if (stopping) break;
      if (std::chrono::steady_clock::now() - started > std::chrono::milliseconds(opts.stable_after_ms)) backoff.reset();
      on_event({WsFeedEvent::Kind::kDisconnected, index, why});
    }
  }
};

WsFeed::WsFeed(std::vector<Url> targets, WsFeedOptions opts, OnMessage on_message, OnEvent on_event)
    : impl_(std::make_unique<Impl>(std::move(targets), std::move(opts), std::move(on_message), std::move(on_event))) {
  impl_->reconnects = &reconnects_;
}

WsFeed::~WsFeed() { stop(); }

void WsFeed::start() {
  for (size_t i = 0; i < impl_->targets.size(); ++i) asio::co_spawn(impl_->ioc, impl_->run_connection(i), asio::detached);
  thread_ = std::thread([this] {
    try {
      impl_->ioc.run();
    } catch (...) {
      // A callback's exception must not take the process down from a background thread;
      // the connection it came from ends and the owner sees no more messages from it.
    }
  });
}

void WsFeed::stop() noexcept {
  impl_->stopping = true;
  impl_->ioc.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace fulcrum::exchange_link
