#pragma once
// The shell every mesh service runs in: command line, config, logs, metrics, gRPC control,
// Redis, signals, and the bookkeeping of hot-path headers (sequence numbers, hop
// timestamps, gap and malformed-frame counting). A service's own main() only wires its
// sockets to its stage from libs/.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <spdlog/logger.h>

#include "fulcrum/config/app_config.h"
#include "fulcrum/runtime/access.h"
#include "fulcrum/runtime/control_server.h"
#include "fulcrum/runtime/curve_auth.h"
#include "fulcrum/runtime/redis_client.h"
#include "fulcrum/runtime/telemetry.h"
#include "fulcrum/transport/endpoint.h"
#include "fulcrum/transport/sequence_tracker.h"
#include "fulcrum/v1/header.pb.h"

namespace fulcrum::runtime {

// Exit codes shared by every service (and `fulcrum up`).
inline constexpr int kExitConfig = 2;
inline constexpr int kExitRedisUnreachable = 6;
inline constexpr int kExitStartup = 7;  // a port or socket could not be bound
inline constexpr int kExitRuntime = 8;

struct ServiceOptions {
  std::string config_path;
  std::string metrics_address = "127.0.0.1:0";
  std::string control_address = "127.0.0.1:0";
  std::string health_address;  // "": health only on the control port
  std::string redis_url = "redis://127.0.0.1:6379";
  std::string redis_namespace = "fulcrum";
  std::string ready_file;  // written once listening: "metrics_port=… control_port=…"
  std::string run_id;      // stamped on every message and required of every input (default: the namespace)
  std::string tokens_dir;  // bearer tokens, one file per kind (runtime/access.h)
  std::string curve_keys_dir;  // mesh.curve: the mesh's CURVE keys (runtime/curve_auth.h)
  TlsFiles tls;                // the control plane's TLS (empty: plaintext)
};
void add_common_options(CLI::App& app, ServiceOptions& opts);

int64_t wall_ns();

class Service {
 public:
  // Loads the config, starts logging, the metrics exposer and the control server, and
  // checks Redis. Throws StartupError with the exit code and a message naming the cause.
  Service(std::string name, ServiceOptions opts);
  ~Service();

  const std::string& name() const { return name_; }
  const config::AppConfig& config() const { return config_; }
  spdlog::logger& log() { return *log_; }
  Telemetry& metrics() { return *metrics_; }
  ControlBoard& board() { return *board_; }
  TokenStore& tokens() { return *tokens_; }
  AuditTrail& audit() { return *audit_; }
  const TlsFiles& tls() const { return opts_.tls; }
  RedisClient& redis() { return *redis_; }
  zmq::context_t& zmq() { return zmq_; }
  std::string key(const std::string& suffix) const { return opts_.redis_namespace + ":" + suffix; }
  bool running() const;
  // Sockets are bound: health turns SERVING and the ready file names the ports.
  void ready();

  // A header for the next message on `stream`: sequence +1, exchange time, and the hops
  // of the message that caused it with this service's hop appended, and its warm-up mark.
  void stamp(v1::Header& out, const std::string& stream, int64_t exchange_ts_ms, const v1::Header* cause, int64_t recv_ns);
  // Books an input message: counts it, checks its stream's sequence, records the hop
  // latency from its last hop. Returns false, counted as malformed, for a frame of another
  // run (its run_id differs): the caller must drop it.
  bool accept(const v1::Header& in, const std::string& topic, int64_t recv_ns);
  // False, counted as malformed, for an instant beyond the replay window (backtest.to): a
  // forged far-future instant would otherwise make every real one look stale and stall
  // the run. `what` names the message in the report.
  bool admit_instant(core::TimestampMs t, const char* what);
  void count_malformed(const std::string& why);
  // At the end of the order path (the router taking a batch): tick-to-order from the first
  // hop's send, and each stage's transit and work from the hops' timestamps.
  void observe_order_path(const v1::Header& in, int64_t recv_ns);
  // Watching a socket also creates its per-topic message counters at 0.
  void watch(transport::Subscriber& sub);
  void watch(transport::Publisher& pub, const std::vector<std::string>& topics = {});

