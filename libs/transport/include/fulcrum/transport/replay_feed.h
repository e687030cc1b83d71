#pragma once
// A replay as the wire sees it: every market event in instant order, each with the instant
// it belongs to, written into a MarketEvent on demand (the history is never copied into
// proto form). Built from the config's files or from a recorded WebSocket capture;
// nothing downstream can tell which.
#include <memory>
#include <vector>

#include "fulcrum/marketdata/dataset.h"
#include "fulcrum/marketdata/replay_merge.h"
#include "fulcrum/marketdata/ws_capture.h"
#include "fulcrum/v1/market.pb.h"

namespace fulcrum::transport {

class ReplayFeed {
 public:
  // Bars, mark bars and funding of every symbol, merged through `to_ms`.
  static ReplayFeed from_files(marketdata::LoadedData data, core::TimestampMs to_ms);
  // Book tops and trades. Exchange times in a capture step back now and then across
  // streams; an instant never does, so each event's instant is the running maximum.
  static ReplayFeed from_capture(marketdata::WsCapture capture);

  size_t size() const { return instants_.size(); }
  core::TimestampMs instant(size_t i) const { return instants_[i]; }
  // One past the last event of the instant that starts at `begin`.
  size_t instant_end(size_t begin) const;
  // The first event after instant `t` (resuming after an acknowledged instant).
  size_t first_after(core::TimestampMs t) const;
  void write(size_t i, v1::MarketEvent& out) const;

 private:
  std::vector<core::TimestampMs> instants_;
  std::shared_ptr<const marketdata::LoadedData> files_;
  std::vector<marketdata::ReplayEvent> merged_;
  std::shared_ptr<const marketdata::WsCapture> capture_;
};

}  // namespace fulcrum::transport
