#pragma once
// Who may change a running mesh, and the record of who tried.
//
// TokenStore: bearer tokens by kind. Engage and release are separate powers (a desk can
// hand the halt button to more people than the release); admin guards config reloads; mesh
// is what the gatekeeper shows the router. Each kind comes from `<dir>/<kind>` (a mounted
// Kubernetes Secret is such a folder), one `<token-id> <secret>` per line, or from the env
// var FULCRUM_TOKEN_<KIND> as `<token-id>:<secret>`. A file is re-read when it changes, so
// tokens rotate without a restart. Secrets are compared as SHA-256 digests in constant
// time. A kind with no token refuses every call: there is no open default.
//
// AuditTrail: every engage, release, reload and refused attempt, as a log line at once and
// as a Redis Stream entry at the service's next state flush (kept and retried while Redis
// is down). Refusals are rate-limited so a flood cannot drown the stream.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace spdlog {
class logger;
}

namespace fulcrum::runtime {

enum class TokenKind { kEngage, kRelease, kAdmin, kMesh };
const char* to_string(TokenKind k);

class TokenStore {
 public:
  explicit TokenStore(std::string dir) : dir_(std::move(dir)) {}
  struct Verdict {
    bool ok = false;
    std::string token_id;  // ok: whose token
    std::string why;       // !ok: what was wrong, for the audit (never the secret)
  };
  // `authorization` is the request's "Bearer <secret>" header value. Thread-safe.
  Verdict check(TokenKind kind, std::string_view authorization);
  // The secret to present for `kind` (the first one configured), for the mesh's own calls.
  std::optional<std::string> secret(TokenKind kind);

 private:
  struct Entry {
    std::string id, digest;  // sha256 of the secret
  };
  struct Loaded {
    std::vector<Entry> entries;
    std::string first_secret;
    int64_t mtime_ns = -1;
    int64_t size = -1;
    std::string error;
  };
  Loaded& load(TokenKind kind);

  std::string dir_;
  std::mutex mu_;
  std::map<TokenKind, Loaded> loaded_;
};

// Constant-time equality of two strings of the same length (digests).
bool constant_time_equal(std::string_view a, std::string_view b);

struct AuditEntry {
  std::string action;   // engage, release, reload, apply
  std::string outcome;  // applied, refused, unauthenticated, replayed
  std::string token_id, peer, scope, before, after, reason, detail;
  uint64_t epoch = 0;
};

class AuditTrail {
 public:
  AuditTrail(spdlog::logger& log, int refusals_per_minute = 30) : log_(log), refusals_per_minute_(refusals_per_minute) {}
  // Logs and queues `e`. Refusals (unauthenticated) beyond the rate are counted, not queued.
  void record(const AuditEntry& e);
  // The Redis commands for what is queued (XADD `stream_key`), taken out of the queue;
  // put_back() returns them when the write failed.
  std::vector<std::vector<std::string>> take(const std::string& stream_key);
  void put_back(std::vector<std::vector<std::string>> cmds);
  uint64_t suppressed() const;

 private:
  spdlog::logger& log_;
  int refusals_per_minute_;
  mutable std::mutex mu_;
  std::deque<AuditEntry> queue_;
  std::deque<std::vector<std::string>> retry_;
  std::chrono::steady_clock::time_point window_start_{};
  int refusals_in_window_ = 0;
  uint64_t suppressed_ = 0;
};

// Writes `text` to `path` so that after a crash or power loss the file holds either the old
// or the new text: a temporary file, fsync, rename, fsync of the folder. Throws
// std::runtime_error naming the path and the failing step.
void write_durably(const std::string& path, const std::string& text);
// The file's text, or nullopt when it does not exist; throws naming the path otherwise.
std::optional<std::string> read_if_exists(const std::string& path);

}  // namespace fulcrum::runtime
