#include "fulcrum/runtime/journal.h"

namespace fulcrum::runtime {

RedisJournal::RedisJournal(RedisClient& redis, std::string key, bool synchronous) : redis_(redis), key_(std::move(key)) {
  if (!synchronous) async_ = std::make_unique<AsyncListAppender>(redis_.url(), key_);
}

size_t RedisJournal::replay(const std::function<void(std::string_view entry)>& apply) {
  const auto len = redis_.command({"LLEN", key_});
  if (!len) throw JournalError("cannot read the journal " + key_ + ": " + redis_.last_error());
  constexpr long long kChunk = 20'000;
  size_t replayed = 0;
  for (long long from = 0; from < len->integer; from += kChunk) {
    const auto chunk = redis_.command({"LRANGE", key_, std::to_string(from), std::to_string(from + kChunk - 1)});
    if (!chunk) throw JournalError("journal " + key_ + " read failed at entry " + std::to_string(from) + ": " + redis_.last_error());
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

bool RedisJournal::commit(const std::vector<std::vector<std::string>>& also) {
  std::vector<std::vector<std::string>> cmds;
  if (!pending_.empty()) {
    cmds.push_back({"RPUSH", key_});
    cmds.back().reserve(pending_.size() + 2);
    cmds.back().insert(cmds.back().end(), pending_.begin(), pending_.end());
  }
  cmds.insert(cmds.end(), also.begin(), also.end());
  if (cmds.empty()) return true;
  if (!redis_.pipeline(cmds)) return false;
  pending_.clear();
  return true;
}

size_t MemoryJournal::replay(const std::function<void(std::string_view entry)>& apply) {
  for (const auto& e : committed_) apply(e);
  return committed_.size();
}

bool MemoryJournal::commit(const std::vector<std::vector<std::string>>& also) {
  if (refuse_) return false;
  committed_.insert(committed_.end(), pending_.begin(), pending_.end());
  pending_.clear();
  also_.insert(also_.end(), also.begin(), also.end());
  return true;
}

}  // namespace fulcrum::runtime
