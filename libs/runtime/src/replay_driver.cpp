#include "fulcrum/runtime/replay_driver.h"

#include <charconv>
#include <thread>

#include "fulcrum/transport/topics.h"
#include "fulcrum/v1/orders.pb.h"

namespace fulcrum::runtime {

namespace topics = transport::topics;

namespace {

class Replay {
 public:
  Replay(Service& svc, const transport::ReplayFeed& feed, transport::Publisher& pub, transport::Subscriber* acks, const ReplayOptions& opts)
      : svc_(svc), cfg_(svc.config()), feed_(feed), pub_(pub), acks_(acks), opts_(opts),
        lockstep_(cfg_.mesh.replay == config::ReplayMode::kLockstep && acks) {}

  int run() {
    svc_.log().info("event=replay_start events={} mode={} bind={}", feed_.size(),
                    lockstep_ ? "lockstep" : (cfg_.mesh.replay == config::ReplayMode::kFlat ? "flat" : "realtime"), pub_.endpoint());
    svc_.ready();
    // PUB drops what it sends before a subscriber's connection is up. Lockstep recovers by
    // re-sending; the free-running modes give subscribers this long to join instead.
    if (!lockstep_) std::this_thread::sleep_for(std::chrono::milliseconds(opts_.join_wait_ms));
    wall_start_ = std::chrono::steady_clock::now();
    // Instants due together (a paced replay that wakes late, or flat out) leave as bundles,
    // flushed before every wait but a short one (pace() says how short, and for how long).
    pub_.begin_batch();
    dropped_booked_ = pub_.counters().send_dropped;
    size_t begin = lockstep_ ? resume_point() : 0, sent_events = 0;
    while (begin < feed_.size() && svc_.running()) {
      const auto t = feed_.instant(begin);
      const size_t end = feed_.instant_end(begin);
      pace(sent_events, t);
      send_instant(begin, end, t);
      sent_events += end - begin;
      if (lockstep_ && !await_ack([&] { send_instant(begin, end, t); }, t, false)) break;
      begin = end;
      ++instants_;
      svc_.set_counter("instants_replayed", instants_);
      svc_.set_counter("lockstep_resends", resends_);
      svc_.tick();
      if (opts_.max_instants && instants_ >= opts_.max_instants) break;
    }
    flush();
    if (svc_.running()) {
      const auto last = begin > 0 ? feed_.instant(begin - 1) : 0;
      auto send_end = [&] {
        msg_.Clear();
        svc_.stamp(*msg_.mutable_header(), "market-data", cfg_.backtest.to_ms, nullptr, wall_ns());
        msg_.mutable_replay_end()->set_to_ms(cfg_.backtest.to_ms);
        msg_.mutable_replay_end()->set_last_instant_ms(last);
        msg_.mutable_replay_end()->set_instants(instants_);
        send();
      };
      send_end();
      flush();
      if (acks_) await_ack(send_end, cfg_.backtest.to_ms, true);
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start_).count();
    svc_.log().info("event=replay_done instants={} messages={} resends={} seconds={:.2f}", instants_, published_, resends_, secs);
    return 0;
  }

 private:
  // After the last instant the router acknowledged (committed with its journal).
  size_t resume_point() {
    const auto key = svc_.key(transport::state_keys::kAckedInstant);
    const auto acked = svc_.redis().command({"GET", key});
    if (!acked || acked->kind != RedisReply::Kind::kString) return 0;
    core::TimestampMs after = 0;
    const auto [end, ec] = std::from_chars(acked->str.data(), acked->str.data() + acked->str.size(), after);
    if (ec != std::errc() || end != acked->str.data() + acked->str.size())
      throw StartupError(kExitRuntime, key + " holds '" + acked->str.substr(0, 40) + "', not an instant");
    const size_t begin = feed_.first_after(after);
    if (begin > 0) svc_.log().warn("event=resumed after_instant_ms={} skipped_events={}", after, begin);
    return begin;
  }

  // Sends what waits, and books every frame the high-water mark dropped since the last
  // flush: those of this bundle and of any that left when one filled up.
  void flush() {
    held_since_ = {};
    pub_.flush();
    const auto dropped = pub_.counters().send_dropped - dropped_booked_;
    if (dropped == 0) return;
    dropped_booked_ += dropped;
    published_ -= dropped;
    svc_.metrics().dropped().Increment(static_cast<double>(dropped));
  }

