#include "exchange_rules.h"

#include <stdexcept>

#include "fulcrum/runtime/account_bracket_watch.h"
#include "fulcrum/venue/paper_venue.h"

namespace fulcrum::order_router {

std::map<std::string, binance::SymbolFilters> read_exchange_filters(const std::string& rest_base, const exchange_link::TlsOptions& tls) {
  const auto res = exchange_link::http_request(exchange_link::Url::parse(rest_base), "GET", "/fapi/v1/exchangeInfo", "", {}, tls);
  std::string error;
  const auto filters = res.status == 200 ? binance::parse_exchange_info(res.body, error) : std::nullopt;
  if (!filters)
    throw std::runtime_error("GET /fapi/v1/exchangeInfo: " + (error.empty() ? "HTTP " + std::to_string(res.status) + ": " + res.body.substr(0, 200) : error));
  std::map<std::string, binance::SymbolFilters> out;
  for (const auto& f : *filters) out[f.symbol] = f;
  return out;
}

std::map<std::string, std::vector<model::MarginBracket>> read_account_brackets(exchange_link::BinanceRest& rest) {
  const auto answer = rest.send({"GET", "/fapi/v1/leverageBracket", {}, "", false});
  if (answer.outcome != binance::SendOutcome::kAccepted) throw std::runtime_error("GET /fapi/v1/leverageBracket: " + answer.body.substr(0, 200));
  try {
    return model::parse_binance_bracket_json(answer.body, "GET /fapi/v1/leverageBracket");
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(e.what());  // the exchange's answer, not the user's config
  }
}

const std::vector<model::InstrumentSpec>& RulesOnSpecs::specs(const std::vector<model::InstrumentSpec>& configured) {
  if (specs_) return *specs_;
  std::vector<model::InstrumentSpec> specs;
  std::vector<std::string> differences, bracket_differences;
  for (const auto& spec : configured) {
    const auto live = rules_.filters.find(spec.symbol);
    if (live == rules_.filters.end() || live->second.status != "TRADING")
      throw runtime::StartupError(runtime::kExitConfig, "the config's symbol " + spec.symbol + " is " +
                                                            (live == rules_.filters.end() ? "not listed" : "'" + live->second.status + "'") +
                                                            " at the exchange (exchangeInfo)");
    auto on_filters = binance::with_exchange_filters(spec, live->second, differences);
    if (rules_.brackets.empty()) {
      specs.push_back(std::move(on_filters));
      continue;
    }
    try {
      specs.push_back(binance::with_exchange_brackets(on_filters, rules_.brackets, bracket_differences));
    } catch (const std::runtime_error& e) {
      throw runtime::StartupError(runtime::kExitRuntime, e.what());
    }
  }
  for (const auto& d : differences)
    svc_.log().warn("event=exchange_filter_differs detail=\"{}\" note=\"the exchange's value is used; the planner sizes with the config's: update the config\"", d);
  svc_.log().info("event=exchange_filters symbols={} differences={}", specs.size(), differences.size());
  if (!rules_.brackets.empty()) {
    for (const auto& d : bracket_differences)
      svc_.log().warn("event=exchange_brackets_differ detail=\"{}\" note=\"the account's brackets are used for margin, maintenance and liquidation, and the gatekeeper caps leverage by them\"", d);
    svc_.log().info("event=exchange_brackets symbols={} differences={}", specs.size(), bracket_differences.size());
    // For the gatekeeper, in the exchange's own shape: it parses them with the same reader.
    const auto key = svc_.key(runtime::kAccountBracketsKey);
    if (!svc_.redis().command({"SET", key, binance::leverage_bracket_json(specs)}))
      throw runtime::StartupError(runtime::kExitRuntime, "Redis: cannot write the account's brackets to " + key + " for the gatekeeper: " + svc_.redis().last_error());
  }
  specs_ = std::move(specs);
  return *specs_;
}

router::VenueFactory paper_on_exchange_rules(runtime::Service& svc, const std::string& rest_base, const exchange_link::TlsOptions& tls) {
  ExchangeRules rules;
  try {
    rules.filters = read_exchange_filters(rest_base, tls);
  } catch (const std::exception& e) {
    throw runtime::StartupError(runtime::kExitRuntime, std::string("--exchange-rules: ") + e.what());
  }
  svc.log().info("event=paper_on_exchange_rules rest={} symbols_listed={} note=\"paper venues fill under the exchange's filters; brackets are the config's\"", rest_base,
                 rules.filters.size());
  auto on_specs = std::make_shared<RulesOnSpecs>(svc, std::move(rules));
  return [&svc, on_specs](const std::string&, const std::vector<model::InstrumentSpec>& configured, core::Money deposit,
                          core::TimestampMs start_ms) -> std::unique_ptr<venue::Venue> {
    try {
      return std::make_unique<venue::PaperVenue>(svc.config().backtest.venue, on_specs->specs(configured), deposit, start_ms);
    } catch (const runtime::StartupError& e) {
      throw runtime::StartupError(e.exit_code(), std::string("--exchange-rules: ") + e.what());
    }
  };
}

}  // namespace fulcrum::order_router
