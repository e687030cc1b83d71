#include "fulcrum/analytics/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <nlohmann/json.hpp>

#include "fulcrum/core/time_format.h"

namespace fulcrum::analytics {
namespace {

std::string pct(double f) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", f * 100);
  return buf;
}
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
      {"monthly return (mean)", [](const PolicyMetrics& m) { return pct(m.mean_monthly_return); }},
      {"total return", [](const PolicyMetrics& m) { return pct(m.total_return); }},
      {"win rate", [](const PolicyMetrics& m) { return pct(m.win_rate); }},
      {"trades/month", [](const PolicyMetrics& m) { return num(m.trades_per_month, 1); }},
      {"win:loss", [](const PolicyMetrics& m) { return std::to_string(m.wins) + ":" + std::to_string(m.losses); }},
      {"trade ROM mean/max/min",
       [](const PolicyMetrics& m) { return pct(m.mean_return_on_margin) + " / " + pct(m.max_return_on_margin) + " / " + pct(m.min_return_on_margin); }},
      {"trade ROE mean/max/min",
       [](const PolicyMetrics& m) { return pct(m.mean_return_on_equity) + " / " + pct(m.max_return_on_equity) + " / " + pct(m.min_return_on_equity); }},
      {"max DD", [](const PolicyMetrics& m) { return pct(m.max_drawdown); }},
      {"Sharpe", [](const PolicyMetrics& m) { return num(m.sharpe); }},
      {"Sortino", [](const PolicyMetrics& m) { return num(m.sortino); }},
      {"Calmar", [](const PolicyMetrics& m) { return num(m.calmar); }},
      {"liquidations", [](const PolicyMetrics& m) { return std::to_string(m.liquidations); }},
      {"fees", [](const PolicyMetrics& m) { return num(m.fees_paid); }},
      {"funding", [](const PolicyMetrics& m) { return num(m.funding_net); }},
      {"time in market", [](const PolicyMetrics& m) { return pct(m.time_in_market); }},
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
    if (mr.month == month) return pct(mr.return_fraction);
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

std::string render_equity_svg(const std::vector<NamedCurve>& curves, const std::string& title) {
  constexpr double kW = 1100, kH = 560, kLeft = 80, kRight = 220, kTop = 50, kBottom = 60;
  static const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"};
  TimestampMs t0 = std::numeric_limits<TimestampMs>::max(), t1 = std::numeric_limits<TimestampMs>::min();
  double lo = std::numeric_limits<double>::max(), hi = std::numeric_limits<double>::lowest();
  for (const auto& c : curves)
    for (const auto& p : c.curve) {
      t0 = std::min(t0, p.time_ms), t1 = std::max(t1, p.time_ms);
      lo = std::min(lo, p.equity), hi = std::max(hi, p.equity);
    }
  if (t1 <= t0) t1 = t0 + 1;
  if (!(hi > lo)) hi = lo + 1;
  const double pad = (hi - lo) * 0.05;
  lo -= pad, hi += pad;
  const double plot_w = kW - kLeft - kRight, plot_h = kH - kTop - kBottom;
  auto x = [&](TimestampMs t) { return kLeft + plot_w * static_cast<double>(t - t0) / static_cast<double>(t1 - t0); };
  auto y = [&](double e) { return kTop + plot_h * (1 - (e - lo) / (hi - lo)); };
  char buf[256];
  std::string svg;
  std::snprintf(buf, sizeof buf, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-family=\"sans-serif\" font-size=\"12\">\n", kW, kH);
  svg += buf;
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  std::snprintf(buf, sizeof buf, "<text x=\"%.0f\" y=\"28\" font-size=\"16\" font-weight=\"bold\">", kLeft);
  svg += buf + title + "</text>\n";
  for (int i = 0; i <= 5; ++i) {
    const double e = lo + (hi - lo) * i / 5;
    std::snprintf(buf, sizeof buf, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.0f</text>\n",
                  kLeft, y(e), kLeft + plot_w, y(e), kLeft - 6, y(e) + 4, e);
    svg += buf;
  }
  for (int i = 0; i <= 6; ++i) {
    const TimestampMs t = t0 + (t1 - t0) * i / 6;
    const std::string label = core::format_utc_ms(t).substr(0, 10);
    std::snprintf(buf, sizeof buf, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/><text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">",
                  x(t), kTop, x(t), kTop + plot_h, x(t), kTop + plot_h + 18);
    svg += buf + label + "</text>\n";
  }
  std::snprintf(buf, sizeof buf, "<text x=\"20\" y=\"%.0f\" transform=\"rotate(-90 20 %.0f)\" text-anchor=\"middle\">equity (USDT)</text>\n", kTop + plot_h / 2,
                kTop + plot_h / 2);
  svg += buf;
  std::snprintf(buf, sizeof buf, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#333\"/>\n", kLeft, kTop, plot_w, plot_h);
  svg += buf;
  for (size_t i = 0; i < curves.size(); ++i) {
    const char* color = kColors[i % (sizeof kColors / sizeof *kColors)];
    std::string points;
    // One point per pixel column is all a reader can see.
    const size_t stride = std::max<size_t>(1, curves[i].curve.size() / static_cast<size_t>(plot_w));
    for (size_t k = 0; k < curves[i].curve.size(); k += stride) {
      std::snprintf(buf, sizeof buf, "%.1f,%.1f ", x(curves[i].curve[k].time_ms), y(curves[i].curve[k].equity));
      points += buf;
    }
    if (!curves[i].curve.empty()) {
      std::snprintf(buf, sizeof buf, "%.1f,%.1f", x(curves[i].curve.back().time_ms), y(curves[i].curve.back().equity));
      points += buf;
    }
    svg += "<polyline fill=\"none\" stroke-width=\"1.5\" stroke=\"" + std::string(color) + "\" points=\"" + points + "\"/>\n";
    const double ly = kTop + 10 + 20.0 * static_cast<double>(i);
    std::snprintf(buf, sizeof buf, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"3\"/><text x=\"%.1f\" y=\"%.1f\">",
                  kLeft + plot_w + 15, ly, kLeft + plot_w + 40, ly, color, kLeft + plot_w + 46, ly + 4);
    const double last = curves[i].curve.empty() ? 0 : curves[i].curve.back().equity;
    svg += buf + curves[i].name + " (" + num(last, 0) + ")</text>\n";
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
    out += "| " + r.fold + " | " + is.policy + " | " + pct(is.return_per_30_days()) + " | " + pct(oos.return_per_30_days()) + " | " + num(is.sharpe) +
           " | " + num(oos.sharpe) + " | " + pct(is.max_drawdown) + " | " + pct(oos.max_drawdown) + " | " + std::to_string(is.trades) + " | " +
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
    out += "| " + policy + " | " + std::to_string(a.folds) + " | " + pct(a.oos_return_sum / n) + " | " + num(a.oos_sharpe_sum / n) + " | " + pct(a.worst_oos_dd) +
           " | " + std::to_string(a.positive) + " of " + std::to_string(a.folds) + " | " + std::to_string(a.oos_trades) + " | " +
           std::to_string(a.oos_liquidations) + " |\n";
  }
  return out;
}

}  // namespace fulcrum::analytics
