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
#include <chrono>

#include "fulcrum/runtime/service.h"
#include "fulcrum/transport/replay_feed.h"

namespace fulcrum::runtime {

struct ReplayOptions {
  double rate = 0;           // events/s; 0: by config
  size_t max_instants = 0;   // 0: all
  int join_wait_ms = 1000;   // free-running: let subscribers connect before the first event
};

// The longest a paced replay (rate > 0) holds an instant back so that the next ones, due
// within 200 µs, leave in the same bundle. A bundle costs each hop one wake-up, about
// 150 µs of CPU on a 2-vCPU VM, whatever it carries: doubling the hold saves the path half
// its wake-ups, about a quarter of a core at any rate, and adds about half the extra hold
// to the median latency. Up to 10 000 events/s the path has cores to spare, so the hold
// stays at 1 ms and the latency is kept; from 20 000/s, where the wake-ups are what
// saturates two cores, it is 2 ms; between, it rises in step with the rate.
std::chrono::microseconds paced_max_hold(double events_per_second);

// Runs until the replay is done (and, in lockstep, its end acknowledged) or the service is
// told to stop. `acks` is null when no router acknowledges (never lockstep then).
int run_replay(Service& svc, const transport::ReplayFeed& feed, transport::Publisher& pub, transport::Subscriber* acks, const ReplayOptions& opts);

}  // namespace fulcrum::runtime
