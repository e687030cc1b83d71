#include "fulcrum/transport/endpoint.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include "fulcrum/core/length_prefix.h"

namespace fulcrum::transport {
namespace {
std::atomic<int64_t> g_max_message_bytes{kDefaultMaxMessageBytes};
}  // namespace

void set_max_message_bytes(int64_t bytes) { g_max_message_bytes.store(bytes); }
int64_t max_message_bytes() { return g_max_message_bytes.load(); }

namespace {
// The kernel's ephemeral range: the ports connect() takes as local ports. A port chosen inside
// it can be taken by any outgoing connection (a client of Redis, a ZeroMQ connect) between
// the choice and the bind, which is how a mesh test once saw "Address already in use".
std::pair<int, int> ephemeral_port_range() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  int high = 0;
  if (in >> low >> high && low > 0 && high >= low && high <= 65535) return {low, high};
  return {32768, 60999};  // Linux's default
}

bool bindable_on_loopback(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}
}  // namespace

int free_loopback_port() {
  const auto [ephemeral_low, ephemeral_high] = ephemeral_port_range();
  // Prefer the ports below the ephemeral range (10000 up, clear of well-known services); if the
  // range was moved down to leave none, use the ports above it.
  int low = 10000;
  int high = ephemeral_low - 1;
  if (high - low < 1000) {
    low = ephemeral_high + 1;
    high = 65535;
  }
  if (high - low < 1000) throw std::runtime_error("cannot find a free loopback port: the ephemeral range covers almost every port");
  std::random_device seed;
  std::mt19937 pick(seed());
  std::uniform_int_distribution<int> in_range(low, high);
  for (int attempt = 0; attempt < 200; ++attempt) {
    const int port = in_range(pick);
    if (bindable_on_loopback(port)) return port;
  }
  throw std::runtime_error("cannot find a free loopback port in " + std::to_string(low) + "-" + std::to_string(high));
}

namespace {
std::optional<CurveIdentity>& curve_identity() {
  static std::optional<CurveIdentity> id;
  return id;
}
}  // namespace

void set_curve(std::optional<CurveIdentity> identity) { curve_identity() = std::move(identity); }
const std::optional<CurveIdentity>& curve() { return curve_identity(); }

namespace {

// The side that binds is the CURVE server and asks the ZAP handler; the side that connects
// is a client that proves its own key and insists on the mesh's server key.
void curve_server(zmq::socket_t& s) {
  const auto& id = curve();
  if (!id) return;
  s.set(zmq::sockopt::curve_server, true);
  s.set(zmq::sockopt::curve_secretkey, id->server_secret);
  s.set(zmq::sockopt::zap_domain, kZapDomain);
  // Refuse every client when no ZAP handler answers, instead of libzmq's default of
  // letting them all in (a draft option in 4.3: best effort, the handler is always bound).
  const int enforce = 1;
  zmq_setsockopt(s.handle(), 93 /* ZMQ_ZAP_ENFORCE_DOMAIN */, &enforce, sizeof enforce);
}

void curve_client(zmq::socket_t& s) {
  const auto& id = curve();
  if (!id) return;
  s.set(zmq::sockopt::curve_serverkey, id->server_public);
  s.set(zmq::sockopt::curve_publickey, id->client_public);
  s.set(zmq::sockopt::curve_secretkey, id->client_secret);
}

// Binds as the CURVE server or connects as a client; returns the role it took.
EndpointRole open_endpoint(zmq::socket_t& s, const std::string& endpoint, EndpointRole plain) {
  const auto [role, address] = endpoint_role(endpoint, plain);
  if (role == EndpointRole::kBind) {
    curve_server(s);
    s.bind(address);
  } else {
    curve_client(s);
    s.connect(address);
  }
  return role;
}

}  // namespace

std::pair<EndpointRole, std::string> endpoint_role(const std::string& endpoint, EndpointRole plain) {
  if (!endpoint.empty() && endpoint[0] == '@') return {EndpointRole::kBind, endpoint.substr(1)};
  if (!endpoint.empty() && endpoint[0] == '>') return {EndpointRole::kConnect, endpoint.substr(1)};
  return {plain, endpoint};
}

Publisher::Publisher(zmq::context_t& ctx, const std::string& endpoint, int hwm) : socket_(ctx, zmq::socket_type::pub) {
  socket_.set(zmq::sockopt::sndhwm, hwm);
  socket_.set(zmq::sockopt::linger, 0);
  open_endpoint(socket_, endpoint, EndpointRole::kBind);
}

std::string Publisher::endpoint() const { return socket_.get(zmq::sockopt::last_endpoint); }

Publisher::~Publisher() { flush(); }

