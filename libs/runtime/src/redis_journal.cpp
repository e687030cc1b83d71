#include "fulcrum/runtime/redis_journal.h"

namespace fulcrum::runtime {

RedisJournal::RedisJournal(RedisClient& redis, std::string key, bool synchronous, std::string mark_prefix)
    : redis_(redis), key_(std::move(key)), mark_prefix_(std::move(mark_prefix)) {
  if (!synchronous) async_ = std::make_unique<AsyncListAppender>(redis_.url(), key_);
}

size_t RedisJournal::replay(const std::function<void(std::string_view entry)>& apply) {
  const auto len = redis_.command({"LLEN", key_});
  if (!len) throw core::JournalError("cannot read the journal " + key_ + ": " + redis_.last_error());
  constexpr long long kChunk = 20'000;
  size_t replayed = 0;
  for (long long from = 0; from < len->integer; from += kChunk) {
    const auto chunk = redis_.command({"LRANGE", key_, std::to_string(from), std::to_string(from + kChunk - 1)});
    if (!chunk) throw core::JournalError("journal " + key_ + " read failed at entry " + std::to_string(from) + ": " + redis_.last_error());
    for (const auto& e : chunk->elements) {
      apply(e.str);
      ++replayed;
    }
  }
  return replayed;
}

void RedisJournal::record(std::string entry) {
  if (async_) async_->append(std::move(entry));
  else pending_.push_back(std::move(entry));
}

bool RedisJournal::commit(const Marks& marks) {
  std::vector<std::vector<std::string>> cmds;
  if (!pending_.empty()) {
    cmds.push_back({"RPUSH", key_});
    cmds.back().reserve(pending_.size() + 2);
    cmds.back().insert(cmds.back().end(), pending_.begin(), pending_.end());
  }
  for (const auto& [name, value] : marks) cmds.push_back({"SET", mark_prefix_ + name, value});
  if (cmds.empty()) return true;
  if (!redis_.pipeline(cmds)) return false;
  pending_.clear();
  return true;
}

}  // namespace fulcrum::runtime
