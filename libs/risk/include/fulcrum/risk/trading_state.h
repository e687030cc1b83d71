#pragma once
// Trading states: what a desk may still do. ACTIVE trades; REDUCING accepts only orders
// that cut exposure; HALTED accepts nothing new, cancels working entry orders and keeps
// reduce-only protective stops unless told otherwise. A state is engaged on a scope
// (global, one account, one symbol) and the strictest state that applies to an order wins.
//
// Every change takes the next value of one monotonic epoch. A release names the epoch it
// clears, so a release typed against an old status can never undo a newer engage: an
// operator who released epoch 4 while a colleague re-engaged at 5 gets a refusal, not an
// open market. Pure: the clock, the caller and persistence are the caller's.
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fulcrum::risk {

enum class TradingState : uint8_t { kActive = 0, kReducing = 1, kHalted = 2 };  // ordered by strictness
const char* to_string(TradingState s);
std::optional<TradingState> parse_trading_state(std::string_view s);

struct Scope {
  enum class Kind : uint8_t { kGlobal, kAccount, kSymbol };
  Kind kind = Kind::kGlobal;
  std::string name;  // the account or symbol; empty for global
  // "global", "account:<name>", "symbol:<name>"
  std::string str() const;
  static std::optional<Scope> parse(std::string_view text);
  static Scope global() { return {}; }
  static Scope account(std::string n) { return {Kind::kAccount, std::move(n)}; }
  static Scope symbol(std::string n) { return {Kind::kSymbol, std::move(n)}; }
  auto operator<=>(const Scope&) const = default;
};

struct Engagement {
  Scope scope;
  TradingState state = TradingState::kActive;
  uint64_t epoch = 0;
  bool flatten = false;                  // close every position in scope (reduce-only market orders)
  bool cancel_protective_stops = false;  // HALTED: cancel the reduce-only stops too
  int64_t at_ms = 0;                     // UTC, when it was engaged
  std::string by;                        // who: the caller's token id, or the automatic trigger
  std::string reason;
  bool operator==(const Engagement&) const = default;
};

struct EngageRequest {
  Scope scope;
  TradingState state = TradingState::kHalted;
  bool flatten = false;
  bool cancel_protective_stops = false;
  int64_t at_ms = 0;
  std::string by, reason;
};

struct StateChange {
  enum class Outcome { kApplied, kStaleEpoch, kNotEngaged, kInvalid };
  Outcome outcome = Outcome::kApplied;
  uint64_t epoch = 0;  // the change's epoch (applied), or the one in force (refused)
  TradingState before = TradingState::kActive, after = TradingState::kActive;
  std::string detail;
  bool applied() const { return outcome == Outcome::kApplied; }
};

class TradingStateBook {
 public:
  // Engages `req.state` on its scope with the next epoch; it replaces whatever that scope
  // had. Engaging ACTIVE is refused: only a release, naming its epoch, lifts a state.
  StateChange engage(const EngageRequest& req);
  // Lifts the scope's engagement if `epoch` is the one in force; refuses an older one.
  StateChange release(const Scope& scope, uint64_t epoch);

  // The strictest state in force for an order of `account` in `symbol`.
  TradingState effective(std::string_view account, std::string_view symbol) const;
  // The engagement that decides `effective` (nullptr when ACTIVE).
  const Engagement* deciding(std::string_view account, std::string_view symbol) const;
  // Whether a new order may pass: ACTIVE passes all, REDUCING only `reduces_exposure`,
  // HALTED none.
  bool allows(std::string_view account, std::string_view symbol, bool reduces_exposure) const;

  uint64_t epoch() const { return epoch_; }  // the last change's epoch (0: never changed)
  const std::map<Scope, Engagement>& engagements() const { return engaged_; }
  bool operator==(const TradingStateBook&) const = default;

  // A versioned, line-based text form (one engagement per line, tab-separated) an operator
  // can read with cat. parse() throws core::DataError naming `source` and the line.
  std::string serialize() const;
  static TradingStateBook parse(std::string_view text, const std::string& source);
  // Two copies of the book (Redis and a local file, say) after a restart: per scope the
  // stricter engagement, and the higher epoch. Fail closed: a release one copy missed is
  // undone, never an engage.
  static TradingStateBook strictest(const TradingStateBook& a, const TradingStateBook& b);
  // Rebuilds a book from its parts (the wire form); the epoch is at least every engagement's.
  static TradingStateBook from_parts(uint64_t epoch, std::vector<Engagement> engagements);

 private:
  std::map<Scope, Engagement> engaged_;
  uint64_t epoch_ = 0;
};

}  // namespace fulcrum::risk
