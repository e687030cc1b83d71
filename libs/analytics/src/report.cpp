#include "fulcrum/analytics/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>
#include <nlohmann/json.hpp>

#include "fulcrum/core/time_format.h"

#include "fulcrum/core/number_format.h"

namespace fulcrum::analytics {
namespace {

using core::percent;
std::string num(double v, int decimals = 2) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

struct Column {
  const char* header;
  std::string (*value)(const PolicyMetrics&);
};

const std::vector<Column>& columns() {
  static const std::vector<Column> cols = {
      {"policy", [](const PolicyMetrics& m) { return m.policy; }},
      {"monthly return (mean)", [](const PolicyMetrics& m) { return percent(m.mean_monthly_return); }},
      {"total return", [](const PolicyMetrics& m) { return percent(m.total_return); }},
      {"win rate", [](const PolicyMetrics& m) { return percent(m.win_rate); }},
      {"trades/month", [](const PolicyMetrics& m) { return num(m.trades_per_month, 1); }},
      {"win:loss", [](const PolicyMetrics& m) { return std::to_string(m.wins) + ":" + std::to_string(m.losses); }},
      {"trade ROM mean/max/min",
       [](const PolicyMetrics& m) { return percent(m.mean_return_on_margin) + " / " + percent(m.max_return_on_margin) + " / " + percent(m.min_return_on_margin); }},
      {"trade ROE mean/max/min",
       [](const PolicyMetrics& m) { return percent(m.mean_return_on_equity) + " / " + percent(m.max_return_on_equity) + " / " + percent(m.min_return_on_equity); }},
      {"max DD", [](const PolicyMetrics& m) { return percent(m.max_drawdown); }},
      {"Sharpe", [](const PolicyMetrics& m) { return num(m.sharpe); }},
      {"Sortino", [](const PolicyMetrics& m) { return num(m.sortino); }},
      {"Calmar", [](const PolicyMetrics& m) { return num(m.calmar); }},
      {"liquidations", [](const PolicyMetrics& m) { return std::to_string(m.liquidations); }},
      {"fees", [](const PolicyMetrics& m) { return num(m.fees_paid); }},
      {"funding", [](const PolicyMetrics& m) { return num(m.funding_net); }},
      {"time in market", [](const PolicyMetrics& m) { return percent(m.time_in_market); }},
  };
  return cols;
}

std::vector<std::string> months_of(const std::vector<PolicyMetrics>& metrics) {
  std::vector<std::string> months;
  for (const auto& m : metrics)
    for (const auto& mr : m.monthly)
      if (std::find(months.begin(), months.end(), mr.month) == months.end()) months.push_back(mr.month);
  std::sort(months.begin(), months.end());
  return months;
}

std::string month_value(const PolicyMetrics& m, const std::string& month) {
  for (const auto& mr : m.monthly)
    if (mr.month == month) return percent(mr.return_fraction);
  return "";
}

nlohmann::json metrics_json(const PolicyMetrics& m) {
  nlohmann::json monthly = nlohmann::json::object();
  for (const auto& mr : m.monthly) monthly[mr.month] = mr.return_fraction;
  nlohmann::json j = {{"policy", m.policy},
          {"monthly_returns", monthly},
          {"mean_monthly_return", m.mean_monthly_return},
          {"total_return", m.total_return},
          {"final_equity", m.final_equity},
          {"trades", m.trades},
          {"wins", m.wins},
          {"losses", m.losses},
          {"win_rate", m.win_rate},
          {"trades_per_month", m.trades_per_month},
          {"trade_return_on_margin", {{"mean", m.mean_return_on_margin}, {"max", m.max_return_on_margin}, {"min", m.min_return_on_margin}}},
          {"trade_return_on_equity", {{"mean", m.mean_return_on_equity}, {"max", m.max_return_on_equity}, {"min", m.min_return_on_equity}}},
          {"max_drawdown", m.max_drawdown},
          {"sharpe", m.sharpe},
          {"sortino", m.sortino},
          {"calmar", m.calmar},
          {"liquidations", m.liquidations},
          {"fees_paid", m.fees_paid},
          {"funding_net", m.funding_net},
          {"time_in_market", m.time_in_market}};
  j["inactive_since"] = m.inactive_since ? nlohmann::json(core::format_utc_ms(*m.inactive_since)) : nlohmann::json(nullptr);
  return j;
}

}  // namespace

std::string render_text_table(const std::vector<PolicyMetrics>& metrics) {
  const auto& cols = columns();
  std::vector<size_t> width(cols.size());
  std::vector<std::vector<std::string>> cells;
  for (size_t c = 0; c < cols.size(); ++c) width[c] = std::string(cols[c].header).size();
  for (const auto& m : metrics) {
    std::vector<std::string> row;
    for (size_t c = 0; c < cols.size(); ++c) {
      row.push_back(cols[c].value(m));
      width[c] = std::max(width[c], row.back().size());
    }
    cells.push_back(std::move(row));
  }
  auto line = [&](auto get) {
    std::string out;
    for (size_t c = 0; c < cols.size(); ++c) {
      std::string v = get(c);
      out += (c ? "  " : "") + v + std::string(width[c] - v.size(), ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line([&](size_t c) { return std::string(cols[c].header); });
  out += line([&](size_t c) { return std::string(width[c], '-'); });
  for (const auto& row : cells) out += line([&](size_t c) { return row[c]; });
  return out;
}

std::string render_markdown(const std::vector<PolicyMetrics>& metrics) {
  const auto& cols = columns();
  std::string out = "|";
  // Appended piece by piece: `" " + std::string(…)` trips GCC 12's false -Wrestrict
  // (bug 105329) in optimised builds.
  auto cell = [&out](std::string_view text) {
    out += ' ';
    out += text;
    out += " |";
  };
  for (const auto& c : cols) cell(c.header);
  out += "\n|";
  for (size_t i = 0; i < cols.size(); ++i) out += i == 0 ? "---|" : "---:|";
  out += "\n";
  for (const auto& m : metrics) {
    out += "|";
    for (const auto& c : cols) cell(c.value(m));
    out += "\n";
  }
  const auto months = months_of(metrics);
  for (const auto& m : metrics)
    if (m.inactive_since)
      out += "\n**" + m.policy + " is inactive**: no trade opened since " + core::format_utc_ms(*m.inactive_since).substr(0, 10) +
             ". A policy that stopped trading is a finding about the policy, not a result to rank.\n";
  out += "\nMonthly return by policy:\n\n| policy |";
  for (const auto& mo : months) cell(mo);
  out += "\n|---|";
  for (size_t i = 0; i < months.size(); ++i) out += "---:|";
  out += "\n";
  for (const auto& m : metrics) {
    out += '|';
    cell(m.policy);
    for (const auto& mo : months) cell(month_value(m, mo));
    out += "\n";
  }
  return out;
}

std::string render_csv(const std::vector<PolicyMetrics>& metrics) {
  std::string out =
      "policy,mean_monthly_return,total_return,final_equity,trades,wins,losses,win_rate,trades_per_month,"
      "mean_rom,max_rom,min_rom,mean_roe,max_roe,min_roe,max_drawdown,sharpe,sortino,calmar,liquidations,fees_paid,funding_net,"
      "time_in_market\n";
  for (const auto& m : metrics) {
    char buf[1024];
    std::snprintf(buf, sizeof buf, "%s,%.10g,%.10g,%.10g,%zu,%zu,%zu,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%.10g,%zu,%.10g,%.10g,%.10g\n",
                  m.policy.c_str(), m.mean_monthly_return, m.total_return, m.final_equity, m.trades, m.wins, m.losses, m.win_rate,
                  m.trades_per_month, m.mean_return_on_margin, m.max_return_on_margin, m.min_return_on_margin, m.mean_return_on_equity,
                  m.max_return_on_equity, m.min_return_on_equity, m.max_drawdown, m.sharpe, m.sortino, m.calmar, m.liquidations,
                  m.fees_paid, m.funding_net, m.time_in_market);
    out += buf;
  }
  return out;
}

std::string render_json(const std::vector<PolicyMetrics>& metrics) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& m : metrics) arr.push_back(metrics_json(m));
  return arr.dump(2) + "\n";
}

namespace {

// 1, 2 or 5 × 10^k: the round step giving about `target` ticks over [lo, hi].
double nice_step(double span, int target) {
  const double raw = span / target;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

// 20k and 3M where that is exact, else the number itself.
std::string tick_label(double v) {
  if (std::abs(v) >= 1e6 && std::fmod(v, 1e6) == 0) return num(v / 1e6, 0) + "M";
  if (std::abs(v) >= 1e4 && std::fmod(v, 1e3) == 0) return num(v / 1e3, 0) + "k";
  return num(v, v == std::floor(v) ? 0 : 2);
}

// Calendar ticks over [t0, t1]: month starts (every 1, 3, 6 or 12 months) for spans over two
// months, else day starts every 1, 2, 7 or 14 days; at most about 12.
std::vector<TimestampMs> calendar_ticks(TimestampMs t0, TimestampMs t1) {
  std::vector<TimestampMs> ticks;
  const double days = static_cast<double>(t1 - t0) / core::kMsPerDay;
  if (days > 62) {
    const double months = days / 30.4;
    const int every = months <= 12 ? 1 : months <= 36 ? 3 : months <= 72 ? 6 : 12;
    int n = 0;
    for (TimestampMs t = core::next_month_start_ms(t0 - 1); t <= t1; t = core::next_month_start_ms(t), ++n) {
      const int month = std::atoi(core::format_utc_month(t).substr(5, 2).c_str());
      if ((month - 1) % every == 0) ticks.push_back(t);
    }
    return ticks;
  }
  const TimestampMs every = core::kMsPerDay * (days <= 12 ? 1 : days <= 24 ? 2 : days <= 84 ? 7 : 14);
  for (TimestampMs t = (t0 + core::kMsPerDay - 1) / core::kMsPerDay * core::kMsPerDay; t <= t1; t += every) ticks.push_back(t);
  return ticks;
}

// The equity at each month's end over the month's opening equity, per calendar month the
// curve covers (a partial first or last month counts from or to where the curve is).
std::vector<std::pair<TimestampMs, double>> monthly_returns(const std::vector<EquityPoint>& curve) {
  std::vector<std::pair<TimestampMs, double>> out;
  if (curve.empty()) return out;
  double open = curve.front().equity;
  TimestampMs month = core::month_start_ms(curve.front().time_ms);
  for (size_t i = 0; i < curve.size(); ++i) {
    const bool last_in_month = i + 1 == curve.size() || core::month_start_ms(curve[i + 1].time_ms) != month;
    if (!last_in_month) continue;
    out.emplace_back(month, open > 0 ? curve[i].equity / open - 1 : 0);
    open = curve[i].equity;
    if (i + 1 < curve.size()) month = core::month_start_ms(curve[i + 1].time_ms);
  }
  return out;
}

}  // namespace

std::string render_equity_svg(const std::vector<NamedCurve>& curves_in, const std::string& title, double initial_equity) {
  static const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
  // The legend, and the drawing order, by final equity: the best on top.
  std::vector<NamedCurve> curves = curves_in;
  std::stable_sort(curves.begin(), curves.end(), [](const NamedCurve& a, const NamedCurve& b) {
    return (a.curve.empty() ? 0 : a.curve.back().equity) > (b.curve.empty() ? 0 : b.curve.back().equity);
  });
  TimestampMs t0 = std::numeric_limits<TimestampMs>::max(), t1 = std::numeric_limits<TimestampMs>::min();
  double lo = initial_equity > 0 ? initial_equity : std::numeric_limits<double>::max(), hi = initial_equity > 0 ? initial_equity : std::numeric_limits<double>::lowest();
  for (const auto& c : curves)
    for (const auto& p : c.curve) {
      t0 = std::min(t0, p.time_ms), t1 = std::max(t1, p.time_ms);
      lo = std::min(lo, p.equity), hi = std::max(hi, p.equity);
    }
  if (t0 > t1) t0 = t1 = 0;
  if (t1 <= t0) t1 = t0 + 1;
  if (!(hi > lo)) hi = lo + 1;
  // A range over 10× is unreadable on a linear axis: log scale, which needs positive values.
  const bool log_scale = lo > 0 && hi / lo > 10;
  auto scale = [&](double e) { return log_scale ? std::log10(std::max(e, lo)) : e; };
  double s_lo = scale(lo), s_hi = scale(hi);
  const double pad = (s_hi - s_lo) * 0.05;
  s_lo -= pad, s_hi += pad;

  std::vector<TimestampMs> months;
  std::vector<std::vector<std::pair<TimestampMs, double>>> monthly;
  for (const auto& c : curves) {
    monthly.push_back(monthly_returns(c.curve));
    for (const auto& [m, r] : monthly.back()) months.push_back(m);
  }
  std::sort(months.begin(), months.end());
  months.erase(std::unique(months.begin(), months.end()), months.end());

  constexpr double kW = 1100, kLeft = 80, kRight = 240, kTop = 50, kEquityH = 420, kGap = 40, kDrawdownH = 150, kCellH = 18;
  const double plot_w = kW - kLeft - kRight;
  const double dd_top = kTop + kEquityH + kGap, heat_top = dd_top + kDrawdownH + kGap + 10;
  const double total_h = heat_top + kCellH * static_cast<double>(curves.size()) + 50;
  auto x = [&](TimestampMs t) { return kLeft + plot_w * static_cast<double>(t - t0) / static_cast<double>(t1 - t0); };
  auto y = [&](double e) { return kTop + kEquityH * (1 - (scale(e) - s_lo) / (s_hi - s_lo)); };
  char buf[320];
  std::string svg;
  std::snprintf(buf, sizeof buf, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" font-size=\"12\">\n", kW, total_h);
  svg += buf;
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  std::snprintf(buf, sizeof buf, "<text x=\"%.0f\" y=\"28\" font-size=\"16\" font-weight=\"bold\">", kLeft);
  svg += buf + title + (log_scale ? " (log scale)" : "") + "</text>\n";

  // Equity axis: round values, or 1-2-5 decades on a log scale.
  std::vector<double> ticks;
  if (log_scale) {
    for (double decade = std::pow(10, std::floor(std::log10(lo))); decade <= hi * 10; decade *= 10)
      for (double m : {1.0, 2.0, 5.0})
        if (m * decade >= std::pow(10, s_lo) && m * decade <= std::pow(10, s_hi)) ticks.push_back(m * decade);
  } else {
    const double step = nice_step(s_hi - s_lo, 6);
    for (double v = std::ceil(s_lo / step) * step; v <= s_hi; v += step) ticks.push_back(v);
  }
  for (double v : ticks) {
    std::snprintf(buf, sizeof buf, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">",
                  kLeft, y(v), kLeft + plot_w, y(v), kLeft - 6, y(v) + 4);
    svg += buf + tick_label(v) + "</text>\n";
  }
  for (const auto t : calendar_ticks(t0, t1)) {
    std::snprintf(buf, sizeof buf, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                  x(t), kTop, x(t), dd_top + kDrawdownH, x(t), dd_top + kDrawdownH + 16);
    svg += buf + core::format_utc_ms(t).substr(0, 10) + "</text>\n";
  }
  if (initial_equity > 0) {
    std::snprintf(buf, sizeof buf,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\" stroke-dasharray=\"6 4\"/><text x=\"%.1f\" y=\"%.1f\" fill=\"#555\">initial %s</text>\n",
                  kLeft, y(initial_equity), kLeft + plot_w, y(initial_equity), kLeft + 4, y(initial_equity) - 4, tick_label(initial_equity).c_str());
    svg += buf;
  }
  std::snprintf(buf, sizeof buf, "<text x=\"20\" y=\"%.0f\" transform=\"rotate(-90 20 %.0f)\" text-anchor=\"middle\">equity (USDT)</text>\n", kTop + kEquityH / 2,
                kTop + kEquityH / 2);
  svg += buf;
  std::snprintf(buf, sizeof buf, "<text x=\"20\" y=\"%.0f\" transform=\"rotate(-90 20 %.0f)\" text-anchor=\"middle\">drawdown</text>\n", dd_top + kDrawdownH / 2,
                dd_top + kDrawdownH / 2);
  svg += buf;

  // Drawdown panel: 0 at the top, down to the worst drawdown of any policy.
  double worst_dd = 0;
  std::vector<std::vector<std::pair<TimestampMs, double>>> drawdowns;
  for (const auto& c : curves) {
    drawdowns.emplace_back();
    double peak = 0;
    for (const auto& p : c.curve) {
      peak = std::max(peak, p.equity);
      drawdowns.back().emplace_back(p.time_ms, peak > 0 ? p.equity / peak - 1 : 0);
      worst_dd = std::min(worst_dd, drawdowns.back().back().second);
    }
  }
  const double dd_floor = worst_dd < 0 ? -nice_step(-worst_dd, 4) * std::ceil(-worst_dd / nice_step(-worst_dd, 4)) : -0.1;
  auto y_dd = [&](double d) { return dd_top + kDrawdownH * (d / dd_floor); };
  const double dd_step = nice_step(-dd_floor, 4);
  for (double d = 0; d >= dd_floor - 1e-12; d -= dd_step) {
    std::snprintf(buf, sizeof buf, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%s%%</text>\n",
                  kLeft, y_dd(d), kLeft + plot_w, y_dd(d), kLeft - 6, y_dd(d) + 4, num(d * 100, 0).c_str());
    svg += buf;
  }
  for (double top : {kTop, dd_top}) {
    std::snprintf(buf, sizeof buf, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#333\"/>\n", kLeft, top, plot_w,
                  top == kTop ? kEquityH : kDrawdownH);
    svg += buf;
  }
  auto polyline = [&](const std::vector<std::pair<TimestampMs, double>>& pts, const auto& y_of, const char* color) {
    std::string points;
    // One point per pixel column is all a reader can see.
    const size_t stride = std::max<size_t>(1, pts.size() / static_cast<size_t>(plot_w));
    for (size_t k = 0; k < pts.size(); k += stride) {
      std::snprintf(buf, sizeof buf, "%.1f,%.1f ", x(pts[k].first), y_of(pts[k].second));
      points += buf;
    }
    if (!pts.empty()) {
      std::snprintf(buf, sizeof buf, "%.1f,%.1f", x(pts.back().first), y_of(pts.back().second));
      points += buf;
    }
    return "<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"" + std::string(color) + "\" points=\"" + points + "\"/>\n";
  };
  for (size_t i = curves.size(); i-- > 0;) {  // the best drawn last, on top
    const char* color = kColors[i % (sizeof kColors / sizeof *kColors)];
    std::vector<std::pair<TimestampMs, double>> eq;
    for (const auto& p : curves[i].curve) eq.emplace_back(p.time_ms, p.equity);
    svg += polyline(eq, y, color);
    svg += polyline(drawdowns[i], y_dd, color);
  }
  for (size_t i = 0; i < curves.size(); ++i) {
    const char* color = kColors[i % (sizeof kColors / sizeof *kColors)];
    const double ly = kTop + 10 + 20.0 * static_cast<double>(i);
    std::snprintf(buf, sizeof buf, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/><text x=\"%.1f\" y=\"%.1f\">",
                  kLeft + plot_w + 15, ly, kLeft + plot_w + 40, ly, color, kLeft + plot_w + 46, ly + 4);
    const double last = curves[i].curve.empty() ? 0 : curves[i].curve.back().equity;
    svg += buf + curves[i].name + " (" + num(last, 0) + ")</text>\n";
  }

  // Month × policy heatmap of returns: green gains, red losses, the stronger the darker.
  std::snprintf(buf, sizeof buf, "<text x=\"%.0f\" y=\"%.0f\" font-weight=\"bold\">Return by calendar month</text>\n", kLeft, heat_top - 8);
  svg += buf;
  const double cell_w = months.empty() ? 0 : plot_w / static_cast<double>(months.size());
  for (size_t i = 0; i < curves.size(); ++i) {
    const double cy = heat_top + kCellH * static_cast<double>(i);
    std::snprintf(buf, sizeof buf, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">", kLeft - 6, cy + 13);
    svg += buf + curves[i].name + "</text>\n";
    for (const auto& [m, r] : monthly[i]) {
      const auto col = static_cast<double>(std::lower_bound(months.begin(), months.end(), m) - months.begin());
      const double strength = std::min(1.0, std::abs(r) / 0.2);
      const int fade = static_cast<int>(255 - 160 * strength);
      std::snprintf(buf, sizeof buf,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"rgb(%d,%d,%d)\" stroke=\"white\"/>"
                    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\">%s</text>\n",
                    kLeft + cell_w * col, cy, cell_w, kCellH, r < 0 ? 255 : fade, r < 0 ? fade : 255, fade, kLeft + cell_w * (col + 0.5), cy + 13,
                    cell_w >= 34 ? num(r * 100, 1).c_str() : "");
      svg += buf;
    }
  }
  for (size_t c = 0; c < months.size(); ++c) {
    if (months.size() > 24 && c % static_cast<size_t>((months.size() + 11) / 12) != 0) continue;
    std::snprintf(buf, sizeof buf, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\">%s</text>\n", kLeft + cell_w * (static_cast<double>(c) + 0.5),
                  heat_top + kCellH * static_cast<double>(curves.size()) + 14, core::format_utc_month(months[c]).c_str());
    svg += buf;
  }
  svg += "</svg>\n";
  return svg;
}

std::string render_walk_forward(const std::vector<WalkForwardRow>& rows) {
  // Returns are compounded to 30 days: a 14-day test window has no "monthly" return.
  std::string out =
      "| fold (train → test) | policy | IS per 30 d | OOS per 30 d | IS Sharpe | OOS Sharpe | IS max DD | OOS max DD | IS trades | OOS trades | OOS liquidations |\n";
  out += "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  struct Across {
    double oos_return_sum = 0, oos_sharpe_sum = 0, worst_oos_dd = 0;
    size_t folds = 0, positive = 0, oos_trades = 0, oos_liquidations = 0;
  };
  std::vector<std::pair<std::string, Across>> across;  // in first-seen order
  for (const auto& r : rows) {
    const auto& is = r.in_sample;
    const auto& oos = r.out_of_sample;
    out += "| " + r.fold + " | " + is.policy + " | " + percent(is.return_per_30_days()) + " | " + percent(oos.return_per_30_days()) + " | " + num(is.sharpe) +
           " | " + num(oos.sharpe) + " | " + percent(is.max_drawdown) + " | " + percent(oos.max_drawdown) + " | " + std::to_string(is.trades) + " | " +
           std::to_string(oos.trades) + " | " + std::to_string(oos.liquidations) + " |\n";
    auto it = std::find_if(across.begin(), across.end(), [&](const auto& a) { return a.first == is.policy; });
    if (it == across.end()) it = across.insert(across.end(), {is.policy, Across{}});
    auto& a = it->second;
    ++a.folds;
    a.oos_return_sum += oos.return_per_30_days();
    a.oos_sharpe_sum += oos.sharpe;
    a.worst_oos_dd = std::max(a.worst_oos_dd, oos.max_drawdown);
    a.positive += oos.total_return > 0 ? 1 : 0;
    a.oos_trades += oos.trades;
    a.oos_liquidations += oos.liquidations;
  }
  out += "\nAcross folds, out of sample:\n\n| policy | folds | mean OOS per 30 d | mean OOS Sharpe | worst OOS max DD | folds with OOS gain | OOS trades | OOS liquidations |\n";
  out += "|---|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const auto& [policy, a] : across) {
    const double n = static_cast<double>(a.folds);
    out += "| " + policy + " | " + std::to_string(a.folds) + " | " + percent(a.oos_return_sum / n) + " | " + num(a.oos_sharpe_sum / n) + " | " + percent(a.worst_oos_dd) +
           " | " + std::to_string(a.positive) + " of " + std::to_string(a.folds) + " | " + std::to_string(a.oos_trades) + " | " +
           std::to_string(a.oos_liquidations) + " |\n";
  }
  return out;
}

}  // namespace fulcrum::analytics
