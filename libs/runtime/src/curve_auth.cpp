#include "fulcrum/runtime/curve_auth.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

namespace fulcrum::runtime {
namespace fs = std::filesystem;

namespace {

std::string read_key(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("CURVE key file " + path.string() + " is missing");
  std::string key;
  std::getline(in, key);
  uint8_t raw[32];
  if (key.size() != 40 || !zmq_z85_decode(raw, key.c_str())) throw std::runtime_error("CURVE key file " + path.string() + " does not hold a 40-character Z85 key");
  return key;
}

void write_private(const fs::path& path, const std::string& text) {
  { std::ofstream(path) << text << "\n"; }
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
}

}  // namespace

CurveKeys load_curve_keys(const std::string& dir, const std::string& service) {
  CurveKeys k;
  const fs::path d(dir);
  k.identity.server_public = read_key(d / "server.public");
  k.identity.server_secret = read_key(d / "server.secret");
  k.identity.client_public = read_key(d / (service + ".public"));
  k.identity.client_secret = read_key(d / (service + ".secret"));
  for (const auto& e : fs::directory_iterator(d)) {
    const auto name = e.path().filename().string();
    if (e.path().extension() == ".public" && name != "server.public") k.authorized.insert(read_key(e.path()));
  }
  return k;
}

void write_curve_keypair(const std::string& dir, const std::string& name) {
  char pub[41], sec[41];
  if (zmq_curve_keypair(pub, sec) != 0) throw std::runtime_error("zmq_curve_keypair failed: libzmq built without CURVE (libsodium)");
  write_private(fs::path(dir) / (name + ".secret"), sec);
  write_private(fs::path(dir) / (name + ".public"), pub);
}

ZapHandler::ZapHandler(zmq::context_t& ctx, std::set<std::string> authorized_z85, spdlog::logger& log)
    : socket_(ctx, zmq::socket_type::rep), log_(log) {
  for (const auto& k : authorized_z85) {
    std::string raw(32, '\0');
    if (zmq_z85_decode(reinterpret_cast<uint8_t*>(raw.data()), k.c_str())) authorized_.insert(raw);
  }
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind("inproc://zeromq.zap.01");
  thread_ = std::thread([this] { serve(); });
}

ZapHandler::~ZapHandler() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void ZapHandler::serve() {
  auto last_log = std::chrono::steady_clock::time_point{};
  uint64_t unlogged = 0;
  while (!stop_) {
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    try {
      if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) == 0) continue;
      std::vector<zmq::message_t> frames;
      for (;;) {
        zmq::message_t m;
        if (!socket_.recv(m)) break;
        const bool more = m.more();
        frames.push_back(std::move(m));
        if (!more) break;
      }
      // version, request id, domain, address, identity, mechanism, credentials…
      const auto text = [&](size_t i) { return i < frames.size() ? frames[i].to_string() : std::string(); };
      const bool curve = text(5) == "CURVE" && frames.size() >= 7 && frames[6].size() == 32;
      const bool ok = text(0) == "1.0" && text(2) == transport::kZapDomain && curve && authorized_.count(frames[6].to_string()) > 0;
      if (!ok) {
        ++denied_;
        ++unlogged;
        const auto now = std::chrono::steady_clock::now();
        if (now - last_log >= std::chrono::seconds(1)) {
          log_.warn("event=zap_denied peer={} mechanism={} domain={} reason=\"{}\" denied_since_last={}", text(3), text(5), text(2),
                    curve ? "client key not of this mesh" : "not a CURVE handshake", unlogged);
          last_log = now;
          unlogged = 0;
        }
      }
      std::array<std::string, 6> reply{"1.0", text(1), ok ? "200" : "400", ok ? "OK" : "not a key of this mesh", "", ""};
      for (size_t i = 0; i < reply.size(); ++i)
        socket_.send(zmq::buffer(reply[i]), i + 1 < reply.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;
      if (e.num() != EINTR) log_.error("event=zap_handler_error error=\"{}\"", e.what());
    }
  }
}

}  // namespace fulcrum::runtime
