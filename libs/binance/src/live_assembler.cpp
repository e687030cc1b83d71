#include "fulcrum/binance/live_assembler.h"

#include <algorithm>

#include "fulcrum/binance/streams.h"

namespace fulcrum::binance {

LiveAssembler::LiveAssembler(std::vector<std::string> symbols, std::string kline_interval)
    : symbols_(std::move(symbols)), interval_(std::move(kline_interval)), interval_ms_(interval_ms(interval_)) {
  for (const auto& s : symbols_) {
    states_[s];
    for (const auto& stream : symbol_streams(s, interval_)) last_heard_ns_[stream] = -1;
  }
}

LiveAssembler::SymbolState* LiveAssembler::state(const std::string& symbol) {
  const auto it = states_.find(symbol);
  return it == states_.end() ? nullptr : &it->second;
}

int64_t LiveAssembler::advance(int64_t event_ms, std::vector<LiveEvent>& out) {
  // An instant is the running maximum of exchange time, as in a capture's replay: an event
  // that steps back joins the open instant, or opens the next millisecond after a closed one.
  if (event_ms < instant_ms_ || (event_ms == instant_ms_ && !instant_open_)) {
    if (event_ms < instant_ms_) ++out_of_order_;
    event_ms = instant_open_ ? instant_ms_ : instant_ms_ + 1;
  }
  if (event_ms > instant_ms_) {
    if (instant_open_) out.push_back({LiveEvent::Kind::kInstantEnd, "", instant_ms_, {}, {}, {}, {}});
    instant_ms_ = event_ms;
    instant_open_ = true;
  }
  return instant_ms_;
}

std::string LiveAssembler::warm_up(const std::map<std::string, std::vector<model::Bar>>& bars, std::vector<LiveEvent>& out) {
  if (instant_ms_ >= 0 || started_ns_ >= 0) return "warm-up history must come before the first stream message";
  struct Pending {
    int64_t close_ms;
    const std::string* symbol;
    const model::Bar* bar;
  };
  std::vector<Pending> pending;
  for (const auto& [symbol, list] : bars) {
    if (!state(symbol)) return "warm-up bars for '" + symbol + "', a symbol this run does not trade";
    for (size_t i = 0; i < list.size(); ++i) {
      const auto& b = list[i];
      if (b.interval_ms != interval_ms_) return symbol + " warm-up bar " + std::to_string(i + 1) + " is not a " + interval_ + " bar";
      if (i > 0 && b.open_time_ms <= list[i - 1].open_time_ms) return symbol + " warm-up bar " + std::to_string(i + 1) + " is not after the one before it";
      pending.push_back({b.close_time_ms(), &symbol, &b});
    }
  }
  std::stable_sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) { return a.close_ms < b.close_ms; });
  for (size_t i = 0; i < pending.size(); ++i) {
    LiveEvent ev{};
    ev.kind = LiveEvent::Kind::kBar;
    ev.symbol = *pending[i].symbol;
    ev.instant_ms = pending[i].close_ms;
    ev.bar = *pending[i].bar;
    ev.warmup = true;
    out.push_back(std::move(ev));
    if (i + 1 == pending.size() || pending[i + 1].close_ms != pending[i].close_ms) {
      out.push_back({LiveEvent::Kind::kInstantEnd, "", pending[i].close_ms, {}, {}, {}, {}, true});
      instant_ms_ = pending[i].close_ms;
    }
  }
  for (const auto& [symbol, list] : bars)
    if (!list.empty()) states_[symbol].last_bar_open_ms = list.back().open_time_ms;
  return "";
}

std::vector<BarGap> LiveAssembler::take_bar_gaps() {
  std::vector<BarGap> out;
  out.swap(new_gaps_);
  return out;
}

void LiveAssembler::flush(std::vector<LiveEvent>& out) {
  if (!instant_open_) return;
  out.push_back({LiveEvent::Kind::kInstantEnd, "", instant_ms_, {}, {}, {}, {}});
  instant_open_ = false;
}

