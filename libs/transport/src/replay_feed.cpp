#include "fulcrum/transport/replay_feed.h"

#include <algorithm>
#include <limits>

#include "fulcrum/transport/codec.h"

namespace fulcrum::transport {

ReplayFeed ReplayFeed::from_files(marketdata::LoadedData data, core::TimestampMs to_ms) {
  ReplayFeed feed;
  auto files = std::make_shared<marketdata::LoadedData>(std::move(data));
  std::vector<marketdata::SymbolStreams> streams;
  for (const auto& d : files->symbols)
    streams.push_back({&d.bars, d.mark_bars.empty() ? nullptr : &d.mark_bars, d.funding.empty() ? nullptr : &d.funding});
  feed.merged_ = marketdata::merge_streams(streams, std::numeric_limits<core::TimestampMs>::min() / 2, to_ms);
  for (const auto& e : feed.merged_) feed.instants_.push_back(e.time_ms);
  feed.files_ = std::move(files);
  return feed;
}

ReplayFeed ReplayFeed::from_capture(marketdata::WsCapture capture) {
  ReplayFeed feed;
  core::TimestampMs t = std::numeric_limits<core::TimestampMs>::min();
  for (const auto& e : capture.events) feed.instants_.push_back(t = std::max(t, e.event_time_ms));
  feed.capture_ = std::make_shared<marketdata::WsCapture>(std::move(capture));
  return feed;
}

size_t ReplayFeed::instant_end(size_t begin) const {
  size_t end = begin;
  while (end < instants_.size() && instants_[end] == instants_[begin]) ++end;
  return end;
}

size_t ReplayFeed::first_after(core::TimestampMs t) const {
  return static_cast<size_t>(std::upper_bound(instants_.begin(), instants_.end(), t) - instants_.begin());
}

void ReplayFeed::write(size_t i, v1::MarketEvent& out) const {
  if (capture_) {
    const auto& e = capture_->events[i];
    if (e.kind == marketdata::WsEvent::Kind::kBookTop) to_proto(e.symbol, e.book, *out.mutable_book_top());
    else to_proto(e.symbol, e.trade, *out.mutable_trade());
    return;
  }
  const auto& ev = merged_[i];
  const auto& d = files_->symbols[ev.symbol_index];
  switch (ev.kind) {
    case marketdata::ReplayKind::kBarClose: to_proto(d.spec.symbol, d.bars[ev.seq], *out.mutable_bar()); break;
    case marketdata::ReplayKind::kMarkClose: to_proto(d.spec.symbol, d.mark_bars[ev.seq], *out.mutable_mark_bar()); break;
    case marketdata::ReplayKind::kFunding: to_proto(d.spec.symbol, d.funding[ev.seq], *out.mutable_funding()); break;
  }
}

}  // namespace fulcrum::transport
