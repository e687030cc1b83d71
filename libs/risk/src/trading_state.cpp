#include "fulcrum/risk/trading_state.h"

#include <algorithm>
#include <charconv>

#include "fulcrum/core/error.h"

namespace fulcrum::risk {

const char* to_string(TradingState s) {
  switch (s) {
    case TradingState::kActive: return "ACTIVE";
    case TradingState::kReducing: return "REDUCING";
    case TradingState::kHalted: return "HALTED";
  }
  return "UNKNOWN";
}

std::optional<TradingState> parse_trading_state(std::string_view s) {
  if (s == "ACTIVE") return TradingState::kActive;
  if (s == "REDUCING") return TradingState::kReducing;
  if (s == "HALTED") return TradingState::kHalted;
  return std::nullopt;
}

std::string Scope::str() const {
  switch (kind) {
    case Kind::kGlobal: return "global";
    case Kind::kAccount: return "account:" + name;
    case Kind::kSymbol: return "symbol:" + name;
  }
  return "global";
}

std::optional<Scope> Scope::parse(std::string_view text) {
  if (text == "global") return Scope::global();
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const auto kind = text.substr(0, colon);
  const auto name = text.substr(colon + 1);
  // Names go into logs, Redis fields and a tab-separated file: printable, no separators.
  if (name.empty() || name.size() > 64 ||
      !std::all_of(name.begin(), name.end(), [](char c) { return c > ' ' && c < 127 && c != ':' && c != '"' && c != '\\'; }))
    return std::nullopt;
  if (kind == "account") return Scope::account(std::string(name));
  if (kind == "symbol") return Scope::symbol(std::string(name));
  return std::nullopt;
}

StateChange TradingStateBook::engage(const EngageRequest& req) {
  StateChange out;
  const auto it = engaged_.find(req.scope);
  out.before = it == engaged_.end() ? TradingState::kActive : it->second.state;
  if (req.state == TradingState::kActive) {
    out.outcome = StateChange::Outcome::kInvalid;
    out.epoch = epoch_;
    out.after = out.before;
    out.detail = "engaging ACTIVE is not a thing: release the scope's epoch instead";
    return out;
  }
  Engagement e{req.scope, req.state, ++epoch_, req.flatten, req.cancel_protective_stops, req.at_ms, req.by, req.reason};
  engaged_[req.scope] = e;
  out.epoch = epoch_;
  out.after = req.state;
  return out;
}

StateChange TradingStateBook::release(const Scope& scope, uint64_t epoch) {
  StateChange out;
  const auto it = engaged_.find(scope);
  if (it == engaged_.end()) {
    out.outcome = StateChange::Outcome::kNotEngaged;
    out.epoch = epoch_;
    out.detail = scope.str() + " has nothing engaged";
    return out;
  }
  out.before = it->second.state;
  if (it->second.epoch != epoch) {
    out.outcome = StateChange::Outcome::kStaleEpoch;
    out.epoch = it->second.epoch;
    out.after = out.before;
    out.detail = "release names epoch " + std::to_string(epoch) + " but " + scope.str() + " is " + to_string(it->second.state) +
                 " at epoch " + std::to_string(it->second.epoch);
    return out;
  }
  engaged_.erase(it);
  out.epoch = ++epoch_;
  out.after = TradingState::kActive;
  return out;
}

const Engagement* TradingStateBook::deciding(std::string_view account, std::string_view symbol) const {
  const Engagement* strictest = nullptr;
  auto consider = [&](const Scope& s) {
    const auto it = engaged_.find(s);
    if (it != engaged_.end() && (!strictest || it->second.state > strictest->state)) strictest = &it->second;
  };
  if (engaged_.empty()) return nullptr;
  consider(Scope::global());
  consider(Scope::account(std::string(account)));
  consider(Scope::symbol(std::string(symbol)));
  return strictest;
}

TradingState TradingStateBook::effective(std::string_view account, std::string_view symbol) const {
  const auto* e = deciding(account, symbol);
  return e ? e->state : TradingState::kActive;
}

bool TradingStateBook::allows(std::string_view account, std::string_view symbol, bool reduces_exposure) const {
  switch (effective(account, symbol)) {
    case TradingState::kActive: return true;
    case TradingState::kReducing: return reduces_exposure;
    case TradingState::kHalted: return false;
  }
  return false;
}

namespace {

constexpr std::string_view kMagic = "fulcrum-trading-state 1";

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\t') out += "\\t";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  return out;
}

std::optional<std::string> unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (++i == s.size()) return std::nullopt;
    switch (s[i]) {
      case '\\': out += '\\'; break;
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      default: return std::nullopt;
    }
  }
  return out;
}