std::string LiveAssembler::on_message(std::string_view json, int64_t received_ns, std::vector<LiveEvent>& out) {
  if (started_ns_ < 0) started_ns_ = received_ns;
  // The envelope's stream name, for staleness (cheap: the parser reads the payload).
  const auto stream_at = json.find("\"stream\":\"");
  if (stream_at != std::string_view::npos) {
    const auto begin = stream_at + 10, end = json.find('"', begin);
    if (end != std::string_view::npos) {
      const auto it = last_heard_ns_.find(json.substr(begin, end - begin));
      if (it != last_heard_ns_.end()) it->second = received_ns;
    }
  }
  const auto parsed = parse_stream_message(json);
  if (!parsed.error.empty()) return parsed.error;
  if (!parsed.message) return "";
  const auto& msg = *parsed.message;
  const std::string& symbol = std::visit([](const auto& m) -> const std::string& { return m.symbol; }, msg);
  auto* st = state(symbol);
  if (!st) return "symbol '" + symbol + "' is not one this run trades";
  const auto seen = [&](int64_t& last, int64_t now) {
    if (now <= last) return ++duplicates_, true;
    last = now;
    return false;
  };
  if (const auto* b = std::get_if<BookTickerMsg>(&msg); b && seen(st->last_book_update, b->update_id)) return "";
  if (const auto* tr = std::get_if<TradeMsg>(&msg); tr && seen(st->last_trade_id, tr->id)) return "";
  if (const auto* k = std::get_if<KlineMsg>(&msg); k && k->closed && k->interval == interval_) {
    const auto before = st->last_bar_open_ms;
    if (seen(st->last_bar_open_ms, k->bar.open_time_ms)) return "";
    if (before >= 0 && k->bar.open_time_ms > before + interval_ms_) {
      const int64_t missing = (k->bar.open_time_ms - before) / interval_ms_ - 1;
      bar_gaps_ += static_cast<uint64_t>(missing);
      new_gaps_.push_back({symbol, before + interval_ms_, missing});
    }
  }
  if (const auto* mk = std::get_if<MarkPriceMsg>(&msg); mk && seen(st->last_mark_ms, mk->event_time_ms)) return "";
  int64_t t = std::visit(
      [](const auto& m) -> int64_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(m)>, BookTickerMsg>) return m.top.event_time_ms;
        else return m.event_time_ms;
      },
      msg);
  advance(t, out);
  if (const auto* d = std::get_if<DepthDiff>(&msg)) {
    if (st->book.on_diff(*d) == DepthBook::DiffResult::kGap) st->snapshot_asked = false;
    return "";
  }
  LiveEvent ev{};
  ev.symbol = symbol;
  ev.instant_ms = instant_ms_;
  if (const auto* b = std::get_if<BookTickerMsg>(&msg)) {
    ev.kind = LiveEvent::Kind::kBookTop;
    ev.top = b->top;
  } else if (const auto* tr = std::get_if<TradeMsg>(&msg)) {
    ev.kind = LiveEvent::Kind::kTrade;
    ev.trade = tr->trade;
  } else if (const auto* k = std::get_if<KlineMsg>(&msg)) {
    if (!k->closed || k->interval != interval_) return "";
    ev.kind = LiveEvent::Kind::kBar;
    ev.bar = k->bar;
  } else if (const auto* m = std::get_if<MarkPriceMsg>(&msg)) {
    if (st->next_funding_ms && m->next_funding_time_ms > *st->next_funding_ms) {
      LiveEvent f{};
      f.kind = LiveEvent::Kind::kFunding;
      f.symbol = symbol;
      f.instant_ms = instant_ms_;
      f.funding.funding_time_ms = *st->next_funding_ms;
      f.funding.rate = st->funding_rate;
      f.funding.interval_hours = static_cast<int>(std::clamp<int64_t>((m->next_funding_time_ms - *st->next_funding_ms) / 3'600'000, 1, 8));
      out.push_back(f);
    }
    st->next_funding_ms = m->next_funding_time_ms;
    st->funding_rate = m->funding_rate;
    ev.kind = LiveEvent::Kind::kMarkBar;
    ev.bar.interval_ms = 1000;
    ev.bar.open_time_ms = m->event_time_ms / 1000 * 1000 - 1000;
    ev.bar.open = ev.bar.high = ev.bar.low = ev.bar.close = m->mark;
  }
  out.push_back(ev);
  return "";
}

bool LiveAssembler::on_snapshot(const std::string& symbol, const DepthSnapshot& snapshot) {
  auto* st = state(symbol);
  if (!st) return false;
  const bool ok = st->book.on_snapshot(snapshot);
  st->snapshot_asked = false;
  return ok;
}

std::vector<std::string> LiveAssembler::take_snapshot_requests() {
  std::vector<std::string> out;
  for (auto& [symbol, st] : states_)
    if (!st.book.synced() && !st.snapshot_asked) {
      st.snapshot_asked = true;
      out.push_back(symbol);
    }
  return out;
}

void LiveAssembler::snapshot_failed(const std::string& symbol) {
  if (auto* st = state(symbol)) st->snapshot_asked = false;
}

std::vector<std::string> LiveAssembler::stale_streams(int64_t now_ns, int64_t max_silence_ns) const {
  std::vector<std::string> out;
  if (started_ns_ < 0) return out;
  for (const auto& [stream, heard] : last_heard_ns_)
    if (now_ns - (heard < 0 ? started_ns_ : heard) > max_silence_ns) out.push_back(stream);
  return out;
}

const DepthBook* LiveAssembler::book(const std::string& symbol) const {
  const auto it = states_.find(symbol);
  return it == states_.end() ? nullptr : &it->second.book;
}

uint64_t LiveAssembler::resyncs() const {
  uint64_t n = 0;
  for (const auto& [s, st] : states_) n += st.book.resyncs_needed();
  return n;
}

}  // namespace fulcrum::binance
