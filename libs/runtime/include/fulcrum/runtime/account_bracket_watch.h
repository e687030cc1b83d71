#pragma once
// The account's own leverage brackets between the order router, which reads them from the
// exchange at start (GET /fapi/v1/leverageBracket: they can differ per account, e.g. a
// capped account), and the risk gatekeeper, which denies a new order above them
// (risk::account_bracket_verdict). They travel as "<ns>:router:account_brackets" in Redis,
// in Binance's own JSON shape, and are parsed by the same reader as the exchange's answer.
// The planner sizes with the config's table; without this check an entry above the
// account's real cap would only be refused at the exchange (-2027), after the gate passed it.
#include <chrono>
#include <optional>
#include <string>

#include <prometheus/gauge.h>

#include "fulcrum/risk/pre_trade_gate.h"
#include "fulcrum/runtime/service.h"

namespace fulcrum::runtime {

inline constexpr const char* kAccountBracketsKey = "router:account_brackets";  // under the mesh's namespace; the order router writes it

// The gatekeeper's view, read at most once a second and parsed again only when the text
// changes. Fails closed: until the router has written the brackets, and whenever the key is
// gone or does not parse, every new order is denied (reductions pass). A Redis read that
// fails keeps the table last read: the brackets are the account's standing limits, not a
// feed that goes stale. The gauge fulcrum_account_bracket_symbols says how many symbols have
// a table (−1: none read).
class AccountBracketWatch {
 public:
  AccountBracketWatch(Service& svc, bool enabled);
  void poll();
  // nullopt: allowed (also whenever the watch is off: a paper venue has no account brackets).
  std::optional<risk::GateVerdict> verdict(const std::string& symbol, const risk::GateOrder& order, bool reduces_exposure) const;

 private:
  void forget(const std::string& why);
  Service& svc_;
  bool enabled_;
  prometheus::Gauge& symbols_;
  std::string text_;    // the value last parsed (or refused)
  std::string logged_;  // the reason last logged for having no table
  std::optional<risk::BracketTable> table_;
  std::chrono::steady_clock::time_point next_{};
};

}  // namespace fulcrum::runtime
