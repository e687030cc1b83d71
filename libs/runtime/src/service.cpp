#include "fulcrum/runtime/service.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fstream>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "fulcrum/core/error.h"
#include "fulcrum/transport/codec.h"

namespace fulcrum::runtime {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }

}  // namespace

void add_common_options(CLI::App& app, ServiceOptions& o) {
  app.add_option("-c,--config", o.config_path, "YAML config shared by the mesh")->required()->check(CLI::ExistingFile);
  app.add_option("--metrics", o.metrics_address, "Prometheus exposer host:port (port 0: any free port)");
  app.add_option("--control", o.control_address, "gRPC control host:port (port 0: any free port)");
  app.add_option("--health", o.health_address, "plaintext gRPC health host:port, for probes while --control speaks TLS");
  app.add_option("--redis", o.redis_url, "Redis URL, redis://host:port[/db]");
  app.add_option("--namespace", o.redis_namespace, "prefix of every Redis key this mesh writes");
  app.add_option("--ready-file", o.ready_file, "written once listening, with the bound ports");
  app.add_option("--run-id", o.run_id, "the run every message must belong to (default: the --namespace)");
  app.add_option("--tls-cert", o.tls.cert, "PEM certificate: the control port serves TLS");
  app.add_option("--tls-key", o.tls.key, "PEM private key of --tls-cert");
  app.add_option("--tls-ca", o.tls.ca, "PEM CA: demand and verify client certificates (mutual TLS), and verify the peers this service calls");
  app.add_option("--curve-keys", o.curve_keys_dir, "folder of the mesh's CURVE keys (mesh.curve: true)");
  app.add_option("--tokens", o.tokens_dir, "folder of bearer-token files: engage, release, admin, mesh (a mounted Secret)");
}

int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Service::Service(std::string name, ServiceOptions opts)
    : name_(std::move(name)),
      opts_([&] {
        if (opts.run_id.empty()) opts.run_id = opts.redis_namespace;
        return std::move(opts);
      }()),
      reporter_([this](const std::string& msg, uint64_t suppressed) {
        log_->warn("event=malformed_frame detail=\"{}\" suppressed_since_last={}", msg, suppressed);
      }, std::chrono::seconds(1)) {
  log_ = std::make_shared<spdlog::logger>(name_, std::make_shared<spdlog::sinks::stderr_sink_mt>());
  log_->set_pattern("ts=%Y-%m-%dT%H:%M:%S.%fZ level=%l service=%n %v", spdlog::pattern_time_type::utc);
  try {
    config_ = config::load_app_config(opts_.config_path);
  } catch (const core::ConfigError& e) {
    std::string detail;
    for (const auto& i : e.issues()) detail += "\n  " + i.field_path + ": " + i.message;
    throw StartupError(kExitConfig, "config " + opts_.config_path + " rejected:" + detail);
  }
  apply_log_level();
  transport::set_max_message_bytes(config_.mesh.max_message_bytes);
  if (config_.mesh.curve) {
    if (opts_.curve_keys_dir.empty())
      throw StartupError(kExitConfig, "config " + opts_.config_path + ": mesh.curve is on: pass --curve-keys DIR (the mesh's CURVE keys)");
    try {
      auto keys = load_curve_keys(opts_.curve_keys_dir, name_);
      transport::set_curve(keys.identity);
      zap_ = std::make_unique<ZapHandler>(zmq_, std::move(keys.authorized), *log_);
    } catch (const std::exception& e) {
      throw StartupError(kExitConfig, std::string("mesh.curve: ") + e.what());
    }
  }
  try {
    redis_ = std::make_unique<RedisClient>(parse_redis_url(opts_.redis_url));
  } catch (const std::invalid_argument& e) {
    throw StartupError(kExitConfig, e.what());
  }
  if (!redis_->ping())
    throw StartupError(kExitRedisUnreachable, "Redis unreachable at start (" + redis_->last_error() + "); start redis-server or pass --redis");
  try {
    metrics_ = std::make_unique<Telemetry>(name_, opts_.metrics_address);
    tokens_ = std::make_unique<TokenStore>(opts_.tokens_dir);
    audit_ = std::make_unique<AuditTrail>(*log_);
    board_ = std::make_unique<ControlBoard>(name_, config_.source_text, opts_.config_path);
    board_->set_access(tokens_.get(), audit_.get());
    board_->set_risk_limits(config_.mesh.risk);
    if (opts_.tls.enabled() && opts_.tls.key.empty()) throw std::runtime_error("--tls-cert needs --tls-key");
    control_ = std::make_unique<ControlServer>(opts_.control_address, *board_, opts_.tls);
    if (!opts_.health_address.empty()) health_ = std::make_unique<HealthServer>(opts_.health_address, *board_);
  } catch (const std::exception& e) {
    throw StartupError(kExitStartup, e.what());
  }
  metrics_->redis_up().Set(1);
  tick_to_order_.emplace(metrics_->tick_to_order_latency());
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGPIPE, SIG_IGN);
}

