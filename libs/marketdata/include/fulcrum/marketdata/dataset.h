#pragma once
// Finds and loads each symbol's files: klines, mark-price klines and funding. A symbol's
// files are every file under the folder named SYMBOL.csv[.gz] or SYMBOL-….zip/csv (the
// Binance public-data layout), read in name order and concatenated.
#include <functional>
#include <string>
#include <vector>

#include "fulcrum/marketdata/validation.h"
#include "fulcrum/model/instrument.h"
#include "fulcrum/model/market.h"

namespace fulcrum::marketdata {

struct SymbolData {
  model::InstrumentSpec spec;
  std::vector<model::Bar> bars;          // base bars (1m, 5m …), time-ordered
  std::vector<model::Bar> mark_bars;     // optional
  std::vector<model::FundingEvent> funding;
};


struct DataSources {
  std::string klines;      // folder or file
  std::string mark_price;  // optional folder
  std::string funding;     // optional folder
  std::vector<std::string> symbols;  // empty: every symbol with a kline file
  ValidationMode validation = ValidationMode::kReport;
  Plausibility plausibility;
};

struct LoadedData {
  std::vector<SymbolData> symbols;
  std::vector<std::string> reports;  // one validation summary per file with issues
};

// `spec_for(symbol)` supplies each symbol's instrument spec. Throws core::DataError.
LoadedData load_data(const DataSources& src, const std::function<model::InstrumentSpec(const std::string&)>& spec_for);

// Tick and step for a symbol the config does not list: the finest power of ten that divides
// every price, and every non-zero bar volume.
void infer_filters(model::InstrumentSpec& spec, const std::vector<model::Bar>& bars);

std::vector<std::string> files_for_symbol(const std::string& folder, const std::string& symbol);
std::vector<std::string> symbols_in(const std::string& folder);
// The symbols a run covers, in index order: data.symbols as listed, else every symbol
// under klines, sorted. Every mesh service derives its symbol indices from this.
std::vector<std::string> symbol_list(const DataSources& src);

}  // namespace fulcrum::marketdata
