#pragma once
// Readers for the formats Binance publishes: 12-column public-data klines (zip or csv,
// with or without header), plain OHLCV csv (gz or not), mark-price klines, funding csv.
#include <string>
#include <vector>

#include "fulcrum/marketdata/validation.h"
#include "fulcrum/model/market.h"

namespace fulcrum::marketdata {

struct BarSeries {
  std::string source;  // file path
  core::TimestampMs interval_ms = 0;
  std::vector<model::Bar> bars;
  ValidationReport report;
};

struct FundingSeries {
  std::string source;
  std::vector<model::FundingEvent> events;
  ValidationReport report;
};

// Reads klines. The interval comes from close_time (12 columns) or from the most common
// spacing of open times (6 columns). A file that yields no usable row (empty, header-only,
// garbage, the wrong format) is a DataError naming the file and its first problem.
// A single row whose time jumps ahead of its successor is skipped as out of sequence;
// it does not make every later row look like it went backwards.
BarSeries read_klines(const std::string& path, ValidationMode mode = ValidationMode::kReport, const Plausibility& limits = {});
FundingSeries read_funding(const std::string& path, ValidationMode mode = ValidationMode::kReport, const Plausibility& limits = {});

// Parses a Binance kline csv already in memory; `source` names it in issues.
BarSeries parse_klines(const std::string& text, const std::string& source, ValidationMode mode, const Plausibility& limits = {});
FundingSeries parse_funding(const std::string& text, const std::string& source, ValidationMode mode, const Plausibility& limits = {});

}  // namespace fulcrum::marketdata
