#include "fulcrum/exchange_link/user_data_stream.h"

#include <chrono>

#include "fulcrum/exchange_link/ws_feed.h"

namespace fulcrum::exchange_link {
namespace {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

UserDataStream::UserDataStream(Url rest_base, std::string ws_base, TlsOptions tls, BinanceCredentials creds, OnEvent on_event, OnNote on_note)
    : rest_(std::move(rest_base), tls, std::move(creds)), ws_base_(std::move(ws_base)), tls_(std::move(tls)), on_event_(std::move(on_event)),
      on_note_(std::move(on_note)) {}

UserDataStream::~UserDataStream() { stop(); }

void UserDataStream::start() { thread_ = std::thread([this] { run(); }); }

void UserDataStream::stop() noexcept {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

void UserDataStream::run() {
  binance::ListenKeyKeeper keeper;
  int64_t retry_ms = 100;
  while (!stopping_) {
    const auto made = rest_.send_keyed("POST", "/fapi/v1/listenKey");
    const auto at = made.body.find("\"listenKey\":\"");
    if (made.outcome != binance::SendOutcome::kAccepted || at == std::string::npos) {
      on_note_("listenKey not made: " + made.body.substr(0, 200) + "; retrying in " + std::to_string(retry_ms) + " ms");
      for (int64_t waited = 0; waited < retry_ms && !stopping_; waited += 50) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      retry_ms = std::min<int64_t>(retry_ms * 2, 30'000);
      continue;
    }
    retry_ms = 100;
    const auto key = made.body.substr(at + 13, made.body.find('"', at + 13) - (at + 13));
    keeper.created(wall_ms());
    on_note_("listenKey " + std::to_string(++keys_made_) + " made");
    std::atomic<bool> expired{false};
    WsFeedOptions opts;
    opts.tls = tls_;
    WsFeed feed(
        {Url::parse(ws_base_ + "/private/ws/" + key)}, opts,
        [&](size_t, int64_t, std::string&& text) {
          std::string error;
          auto ev = binance::parse_user_event(text, error);
          if (!error.empty()) {
            ++malformed_;
            on_note_("malformed user event: " + error + " in " + text.substr(0, 200));
            return;
          }
          if (!ev) return;
          if (std::holds_alternative<binance::ListenKeyExpired>(*ev)) expired = true;
          on_event_(std::move(*ev));
        },
        [&](const WsFeedEvent& e) {
          if (e.kind == WsFeedEvent::Kind::kDisconnected) ++reconnects_;
          // The listenKey is the stream's credential: never in a log.
          auto detail = e.detail;
          for (size_t hit; (hit = detail.find(key)) != std::string::npos;) detail.replace(hit, key.size(), "<listenKey>");
          on_note_(std::string(e.kind == WsFeedEvent::Kind::kConnected ? "connected " : "dropped: ") + detail);
        });
    feed.start();
    while (!stopping_ && !expired) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (!keeper.keepalive_due(wall_ms())) continue;
      const auto kept = rest_.send_keyed("PUT", "/fapi/v1/listenKey");
      if (kept.error && kept.error->code == -1125) break;  // gone: make a new one
      keeper.kept_alive(wall_ms());
    }
    feed.stop();
    if (expired) on_note_("listenKey expired: making a new one");
  }
}

}  // namespace fulcrum::exchange_link