  // Housekeeping between messages: counters to the control board, malformed counts to
  // Prometheus, an accepted config reload, Redis health. Cheap when nothing is due.
  void tick();
  void set_counter(const std::string& key, uint64_t value) { counters_[key] = value; }
  uint64_t last_input_seq() const { return last_input_seq_; }
  // State writes, pipelined in one round trip per flush. A flusher appends its commands and
  // returns what to do once Redis has taken them (e.g. advance a "fills written" mark), so
  // nothing is marked written that Redis never got.
  using Flusher = std::function<std::function<void()>(std::vector<std::vector<std::string>>&)>;
  // While the returned registration lives, `fn` runs at every flush; when it dies it runs
  // one last flush and unregisters. Declare it after everything `fn` captures, so the
  // final write happens while those are still alive (never from ~Service).
  class FlushRegistration {
   public:
    FlushRegistration(Service& svc, uint64_t id) : svc_(&svc), id_(id) {}
    FlushRegistration(FlushRegistration&& o) noexcept : svc_(std::exchange(o.svc_, nullptr)), id_(o.id_) {}
    FlushRegistration(const FlushRegistration&) = delete;
    FlushRegistration& operator=(const FlushRegistration&) = delete;
    FlushRegistration& operator=(FlushRegistration&&) = delete;
    ~FlushRegistration();

   private:
    Service* svc_;
    uint64_t id_;
  };
  [[nodiscard]] FlushRegistration on_flush(Flusher fn);
  void on_reload(std::function<void(const config::AppConfig&)> fn) { reloaders_.push_back(std::move(fn)); }
  bool redis_ok() const { return redis_ok_; }

 private:
  void flush_state();
  void apply_log_level();

  std::string name_;
  ServiceOptions opts_;
  config::AppConfig config_;
  std::shared_ptr<spdlog::logger> log_;
  std::unique_ptr<Telemetry> metrics_;
  std::unique_ptr<TokenStore> tokens_;
  std::unique_ptr<AuditTrail> audit_;
  std::unique_ptr<ControlBoard> board_;
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<HealthServer> health_;
  std::unique_ptr<RedisClient> redis_;
  zmq::context_t zmq_{1};
  std::unique_ptr<ZapHandler> zap_;  // after the context it serves: it goes first
  transport::SequenceTracker sequences_;
  transport::RateLimitedReporter reporter_;
  std::map<std::string, uint64_t> out_seq_;
  // Resolved once per topic / upstream service: a Prometheus label lookup takes a lock and
  // hashes a label map, too slow to do per message.
  std::unordered_map<std::string, prometheus::Counter*> received_by_topic_;
  std::unordered_map<std::string, BatchedHistogram> hop_by_service_;
  // The order path's series, by stage: at most one per service on the path.
  struct OrderPathStage {
    std::string stage;
    std::optional<BatchedHistogram> transit, work;
  };
  BatchedHistogram& order_path(const std::string& stage, bool transit);
  void publish_histograms();
  std::optional<BatchedHistogram> tick_to_order_;
  std::vector<OrderPathStage> order_path_;
  std::map<std::string, uint64_t> counters_;
  std::vector<transport::Subscriber*> subscribers_;
  std::vector<transport::Publisher*> publishers_;
  std::vector<std::pair<uint64_t, Flusher>> flushers_;
  uint64_t next_flusher_id_ = 0;
  std::vector<std::function<void(const config::AppConfig&)>> reloaders_;
  uint64_t malformed_seen_ = 0, malformed_own_ = 0, last_input_seq_ = 0;
  bool redis_ok_ = true;
  std::chrono::steady_clock::time_point next_status_{}, next_flush_{}, next_histograms_{};
};

class StartupError : public std::runtime_error {
 public:
  StartupError(int exit_code, const std::string& message) : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

}  // namespace fulcrum::runtime

namespace fulcrum::runtime {

// Parses the common options plus the service's own, builds the Service, runs `body`, and
// turns every failure into a one-line error and the right exit code. Never throws.
int run_service(const std::string& name, int argc, char** argv, const std::function<void(CLI::App&)>& add_options,
                const std::function<int(Service&)>& body);

}  // namespace fulcrum::runtime