Service::~Service() {
  // Only the service's own bookkeeping is left to flush here: every caller's flusher was
  // flushed and removed by its registration. A destructor must not throw.
  try {
    flush_state();
    if (board_) board_->set_serving(false);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: final flush failed: %s\n", name_.c_str(), e.what());
  } catch (...) {
  }
}

Service::FlushRegistration Service::on_flush(Flusher fn) {
  flushers_.emplace_back(++next_flusher_id_, std::move(fn));
  return FlushRegistration(*this, next_flusher_id_);
}

Service::FlushRegistration::~FlushRegistration() {
  if (!svc_) return;
  try {
    svc_->flush_state();
  } catch (const std::exception& e) {
    svc_->log().error("event=final_flush_failed error=\"{}\"", e.what());
  } catch (...) {
  }
  auto& f = svc_->flushers_;
  f.erase(std::remove_if(f.begin(), f.end(), [this](const auto& entry) { return entry.first == id_; }), f.end());
}

bool Service::running() const { return !g_stop.load(); }

void Service::ready() {
  board_->set_serving(true);
  log_->info("event=ready metrics_port={} control_port={} redis={}", metrics_->port(), control_->port(), redis_->url().text);
  if (opts_.ready_file.empty()) return;
  const auto tmp = opts_.ready_file + ".tmp";
  {
    std::ofstream out(tmp);
    out << "metrics_port=" << metrics_->port() << "\ncontrol_port=" << control_->port() << "\npid=" << ::getpid() << "\n";
    if (health_) out << "health_port=" << health_->port() << "\n";
  }
  std::rename(tmp.c_str(), opts_.ready_file.c_str());
}

void Service::apply_log_level() {
  const auto it = config_.mesh.log_levels.find(name_);
  const auto level = it != config_.mesh.log_levels.end() ? it->second : config_.mesh.log_level;
  log_->set_level(spdlog::level::from_str(level));
}

void Service::stamp(v1::Header& out, const std::string& stream, int64_t exchange_ts_ms, const v1::Header* cause, int64_t recv_ns) {
  out.set_stream(stream);
  out.set_run_id(opts_.run_id);
  out.set_stream_seq(++out_seq_[stream]);
  out.set_exchange_ts_ms(exchange_ts_ms);
  out.set_warmup(cause && cause->warmup());
  out.clear_hops();
  if (cause) *out.mutable_hops() = cause->hops();
  auto* hop = out.add_hops();
  hop->set_service(name_);
  hop->set_recv_ns(recv_ns);
  hop->set_send_ns(wall_ns());
}

