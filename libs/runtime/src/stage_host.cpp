#include "fulcrum/runtime/stage_host.h"

#include <string_view>

namespace fulcrum::runtime {

namespace {
// A journal entry: the input's index, its topic, a NUL, the payload (binary-safe).
std::string encode_entry(size_t input, const transport::ReceivedFrame& f) {
  std::string e;
  e.reserve(f.topic.size() + f.payload.size() + 2);
  e.push_back(static_cast<char>(input));
  e += f.topic;
  e.push_back('\0');
  e += f.payload;
  return e;
}
}  // namespace

StageHost::StageHost(Service& svc, Options opts) : svc_(svc), opts_(std::move(opts)), pub_(svc.zmq(), opts_.bind) {
  svc_.watch(pub_, {opts_.out_topic});
  lockstep_ = svc_.config().mesh.replay == config::ReplayMode::kLockstep;
  // Only lockstep can make a restart exact (the journal commits before each output). The
  // free-running modes would pay a Redis writer per stage for a recovery that is
  // approximate anyway, on the hot path's cores: there a stage restarts cold.
  if (!opts_.journal.empty() && lockstep_) journal_ = std::make_unique<RedisJournal>(svc_.redis(), svc_.key(opts_.journal), true);
}

size_t StageHost::add_input(const std::vector<std::string>& endpoints, const std::vector<std::string>& topics, FrameHandler handler) {
  if (inputs_.size() >= 32) throw std::logic_error("StageHost: more than 32 inputs");
  inputs_.push_back({std::make_unique<transport::Subscriber>(svc_.zmq(), endpoints, topics), std::move(handler)});
  svc_.watch(*inputs_.back().sub);
  return inputs_.size() - 1;
}

bool StageHost::accept(const v1::Header& header, const std::string& topic, int64_t recv_ns) {
  return replaying_ || svc_.accept(header, topic, recv_ns);
}

bool StageHost::begin(core::TimestampMs t, const std::string& key) {
  const auto verdict = gates_[key].classify(t);
  if (verdict == InstantGate::Verdict::kRepeat && !replaying_) republish(key);
  return verdict == InstantGate::Verdict::kNew;
}

void StageHost::finish(core::TimestampMs t, std::vector<std::string> outputs, const std::string& key) {
  if (!replaying_) record_current();
  gates_[key].finish(t, std::move(outputs));
  if (replaying_) return;
  unpublished_.insert(key);
  publish_if_committed(key);
}

bool StageHost::publish_if_committed(const std::string& key) {
  if (journal_ && lockstep_ && !journal_->commit()) {
    if (!commit_failing_) svc_.log().error("event=journal_write_failed instant_ms={} error=\"{}\"", gates_[key].done(), journal_->describe_error());
    commit_failing_ = true;
    return false;
  }
  commit_failing_ = false;
  unpublished_.erase(key);
  republish(key);
  if (opts_.resend_until_acked && lockstep_) awaiting_ack_[key] = std::chrono::steady_clock::now();
  return true;
}

void StageHost::acknowledged(core::TimestampMs t, const std::string& key) {
  const auto it = gates_.find(key);
  if (it != gates_.end() && it->second.any() && it->second.done() == t) awaiting_ack_.erase(key);
}

void StageHost::resend_unacknowledged() {
  const auto now = std::chrono::steady_clock::now();
  const auto after = std::chrono::milliseconds(svc_.config().mesh.resend_after_ms);
  for (auto& [key, sent] : awaiting_ack_) {
    if (now - sent < after) continue;
    svc_.log().warn("event=output_resend topic={} key={} instant_ms={}", opts_.out_topic, key, gates_[key].done());
    republish(key);
    sent = now;
  }
}

void StageHost::republish(const std::string& key) {
  if (replaying_ || unpublished_.count(key)) return;
  const auto& outputs = gates_[key].outputs();
  for (const auto& o : outputs) pub_.publish(opts_.out_topic, o);
  svc_.metrics().published(opts_.out_topic).Increment(static_cast<double>(outputs.size()));
}

const InstantGate& StageHost::gate(const std::string& key) const {
  static const InstantGate kNone;
  const auto it = gates_.find(key);
  return it == gates_.end() ? kNone : it->second;
}

void StageHost::record_current() {
  if (!journal_ || !current_ || current_recorded_) return;
  journal_->record(encode_entry(current_input_, *current_));
  current_recorded_ = true;
}

void StageHost::dispatch(size_t input, const transport::ReceivedFrame& frame, int64_t recv_ns) {
  current_ = &frame;
  current_input_ = input;
  current_recorded_ = false;
  const bool changed = inputs_[input].handler(frame, recv_ns);
  if (changed && !replaying_) record_current();
  current_ = nullptr;
}

void StageHost::recover() {
  if (!journal_) return;
  replaying_ = true;
  size_t n = 0;
  try {
    n = journal_->replay([&](std::string_view e) {
      const auto nul = e.find('\0', 1);  // byte 0 is the input index, often 0 itself
      if (e.empty() || nul == std::string_view::npos || static_cast<size_t>(static_cast<unsigned char>(e[0])) >= inputs_.size())
        throw core::JournalError("journal " + svc_.key(opts_.journal) + " entry " + std::to_string(n) + " is corrupt");
      const transport::ReceivedFrame frame{std::string(e.substr(1, nul - 1)), std::string(e.substr(nul + 1))};
      dispatch(static_cast<unsigned char>(e[0]), frame, 0);
      ++n;
    });
  } catch (const core::JournalError& e) {
    replaying_ = false;
    throw StartupError(kExitRuntime, e.what());
  }
  replaying_ = false;
  if (n > 0) {
    std::string through;
    for (const auto& [key, g] : gates_) through += (through.empty() ? "" : ",") + (key.empty() ? "" : key + ":") + std::to_string(g.done());
    svc_.log().warn("event=recovered journal_entries={} through_instant_ms={}", n, through);
  }
}

void StageHost::drain(const std::vector<size_t>& ready) {
  for (const size_t i : ready) {
    // Drain a burst (an instant's market events arrive together), but bounded, so one
    // busy input cannot starve the other: one left with frames is not drained() and so
    // comes back from the next wait at once.
    for (int n = 0; n < 4096; ++n) {
      auto frame = inputs_[i].sub->take();
      if (!frame) break;
      dispatch(i, *frame, wall_ns());
    }
  }
}

void StageHost::flush_outputs() {
  pub_.flush();
  for (auto* p : batched_) p->flush();
}

int StageHost::run() {
  recover();
  svc_.ready();
  std::vector<transport::Subscriber*> subs;
  for (auto& in : inputs_) subs.push_back(in.sub.get());
  // What one turn publishes leaves as one bundle per socket, at the end of the turn.
  pub_.begin_batch();
  for (auto* p : batched_) p->begin_batch();
  while (svc_.running()) {
    // One poll(2) a turn, and only the inputs that may have frames are read: an input read
    // to empty costs two system calls, so reading the quiet ones too cost each turn more
    // than the wait itself.
    drain(transport::wait_for_input(subs, std::chrono::milliseconds(50)));
    if (!unpublished_.empty()) {
      const auto waiting = unpublished_;
      for (const auto& key : waiting)
        if (!publish_if_committed(key)) break;
    }
    if (!awaiting_ack_.empty()) resend_unacknowledged();
    for (auto& fn : every_turn_) fn();
    flush_outputs();
    svc_.tick();
  }
  flush_outputs();
  return 0;
}

}  // namespace fulcrum::runtime
