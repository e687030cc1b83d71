#include "fulcrum/model/instrument.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace fulcrum::model {

void derive_maintenance_amounts(std::vector<MarginBracket>& brackets) {
  Money cum;
  Rate previous_rate;
  for (size_t i = 0; i < brackets.size(); ++i) {
    if (i > 0) {
      const Rate step = brackets[i].maintenance_rate - previous_rate;
      cum += core::apply_rate(brackets[i].notional_floor, step);
    }
    brackets[i].maintenance_amount = cum;
    previous_rate = brackets[i].maintenance_rate;
  }
}

std::vector<MarginBracket> default_binance_brackets() {
  struct Row {
    int64_t floor, cap;
    int lev;
    double mmr;
  };
  // Binance USDⓈ-M BTCUSDT leverage and margin table.
  static constexpr Row kRows[] = {
      {0, 50'000, 125, 0.004},
      {50'000, 250'000, 100, 0.005},
      {250'000, 3'000'000, 50, 0.01},
      {3'000'000, 15'000'000, 20, 0.025},
      {15'000'000, 30'000'000, 10, 0.05},
      {30'000'000, 80'000'000, 5, 0.10},
      {80'000'000, 100'000'000, 4, 0.125},
      {100'000'000, 200'000'000, 3, 0.15},
      {200'000'000, 300'000'000, 2, 0.25},
      {300'000'000, 500'000'000, 1, 0.50},
  };
  std::vector<MarginBracket> out;
  for (const auto& r : kRows) {
    out.push_back({Money::from_int(r.floor), Money::from_int(r.cap), r.lev, Rate::from_double(r.mmr), Money{}});
  }
  derive_maintenance_amounts(out);
  return out;
}

std::vector<std::string> bracket_table_problems(const std::vector<MarginBracket>& brackets) {
  std::vector<std::string> out;
  if (brackets.empty()) return {"the table is empty"};
  std::vector<MarginBracket> derived = brackets;
  derive_maintenance_amounts(derived);
  for (size_t i = 0; i < brackets.size(); ++i) {
    const auto& b = brackets[i];
    const std::string at = "bracket " + std::to_string(i + 1) + ": ";
    const Money expected_floor = i == 0 ? Money{} : brackets[i - 1].notional_cap;
    if (b.notional_floor != expected_floor)
      out.push_back(at + "notional floor " + b.notional_floor.str() + " must equal " + (i == 0 ? std::string("0") : "the previous cap " + expected_floor.str()));
    if (b.notional_cap <= b.notional_floor) out.push_back(at + "notional cap " + b.notional_cap.str() + " must exceed its floor " + b.notional_floor.str());
    if (b.max_leverage_x < 1) out.push_back(at + "max leverage must be at least 1x");
    if (b.maintenance_rate.raw <= 0) out.push_back(at + "maintenance rate must be positive");
    // MMR < 1/L ⇔ MMR·L < 1, compared exactly in Rate raw units.
    if (b.max_leverage_x >= 1 && static_cast<core::int128>(b.maintenance_rate.raw) * b.max_leverage_x >= Rate::kScale)
      out.push_back(at + "maintenance rate " + b.maintenance_rate.str() + " must be below the initial margin rate 1/" + std::to_string(b.max_leverage_x));
    if (i > 0 && b.max_leverage_x > brackets[i - 1].max_leverage_x)
      out.push_back(at + "max leverage " + std::to_string(b.max_leverage_x) + "x must not exceed the previous tier's " + std::to_string(brackets[i - 1].max_leverage_x) + "x");
    if (i > 0 && b.maintenance_rate < brackets[i - 1].maintenance_rate)
      out.push_back(at + "maintenance rate " + b.maintenance_rate.str() + " must not be below the previous tier's " + brackets[i - 1].maintenance_rate.str());
    // Published cums are rounded to the cent; anything further off is a different table.
    if ((b.maintenance_amount - derived[i].maintenance_amount).abs() > Money::from_raw(Money::kScale / 100))
      out.push_back(at + "cum " + b.maintenance_amount.str() + " disagrees with the derived " + derived[i].maintenance_amount.str());
  }
  return out;
}

std::map<std::string, std::vector<MarginBracket>> parse_binance_bracket_json(const std::string& json_text, const std::string& source) {
  std::map<std::string, std::vector<MarginBracket>> out;
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    throw std::invalid_argument(source + ": not JSON: " + e.what());
  }
  if (!doc.is_array()) throw std::invalid_argument(source + ": expected the leverageBracket response, an array of {symbol, brackets}");
  for (const auto& entry : doc) {
    try {
      const std::string symbol = entry.at("symbol").get<std::string>();
      std::vector<MarginBracket> table;
      for (const auto& t : entry.at("brackets")) {
        // The exchange prints these as JSON numbers; from_double rounds once onto our grid.
        // A last tier "without cap" is printed as Java's Long.MAX_VALUE (BTCSTUSDT): read
        // any cap beyond 1e10 USDT, the largest notional the venue forms, as 1e10.
        constexpr double kMaxCap = 1e10;
        table.push_back({Money::from_double(t.at("notionalFloor").get<double>()), Money::from_double(std::min(t.at("notionalCap").get<double>(), kMaxCap)),
                         t.at("initialLeverage").get<int>(), Rate::from_double(t.at("maintMarginRatio").get<double>()),
                         Money::from_double(t.at("cum").get<double>())});
      }
      if (const auto problems = bracket_table_problems(table); !problems.empty())
        throw std::invalid_argument(source + ": " + symbol + ": " + problems.front());
      out[symbol] = std::move(table);
    } catch (const nlohmann::json::exception& e) {
      throw std::invalid_argument(source + ": entry " + entry.dump().substr(0, 80) + ": " + e.what());
    } catch (const core::ArithmeticOverflow& e) {
      throw std::invalid_argument(source + ": a value out of range: " + e.what());
    }
  }
  return out;
}

namespace detail {
extern const char kBinanceUsdmBracketsJson[];
}  // namespace detail

const std::map<std::string, std::vector<MarginBracket>>& binance_usdm_brackets() {
  static const auto tables = parse_binance_bracket_json(detail::kBinanceUsdmBracketsJson, "built-in binance-um-usdt-2024-10-24.json");
  return tables;
}

const MarginBracket& bracket_for(const std::vector<MarginBracket>& brackets, Money position_notional) {
  if (brackets.empty()) throw std::invalid_argument("bracket_for: empty bracket table");
  const Money abs_notional = position_notional.abs();
  for (const auto& b : brackets) {
    if (abs_notional < b.notional_cap) return b;
  }
  return brackets.back();
}

}  // namespace fulcrum::model