  void pace(size_t sent_events, core::TimestampMs t) {
    if (opts_.rate > 0) {
      const auto due = wall_start_ + std::chrono::nanoseconds(static_cast<int64_t>(static_cast<double>(sent_events) * 1e9 / opts_.rate));
      const auto now = std::chrono::steady_clock::now();
      if (now < due) {
        // Coalescing: when the next instant is due within kCoalesce and what waits has
        // waited less than max_hold_, it joins the same bundle. At 1 000 instants a second
        // nothing is held; at 20 000 about forty share each hop's wake-ups, which on two
        // cores are most of a hop's cost.
        if (due - now > kCoalesce || now - held_since_ >= max_hold_) flush();
        std::this_thread::sleep_until(due);
      }
    } else if (cfg_.mesh.replay == config::ReplayMode::kRealtime) {
      const auto due = wall_start_ + std::chrono::nanoseconds(static_cast<int64_t>(static_cast<double>(t - feed_.instant(0)) * 1e6 / cfg_.mesh.speed));
      if (std::chrono::steady_clock::now() < due) flush();
      while (svc_.running() && std::chrono::steady_clock::now() < due) {
        std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(due - std::chrono::steady_clock::now(), std::chrono::milliseconds(50)));
        svc_.tick();
      }
    }
  }

  void send() {
    if (held_since_ == std::chrono::steady_clock::time_point{}) held_since_ = std::chrono::steady_clock::now();
    msg_.SerializeToString(&payload_);
    pub_.publish(topics::kMarket, payload_);  // a drop is booked at the flush
    ++published_;
    svc_.metrics().published(topics::kMarket).Increment();
  }

  void send_instant(size_t begin, size_t end, core::TimestampMs t) {
    for (size_t i = begin; i < end; ++i) {
      msg_.Clear();
      svc_.stamp(*msg_.mutable_header(), "market-data", feed_.instant(i), nullptr, wall_ns());
      feed_.write(i, msg_);
      send();
    }
    msg_.Clear();
    svc_.stamp(*msg_.mutable_header(), "market-data", t, nullptr, wall_ns());
    msg_.mutable_instant_end()->set_time_ms(t);
    send();
  }

  // Waits for the router's ack of instant `t` (or of the replay end); re-sends on silence.
  bool await_ack(const std::function<void()>& resend, core::TimestampMs t, bool replay_end) {
    flush();
    // Until the first ack the subscribers may still be connecting: retry sooner.
    const auto wait = std::chrono::milliseconds(instants_ == 0 ? std::min(250, cfg_.mesh.resend_after_ms) : cfg_.mesh.resend_after_ms);
    auto deadline = std::chrono::steady_clock::now() + wait;
    while (svc_.running()) {
      if (auto got = acks_->receive_as<v1::InstantAck>(std::chrono::milliseconds(20))) {
        if (svc_.accept(got->second.header(), topics::kAcks, wall_ns()) && got->second.instant_ms() == t && got->second.replay_end() == replay_end) return true;
      }
      svc_.tick();
      if (std::chrono::steady_clock::now() >= deadline) {
        ++resends_;
        svc_.log().warn("event=lockstep_resend instant_ms={} after_ms={}", t, cfg_.mesh.resend_after_ms);
        resend();
        flush();
        deadline = std::chrono::steady_clock::now() + wait;
      }
    }
    return false;
  }

  Service& svc_;
  const config::AppConfig& cfg_;
  const transport::ReplayFeed& feed_;
  transport::Publisher& pub_;
  transport::Subscriber* acks_;
  ReplayOptions opts_;
  bool lockstep_;
  v1::MarketEvent msg_;
  std::string payload_;
  uint64_t published_ = 0, resends_ = 0, instants_ = 0, dropped_booked_ = 0;
  static constexpr auto kCoalesce = std::chrono::microseconds(200);
  const std::chrono::microseconds max_hold_ = paced_max_hold(opts_.rate);
  std::chrono::steady_clock::time_point held_since_{};  // the oldest frame of the bundle that waits
  std::chrono::steady_clock::time_point wall_start_{};
};

}  // namespace

std::chrono::microseconds paced_max_hold(double events_per_second) {
  constexpr double kCalmRate = 10'000, kBusyRate = 20'000, kCalmHoldUs = 1'000, kBusyHoldUs = 2'000;
  if (!(events_per_second > kCalmRate)) return std::chrono::microseconds(static_cast<int64_t>(kCalmHoldUs));  // NaN too
  if (events_per_second >= kBusyRate) return std::chrono::microseconds(static_cast<int64_t>(kBusyHoldUs));
  const double share = (events_per_second - kCalmRate) / (kBusyRate - kCalmRate);
  return std::chrono::microseconds(static_cast<int64_t>(kCalmHoldUs + share * (kBusyHoldUs - kCalmHoldUs)));
}

int run_replay(Service& svc, const transport::ReplayFeed& feed, transport::Publisher& pub, transport::Subscriber* acks, const ReplayOptions& opts) {
  return Replay(svc, feed, pub, acks, opts).run();
}

}  // namespace fulcrum::runtime
