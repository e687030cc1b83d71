#include "fulcrum/runtime/async_appender.h"

#include "fulcrum/core/journal.h"

#include <algorithm>
#include <iterator>
#include <vector>

namespace fulcrum::runtime {

AsyncListAppender::AsyncListAppender(RedisUrl url, std::string key)
    : client_(std::move(url)), key_(std::move(key)), thread_([this] { run(); }) {}

AsyncListAppender::~AsyncListAppender() {
  flush(std::chrono::milliseconds(2000));
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void AsyncListAppender::append(std::string entry) {
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    const bool full_before = batch_full();
    queued_bytes_ += entry.size();
    queue_.push_back(std::move(entry));
    ++appended_;
    // The writer waits for the first entry, then lingers until a batch is full: only
    // those two moments need it awake.
    wake = queue_.size() == 1 || (!full_before && batch_full());
  }
  if (wake) wake_.notify_one();
}

bool AsyncListAppender::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  const uint64_t target = appended_;
  flush_to_ = std::max(flush_to_, target);
  wake_.notify_one();
  return written_.wait_for(lock, timeout, [&] { return done_ >= target; });
}

size_t AsyncListAppender::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size() + in_flight_;
}

void AsyncListAppender::run() {
  std::vector<std::string> cmd;  // RPUSH <key> <pack>…: the taken entries, sent until Redis has them
  std::vector<std::string> taken;
  for (;;) {
    if (in_flight_ == 0) {
      {
        std::unique_lock lock(mu_);
        wake_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stop requested and nothing left
        wake_.wait_for(lock, kLinger, [&] { return stop_ || batch_full() || flush_to_ > done_; });
        // Bounded in bytes too: a command's buffers stay below malloc's mmap threshold, so
        // they are reused instead of mapped, faulted in and unmapped at every write.
        size_t count = 0, bytes = 0;
        while (count < kBatch && count < queue_.size() && (count == 0 || bytes + queue_[count].size() <= kBatchBytes)) bytes += queue_[count++].size();
        queued_bytes_ -= bytes;
        const auto n = static_cast<long>(count);
        taken.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + n));
        queue_.erase(queue_.begin(), queue_.begin() + n);
        in_flight_ = taken.size();
      }
      cmd = {"RPUSH", key_};
      core::pack_entries(cmd, taken);
      taken.clear();
    }
    if (client_.command(cmd)) {
      std::lock_guard lock(mu_);
      done_ += in_flight_;
      in_flight_ = 0;
      written_.notify_all();
    } else {
      std::unique_lock lock(mu_);
      if (stop_) return;  // shutting down with Redis gone: nothing more can be done
      wake_.wait_for(lock, std::chrono::milliseconds(100), [&] { return stop_; });
    }
  }
}

}  // namespace fulcrum::runtime