bool Service::accept(const v1::Header& in, const std::string& topic, int64_t recv_ns) {
  if (in.run_id() != opts_.run_id) {
    count_malformed("frame on '" + topic + "' from another run '" + in.run_id().substr(0, 64) + "'");
    return false;
  }
  auto& received = received_by_topic_[topic];
  if (!received) received = &metrics_->received(topic);
  received->Increment();
  if (in.hops_size() > 0) {
    const auto& last = in.hops(in.hops_size() - 1);
    if (last.send_ns() > 0 && recv_ns >= last.send_ns()) {
      auto hop = hop_by_service_.find(last.service());
      if (hop == hop_by_service_.end())
        hop = hop_by_service_.try_emplace(last.service(), metrics_->hop_latency(last.service())).first;
      hop->second.observe(static_cast<double>(recv_ns - last.send_ns()) * 1e-9);
    }
  }
  const auto check = sequences_.check(in.stream(), in.stream_seq());
  last_input_seq_ = in.stream_seq();
  using K = transport::SequenceCheck::Kind;
  if (check.kind == K::kGap) {
    metrics_->gaps().Increment();
    metrics_->missing_messages().Increment(static_cast<double>(check.missing()));
    log_->warn("event=sequence_gap stream={} expected={} got={} missing={}", in.stream(), check.expected, check.got, check.missing());
  } else if (check.kind == K::kDuplicateOrRestart) {
    log_->info("event=sequence_restart stream={} expected={} got={}", in.stream(), check.expected, check.got);
  }
  return true;
}

void Service::watch(transport::Subscriber& sub) {
  subscribers_.push_back(&sub);
  for (const auto& topic : sub.topics()) received_by_topic_[topic] = &metrics_->received(topic);
}

void Service::watch(transport::Publisher& pub, const std::vector<std::string>& topics) {
  publishers_.push_back(&pub);
  for (const auto& topic : topics) metrics_->published(topic);
}

bool Service::admit_instant(core::TimestampMs t, const char* what) {
  const auto why = transport::beyond_replay_window(t, config_.backtest.to_ms, what);
  if (why) count_malformed(*why);
  return !why;
}

void Service::observe_order_path(const v1::Header& in, int64_t recv_ns) {
  if (in.hops_size() == 0 || in.hops(0).send_ns() <= 0) return;
  tick_to_order_->observe(static_cast<double>(recv_ns - in.hops(0).send_ns()) * 1e-9);
  for (int i = 1; i <= in.hops_size(); ++i) {
    const auto& prev = in.hops(i - 1);
    const bool at_end = i == in.hops_size();
    const std::string& stage = at_end ? name_ : in.hops(i).service();
    const int64_t recv = at_end ? recv_ns : in.hops(i).recv_ns();
    if (recv >= prev.send_ns()) order_path(stage, true).observe(static_cast<double>(recv - prev.send_ns()) * 1e-9);
    if (!at_end && in.hops(i).send_ns() >= recv) order_path(stage, false).observe(static_cast<double>(in.hops(i).send_ns() - recv) * 1e-9);
  }
}

BatchedHistogram& Service::order_path(const std::string& stage, bool transit) {
  auto it = std::find_if(order_path_.begin(), order_path_.end(), [&](const OrderPathStage& s) { return s.stage == stage; });
  auto& found = it != order_path_.end() ? *it : order_path_.emplace_back(OrderPathStage{stage, std::nullopt, std::nullopt});
  auto& h = transit ? found.transit : found.work;
  if (!h) h.emplace(metrics_->order_path(stage, transit ? "transit" : "work"));
  return *h;
}

void Service::publish_histograms() {
  tick_to_order_->publish();
  for (auto& [from, h] : hop_by_service_) h.publish();
  for (auto& s : order_path_) {
    if (s.transit) s.transit->publish();
    if (s.work) s.work->publish();
  }
}

void Service::count_malformed(const std::string& why) {
  ++malformed_own_;
  metrics_->malformed().Increment();
  reporter_.report(why);
}

