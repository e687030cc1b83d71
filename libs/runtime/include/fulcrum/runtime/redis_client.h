#pragma once
// A synchronous hiredis connection that survives Redis going away. Every command either
// returns a reply or nullopt; after a failure the client waits out an exponential backoff
// (100 ms doubling to 5 s) before it dials again, so a dead Redis costs one failed call per
// backoff, not one per message. Callers decide what nullopt means: state writes are
// retried at the next flush, risk checks fail closed.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

struct redisContext;

namespace fulcrum::runtime {

struct RedisUrl {
  std::string host = "127.0.0.1";
  int port = 6379;
  int db = 0;
  std::string user;      // an ACL user ("": the default user)
  std::string password;  // never in the URL (it would reach logs and `ps`): FULCRUM_REDIS_PASSWORD
  std::string text;      // the URL as given, for messages: holds no password
};
// "redis://[user@]host:port[/db]", the password from FULCRUM_REDIS_PASSWORD; throws
// std::invalid_argument naming what is wrong (a password in the URL is refused).
RedisUrl parse_redis_url(const std::string& url);

struct RedisReply {
  enum class Kind { kNil, kString, kInteger, kArray, kStatus } kind = Kind::kNil;
  std::string str;
  long long integer = 0;
  std::vector<RedisReply> elements;
};

class RedisClient {
 public:
  explicit RedisClient(RedisUrl url, std::chrono::milliseconds timeout = std::chrono::milliseconds(500));
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // One command, arguments binary-safe. nullopt when Redis is unreachable or answers with
  // an error; last_error() says which.
  std::optional<RedisReply> command(const std::vector<std::string>& args);
  // Several commands in one round trip (MULTI/EXEC is not needed: each is idempotent).
  bool pipeline(const std::vector<std::vector<std::string>>& commands);
  bool ping();
  bool connected() const { return ctx_ != nullptr; }
  const std::string& last_error() const { return last_error_; }
  const RedisUrl& url() const { return url_; }

 private:
  bool ensure_connected();
  void fail(const std::string& why);

  RedisUrl url_;
  std::chrono::milliseconds timeout_;
  redisContext* ctx_ = nullptr;
  std::string last_error_;
  std::chrono::steady_clock::time_point next_attempt_{};
  std::chrono::milliseconds backoff_{100};
};

}  // namespace fulcrum::runtime
