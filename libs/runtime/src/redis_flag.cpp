#include "fulcrum/runtime/redis_flag.h"

namespace fulcrum::runtime {

void RedisFlag::refresh() {
  const auto now = Clock::now();
  if (now - tried_at_ < refresh_every_) return;
  tried_at_ = now;
  const auto reply = svc_.redis().command({"GET", key_});
  if (!reply) {
    error_ = svc_.redis().last_error();
    svc_.metrics().redis_errors().Increment();
    svc_.metrics().redis_up().Set(0);
    return;
  }
  svc_.metrics().redis_up().Set(1);
  read_at_ = now;
  value_ = reply->kind == RedisReply::Kind::kString && reply->str != "0" ? reply->str : "";
}

}  // namespace fulcrum::runtime
