#pragma once
// ZeroMQ endpoints for the hot path.
//
// Socket patterns: every hot-path edge is PUB → SUB. Publishers never block on a slow or
// dead consumer (a risk or order path must not stall market data), and fan-out to A/B
// leverage variants or extra observers costs nothing. The price is that a full queue
// drops; so every message carries a sequence number and every subscriber counts gaps.
// Lockstep replay is what guarantees no loss in parity runs: the source waits for the
// order router's acknowledgement before it publishes the next instant.
//
// High-water marks: kDefaultHwm (100 000 messages) on both sides. At the 10 000 msg/s
// target that is 10 s of buffer, enough to ride out a consumer's GC-free hiccup or a
// restart, and bounded (≈ 20–40 MB at our message sizes) so memory cannot grow without
// limit. Linger 0: a stopping service never hangs on undelivered messages.
//
// Bundles: a publisher with a batch open (Publisher::begin_batch) sends the frames of one
// loop turn as one ZeroMQ message [kBundleTopic][body], the body holding each frame as
// [topic length: 1 byte][topic][payload length: 4 bytes, little-endian][payload]. So a
// burst costs ZeroMQ one message of two parts, one allocation on each side and one wake-up
// of each thread on the way, instead of two parts (and an allocation) per frame: the
// per-frame cost of a six-hop path under load. A turn that publishes one frame sends a
// plain [topic][payload] pair, so nothing waits and the quiet path is unchanged. A
// subscriber also takes a message of several [topic][payload] pairs (the bundles of
// earlier versions). A bundle holds at most kMaxBundleFrames frames and kMaxBundleBytes of
// payload; it counts as one message against the high-water mark, so a subscriber that
// stalls while its publisher sends full bundles holds up to HWM × 32 KiB (3.2 GB), against
// ≈ 30 MB for single frames at our message sizes. Bundles are full only under bursts of
// thousands of frames a second; the cap is the price of their amortisation. 256 frames,
// not 64: a replay at 50 000 instants a second makes 100 frames a millisecond, and at 64
// every hop paid a third more turns (and about a fifth more CPU on the whole path).
// A peer built with the old cap refuses the larger bundles: both sides of an edge upgrade
// together, as with the bundle format itself.
#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>
#include <zmq.hpp>

#include "fulcrum/transport/sequence_tracker.h"

namespace fulcrum::transport {

inline constexpr int kDefaultHwm = 100'000;
// The largest frame a subscriber accepts (ZMQ_MAXMSGSIZE): a peer that sends more is
// disconnected by ZeroMQ before the frame is buffered, so one forged 100 MB frame cannot
// cost every subscriber 100 MB. The mesh's largest message is a few KiB. A process sets
// its own cap once, before it opens sockets (the services do it from
// mesh.max_message_bytes).
inline constexpr int64_t kDefaultMaxMessageBytes = 1 << 20;
void set_max_message_bytes(int64_t bytes);
int64_t max_message_bytes();
inline constexpr size_t kMaxBundleFrames = 256;
inline constexpr size_t kMaxBundleBytes = 32 * 1024;
// No topic starts with a control character: a bundle's first part cannot be a real topic.
inline constexpr std::string_view kBundleTopic = "\x01bundle";

// CURVE on every hot-path socket this process opens (mesh.curve). Binding sockets are CURVE
// servers holding the mesh's server key, and ask the process's ZAP handler (runtime) which
// clients may connect; subscribers are CURVE clients with their own key pair and insist on
// the mesh's server key. So a process without the mesh's keys can neither read a socket
// (its handshake is refused) nor stand in for a publisher (it cannot prove the server key).
// Keys are Z85 (40 characters). Set once, before any socket opens.
struct CurveIdentity {
  std::string server_public, server_secret;  // the mesh's server key pair
  std::string client_public, client_secret;  // this service's own
};
void set_curve(std::optional<CurveIdentity> identity);
const std::optional<CurveIdentity>& curve();
inline constexpr const char* kZapDomain = "fulcrum";

// A TCP port free on 127.0.0.1 right now, chosen at random outside the kernel's ephemeral range
// so that no outgoing connection can take it before it is bound; throws std::runtime_error when
// none can be had. Another listener may still take it first: callers that can, retry.
int free_loopback_port();

// An endpoint may say which side binds: "@tcp://…" binds, ">tcp://…" connects, and a plain
// one takes the socket's usual role (publishers bind, subscribers connect). A gatekeeper
// that binds its SUB ("@") lets any number of leverage variants connect their PUB (">")
// to it, so adding a variant changes nothing on the gatekeeper.
enum class EndpointRole { kBind, kConnect };
std::pair<EndpointRole, std::string> endpoint_role(const std::string& endpoint, EndpointRole plain);

struct ReceivedFrame {
  std::string topic;
  std::string payload;
};

struct EndpointCounters {
  uint64_t sent = 0;
  uint64_t received = 0;
  uint64_t malformed = 0;   // wrong frame count, unknown topic, unparsable payload
  uint64_t send_dropped = 0;  // send errors; PUB drops silently at its HWM, subscribers see the gap
};

class Publisher {
 public:
  Publisher(zmq::context_t& ctx, const std::string& endpoint, int hwm = kDefaultHwm);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;
  // Never blocks. A PUB socket drops silently at its high-water mark: the sequence
  // numbers in every payload let subscribers detect and count that. With a batch open the
  // frame is queued (true) and a drop is counted when the bundle leaves.
  bool publish(const std::string& topic, const std::string& payload);
  // From here on, frames wait and leave together at flush() (or when a bundle is full).
  void begin_batch() { batching_ = true; }
  // Sends what waits; returns the frames the high-water mark dropped. Never throws.
  size_t flush() noexcept;
  const EndpointCounters& counters() const { return counters_; }
  std::string endpoint() const;  // the bound address, with the real port for tcp://…:*

