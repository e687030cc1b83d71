#pragma once
// market-data's loop: a ReplayFeed published one instant at a time, each instant's events
// and then its InstantEnd, and a ReplayEnd at the end.
//   lockstep  waits for the order router's ack of each instant and re-sends it on silence
//             (every stage downstream answers a re-sent instant from cache, so a re-send is
//             harmless); it resumes after the last instant the router acknowledged, so a
//             restarted market-data neither replays from the start nor stalls;
//   flat      runs flat out;
//   realtime  paces by exchange time / mesh.speed;
//   rate > 0  paces by events per second (benchmarks).
#include "fulcrum/runtime/service.h"
#include "fulcrum/transport/replay_feed.h"

namespace fulcrum::runtime {

struct ReplayOptions {
  double rate = 0;           // events/s; 0: by config
  size_t max_instants = 0;   // 0: all
  int join_wait_ms = 1000;   // free-running: let subscribers connect before the first event
};

// Runs until the replay is done (and, in lockstep, its end acknowledged) or the service is
// told to stop. `acks` is null when no router acknowledges (never lockstep then).
int run_replay(Service& svc, const transport::ReplayFeed& feed, transport::Publisher& pub, transport::Subscriber* acks, const ReplayOptions& opts);

}  // namespace fulcrum::runtime
