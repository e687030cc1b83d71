#include "fulcrum/marketdata/dataset.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <set>

#include "fulcrum/core/error.h"
#include "fulcrum/core/time_format.h"
#include "fulcrum/marketdata/readers.h"

namespace fulcrum::marketdata {
namespace fs = std::filesystem;

namespace {
bool is_data_file(const fs::path& p) {
  const std::string name = p.filename().string();
  auto ends = [&](const char* s) { return name.size() >= std::strlen(s) && name.compare(name.size() - std::strlen(s), std::string::npos, s) == 0; };
  return ends(".csv") || ends(".csv.gz") || ends(".zip");
}
std::string symbol_of(const std::string& filename) {
  const size_t cut = filename.find_first_of(".-");
  return filename.substr(0, cut);
}
// The largest power of ten (at most 1) that divides every value: the finest increment the
// data shows. Prices move in ticks; bar volumes are sums of trades, so in steps.
template <class F>
F finest_power_of_ten(const std::vector<F>& values) {
  int64_t unit = F::kScale;
  for (const auto& v : values)
    while (unit > 1 && v.raw % unit != 0) unit /= 10;
  return F::from_raw(unit);
}
}  // namespace

void infer_filters(model::InstrumentSpec& spec, const std::vector<model::Bar>& bars) {
  std::vector<core::Price> prices;
  std::vector<core::Qty> volumes;
  for (const auto& b : bars) {
    prices.insert(prices.end(), {b.open, b.high, b.low, b.close});
    if (b.volume.raw > 0) volumes.push_back(b.volume);
  }
  spec.tick_size = finest_power_of_ten(prices);
  spec.step_size = finest_power_of_ten(volumes);
}

std::vector<std::string> files_for_symbol(const std::string& folder, const std::string& symbol) {
  std::vector<std::string> out;
  if (fs::is_regular_file(folder)) return {folder};
  if (!fs::is_directory(folder)) throw core::DataError(folder, 0, "no such file or folder");
  for (const auto& e : fs::recursive_directory_iterator(folder)) {
    if (!e.is_regular_file() || !is_data_file(e.path())) continue;
    if (symbol_of(e.path().filename().string()) == symbol) out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> symbol_list(const DataSources& src) { return src.symbols.empty() ? symbols_in(src.klines) : src.symbols; }

std::vector<std::string> symbols_in(const std::string& folder) {
  std::set<std::string> syms;
  if (fs::is_regular_file(folder)) return {symbol_of(fs::path(folder).filename().string())};
  if (!fs::is_directory(folder)) throw core::DataError(folder, 0, "no such file or folder");
  for (const auto& e : fs::recursive_directory_iterator(folder))
    if (e.is_regular_file() && is_data_file(e.path())) syms.insert(symbol_of(e.path().filename().string()));
  return {syms.begin(), syms.end()};
}

LoadedData load_data(const DataSources& src, const std::function<model::InstrumentSpec(const std::string&)>& spec_for) {
  LoadedData out;
  const auto symbols = symbol_list(src);
  if (symbols.empty()) throw core::DataError(src.klines, 0, "no kline files found");
  auto note = [&](const ValidationReport& r, const std::string& file) {
    if (!r.issues.empty()) out.reports.push_back(file + ": " + r.summary());
  };
  auto append_bars = [&](std::vector<model::Bar>& dst, const std::string& file) {
    auto series = read_klines(file, src.validation, src.plausibility);
    if (!dst.empty()) {
      const auto& first = series.bars.front();
      if (first.open_time_ms <= dst.back().open_time_ms) throw core::DataError(file, 0, "overlaps the previous file of the same symbol");
      // Monthly files are one series: a month missing between two files is a gap like any other.
      const core::TimestampMs expected = dst.back().open_time_ms + series.interval_ms;
      if (first.open_time_ms != expected) {
        const std::string msg = "gap: " + std::to_string((first.open_time_ms - expected) / series.interval_ms) + " missing bar(s) between the previous file (last bar " +
                                core::format_utc_ms(dst.back().open_time_ms) + ") and this one (first bar " + core::format_utc_ms(first.open_time_ms) + ")";
        if (src.validation == ValidationMode::kStrict) throw core::DataError(file, 0, msg);
        series.report.issues.insert(series.report.issues.begin(), {file, 0, IssueKind::kGap, msg});
      }
    }
    note(series.report, file);
    dst.insert(dst.end(), series.bars.begin(), series.bars.end());
  };
  for (const auto& sym : symbols) {
    SymbolData d;
    d.spec = spec_for(sym);
    const auto kline_files = files_for_symbol(src.klines, sym);
    if (kline_files.empty()) throw core::DataError(src.klines, 0, "no kline file for symbol " + sym);
    for (const auto& f : kline_files) append_bars(d.bars, f);
    if (!d.spec.filters_from_config) {
      infer_filters(d.spec, d.bars);
      out.reports.push_back(sym + ": not listed under venue.instruments; inferred tick_size " + d.spec.tick_size.str() + " and step_size " +
                            d.spec.step_size.str() + " from the data's own increments");
    }
    if (!src.mark_price.empty()) {
      for (const auto& f : files_for_symbol(src.mark_price, sym)) append_bars(d.mark_bars, f);
    }
    if (!src.funding.empty()) {
      for (const auto& f : files_for_symbol(src.funding, sym)) {
        auto series = read_funding(f, src.validation, src.plausibility);
        note(series.report, f);
        d.funding.insert(d.funding.end(), series.events.begin(), series.events.end());
      }
    }
    out.symbols.push_back(std::move(d));
  }
  return out;
}

}  // namespace fulcrum::marketdata
