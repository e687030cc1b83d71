#pragma once
// Appends journal entries to a Redis list from a background thread, in batches packed into
// few elements (core::pack_entries), on its own connection: the hot path only moves a
// string into a queue. A batch that Redis refuses is retried (the client backs off), in
// order, so nothing is dropped while the process lives. flush() waits until everything
// queued so far is written.
//
// Entries linger up to kLinger before a write, so one RPUSH carries what a few
// milliseconds brought: at 1 000 instants a second a write per entry cost a thread wake-up
// and a Redis round trip each, more CPU than the stages' own work. The price is the
// entries a crash can lose: at most kLinger's worth more than before (flat and realtime
// replays only; lockstep commits synchronously).
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "fulcrum/runtime/redis_client.h"

namespace fulcrum::runtime {

class AsyncListAppender {
 public:
  AsyncListAppender(RedisUrl url, std::string key);
  ~AsyncListAppender();
  AsyncListAppender(const AsyncListAppender&) = delete;
  AsyncListAppender& operator=(const AsyncListAppender&) = delete;

  void append(std::string entry);
  // Blocks until every entry appended before the call is in Redis, or `timeout` passes.
  bool flush(std::chrono::milliseconds timeout);
  size_t pending() const;

 private:
  void run();
  static constexpr auto kLinger = std::chrono::milliseconds(5);
  static constexpr size_t kBatch = 2000;
  static constexpr size_t kBatchBytes = 96 * 1024;
  bool batch_full() const { return queue_.size() >= kBatch || queued_bytes_ >= kBatchBytes; }

  RedisClient client_;
  std::string key_;
  mutable std::mutex mu_;
  std::condition_variable wake_, written_;
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  size_t in_flight_ = 0;  // taken from the queue, not yet in Redis; only the writer changes it
  uint64_t appended_ = 0, done_ = 0, flush_to_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace fulcrum::runtime
