#include "fulcrum/binance/history_market.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <stdexcept>

#include "fulcrum/binance/stream_writers.h"

namespace fulcrum::binance {

std::string interval_name(int64_t ms) {
  for (const char* name : {"1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w"})
    if (interval_ms(name) == ms) return name;
  return "";
}

namespace {

core::Qty quarter(core::Qty volume) { return core::Qty::from_raw(std::max<int64_t>(volume.raw / 4, 1)); }

}  // namespace

HistoryMarket::HistoryMarket(std::vector<SymbolHistory> symbols, int64_t start_ms) {
  if (symbols.empty()) throw std::invalid_argument("no symbol to replay");
  int64_t first_step = std::numeric_limits<int64_t>::max();
  for (auto& h : symbols) {
    if (h.bars.empty()) throw std::invalid_argument(h.symbol + ": no bars");
    if (h.tick.raw <= 0) throw std::invalid_argument(h.symbol + ": the tick size is not positive");
    if (interval_ms_ == 0) interval_ms_ = h.bars.front().interval_ms;
    for (size_t i = 0; i < h.bars.size(); ++i) {
      if (h.bars[i].interval_ms != interval_ms_)
        throw std::invalid_argument(h.symbol + ": bar " + std::to_string(i) + " is not of the first symbol's interval (" + std::to_string(interval_ms_) + " ms)");
      if (!h.bars[i].taker_buy_volume)
        throw std::invalid_argument(h.symbol + ": bar " + std::to_string(i) + " has no taker-buy volume, and a kline carries one (V)");
      if (i > 0 && h.bars[i].open_time_ms < h.bars[i - 1].close_time_ms())
        throw std::invalid_argument(h.symbol + ": bar " + std::to_string(i) + " opens before the one before it closes");
    }
    Cursor c;
    c.h = std::move(h);
    const auto& bars = c.h.bars;
    c.stream_prefix = c.h.symbol;
    std::transform(c.stream_prefix.begin(), c.stream_prefix.end(), c.stream_prefix.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    c.stream_prefix += '@';
    while (c.bar < bars.size() && bars[c.bar].open_time_ms < start_ms) ++c.bar;
    c.closed = c.bar;
    if (!c.finished()) {
      first_step = std::min(first_step, bars[c.bar].open_time_ms);
      c.last_price = c.bar > 0 ? bars[c.bar - 1].close : bars[c.bar].open;
      c.bid = bars[c.bar].open;
      c.ask = c.bid + c.h.tick;
    }
    cursors_.push_back(std::move(c));
  }
  interval_ = interval_name(interval_ms_);
  if (interval_.empty() || interval_ms_ % 4 != 0) throw std::invalid_argument("the bars' interval (" + std::to_string(interval_ms_) + " ms) is not a Binance kline interval");
  if (first_step == std::numeric_limits<int64_t>::max()) throw std::invalid_argument("no symbol has a bar at or after the start");
  start_ms_ = now_ms_ = first_step;
  // Funding events and mark candles at or before the start are history.
  for (auto& c : cursors_) {
    while (c.next_funding < c.h.funding.size() && c.h.funding[c.next_funding].funding_time_ms <= start_ms_) ++c.next_funding;
    while (c.next_mark < c.h.mark_bars.size() && c.h.mark_bars[c.next_mark].close_time_ms() <= start_ms_) c.mark = c.h.mark_bars[c.next_mark++].close;
  }
}

std::vector<std::string> HistoryMarket::symbols() const {
  std::vector<std::string> out;
  for (const auto& c : cursors_) out.push_back(c.h.symbol);
  return out;
}

int64_t HistoryMarket::Cursor::time_ms(int64_t interval_ms) const {
  const auto& b = h.bars[bar];
  return phase == 4 ? b.close_time_ms() : b.open_time_ms + phase * (interval_ms / 4);
}

bool HistoryMarket::done() const {
  return std::all_of(cursors_.begin(), cursors_.end(), [](const Cursor& c) { return c.finished(); });
}

int64_t HistoryMarket::next_time_ms() const {
  int64_t t = std::numeric_limits<int64_t>::max();
  for (const auto& c : cursors_)
    if (!c.finished()) t = std::min(t, c.time_ms(interval_ms_));
  return t;
}

MarketStep HistoryMarket::take() {
  MarketStep out;
  if (done()) return out;
  out.time_ms = next_time_ms();
  for (auto& c : cursors_)
    if (!c.finished() && c.time_ms(interval_ms_) == out.time_ms) step(c, out);
  now_ms_ = out.time_ms;
  return out;
}

void HistoryMarket::close_bar(Cursor& c, MarketStep& out, size_t index, int64_t t_ms) {
  KlineMsg k{c.h.symbol, t_ms, interval_, true, c.h.bars[index]};
  out.events.push_back({(t_ms - start_ms_) * 1'000'000, t_ms, c.stream_prefix + "kline_" + interval_, kline_json(k, 0), std::nullopt, false});
  c.closed = index + 1;
}

void HistoryMarket::step(Cursor& c, MarketStep& out) {
  const int64_t t = c.time_ms(interval_ms_);
  while (c.next_funding < c.h.funding.size() && c.h.funding[c.next_funding].funding_time_ms <= t) {
    const auto& f = c.h.funding[c.next_funding++];
    out.settlements.push_back({c.h.symbol, c.mark.value_or(c.last_price), f.rate, f.funding_time_ms});
    ++settlements_;
  }
  while (c.next_mark < c.h.mark_bars.size() && c.h.mark_bars[c.next_mark].close_time_ms() <= t) c.mark = c.h.mark_bars[c.next_mark++].close;
  const auto& b = c.h.bars[c.bar];
  if (c.phase == 4) {
    close_bar(c, out, c.bar, t);
    ++c.bar;
    c.phase = 0;
    return;
  }
  if (c.phase == 0) {
    if (c.awaiting_close) close_bar(c, out, c.bar - 1, t);
    c.awaiting_close = false;
    c.open_bar = b;
    c.open_bar.high = c.open_bar.low = c.open_bar.close = b.open;
    c.open_bar.volume = core::Qty{};
    c.open_bar.taker_buy_volume = std::nullopt;
  }
  const bool rising = b.close.raw >= b.open.raw;
  const std::array<core::Price, 4> path{b.open, rising ? b.low : b.high, rising ? b.high : b.low, b.close};
  point(c, out, path[static_cast<size_t>(c.phase)], t);
  if (c.phase < 3) {
    ++c.phase;
  } else if (c.bar + 1 < c.h.bars.size() && c.h.bars[c.bar + 1].open_time_ms == b.close_time_ms()) {
    ++c.bar;  // the next bar's first point closes this one
    c.phase = 0;
    c.awaiting_close = true;
  } else {
    c.phase = 4;
  }
}

void HistoryMarket::point(Cursor& c, MarketStep& out, core::Price price, int64_t t_ms) {
  const auto& b = c.h.bars[c.bar];
  const auto qty = quarter(b.volume);
  const int64_t offset_ns = (t_ms - start_ms_) * 1'000'000;
  // The book moves to one level a side around the price: the old levels go (quantity 0).
  DepthDiff d;
  d.symbol = c.h.symbol;
  d.event_time_ms = d.transaction_time_ms = t_ms;
  d.previous_final_id = c.update_id;
  d.first_update_id = d.final_update_id = ++c.update_id;
  const auto bid = core::Price::from_raw(price.raw / c.h.tick.raw * c.h.tick.raw);
  const auto ask = bid + c.h.tick;
  if (c.bid.raw != bid.raw) d.bids.push_back({c.bid, core::Qty{}});
  d.bids.push_back({bid, qty});
  if (c.ask.raw != ask.raw) d.asks.push_back({c.ask, core::Qty{}});
  d.asks.push_back({ask, qty});
  c.bid = bid;
  c.ask = ask;
  out.events.push_back({offset_ns, t_ms, c.stream_prefix + "depth", depth_diff_json(d), d, true});
  BookTickerMsg top{c.h.symbol, c.update_id, {t_ms, bid, ask, qty, qty}};
  out.events.push_back({offset_ns, t_ms, c.stream_prefix + "bookTicker", book_ticker_json(top, t_ms), std::nullopt, true});
  if (b.volume.raw > 0) {
    TradeMsg trade{c.h.symbol, t_ms, ++c.trade_id, {t_ms, price, qty, price.raw < c.last_price.raw}};
    out.events.push_back({offset_ns, t_ms, c.stream_prefix + "aggTrade", agg_trade_json(trade), std::nullopt, true});
  }
  c.last_price = price;
  const bool funding_ahead = c.next_funding < c.h.funding.size();
  const int64_t next_funding_ms = funding_ahead ? c.h.funding[c.next_funding].funding_time_ms : (t_ms / 28'800'000 + 1) * 28'800'000;
  const auto mark = c.mark.value_or(price);
  MarkPriceMsg m{c.h.symbol, t_ms, mark, mark, funding_ahead ? c.h.funding[c.next_funding].rate : core::Rate{}, next_funding_ms};
  out.events.push_back({offset_ns, t_ms, c.stream_prefix + "markPrice", mark_price_json(m), std::nullopt, true});
  // The bar still open, as far as its path has gone (GET /fapi/v1/klines's last row).
  auto& o = c.open_bar;
  if (price.raw > o.high.raw) o.high = price;
  if (price.raw < o.low.raw) o.low = price;
  o.close = price;
  o.volume += qty;
}

DepthSnapshot HistoryMarket::book_start(const std::string& symbol) const {
  for (const auto& c : cursors_) {
    if (c.h.symbol != symbol) continue;
    DepthSnapshot s;
    s.last_update_id = 1;
    s.event_time_ms = s.transaction_time_ms = start_ms_;
    const size_t first = std::min(c.closed, c.h.bars.size() - 1);
    const auto qty = quarter(c.h.bars[first].volume);
    const auto bid = core::Price::from_raw(c.h.bars[first].open.raw / c.h.tick.raw * c.h.tick.raw);
    s.bids.push_back({bid, qty});
    s.asks.push_back({bid + c.h.tick, qty});
    return s;
  }
  throw std::invalid_argument(symbol + " is not replayed");
}

std::vector<model::Bar> HistoryMarket::bars_so_far(const std::string& symbol) const {
  for (const auto& c : cursors_) {
    if (c.h.symbol != symbol) continue;
    std::vector<model::Bar> out(c.h.bars.begin(), c.h.bars.begin() + static_cast<std::ptrdiff_t>(c.closed));
    if (c.closed < c.h.bars.size()) {
      if (c.open_bar.interval_ms != 0 && c.open_bar.open_time_ms == c.h.bars[c.closed].open_time_ms) {
        out.push_back(c.open_bar);
      } else {
        auto b = c.h.bars[c.closed];
        b.high = b.low = b.close = b.open;
        b.volume = core::Qty{};
        b.taker_buy_volume = std::nullopt;
        out.push_back(b);
      }
    }
    return out;
  }
  return {};
}

}  // namespace fulcrum::binance
