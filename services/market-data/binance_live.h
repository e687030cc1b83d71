#pragma once
// market-data --source binance: the exchange's streams (binance::LiveAssembler over an
// exchange_link::WsFeed) published as the replay publishes history.
#include <string>

#include "fulcrum/runtime/service.h"
#include "fulcrum/transport/endpoint.h"

namespace fulcrum::market_data {

struct LiveOptions {
  std::string ws_base = "wss://fstream.binance.com";
  std::string rest_base = "https://fapi.binance.com";
  std::string ca_file;          // empty: the system's trust store
  std::string kline_interval = "5m";
  std::string record;           // append every message here as "<receive ns> <json>"
  double duration_s = 0;        // stop after this long (0: until told)
  int64_t stale_after_ms = 5'000;
  int64_t quiet_flush_ms = 100;  // end the open instant after this much silence
  int join_wait_ms = 1000;       // let subscribers connect before the first message
  // History asked for at start (GET /fapi/v1/klines) and sent first, marked warm-up, so the
  // features are warm when trading starts. < 0: what the config's features need to be seeded
  // (features::bars_to_warm signal bars); 0: none (the features warm up on live bars).
  double warmup_hours = -1;
  int64_t connect_wait_ms = 10'000;  // the warm-up waits this long for the streams to be up
};

int run_binance_live(runtime::Service& svc, transport::Publisher& pub, const LiveOptions& opts);

}  // namespace fulcrum::market_data
