#include "fulcrum/binance/exchange_info.h"

#include <algorithm>
#include <stdexcept>

#include <simdjson.h>

#include "json_fields.h"

namespace fulcrum::binance {

using Bad = detail::JsonFieldError;

std::optional<std::vector<SymbolFilters>> parse_exchange_info(std::string_view json, std::string& error) {
  static thread_local simdjson::ondemand::parser parser;
  simdjson::padded_string padded(json);
  return detail::parse_or_report<std::vector<SymbolFilters>>(error, [&] {
    simdjson::ondemand::document doc;
    simdjson::ondemand::object top;
    simdjson::ondemand::array symbols;
    if (parser.iterate(padded).get(doc) || doc.get_object().get(top)) throw Bad{"not a JSON object"};
    if (top["symbols"].get_array().get(symbols)) throw Bad{"field 'symbols' missing or not an array"};
    std::vector<SymbolFilters> out;
    for (auto item : symbols) {
      simdjson::ondemand::object s;
      if (item.get_object().get(s)) throw Bad{"symbol " + std::to_string(out.size()) + " is not an object"};
      SymbolFilters f;
      f.symbol = std::string(detail::text(s, "symbol", "symbol " + std::to_string(out.size())));
      f.status = std::string(detail::text(s, "status", f.symbol));
      simdjson::ondemand::array filters;
      if (s["filters"].get_array().get(filters)) throw Bad{f.symbol + ": field 'filters' missing or not an array"};
      for (auto filter_item : filters) {
        simdjson::ondemand::object filter;
        if (filter_item.get_object().get(filter)) throw Bad{f.symbol + ": a filter is not an object"};
        const auto type = std::string(detail::text(filter, "filterType", f.symbol));
        const auto where = f.symbol + " " + type;
        if (type == "PRICE_FILTER") f.tick_size = detail::decimal<core::Price>(filter, "tickSize", where);
        else if (type == "LOT_SIZE") {
          f.step_size = detail::decimal<core::Qty>(filter, "stepSize", where);
          f.max_qty = detail::decimal<core::Qty>(filter, "maxQty", where);
        } else if (type == "MARKET_LOT_SIZE") f.max_market_qty = detail::decimal<core::Qty>(filter, "maxQty", where);
        else if (type == "MIN_NOTIONAL") f.min_notional = detail::decimal<core::Money>(filter, "notional", where);
      }
      if (f.tick_size.raw <= 0 || f.step_size.raw <= 0) throw Bad{f.symbol + ": PRICE_FILTER tickSize or LOT_SIZE stepSize missing or not positive"};
      out.push_back(std::move(f));
    }
    return out;
  });
}

std::string exchange_info_json(const std::vector<model::InstrumentSpec>& specs) {
  std::string body = "{\"timezone\":\"UTC\",\"symbols\":[";
  for (size_t i = 0; i < specs.size(); ++i) {
    const auto& s = specs[i];
    body += std::string(i ? "," : "") + "{\"symbol\":\"" + s.symbol + "\",\"pair\":\"" + s.symbol +
            "\",\"contractType\":\"PERPETUAL\",\"status\":\"TRADING\",\"quoteAsset\":\"USDT\",\"marginAsset\":\"USDT\",\"filters\":["
            "{\"filterType\":\"PRICE_FILTER\",\"tickSize\":\"" + s.tick_size.str() + "\"},"
            "{\"filterType\":\"LOT_SIZE\",\"stepSize\":\"" + s.step_size.str() + "\",\"maxQty\":\"" + s.max_qty.str() + "\",\"minQty\":\"" + s.step_size.str() + "\"},"
            "{\"filterType\":\"MARKET_LOT_SIZE\",\"stepSize\":\"" + s.step_size.str() + "\",\"maxQty\":\"" + s.max_market_qty.str() + "\",\"minQty\":\"" + s.step_size.str() + "\"},"
            "{\"filterType\":\"MIN_NOTIONAL\",\"notional\":\"" + s.min_notional.str() + "\"}]}";
  }
  return body + "]}";
}

model::InstrumentSpec with_exchange_filters(const model::InstrumentSpec& configured, const SymbolFilters& live, std::vector<std::string>& differences) {
  auto spec = configured;
  const auto take = [&](auto& mine, const auto& theirs, const char* name) {
    if (theirs.raw <= 0 || mine == theirs) return;
    differences.push_back(configured.symbol + " " + name + ": config " + mine.str() + ", exchange " + theirs.str());
    mine = theirs;
  };
  take(spec.tick_size, live.tick_size, "tick_size");
  take(spec.step_size, live.step_size, "step_size");
  take(spec.max_qty, live.max_qty, "max_qty");
  take(spec.max_market_qty, live.max_market_qty, "max_market_qty");
  take(spec.min_notional, live.min_notional, "min_notional");
  return spec;
}

namespace {
const std::vector<model::MarginBracket>& table_of(const model::InstrumentSpec& spec) {
  if (!spec.brackets.empty()) return spec.brackets;
  const auto& builtin = model::binance_usdm_brackets();
  const auto it = builtin.find(spec.symbol);
  static const auto fallback = model::default_binance_brackets();
  return it != builtin.end() ? it->second : fallback;
}

bool same_table(const std::vector<model::MarginBracket>& a, const std::vector<model::MarginBracket>& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](const model::MarginBracket& x, const model::MarginBracket& y) {
           return x.notional_floor == y.notional_floor && x.notional_cap == y.notional_cap && x.max_leverage_x == y.max_leverage_x &&
                  x.maintenance_rate == y.maintenance_rate && x.maintenance_amount == y.maintenance_amount;
         });
}
}  // namespace

std::string leverage_bracket_json(const std::vector<model::InstrumentSpec>& specs) {
  std::string out = "[";
  for (const auto& spec : specs) {
    out += std::string(out.size() > 1 ? "," : "") + "{\"symbol\":\"" + spec.symbol + "\",\"brackets\":[";
    const auto& table = table_of(spec);
    for (size_t i = 0; i < table.size(); ++i) {
      const auto& b = table[i];
      out += std::string(i ? "," : "") + "{\"bracket\":" + std::to_string(i + 1) + ",\"initialLeverage\":" + std::to_string(b.max_leverage_x) +
             ",\"notionalCap\":" + b.notional_cap.str() + ",\"notionalFloor\":" + b.notional_floor.str() + ",\"maintMarginRatio\":" +
             b.maintenance_rate.str() + ",\"cum\":" + b.maintenance_amount.str() + "}";
    }
    out += "]}";
  }
  return out + "]";
}

model::InstrumentSpec with_exchange_brackets(const model::InstrumentSpec& configured, const std::map<std::string, std::vector<model::MarginBracket>>& live,
                                             std::vector<std::string>& differences) {
  const auto it = live.find(configured.symbol);
  if (it == live.end() || it->second.empty()) throw std::runtime_error("the exchange's leverageBracket answer has no table for " + configured.symbol);
  auto spec = configured;
  const auto& mine = table_of(configured);
  if (!same_table(mine, it->second))
    differences.push_back(configured.symbol + " brackets: config " + std::to_string(mine.size()) + " tiers (first max " +
                          std::to_string(mine.front().max_leverage_x) + "x), exchange " + std::to_string(it->second.size()) + " tiers (first max " +
                          std::to_string(it->second.front().max_leverage_x) + "x)");
  spec.brackets = it->second;
  return spec;
}

}  // namespace fulcrum::binance
