#include "fulcrum/runtime/redis_journal.h"

namespace fulcrum::runtime {

RedisJournal::RedisJournal(RedisClient& redis, std::string key, bool synchronous, std::string mark_prefix)
    : redis_(redis), key_(std::move(key)), mark_prefix_(std::move(mark_prefix)) {
  if (!synchronous) async_ = std::make_unique<AsyncListAppender>(redis_.url(), key_);
}

size_t RedisJournal::replay(const std::function<void(std::string_view entry)>& apply) {
  const auto len = redis_.command({"LLEN", key_});
  if (!len) throw core::JournalError("cannot read the journal " + key_ + ": " + redis_.last_error());
  // Elements are packs of up to core::kMaxPackBytes: a chunk's reply stays under 64 MiB.
  constexpr long long kChunk = 1'000;
  size_t replayed = 0;
  for (long long from = 0; from < len->integer; from += kChunk) {
    const auto chunk = redis_.command({"LRANGE", key_, std::to_string(from), std::to_string(from + kChunk - 1)});
    if (!chunk) throw core::JournalError("journal " + key_ + " read failed at element " + std::to_string(from) + ": " + redis_.last_error());
    for (size_t i = 0; i < chunk->elements.size(); ++i) {
      const auto fault = core::unpack_element(chunk->elements[i].str, [&](std::string_view e) {
        apply(e);
        ++replayed;
      });
      if (!fault.empty()) throw core::JournalError("journal " + key_ + " element " + std::to_string(from + static_cast<long long>(i)) + " is corrupt: " + fault);
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
    core::pack_entries(cmds.back(), pending_);
  }
  for (const auto& [name, value] : marks) cmds.push_back({"SET", mark_prefix_ + name, value});
  if (cmds.empty()) return true;
  if (!redis_.pipeline(cmds)) return false;
  pending_.clear();
  return true;
}

}  // namespace fulcrum::runtime