void Service::tick() {
  uint64_t malformed = 0;
  for (auto* s : subscribers_) malformed += s->counters().malformed;
  if (malformed > malformed_seen_) {
    metrics_->malformed().Increment(static_cast<double>(malformed - malformed_seen_));
    malformed_seen_ = malformed;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now >= next_histograms_) {
    // A scrape lags by at most this while the service is busy (by one poll timeout once it
    // is quiet), and a slow stream does not pay a 62-bucket publish per observation.
    next_histograms_ = now + std::chrono::milliseconds(10);
    publish_histograms();
  }
  if (now >= next_flush_) {
    next_flush_ = now + std::chrono::milliseconds(config_.mesh.state_flush_ms);
    flush_state();
  }
  if (now < next_status_) return;
  next_status_ = now + std::chrono::milliseconds(config_.mesh.status_interval_ms);
  uint64_t received = 0, sent = 0;
  for (auto* s : subscribers_) received += s->counters().received;
  for (auto* p : publishers_) sent += p->counters().sent;
  counters_["messages_received"] = received;
  counters_["messages_published"] = sent;
  counters_["malformed_frames"] = malformed_seen_ + malformed_own_;
  counters_["sequence_gaps"] = sequences_.gaps();
  counters_["missing_messages"] = sequences_.missing_messages();
  board_->set_counters(counters_);
  if (auto reload = board_->take_reload()) {
    config_.mesh.log_level = reload->mesh.log_level;
    config_.mesh.log_levels = reload->mesh.log_levels;
    config_.mesh.risk = reload->mesh.risk;
    apply_log_level();
    for (auto& fn : reloaders_) fn(*reload);
    log_->info("event=config_reloaded applied=\"mesh.log_level mesh.log_levels mesh.risk\" note=\"other keys take effect at restart\"");
  }
}

void Service::flush_state() {
  if (!redis_) return;
  std::vector<std::vector<std::string>> cmds;
  cmds.push_back({"HSET", key("service:" + name_), "last_input_seq", std::to_string(last_input_seq_), "updated_ns", std::to_string(wall_ns())});
  std::vector<std::function<void()>> commits;
  for (auto& [id, fn] : flushers_)
    if (auto commit = fn(cmds)) commits.push_back(std::move(commit));
  auto audit = audit_ ? audit_->take(key("audit:" + name_)) : std::vector<std::vector<std::string>>{};
  cmds.insert(cmds.end(), audit.begin(), audit.end());
  const bool ok = redis_->pipeline(cmds);
  if (ok)
    for (auto& commit : commits) commit();
  else if (audit_)
    audit_->put_back(std::move(audit));
  if (ok != redis_ok_) {
    if (ok) log_->info("event=redis_recovered peer={}", redis_->url().text);
    else log_->error("event=redis_unavailable peer={} error=\"{}\"", redis_->url().text, redis_->last_error());
  }
  if (!ok) metrics_->redis_errors().Increment();
  redis_ok_ = ok;
  if (metrics_) metrics_->redis_up().Set(ok ? 1 : 0);
}

}  // namespace fulcrum::runtime

namespace fulcrum::runtime {

int run_service(const std::string& name, int argc, char** argv, const std::function<void(CLI::App&)>& add_options,
                const std::function<int(Service&)>& body) {
  CLI::App app("fulcrum " + name);
  ServiceOptions opts;
  add_common_options(app, opts);
  add_options(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    Service svc(name, opts);
    try {
      return body(svc);
    } catch (const zmq::error_t& e) {
      // A blocking call interrupted by the stop signal is a stop, not a failure.
      if (e.num() == EINTR && !svc.running()) {
        svc.log().info("event=stopped reason=signal");
        return 0;
      }
      throw;
    }
  } catch (const StartupError& e) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), e.what());
    return e.exit_code();
  } catch (const core::ConfigError& e) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), e.what());
    return kExitConfig;
  } catch (const zmq::error_t& e) {
    std::fprintf(stderr, "%s: socket error: %s\n", name.c_str(), e.what());
    return kExitStartup;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", name.c_str(), e.what());
    return kExitRuntime;
  }
}

}  // namespace fulcrum::runtime