bool Publisher::send_now(std::string_view topic, std::string_view payload) {
  try {
    if (!socket_.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
      ++counters_.send_dropped;
      return false;
    }
    // Once the first frame is queued ZeroMQ queues the rest atomically.
    socket_.send(zmq::buffer(payload), zmq::send_flags::none);
  } catch (const zmq::error_t&) {
    ++counters_.send_dropped;
    return false;
  }
  ++counters_.sent;
  return true;
}

bool Publisher::publish(const std::string& topic, const std::string& payload) {
  if (!batching_) return send_now(topic, payload);
  if (payload.size() + topic.size() > kMaxBundleBytes || topic.size() > 255) {
    flush();  // order kept: what waits goes first
    return send_now(topic, payload);
  }
  if (bundled_ >= kMaxBundleFrames || bundle_.size() + payload.size() + topic.size() > kMaxBundleBytes) flush();
  const size_t at = bundle_.size();
  bundle_.push_back(static_cast<char>(topic.size()));
  bundle_ += topic;
  core::append_length(bundle_, static_cast<uint32_t>(payload.size()));
  bundle_ += payload;
  if (bundled_++ == 0) {
    // Views into bundle_, which the next append may move: only read at a flush of one frame.
    first_topic_ = std::string_view(bundle_).substr(at + 1, topic.size());
    first_payload_ = std::string_view(bundle_).substr(at + 1 + topic.size() + 4, payload.size());
  }
  return true;
}

size_t Publisher::flush() noexcept {
  if (bundled_ == 0) return 0;
  const size_t frames = std::exchange(bundled_, 0);
  bool sent = false;
  if (frames == 1) {
    // Views taken when bundle_ held one frame; nothing was appended since.
    sent = send_now(first_topic_, first_payload_);
    bundle_.clear();
    return sent ? 0 : 1;
  }
  try {
    // The first part decides (dontwait at the high-water mark); the body follows atomically.
    sent = socket_.send(zmq::buffer(kBundleTopic), zmq::send_flags::sndmore | zmq::send_flags::dontwait).has_value();
    if (sent) socket_.send(zmq::buffer(bundle_), zmq::send_flags::none);
  } catch (...) {
    sent = false;
  }
  bundle_.clear();
  (sent ? counters_.sent : counters_.send_dropped) += frames;
  return sent ? 0 : frames;
}

void RateLimitedReporter::report(const std::string& message) {
  const auto now = std::chrono::steady_clock::now();
  if (any_ && now - last_ < interval_) {
    ++suppressed_;
    return;
  }
  sink_(message, suppressed_);
  suppressed_ = 0;
  last_ = now;
  any_ = true;
}

Subscriber::Subscriber(zmq::context_t& ctx, const std::string& endpoint, const std::vector<std::string>& topics, int hwm)
    : socket_(ctx, zmq::socket_type::sub), topics_(topics) {
  socket_.set(zmq::sockopt::rcvhwm, hwm);
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::maxmsgsize, max_message_bytes());
  // Subscribe to everything and filter here: a foreign topic is then visible and counted
  // instead of silently discarded inside ZeroMQ.
  socket_.set(zmq::sockopt::subscribe, "");
  role_ = open_endpoint(socket_, endpoint, EndpointRole::kConnect);
  wake_fd_ = socket_.get(zmq::sockopt::fd);
}

Subscriber::Subscriber(zmq::context_t& ctx, const std::vector<std::string>& endpoints, const std::vector<std::string>& topics, int hwm)
    : Subscriber(ctx, endpoints.at(0), topics, hwm) {
  for (size_t i = 1; i < endpoints.size(); ++i) connect(endpoints[i]);
}

void Subscriber::connect(const std::string& endpoint) {
  const auto [role, address] = endpoint_role(endpoint, EndpointRole::kConnect);
  // One socket is a CURVE server or a client, never both.
  if (role != role_) throw std::invalid_argument("endpoint '" + endpoint + "': a subscriber binds all its endpoints ('@') or connects all of them");
  drained_ = false;  // connecting processes the socket's commands: a wake-up may be gone
  if (role == EndpointRole::kBind) socket_.bind(address);
  else socket_.connect(address);
}

void Subscriber::malformed(const std::string& why) {
  ++counters_.malformed;
  if (reporter_) reporter_->report(why);
}

void Subscriber::deliver(std::string_view topic, std::string_view payload) {
  if (std::find(topics_.begin(), topics_.end(), topic) == topics_.end()) {
    malformed("foreign topic '" + std::string(topic.substr(0, 32)) + "'");
    return;
  }
  if (ready_ == frames_.size()) frames_.emplace_back();
  auto& f = frames_[ready_++];
  f.topic.assign(topic);
  f.payload.assign(payload);
}