template <class Int>
std::optional<Int> parse_int(std::string_view s) {
  Int v{};
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == sep) out.push_back(s.substr(start, i - start)), start = i + 1;
  return out;
}

}  // namespace

std::string TradingStateBook::serialize() const {
  std::string out(kMagic);
  out += "\nepoch " + std::to_string(epoch_) + "\n";
  for (const auto& [scope, e] : engaged_) {
    out += scope.str() + "\t" + to_string(e.state) + "\t" + std::to_string(e.epoch) + "\t" + (e.flatten ? "flatten" : "-") + "," +
           (e.cancel_protective_stops ? "cancel_stops" : "-") + "\t" + std::to_string(e.at_ms) + "\t" + escape(e.by) + "\t" + escape(e.reason) + "\n";
  }
  return out;
}

TradingStateBook TradingStateBook::parse(std::string_view text, const std::string& source) {
  TradingStateBook book;
  auto lines = split(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty() || lines[0] != kMagic)
    throw core::DataError(source, 1, "not a trading-state file: the first line must be '" + std::string(kMagic) + "'");
  if (lines.size() < 2 || lines[1].substr(0, 6) != "epoch ") throw core::DataError(source, 2, "the second line must be 'epoch <n>'");
  const auto epoch = parse_int<uint64_t>(lines[1].substr(6));
  if (!epoch) throw core::DataError(source, 2, "epoch '" + std::string(lines[1].substr(6)) + "' is not a non-negative integer");
  book.epoch_ = *epoch;
  for (size_t i = 2; i < lines.size(); ++i) {
    const auto line = i + 1;
    const auto fields = split(lines[i], '\t');
    if (fields.size() != 7) throw core::DataError(source, line, "expected 7 tab-separated fields, found " + std::to_string(fields.size()));
    Engagement e;
    const auto scope = Scope::parse(fields[0]);
    if (!scope) throw core::DataError(source, line, "scope '" + std::string(fields[0]) + "' is not global, account:<name> or symbol:<name>");
    e.scope = *scope;
    const auto state = parse_trading_state(fields[1]);
    if (!state || *state == TradingState::kActive)
      throw core::DataError(source, line, "state '" + std::string(fields[1]) + "' is not REDUCING or HALTED");
    e.state = *state;
    const auto ep = parse_int<uint64_t>(fields[2]);
    if (!ep || *ep == 0 || *ep > book.epoch_)
      throw core::DataError(source, line, "engagement epoch '" + std::string(fields[2]) + "' is not in 1.." + std::to_string(book.epoch_));
    e.epoch = *ep;
    if (fields[3] != "-,-" && fields[3] != "flatten,-" && fields[3] != "-,cancel_stops" && fields[3] != "flatten,cancel_stops")
      throw core::DataError(source, line, "flags '" + std::string(fields[3]) + "' are not <flatten|->,<cancel_stops|->");
    e.flatten = fields[3].starts_with("flatten");
    e.cancel_protective_stops = fields[3].ends_with("cancel_stops");
    const auto at = parse_int<int64_t>(fields[4]);
    if (!at) throw core::DataError(source, line, "time '" + std::string(fields[4]) + "' is not UTC milliseconds");
    e.at_ms = *at;
    auto by = unescape(fields[5]), reason = unescape(fields[6]);
    if (!by || !reason) throw core::DataError(source, line, "a bad escape in the who or reason field");
    e.by = std::move(*by);
    e.reason = std::move(*reason);
    if (!book.engaged_.emplace(e.scope, e).second) throw core::DataError(source, line, "scope " + e.scope.str() + " appears twice");
  }
  return book;
}

TradingStateBook TradingStateBook::strictest(const TradingStateBook& a, const TradingStateBook& b) {
  TradingStateBook out = a;
  out.epoch_ = std::max(a.epoch_, b.epoch_);
  for (const auto& [scope, e] : b.engaged_) {
    auto it = out.engaged_.find(scope);
    if (it == out.engaged_.end()) out.engaged_.emplace(scope, e);
    else if (e.state > it->second.state || (e.state == it->second.state && e.epoch > it->second.epoch)) it->second = e;
  }
  return out;
}

TradingStateBook TradingStateBook::from_parts(uint64_t epoch, std::vector<Engagement> engagements) {
  TradingStateBook out;
  out.epoch_ = epoch;
  for (auto& e : engagements) {
    out.epoch_ = std::max(out.epoch_, e.epoch);
    auto scope = e.scope;
    out.engaged_[scope] = std::move(e);
  }
  return out;
}

}  // namespace fulcrum::risk
