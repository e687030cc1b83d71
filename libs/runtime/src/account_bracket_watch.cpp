#include "fulcrum/runtime/account_bracket_watch.h"

#include <stdexcept>

namespace fulcrum::runtime {

AccountBracketWatch::AccountBracketWatch(Service& svc, bool enabled)
    : svc_(svc),
      enabled_(enabled),
      symbols_(svc.metrics().gauge("fulcrum_account_bracket_symbols",
                                   "Symbols with the account's leverage brackets read from the exchange (-1: none read; 0 also when not watched)", {})) {
  if (enabled_) symbols_.Set(-1);
}

void AccountBracketWatch::forget(const std::string& why) {
  table_.reset();
  symbols_.Set(-1);
  if (why == logged_) return;
  logged_ = why;
  svc_.log().warn("event=account_brackets state=unread why=\"{}\" note=\"new orders are denied (LEVERAGE_ABOVE_BRACKET) until they are read\"", why);
}

void AccountBracketWatch::poll() {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_) return;
  next_ = now + std::chrono::seconds(1);
  const auto key = svc_.key(kAccountBracketsKey);
  const auto reply = svc_.redis().command({"GET", key});
  if (!reply) return;  // Redis unreachable: the table last read still stands (the service's own health shows the outage)
  if (reply->kind != RedisReply::Kind::kString) {
    text_.clear();
    forget("Redis key " + key + " is not written (the order router writes it at start)");
    return;
  }
  if (reply->str == text_) return;
  text_ = reply->str;
  try {
    table_ = model::parse_binance_bracket_json(text_, "Redis key " + key);
  } catch (const std::invalid_argument& e) {
    forget(e.what());
    return;
  }
  symbols_.Set(static_cast<double>(table_->size()));
  logged_.clear();
  std::string listed;
  for (const auto& [symbol, tiers] : *table_) listed += (listed.empty() ? "" : ",") + symbol + ":" + std::to_string(tiers.front().max_leverage_x) + "x";
  svc_.log().info("event=account_brackets state=read symbols={} first_tier={}", table_->size(), listed);
}

std::optional<risk::GateVerdict> AccountBracketWatch::verdict(const std::string& symbol, const risk::GateOrder& order, bool reduces_exposure) const {
  if (!enabled_) return std::nullopt;
  return risk::account_bracket_verdict(table_ ? &*table_ : nullptr, symbol, order, reduces_exposure);
}

}  // namespace fulcrum::runtime
