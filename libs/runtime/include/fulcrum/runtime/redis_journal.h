#pragma once
// The journal of a mesh service (core::IJournal) kept as a Redis list under its namespace.
#include <memory>
#include <string>
#include <vector>

#include "fulcrum/core/journal.h"
#include "fulcrum/runtime/async_appender.h"
#include "fulcrum/runtime/redis_client.h"

namespace fulcrum::runtime {

// A Redis list. `synchronous`: commit() writes in the caller's thread (lockstep); otherwise
// record() hands entries to a background appender and commit() only writes the marks.
// A mark is the string key <mark_prefix><name>, set in the same round trip as the entries.
class RedisJournal final : public core::IJournal {
 public:
  RedisJournal(RedisClient& redis, std::string key, bool synchronous, std::string mark_prefix = "");
  size_t replay(const std::function<void(std::string_view entry)>& apply) override;
  void record(std::string entry) override;
  bool commit(const Marks& marks = {}) override;
  std::string describe_error() const override { return redis_.last_error(); }
  const std::string& key() const { return key_; }

 private:
  RedisClient& redis_;
  std::string key_, mark_prefix_;
  std::vector<std::string> pending_;
  std::unique_ptr<AsyncListAppender> async_;
};

}  // namespace fulcrum::runtime
