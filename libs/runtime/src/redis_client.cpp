#include "fulcrum/runtime/redis_client.h"

#include <cstdlib>

#include <hiredis/hiredis.h>

#include <stdexcept>

namespace fulcrum::runtime {
namespace {

RedisReply convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING: out.kind = RedisReply::Kind::kString; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_STATUS: out.kind = RedisReply::Kind::kStatus; out.str.assign(r->str, r->len); break;
    case REDIS_REPLY_INTEGER: out.kind = RedisReply::Kind::kInteger; out.integer = r->integer; break;
    case REDIS_REPLY_ARRAY:
      out.kind = RedisReply::Kind::kArray;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
      break;
    default: break;
  }
  return out;
}

timeval to_timeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<decltype(tv.tv_sec)>(ms.count() / 1000);
  tv.tv_usec = static_cast<decltype(tv.tv_usec)>((ms.count() % 1000) * 1000);
  return tv;
}

}  // namespace

RedisUrl parse_redis_url(const std::string& url) {
  RedisUrl u;
  u.text = url;
  const std::string scheme = "redis://";
  if (url.rfind(scheme, 0) != 0) throw std::invalid_argument("redis url '" + url + "': must start with redis://");
  std::string rest = url.substr(scheme.size());
  if (const auto at = rest.find('@'); at != std::string::npos) {
    u.user = rest.substr(0, at);
    rest = rest.substr(at + 1);
    if (u.user.find(':') != std::string::npos)
      throw std::invalid_argument("redis url: a password does not belong in the URL (logs and `ps` show it); put it in FULCRUM_REDIS_PASSWORD");
    if (u.user.empty()) throw std::invalid_argument("redis url '" + url + "': empty user before '@'");
  }
  if (const char* pw = std::getenv("FULCRUM_REDIS_PASSWORD"); pw && *pw) u.password = pw;
  if (const auto slash = rest.find('/'); slash != std::string::npos) {
    const auto db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db.empty()) {
      try {
        size_t used = 0;
        u.db = std::stoi(db, &used);
        if (used != db.size() || u.db < 0) throw std::invalid_argument("db");
      } catch (const std::exception&) {
        throw std::invalid_argument("redis url '" + url + "': database '" + db + "' is not a non-negative integer");
      }
    }
  }
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos) {
    u.host = rest;
  } else {
    u.host = rest.substr(0, colon);
    const auto port = rest.substr(colon + 1);
    try {
      size_t used = 0;
      u.port = std::stoi(port, &used);
      if (used != port.size() || u.port < 1 || u.port > 65535) throw std::invalid_argument("port");
    } catch (const std::exception&) {
      throw std::invalid_argument("redis url '" + url + "': port '" + port + "' is not in 1–65535");
    }
  }
  if (u.host.empty()) throw std::invalid_argument("redis url '" + url + "': host is empty");
  return u;
}

RedisClient::RedisClient(RedisUrl url, std::chrono::milliseconds timeout) : url_(std::move(url)), timeout_(timeout) {}

RedisClient::~RedisClient() {
  if (ctx_) redisFree(ctx_);
}

void RedisClient::fail(const std::string& why) {
  last_error_ = "redis " + url_.host + ":" + std::to_string(url_.port) + ": " + why;
  if (ctx_) {
    redisFree(ctx_);
    ctx_ = nullptr;
  }
  next_attempt_ = std::chrono::steady_clock::now() + backoff_;
  backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(5000));
}

bool RedisClient::ensure_connected() {
  if (ctx_) return true;
  if (std::chrono::steady_clock::now() < next_attempt_) return false;
  ctx_ = redisConnectWithTimeout(url_.host.c_str(), url_.port, to_timeval(timeout_));
  if (!ctx_ || ctx_->err) {
    const std::string why = ctx_ ? ctx_->errstr : "cannot allocate a connection";
    fail("connect failed: " + why);
    return false;
  }
  redisSetTimeout(ctx_, to_timeval(timeout_));
  if (!url_.password.empty()) {
    auto* r = static_cast<redisReply*>(url_.user.empty() ? redisCommand(ctx_, "AUTH %s", url_.password.c_str())
                                                         : redisCommand(ctx_, "AUTH %s %s", url_.user.c_str(), url_.password.c_str()));
    const std::string err = r && r->type == REDIS_REPLY_ERROR ? std::string(r->str, r->len) : (r ? "" : "no reply");
    if (r) freeReplyObject(r);
    if (!err.empty()) {
      fail("AUTH as " + (url_.user.empty() ? std::string("default") : url_.user) + " refused: " + err);
      return false;
    }
  }
  if (url_.db != 0) {
    auto* r = static_cast<redisReply*>(redisCommand(ctx_, "SELECT %d", url_.db));
    const bool ok = r && r->type != REDIS_REPLY_ERROR;
    if (r) freeReplyObject(r);
    if (!ok) {
      fail("SELECT " + std::to_string(url_.db) + " failed");
      return false;
    }
  }
  backoff_ = std::chrono::milliseconds(100);
  return true;
}

std::optional<RedisReply> RedisClient::command(const std::vector<std::string>& args) {
  if (!ensure_connected()) return std::nullopt;
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* r = static_cast<redisReply*>(redisCommandArgv(ctx_, static_cast<int>(args.size()), argv.data(), lens.data()));
  if (!r) {
    fail(std::string("connection lost: ") + (ctx_ && ctx_->errstr[0] ? ctx_->errstr : "no reply"));
    return std::nullopt;
  }
  if (r->type == REDIS_REPLY_ERROR) {
    last_error_ = "redis " + args.front() + ": " + std::string(r->str, r->len);
    freeReplyObject(r);
    return std::nullopt;
  }
  auto out = convert(r);
  freeReplyObject(r);
  return out;
}

bool RedisClient::pipeline(const std::vector<std::vector<std::string>>& commands) {
  if (commands.empty()) return true;
  if (!ensure_connected()) return false;
  for (const auto& args : commands) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (const auto& a : args) {
      argv.push_back(a.data());
      lens.push_back(a.size());
    }
    if (redisAppendCommandArgv(ctx_, static_cast<int>(args.size()), argv.data(), lens.data()) != REDIS_OK) {
      fail("cannot queue a pipelined command");
      return false;
    }
  }
  bool ok = true;
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || !raw) {
      fail(std::string("connection lost in pipeline: ") + (ctx_ && ctx_->errstr[0] ? ctx_->errstr : "no reply"));
      return false;
    }
    auto* r = static_cast<redisReply*>(raw);
    if (r->type == REDIS_REPLY_ERROR) {
      last_error_ = "redis " + commands[i].front() + ": " + std::string(r->str, r->len);
      ok = false;
    }
    freeReplyObject(r);
  }
  return ok;
}

bool RedisClient::ping() {
  const auto r = command({"PING"});
  return r && r->str == "PONG";
}

}  // namespace fulcrum::runtime
