#pragma once
// The loop every hot-path stage runs, written once. It polls the stage's inputs, books
// each frame (run id, sequence, hop latency), journals the frames that change the stage's
// state, answers a re-sent instant from cache, and publishes what the stage produced. A
// stage is then only its typed handlers, which call the stage object from libs/strategy
// (or libs/risk) and say what they produced; its main.cpp holds nothing else. A turn
// waits once, drains the inputs that have frames without a poll per frame, and sends what
// it produced as one bundle per socket (transport/endpoint.h), so a burst costs each hop
// one wake-up.
//
// Recovery (lockstep): a stage with a journal replays it at start, through the same handlers, with
// publishing and header booking turned off. Its objects (indicator windows, the planner's
// pending orders and client-order-id counter) are then exactly where the previous life
// left them, and the last instant's outputs are cached for the re-send that follows.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fulcrum/runtime/instant_gate.h"
#include "fulcrum/runtime/redis_journal.h"
#include "fulcrum/runtime/service.h"
#include "fulcrum/transport/scratch_message.h"

namespace fulcrum::runtime {

class StageHost {
 public:
  struct Options {
    std::string bind;           // PUB endpoint for the outputs
    std::string out_topic;      // the one topic the stage publishes
    std::string journal;        // Redis key suffix of the input journal; empty: a stateless stage
    // Lockstep: outputs the order router must acknowledge (leverage's batches) are
    // re-published every mesh.resend_after_ms until acknowledged().
    bool resend_until_acked = false;
  };
  StageHost(Service& svc, Options opts);

  // A handler gets every well-formed frame of this run and returns true when the frame
  // changed the stage's state (that frame is journaled).
  using FrameHandler = std::function<bool(const transport::ReceivedFrame& frame, int64_t recv_ns)>;
  size_t add_input(const std::vector<std::string>& endpoints, const std::vector<std::string>& topics, FrameHandler handler);
  // The same for one message type: parsed, and its header booked, before `handler` sees it.
  template <class Message>
  size_t add_input_of(const std::vector<std::string>& endpoints, const std::vector<std::string>& topics,
                      std::function<bool(const Message&, int64_t recv_ns)> handler) {
    // Parsed into one arena per input (transport/scratch_message.h): no malloc or free per
    // nested message. The handler's message is gone when the next frame arrives.
    return add_input(endpoints, topics,
                     [this, handler = std::move(handler), scratch = std::make_shared<transport::ScratchMessage<Message>>()](const transport::ReceivedFrame& f, int64_t recv_ns) {
                       auto& m = scratch->fresh();
                       if (!parse(f, m) || !accept(m.header(), f.topic, recv_ns)) return false;
                       return handler(m, recv_ns);
                     });
  }
  transport::Publisher& publisher() { return pub_; }
  // Another socket the stage publishes on, bundled per turn like the stage's own.
  void batch_with(transport::Publisher& pub) { batched_.push_back(&pub); }

  // Parses a frame's payload; an unparsable one is counted as malformed, naming the topic.
  // In a journal replay it is corruption, and the restart fails rather than lose state.
  template <class Message>
  bool parse(const transport::ReceivedFrame& f, Message& m) {
    if (f.payload.size() <= static_cast<size_t>(INT32_MAX) && m.ParseFromArray(f.payload.data(), static_cast<int>(f.payload.size()))) return true;
    if (replaying_) throw core::JournalError("journal " + svc_.key(opts_.journal) + ": an entry on topic '" + f.topic + "' does not parse");
    svc_.count_malformed("unparsable payload on topic '" + f.topic + "' (" + std::to_string(f.payload.size()) + " bytes)");
    return false;
  }
  // Books an input's header (Service::accept); a replayed frame was booked in its first life.
  bool accept(const v1::Header& header, const std::string& topic, int64_t recv_ns);

  // True for a new instant of `key` (one key per account where a stage works per account).
  // A repeat of the last finished instant re-publishes its outputs; an older one is dropped.
  bool begin(core::TimestampMs t, const std::string& key = {});
  // Instant `t` of `key` is done and produced `outputs`: the journal is committed (in
  // lockstep), then they are published and cached for a repeat. If the commit fails they
  // wait, and the commit is retried every turn.
  void finish(core::TimestampMs t, std::vector<std::string> outputs, const std::string& key = {});
  // Publishes the last finished instant's outputs of `key` again.
  void republish(const std::string& key = {});
  // The order router acknowledged instant `t`: the outputs of `key` for it stop re-sending.
  void acknowledged(core::TimestampMs t, const std::string& key = {});
  const InstantGate& gate(const std::string& key = {}) const;
  bool replaying() const { return replaying_; }
  // The bytes of the frame a handler is handling (empty outside one): a stage that keeps
  // its own journal records them as they came, instead of serializing the message again.
  std::string_view current_payload() const { return current_ ? std::string_view(current_->payload) : std::string_view(); }
  // Runs once per loop turn (at least every 50 ms): timers, state refreshes, counters.
  void every_turn(std::function<void()> fn) { every_turn_.push_back(std::move(fn)); }

  // Replays the journal, turns the service ready, and runs until it is told to stop.
  // Returns the exit code (0).
  int run();

 private:
  struct Input {
    std::unique_ptr<transport::Subscriber> sub;
    FrameHandler handler;
  };
  void dispatch(size_t input, const transport::ReceivedFrame& frame, int64_t recv_ns);
  void drain(const std::vector<size_t>& ready);  // the frames already here on those inputs, each bounded
  void flush_outputs();
  void record_current();
  bool publish_if_committed(const std::string& key);
  void recover();
  void resend_unacknowledged();

  Service& svc_;
  Options opts_;
  transport::Publisher pub_;
  std::vector<Input> inputs_;
  std::map<std::string, InstantGate> gates_;
  std::unique_ptr<core::IJournal> journal_;
  bool lockstep_ = false, replaying_ = false;
  // The frame being handled, journaled at most once: before the commit of the instant it
  // finishes, or after its handler reports a change.
  const transport::ReceivedFrame* current_ = nullptr;
  size_t current_input_ = 0;
  bool current_recorded_ = false;
  std::set<std::string> unpublished_;  // keys whose outputs wait for a journal commit
  bool commit_failing_ = false;
  std::vector<std::function<void()>> every_turn_;
  std::vector<transport::Publisher*> batched_;
  std::map<std::string, std::chrono::steady_clock::time_point> awaiting_ack_;  // key → last sent
};

}  // namespace fulcrum::runtime
