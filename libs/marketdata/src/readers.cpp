#include "fulcrum/marketdata/readers.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>

#include "fulcrum/core/error.h"
#include "fulcrum/core/number_format.h"
#include "fulcrum/marketdata/file_source.h"

namespace fulcrum::marketdata {
namespace {

using core::TimestampMs;
using model::Bar;
using model::FundingEvent;

constexpr size_t kMaxFields = 16;

struct Row {
  size_t line = 0;
  std::string_view fields[kMaxFields];
  size_t n_fields = 0;
};

// Calls fn(Row) for each non-empty, non-header line. A header is a first line that does
// not start with a digit.
template <class Fn>
void for_each_row(const std::string& text, Fn&& fn) {
  size_t pos = 0;
  size_t line_no = 0;
  bool first_content = true;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    std::string_view line(text.data() + pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (first_content) {
      first_content = false;
      const char c = line.front();
      if (!(c >= '0' && c <= '9')) continue;
    }
    Row row;
    row.line = line_no;
    size_t start = 0;
    while (true) {
      const size_t comma = line.find(',', start);
      const std::string_view field = line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
      if (row.n_fields < kMaxFields) row.fields[row.n_fields] = field;
      ++row.n_fields;
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    fn(row);
  }
}

bool parse_int(std::string_view s, int64_t& out) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Binance switched some public files to microsecond timestamps; normalise to ms.
TimestampMs normalise_ms(int64_t t) { return t > 100'000'000'000'000LL ? t / 1000 : t; }

class IssueSink {
 public:
  IssueSink(std::string source, ValidationMode mode, ValidationReport& report)
      : source_(std::move(source)), mode_(mode), report_(report) {}
  void add(size_t line, IssueKind kind, std::string message) {
    if (mode_ == ValidationMode::kStrict)
      throw core::DataError(source_, line, std::string(to_string(kind)) + ": " + message);
    report_.issues.push_back({source_, line, kind, std::move(message)});
  }

 private:
  std::string source_;
  ValidationMode mode_;
  ValidationReport& report_;
};

struct ParsedBar {
  Bar bar;
  size_t line;
};

TimestampMs most_common_spacing(const std::vector<ParsedBar>& rows) {
  std::map<TimestampMs, size_t> counts;
  for (size_t i = 1; i < rows.size() && i < 5000; ++i) {
    const TimestampMs d = rows[i].bar.open_time_ms - rows[i - 1].bar.open_time_ms;
    if (d > 0) ++counts[d];
  }
  TimestampMs best = 0;
  size_t best_n = 0;
  for (auto [d, n] : counts)
    if (n > best_n) best = d, best_n = n;
  return best;
}

constexpr const char* kKlineColumns = "open_time,open,high,low,close,volume[,…12 columns]";

// What a file that produced no usable row says about itself.
[[noreturn]] void throw_unusable(const std::string& source, const ValidationReport& report, const char* what) {
  if (report.rows_read == 0) throw core::DataError(source, 0, std::string("no data rows (empty or header-only file; expected ") + what + ")");
  const auto& first = report.issues.front();
  throw core::DataError(source, first.line,
                        std::string("no usable row among ") + std::to_string(report.rows_read) + " (expected " + what + "); first problem: " +
                            to_string(first.kind) + ": " + first.message);
}

// True when row i jumps ahead of the rows after it while they continue the series: the
// jump is the bad row, not everything after it. Two following rows must agree (one when
// only one follows), so a single backwards row is still the one reported as going back.
template <class T, class TimeOf>
bool out_of_sequence(const std::vector<T>& rows, size_t i, std::optional<TimestampMs> last_kept, TimeOf time_of) {
  if (i + 1 >= rows.size()) return false;
  const TimestampMs t = time_of(rows[i]);
  auto continues_without_it = [&](size_t j) { return time_of(rows[j]) < t && (!last_kept || time_of(rows[j]) > *last_kept); };
  return continues_without_it(i + 1) && (i + 2 >= rows.size() || continues_without_it(i + 2));
}

}  // namespace

BarSeries parse_klines(const std::string& text, const std::string& source, ValidationMode mode, const Plausibility& limits) {
  BarSeries out;
  out.source = source;
  IssueSink sink(source, mode, out.report);
  std::vector<ParsedBar> rows;
  rows.reserve(text.size() / 60);
  TimestampMs interval_from_close = 0;
  size_t expected_cols = 0;

  for_each_row(text, [&](const Row& row) {
    ++out.report.rows_read;
    if (expected_cols == 0 && (row.n_fields == 6 || row.n_fields == 12)) expected_cols = row.n_fields;
    if (row.n_fields != expected_cols) {
      sink.add(row.line, IssueKind::kBadColumnCount,
               "expected " + std::to_string(expected_cols ? expected_cols : 6) + " or 12 columns, got " + std::to_string(row.n_fields));
      return;
    }
    static constexpr const char* kNames[] = {"open_time", "open", "high", "low", "close", "volume"};
    Bar bar;
    int64_t t = 0;
    if (!parse_int(row.fields[0], t)) {
      sink.add(row.line, IssueKind::kNonNumeric, "field open_time: '" + std::string(row.fields[0]) + "'");
      return;
    }
    bar.open_time_ms = normalise_ms(t);
    core::Price* prices[] = {&bar.open, &bar.high, &bar.low, &bar.close};
    for (int i = 0; i < 4; ++i) {
      auto p = core::Price::parse(row.fields[1 + i]);
      if (!p) {
        sink.add(row.line, IssueKind::kNonNumeric, std::string("field ") + kNames[1 + i] + ": '" + std::string(row.fields[1 + i]) + "'");
        return;
      }
      *prices[i] = *p;
    }
    auto v = core::Qty::parse(row.fields[5]);
    if (!v) {
      sink.add(row.line, IssueKind::kNonNumeric, "field volume: '" + std::string(row.fields[5]) + "'");
      return;
    }
    bar.volume = *v;
    if (expected_cols == 12) {
      int64_t close_time = 0;
      auto taker = core::Qty::parse(row.fields[9]);
      if (!parse_int(row.fields[6], close_time) || !taker) {
        sink.add(row.line, IssueKind::kNonNumeric, "field close_time or taker_buy_volume is not numeric");
        return;
      }
      bar.taker_buy_volume = *taker;
      if (interval_from_close == 0) interval_from_close = normalise_ms(close_time) + 1 - bar.open_time_ms;
    }
    const core::Price body_hi = std::max(bar.open, bar.close);
    const core::Price body_lo = std::min(bar.open, bar.close);
    if (bar.low.raw <= 0 || bar.high < body_hi || bar.low > body_lo || bar.volume.raw < 0) {
      sink.add(row.line, IssueKind::kImpossibleOhlc,
               "open=" + bar.open.str() + " high=" + bar.high.str() + " low=" + bar.low.str() + " close=" + bar.close.str() +
                   " volume=" + bar.volume.str());
      return;
    }
    rows.push_back({bar, row.line});
  });

  if (rows.empty()) throw_unusable(source, out.report, kKlineColumns);
  out.interval_ms = interval_from_close > 0 ? interval_from_close : most_common_spacing(rows);
  if (out.interval_ms <= 0 && rows.size() > 1) throw core::DataError(source, 0, "cannot determine the bar interval");

  out.bars.reserve(rows.size());
  const auto bar_time = [](const ParsedBar& p) { return p.bar.open_time_ms; };
  for (size_t i = 0; i < rows.size(); ++i) {
    auto& r = rows[i];
    r.bar.interval_ms = out.interval_ms;
    const auto last_kept = out.bars.empty() ? std::nullopt : std::optional<TimestampMs>(out.bars.back().open_time_ms);
    if (out_of_sequence(rows, i, last_kept, bar_time)) {
      sink.add(r.line, IssueKind::kNonMonotonic,
               "open_time " + std::to_string(r.bar.open_time_ms) + " is out of sequence: the next row (line " + std::to_string(rows[i + 1].line) +
                   ") is at " + std::to_string(rows[i + 1].bar.open_time_ms));
      continue;
    }
    if (!out.bars.empty()) {
      // A price ×f or ÷f away from the previous close in one bar is a corrupt row.
      const double prev = out.bars.back().close.to_double();
      const double f = limits.max_price_jump_factor;
      if (r.bar.high.to_double() > prev * f || r.bar.low.to_double() < prev / f) {
        sink.add(r.line, IssueKind::kImplausible,
                 "high " + r.bar.high.str() + " / low " + r.bar.low.str() + " moves more than ×" + core::short_number(f) + " from the previous close " +
                     out.bars.back().close.str());
        continue;
      }
      const TimestampMs last = out.bars.back().open_time_ms;
      const TimestampMs t = r.bar.open_time_ms;
      if (t == last) {
        sink.add(r.line, IssueKind::kDuplicate, "open_time " + std::to_string(t) + " repeats the previous row");
        continue;
      }
      if (t < last) {
        sink.add(r.line, IssueKind::kNonMonotonic, "open_time " + std::to_string(t) + " is before " + std::to_string(last));
        continue;
      }
      if (t - last != out.interval_ms) {
        sink.add(r.line, IssueKind::kGap,
                 std::to_string((t - last) / out.interval_ms - 1) + " missing bar(s) before open_time " + std::to_string(t));
      }
    }
    out.bars.push_back(r.bar);
  }
  out.report.rows_kept = out.bars.size();
  if (out.bars.empty()) throw_unusable(source, out.report, kKlineColumns);
  return out;
}

FundingSeries parse_funding(const std::string& text, const std::string& source, ValidationMode mode, const Plausibility& limits) {
  FundingSeries out;
  out.source = source;
  IssueSink sink(source, mode, out.report);
  struct ParsedEvent {
    FundingEvent ev;
    size_t line;
  };
  std::vector<ParsedEvent> rows;
  const core::Rate max_rate = core::Rate::from_double(limits.max_abs_funding_rate);
  for_each_row(text, [&](const Row& row) {
    ++out.report.rows_read;
    if (row.n_fields != 3) {
      sink.add(row.line, IssueKind::kBadColumnCount, "expected 3 columns (calc_time,funding_interval_hours,last_funding_rate), got " + std::to_string(row.n_fields));
      return;
    }
    int64_t t = 0, hours = 0;
    if (!parse_int(row.fields[0], t)) return sink.add(row.line, IssueKind::kNonNumeric, "field calc_time: '" + std::string(row.fields[0]) + "'");
    if (!parse_int(row.fields[1], hours) || hours <= 0 || hours > 24)
      return sink.add(row.line, IssueKind::kNonNumeric, "field funding_interval_hours: '" + std::string(row.fields[1]) + "'");
    auto rate = core::Rate::parse(row.fields[2]);
    if (!rate) return sink.add(row.line, IssueKind::kNonNumeric, "field last_funding_rate: '" + std::string(row.fields[2]) + "'");
    if (rate->abs() > max_rate)
      return sink.add(row.line, IssueKind::kImplausible,
                      "funding rate " + rate->str() + " exceeds the plausible ±" + max_rate.str() + " per interval");
    rows.push_back({FundingEvent{normalise_ms(t), static_cast<int>(hours), *rate}, row.line});
  });
  const auto event_time = [](const ParsedEvent& p) { return p.ev.funding_time_ms; };
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& [ev, line] = rows[i];
    const auto last_kept = out.events.empty() ? std::nullopt : std::optional<TimestampMs>(out.events.back().funding_time_ms);
    if (out_of_sequence(rows, i, last_kept, event_time)) {
      sink.add(line, IssueKind::kNonMonotonic, "calc_time " + std::to_string(ev.funding_time_ms) + " is out of sequence: the next row (line " +
                                                   std::to_string(rows[i + 1].line) + ") is earlier");
      continue;
    }
    if (!out.events.empty()) {
      const auto& prev = out.events.back();
      if (ev.funding_time_ms == prev.funding_time_ms) {
        sink.add(line, IssueKind::kDuplicate, "calc_time repeats");
        continue;
      }
      if (ev.funding_time_ms < prev.funding_time_ms) {
        sink.add(line, IssueKind::kNonMonotonic, "calc_time goes backwards");
        continue;
      }
      // Real calc times drift by a few ms; a gap is a whole missed interval. When a contract
      // moves between 8 h, 4 h and 1 h funding, either interval may separate the two events.
      const int interval_hours = std::max(prev.interval_hours, ev.interval_hours);
      if (ev.funding_time_ms - prev.funding_time_ms > interval_hours * core::kMsPerHour + core::kMsPerMinute)
        sink.add(line, IssueKind::kGap, "funding event(s) missing before calc_time " + std::to_string(ev.funding_time_ms));
    }
    out.events.push_back(ev);
  }
  out.report.rows_kept = out.events.size();
  if (out.events.empty()) throw_unusable(source, out.report, "calc_time,funding_interval_hours,last_funding_rate");
  return out;
}

BarSeries read_klines(const std::string& path, ValidationMode mode, const Plausibility& limits) {
  const auto file = read_data_file(path);
  return parse_klines(file.bytes, file.name, mode, limits);
}
FundingSeries read_funding(const std::string& path, ValidationMode mode, const Plausibility& limits) {
  const auto file = read_data_file(path);
  return parse_funding(file.bytes, file.name, mode, limits);
}

}  // namespace fulcrum::marketdata