 private:
  bool send_now(std::string_view topic, std::string_view payload);
  zmq::socket_t socket_;
  EndpointCounters counters_;
  bool batching_ = false;
  std::string bundle_;  // the waiting frames, as a bundle's body; its capacity kept
  size_t bundled_ = 0;  // frames in it
  std::string_view first_topic_, first_payload_;  // the first frame, inside bundle_
};

// Reports malformed input at most once per `interval` with a count of the suppressed ones,
// so a flood of garbage cannot flood the log.
class RateLimitedReporter {
 public:
  using Sink = std::function<void(const std::string& message, uint64_t suppressed)>;
  RateLimitedReporter(Sink sink, std::chrono::milliseconds interval) : sink_(std::move(sink)), interval_(interval) {}
  void report(const std::string& message);

 private:
  Sink sink_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point last_{};
  uint64_t suppressed_ = 0;
  bool any_ = false;
};

class Subscriber {
 public:
  Subscriber(zmq::context_t& ctx, const std::string& endpoint, const std::vector<std::string>& topics, int hwm = kDefaultHwm);
  // One socket on several publishers (A/B variants feeding one gatekeeper, test taps).
  Subscriber(zmq::context_t& ctx, const std::vector<std::string>& endpoints, const std::vector<std::string>& topics, int hwm = kDefaultHwm);
  const std::vector<std::string>& topics() const { return topics_; }
  // Waits up to `timeout` for one well-formed [topic][payload] frame on a subscribed topic
  // (a bundle's frames come one per call, in order). Anything else is counted as malformed,
  // reported, and skipped; never thrown.
  std::optional<ReceivedFrame> receive(std::chrono::milliseconds timeout);
  // The next frame if one is here already, without polling: a loop that drains a burst
  // pays no system call per frame. Null when none is; the frame stays valid until the next
  // take() or receive(), and its strings keep their capacity for the frames after it.
  const ReceivedFrame* take();
  // receive() plus protobuf parsing; an unparsable payload is counted as malformed.
  template <class Message>
  std::optional<std::pair<std::string, Message>> receive_as(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      auto frame = receive(std::max(left, std::chrono::milliseconds(0)));
      if (!frame) return std::nullopt;
      Message m;
      if (frame->payload.size() <= static_cast<size_t>(INT32_MAX) &&
          m.ParseFromArray(frame->payload.data(), static_cast<int>(frame->payload.size())))
        return std::make_pair(std::move(frame->topic), std::move(m));
      --counters_.received;
      malformed("unparsable payload on topic '" + frame->topic + "' (" + std::to_string(frame->payload.size()) + " bytes)");
    }
  }
  // One SUB socket can take several publishers (A/B variants feeding one gatekeeper).
  void connect(const std::string& endpoint);
  void set_reporter(RateLimitedReporter* reporter) { reporter_ = reporter; }
  const EndpointCounters& counters() const { return counters_; }
  // True once a read found the socket empty and nothing has touched the socket since. Only
  // then does its wake descriptor (ZeroMQ's ZMQ_FD, edge-triggered) become readable when
  // anything arrives: see wait_for_input.
  bool drained() const { return drained_; }
  int wake_fd() const { return wake_fd_; }

 private:
  void malformed(const std::string& why);
  // Reads one ZeroMQ message into frames_; false when none is queued.
  bool read_message();
  // Appends a frame to frames_ if its topic is subscribed; a foreign one is counted.
  void deliver(std::string_view topic, std::string_view payload);
  void unbundle(std::string_view body);
  zmq::socket_t socket_;
  std::vector<ReceivedFrame> frames_;  // the last message's frames: [next_, ready_) wait
  size_t next_ = 0, ready_ = 0;
  std::vector<zmq::message_t> parts_;  // the message being read, its capacity kept
  EndpointRole role_ = EndpointRole::kConnect;
  std::vector<std::string> topics_;
  EndpointCounters counters_;
  RateLimitedReporter* reporter_ = nullptr;
  int wake_fd_ = -1;
  bool drained_ = false;  // unknown until a read finds the socket empty
};

// Waits up to `timeout` until any of `subs` may have a frame, and returns their indexes in
// order: all of them after a quiet timeout, none after a signal (or a zero timeout with
// nothing there). A subscriber not drained() is returned at once, and
// the others are then checked without waiting, so a busy input cannot hide the rest. The
// caller reads each returned subscriber with take() until it is empty (or it stays not
// drained and comes back next time); a returned one can turn out to have nothing.
//
// Why not zmq_poll: on each call it asks every socket for ZMQ_EVENTS before and after it
// sleeps, and each ask costs two system calls (getpid and a poll of the socket's mailbox),
// about 2 µs on the 2-vCPU VMs the mesh benchmark runs on. A drained socket's mailbox
// descriptor is readable exactly when a command (a new message's wake-up included) has
// come since the read that found it empty, so one poll(2) over the descriptors waits for
// them all.
std::vector<size_t> wait_for_input(const std::vector<Subscriber*>& subs, std::chrono::milliseconds timeout);

}  // namespace fulcrum::transport