void Subscriber::unbundle(std::string_view body) {
  size_t at = 0, frames = 0;
  const size_t first = ready_;
  while (at < body.size()) {
    const size_t topic_len = static_cast<unsigned char>(body[at]);
    if (body.size() - at < 1 + topic_len + 4) break;
    const auto topic = body.substr(at + 1, topic_len);
    const size_t n = core::read_length(body, at + 1 + topic_len);
    if (body.size() - at - 1 - topic_len - 4 < n) break;
    if (++frames > kMaxBundleFrames) {
      ready_ = first;
      return malformed("a bundle of more than " + std::to_string(kMaxBundleFrames) + " frames");
    }
    deliver(topic, body.substr(at + 1 + topic_len + 4, n));
    at += 1 + topic_len + 4 + n;
  }
  if (at != body.size()) {
    // A cut or forged body: none of it is trusted, not even the frames before the fault.
    ready_ = first;
    malformed("a bundle cut or forged at byte " + std::to_string(at) + " of " + std::to_string(body.size()));
  }
}

bool Subscriber::read_message() {
  // Up to one bundle's parts are kept; a longer message is read to its end and refused.
  constexpr size_t kKeep = 2 * kMaxBundleFrames;
  auto& parts = parts_;
  parts.clear();
  size_t count = 0;
  next_ = ready_ = 0;
  drained_ = false;
  try {
    zmq::message_t part;
    if (!socket_.recv(part, zmq::recv_flags::dontwait)) {
      // A recv that finds nothing has handled every pending command, so the mailbox's
      // descriptor now stays quiet until something new arrives.
      drained_ = true;
      return false;
    }
    for (;;) {
      ++count;
      const bool more = part.more();
      if (parts.size() < kKeep) parts.push_back(std::move(part));
      if (!more) break;
      part = zmq::message_t();
      if (!socket_.recv(part, zmq::recv_flags::dontwait)) break;  // cannot happen: a message arrives whole
    }
  } catch (const zmq::error_t& e) {
    malformed(std::string("receive failed: ") + e.what());
    return false;
  }
  const auto view = [&](size_t i) { return std::string_view(static_cast<const char*>(parts[i].data()), parts[i].size()); };
  if (count == 2 && view(0) == kBundleTopic) {
    unbundle(view(1));
    return true;
  }
  if (count % 2 != 0) {
    malformed("expected [topic][payload] pairs, got " + std::to_string(count) + " frame" + (count == 1 ? "" : "s"));
    return true;
  }
  if (count > kKeep) {
    malformed("a bundle of " + std::to_string(count / 2) + " frames (at most " + std::to_string(kMaxBundleFrames) + ")");
    return true;
  }
  for (size_t i = 0; i < parts.size(); i += 2) deliver(view(i), view(i + 1));
  return true;
}

const ReceivedFrame* Subscriber::take() {
  while (next_ == ready_)
    if (!read_message()) return nullptr;
  ++counters_.received;
  return &frames_[next_++];
}

std::optional<ReceivedFrame> Subscriber::receive(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (bool first = true;; first = false) {
    if (const auto* f = take()) return *f;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    // The deadline holds even when the wait keeps answering at once (a wake-up that was no
    // message, or a receive that keeps failing and so never finds the socket drained).
    if (!first && left.count() <= 0) return std::nullopt;
    if (wait_for_input({this}, std::max(left, std::chrono::milliseconds(0))).empty()) return std::nullopt;  // a signal
  }
}

std::vector<size_t> wait_for_input(const std::vector<Subscriber*>& subs, std::chrono::milliseconds timeout) {
  std::vector<size_t> ready;
  std::vector<pollfd> fds;
  std::vector<size_t> index;
  for (size_t i = 0; i < subs.size(); ++i) {
    if (!subs[i]->drained()) {
      ready.push_back(i);
    } else {
      fds.push_back({subs[i]->wake_fd(), POLLIN, 0});
      index.push_back(i);
    }
  }
  if (fds.empty()) return ready;
  const int wait_ms = ready.empty() ? static_cast<int>(std::clamp<int64_t>(timeout.count(), 0, INT32_MAX)) : 0;
  const int n = ::poll(fds.data(), fds.size(), wait_ms);
  if (n < 0) {
    // A signal (SIGTERM, Ctrl-C) interrupts the wait: no input, and the caller's loop sees
    // that the service is stopping. Only that is expected here.
    if (errno == EINTR) return ready;
    throw std::system_error(errno, std::generic_category(), "poll of subscriber sockets");
  }
  if (n == 0 && ready.empty() && wait_ms > 0) {
    // Quiet for a whole timeout: read them all anyway, as zmq_poll's callers did, so that
    // a wake-up missed by any path this code does not know of strands a frame for one
    // timeout, never for good.
    for (size_t i = 0; i < subs.size(); ++i) ready.push_back(i);
    return ready;
  }
  for (size_t k = 0; k < fds.size() && n > 0; ++k)
    if (fds[k].revents != 0) ready.push_back(index[k]);
  std::sort(ready.begin(), ready.end());
  return ready;
}

}  // namespace fulcrum::transport
