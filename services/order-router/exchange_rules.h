#pragma once
// The exchange's rules for the config's symbols, read once at the router's start: the symbol
// filters (exchangeInfo: tick, step, max quantities, min notional) and, where an account is
// known, its leverage brackets (leverageBracket, which can differ per account). The venues
// fill under them instead of the config's values: the live account on the exchange, the
// shadow accounts beside it, and paper venues trading live data (--exchange-rules), so a
// paper account's fills obey what the exchange would enforce today.
//
// Applied once for every account: each difference from the config is logged once, a config
// symbol the exchange does not trade stops the start, and the brackets read from the
// exchange are written for the risk gatekeeper (runtime::kAccountBracketsKey).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fulcrum/binance/exchange_info.h"
#include "fulcrum/exchange_link/binance_rest.h"
#include "fulcrum/router/router_core.h"
#include "fulcrum/runtime/service.h"

namespace fulcrum::order_router {

struct ExchangeRules {
  std::map<std::string, binance::SymbolFilters> filters;
  // Empty: none read (a paper venue without an account's keys); the config's table stands.
  std::map<std::string, std::vector<model::MarginBracket>> brackets;
};

// GET /fapi/v1/exchangeInfo, a public endpoint: no key, no signature. Throws
// std::runtime_error naming the request and what was wrong with the answer.
std::map<std::string, binance::SymbolFilters> read_exchange_filters(const std::string& rest_base, const exchange_link::TlsOptions& tls);
// GET /fapi/v1/leverageBracket, signed: the account's own table. Throws std::runtime_error.
std::map<std::string, std::vector<model::MarginBracket>> read_account_brackets(exchange_link::BinanceRest& rest);

class RulesOnSpecs {
 public:
  RulesOnSpecs(runtime::Service& svc, ExchangeRules rules) : svc_(svc), rules_(std::move(rules)) {}
  // `configured` on the exchange's rules (the same for every account: computed, logged and
  // published on the first call). Throws runtime::StartupError for a symbol the exchange
  // does not trade, or whose brackets the account's answer lacks.
  const std::vector<model::InstrumentSpec>& specs(const std::vector<model::InstrumentSpec>& configured);

 private:
  runtime::Service& svc_;
  ExchangeRules rules_;
  std::optional<std::vector<model::InstrumentSpec>> specs_;
};

// --venue paper --exchange-rules: paper venues on live data that fill under the exchange's
// filters, read from `rest_base` at start (public: no key needed). The brackets stay the
// config's (Binance's shipped table): an account's own need its keys, which paper trading
// does not ask for. Throws runtime::StartupError when exchangeInfo cannot be read.
router::VenueFactory paper_on_exchange_rules(runtime::Service& svc, const std::string& rest_base, const exchange_link::TlsOptions& tls);

}  // namespace fulcrum::order_router
