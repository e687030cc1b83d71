#include "fulcrum/runtime/access.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "fulcrum/core/digest.h"

namespace fulcrum::runtime {

const char* to_string(TokenKind k) {
  switch (k) {
    case TokenKind::kEngage: return "engage";
    case TokenKind::kRelease: return "release";
    case TokenKind::kAdmin: return "admin";
    case TokenKind::kMesh: return "mesh";
  }
  return "unknown";
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  volatile unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff = static_cast<unsigned char>(diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
  return diff == 0;
}

namespace {
constexpr size_t kMinSecret = 16;

std::string env_name(TokenKind k) {
  std::string n = std::string("FULCRUM_TOKEN_") + to_string(k);
  for (auto& c : n) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return n;
}
}  // namespace

TokenStore::Loaded& TokenStore::load(TokenKind kind) {
  auto& l = loaded_[kind];
  if (const char* env = std::getenv(env_name(kind).c_str()); env && *env) {
    if (l.mtime_ns == -2) return l;  // the environment does not change under a running process
    l = Loaded{};
    l.mtime_ns = -2;
    const std::string v = env;
    const auto colon = v.find(':');
    if (colon == std::string::npos || colon == 0 || v.size() - colon - 1 < kMinSecret)
      l.error = env_name(kind) + " must be <token-id>:<secret>, the secret at least 16 characters";
    else {
      l.entries.push_back({v.substr(0, colon), core::sha256_hex(v.substr(colon + 1))});
      l.first_secret = v.substr(colon + 1);
    }
    return l;
  }
  if (dir_.empty()) {
    l.error = "no " + std::string(to_string(kind)) + " token configured (--tokens DIR or " + env_name(kind) + ")";
    return l;
  }
  const auto path = dir_ + "/" + to_string(kind);
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    l = Loaded{};
    l.error = "no " + std::string(to_string(kind)) + " token file " + path;
    return l;
  }
  const int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  if (mtime == l.mtime_ns && st.st_size == l.size) return l;
  Loaded fresh;
  fresh.mtime_ns = mtime;
  fresh.size = st.st_size;
  std::ifstream in(path);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string id, secret, extra;
    ls >> id >> secret >> extra;
    if (secret.empty() || !extra.empty() || secret.size() < kMinSecret) {
      fresh.error = path + ":" + std::to_string(n) + ": expected '<token-id> <secret>', the secret at least 16 characters";
      continue;
    }
    if (fresh.first_secret.empty()) fresh.first_secret = secret;
    fresh.entries.push_back({id, core::sha256_hex(secret)});
  }
  if (fresh.entries.empty() && fresh.error.empty()) fresh.error = path + " holds no token";
  l = std::move(fresh);
  return l;
}

TokenStore::Verdict TokenStore::check(TokenKind kind, std::string_view authorization) {
  std::lock_guard lock(mu_);
  const auto& l = load(kind);
  if (l.entries.empty()) return {false, "", l.error};
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.empty()) return {false, "", "no authorization metadata"};
  if (authorization.substr(0, kBearer.size()) != kBearer) return {false, "", "authorization is not 'Bearer <token>'"};
  const auto digest = core::sha256_hex(std::string(authorization.substr(kBearer.size())));
  // Every entry is compared, matched or not, so the time taken says nothing about which.
  const Entry* match = nullptr;
  for (const auto& e : l.entries)
    if (constant_time_equal(digest, e.digest) && !match) match = &e;
  if (!match) return {false, "", std::string("wrong ") + to_string(kind) + " token"};
  return {true, match->id, ""};
}

std::optional<std::string> TokenStore::secret(TokenKind kind) {
  std::lock_guard lock(mu_);
  const auto& l = load(kind);
  if (l.first_secret.empty()) return std::nullopt;
  return l.first_secret;
}

void AuditTrail::record(const AuditEntry& e) {
  std::lock_guard lock(mu_);
  if (e.outcome == "unauthenticated") {
    const auto now = std::chrono::steady_clock::now();
    if (now - window_start_ >= std::chrono::minutes(1)) window_start_ = now, refusals_in_window_ = 0;
    if (++refusals_in_window_ > refusals_per_minute_) {
      ++suppressed_;
      return;
    }
  }
  log_.warn("event=audit action={} outcome={} token_id={} peer={} scope={} epoch={} before={} after={} reason=\"{}\" detail=\"{}\"", e.action,
            e.outcome, e.token_id.empty() ? "-" : e.token_id, e.peer, e.scope.empty() ? "-" : e.scope, e.epoch, e.before.empty() ? "-" : e.before,
            e.after.empty() ? "-" : e.after, e.reason, e.detail);
  if (queue_.size() < 100'000) queue_.push_back(e);
  else ++suppressed_;
}

std::vector<std::vector<std::string>> AuditTrail::take(const std::string& stream_key) {
  std::lock_guard lock(mu_);
  std::vector<std::vector<std::string>> out(std::make_move_iterator(retry_.begin()), std::make_move_iterator(retry_.end()));
  retry_.clear();
  const auto now_ms = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  for (auto& e : queue_) {
    out.push_back({"XADD", stream_key, "MAXLEN", "~", "100000", "*", "at_ms", now_ms, "action", e.action, "outcome", e.outcome, "token_id", e.token_id,
                   "peer", e.peer, "scope", e.scope, "epoch", std::to_string(e.epoch), "before", e.before, "after", e.after, "reason", e.reason,
                   "detail", e.detail});
  }
  queue_.clear();
  if (suppressed_ > 0) {
    out.push_back({"XADD", stream_key, "MAXLEN", "~", "100000", "*", "at_ms", now_ms, "action", "audit", "outcome", "suppressed", "detail",
                   std::to_string(suppressed_) + " refused attempts over the rate limit were counted, not recorded"});
    suppressed_ = 0;
  }
  return out;
}

void AuditTrail::put_back(std::vector<std::vector<std::string>> cmds) {
  std::lock_guard lock(mu_);
  for (auto& c : cmds)
    if (retry_.size() < 100'000) retry_.push_back(std::move(c));
}

uint64_t AuditTrail::suppressed() const {
  std::lock_guard lock(mu_);
  return suppressed_;
}

void write_durably(const std::string& path, const std::string& text) {
  const auto fail = [&](const char* step) { throw std::runtime_error(path + ": " + step + ": " + std::strerror(errno)); };
  const auto tmp = path + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fail("cannot create the temporary file");
  size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      fail("write");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail("fsync");
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) fail("rename");
  auto dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) fail("cannot open the folder to fsync it");
  const int rc = ::fsync(dfd);
  ::close(dfd);
  if (rc != 0) fail("fsync of the folder");
}

std::optional<std::string> read_if_exists(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return std::nullopt;
    throw std::runtime_error(path + ": cannot be read");
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace fulcrum::runtime
