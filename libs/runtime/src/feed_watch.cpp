#include "fulcrum/runtime/feed_watch.h"

#include <algorithm>
#include <cctype>

namespace fulcrum::runtime {
namespace {
int64_t wall_ms() { return wall_ns() / 1'000'000; }
}  // namespace

void FeedHealthWriter::write(const std::vector<std::string>& stale_streams) {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_) return;
  next_ = now + std::chrono::milliseconds(500);
  risk::FeedHealth health{wall_ms(), {}};
  for (const auto& stream : stale_streams) {
    // Only the streams that never go quiet on a healthy feed: markPrice@1s pushes every
    // second (and carries the mark that margin and liquidation use); bookTicker (on the
    // other connection, /public) pushes every change of a traded symbol's top. A kline, an
    // aggTrade or a depth diff is silent whenever nothing trades, which is no fault.
    if (stream.find("@markPrice") == std::string::npos && stream.find("@bookTicker") == std::string::npos) continue;
    std::string symbol = stream.substr(0, stream.find('@'));
    for (auto& c : symbol) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    health.stale_symbols.push_back(symbol);
  }
  std::sort(health.stale_symbols.begin(), health.stale_symbols.end());
  health.stale_symbols.erase(std::unique(health.stale_symbols.begin(), health.stale_symbols.end()), health.stale_symbols.end());
  if (!svc_.redis().command({"SET", svc_.key(risk::kFeedHealthKey), risk::encode_feed_health(health), "PX", "60000"}))
    svc_.log().warn("event=feed_health_unwritten error=\"{}\"", svc_.redis().last_error());
}

FeedWatch::FeedWatch(Service& svc, bool enabled, int64_t max_age_ms)
    : svc_(svc),
      enabled_(enabled),
      max_age_ms_(max_age_ms),
      stale_(svc.metrics().gauge("fulcrum_feed_stale_symbols", "Symbols whose live feed is stale now (-1: its health is not reported; 0 also when not watched)", {})) {}

void FeedWatch::poll() {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_) return;
  next_ = now + std::chrono::milliseconds(200);
  const auto reply = svc_.redis().command({"GET", svc_.key(risk::kFeedHealthKey)});
  health_ = reply && reply->kind == RedisReply::Kind::kString ? risk::parse_feed_health(reply->str) : std::nullopt;
  const bool reported = health_ && wall_ms() - health_->reported_ms <= max_age_ms_;
  std::string state = "unreported";
  if (reported) {
    state = health_->stale_symbols.empty() ? "fresh" : "stale:";
    for (size_t i = 0; i < health_->stale_symbols.size(); ++i) state += (i ? "," : "") + health_->stale_symbols[i];
  }
  stale_.Set(reported ? static_cast<double>(health_->stale_symbols.size()) : -1);
  if (state == logged_) return;
  if (state == "fresh") svc_.log().info("event=feed_health state=fresh");
  else svc_.log().warn("event=feed_health state={} note=\"new entries are denied (FEED_STALE) on {}\"", state, reported ? "these symbols" : "every symbol");
  logged_ = state;
}

std::optional<risk::GateVerdict> FeedWatch::verdict(const std::string& symbol, bool reduces_exposure) const {
  if (!enabled_) return std::nullopt;
  return risk::feed_verdict(health_, wall_ms(), max_age_ms_, symbol, reduces_exposure);
}

}  // namespace fulcrum::runtime
