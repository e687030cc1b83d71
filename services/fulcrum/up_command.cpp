// `fulcrum up`: the whole mesh on one machine. An embedded redis-server (own port, own temp
// folder) unless --redis is given, the six services on loopback ports, a lockstep replay
// of the config's data, a live summary, and a clean stop on Ctrl-C, on --duration, or when
// the replay is done. `fulcrum status` asks a running mesh how it is.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <nlohmann/json.hpp>
#include <thread>

#include "child_process.h"
#include "commands.h"
#include "fulcrum/report/report_writer.h"
#include "fulcrum/config/app_config.h"
#include "fulcrum/core/error.h"
#include "fulcrum/core/time_format.h"
#include "fulcrum/runtime/cli_checks.h"
#include "fulcrum/runtime/redis_acl.h"
#include "fulcrum/binance/signing.h"
#include "fulcrum/runtime/redis_client.h"
#include "fulcrum/marketdata/dataset.h"
#include "fulcrum/runtime/service.h"
#include "fulcrum/runtime/symbol_table.h"
#include "fulcrum/runtime/scrape.h"
#include "fulcrum/transport/endpoint.h"

namespace fulcrum::cli {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::atomic<bool> g_interrupted{false};
extern "C" void on_interrupt(int) { g_interrupted.store(true); }


fs::path service_dir() {
  // Beside the fulcrum binary in an install; build/bin in a build tree.
  const auto self = fs::read_symlink("/proc/self/exe").parent_path();
  for (const auto& dir : {self, self.parent_path().parent_path() / "bin", fs::path(FULCRUM_SERVICE_BIN_DIR)})
    if (fs::exists(dir / "order-router")) return dir;
  throw std::runtime_error("cannot find the service binaries (order-router …) beside " + self.string() + " or in " FULCRUM_SERVICE_BIN_DIR);
}

std::map<std::string, std::string> read_kv(const fs::path& p) {
  std::map<std::string, std::string> kv;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line))
    if (const auto eq = line.find('='); eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
  return kv;
}

struct Child {
  std::string name;     // the instance: the service, or leverage-<variant> in an A/B run
  std::string service;  // the binary, its Redis user and CURVE key
  pid_t pid = -1;
  fs::path log, ready;
  int metrics_port = 0, control_port = 0;
  int exit_code = -1;
  std::vector<std::string> args;
  std::vector<std::string> env;  // secrets for the child only (its Redis password)
  int restarts = 0;
  std::optional<std::chrono::steady_clock::time_point> restart_due;
};

// In lockstep a restart of any service picks up exactly where the chain left off: the
// router, feature-engine, signal-engine and leverage replay their input journals (committed
// before each output, runtime::StageHost), the gatekeeper keeps no state across instants,
// and market-data resumes after the router's last acknowledged instant. The free-running
// modes journal from a background thread, so a restart there may lose the last entries.
bool restarts_exactly(const config::AppConfig& cfg) { return cfg.mesh.replay == config::ReplayMode::kLockstep; }
constexpr int kMaxRestarts = 5;

struct UpOptions {
  std::string config = "deploy/config/backtest.yaml";
  std::string redis;
  std::string out = "out/mesh";
  std::string state_file;
  double duration_s = 0;
  int summary_every_ms = 1000;
  std::vector<std::string> accounts;
  std::string prometheus_targets;  // file-based service discovery ("": <run>/prometheus/targets.json)
  bool with_prometheus = false;
  std::string prometheus_rules = FULCRUM_PROMETHEUS_DIR "/rules";
  // Live market data instead of the config's history (market-data --source binance).
  std::string source = "files";
  std::string binance_ws = "wss://fstream.binance.com", binance_rest = "https://fapi.binance.com", ca_file, kline_interval = "5m";
  bool record = false;            // <run>/capture.txt, replayable with market-data --ws
  std::string warmup_hours = "-1";  // market-data --warmup-hours, passed as given
  std::string double_start_at_s = "0";  // the double begins this far into its capture
  std::string exchange_double;    // a capture: start the local double on it, over TLS with a CA made for the run
  bool double_history = false;     // … or on the config's own history (data.*), streaming from backtest.from
  double double_speed = 1;         // the double's pace: exchange time / speed
  int64_t double_funding_every_ms = 0;  // --venue double: the double settles funding this often
  std::string double_key_type = "hmac";   // --venue double: the account's API key type (hmac | ed25519)
  std::vector<std::string> double_faults;  // NAME=N: the double's fault flags (--NAME N), for a session with faults
  // Where the order router trades: paper venues on the mesh's market data, the local double's
  // account (keys made for the run), or a Binance account (keys from the environment).
  std::string venue = "paper";
};

// One state file per running `fulcrum up` (two runs at once each keep their own); removed at
// a clean stop. `fulcrum status` finds every live one.
std::string state_file_prefix() { return "fulcrum-up-" + std::to_string(::getuid()) + "-"; }
std::string default_state_file() { return (fs::temp_directory_path() / (state_file_prefix() + std::to_string(::getpid()) + ".json")).string(); }
}  // namespace

std::vector<std::string> live_state_files() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::temp_directory_path(), ec)) {
    const auto name = e.path().filename().string();
    if (name.rfind(state_file_prefix(), 0) != 0 || e.path().extension() != ".json") continue;
    const auto pid = std::atoi(name.substr(state_file_prefix().size()).c_str());
    if (pid > 0 && ::kill(pid, 0) == 0) out.push_back(e.path().string());  // a crashed launcher's file is stale
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

class Mesh {
 public:
  explicit Mesh(const UpOptions& o) : o_(o) {}
  ~Mesh() { stop(); }

  int run() {
    cfg_ = config::load_app_config(o_.config);  // fail here, with every bad key, before starting anything
    const auto& cfg = cfg_;
    if (cfg.backtest.from_ms == 0 || cfg.backtest.to_ms == 0)
      throw core::ConfigError(o_.config, {{"backtest.from/backtest.to", "the mesh replays a fixed window: set both"}});
    if (!o_.accounts.empty() && !cfg.backtest.ab.variants.empty())
      throw core::ConfigError(o_.config, {{"ab.variants", "--accounts picks policies; this config runs A/B variants, each with its own account"}});
    const auto bin = service_dir();
    // The run's folder holds its logs from the start and its report at the end; nothing
    // goes to /tmp, and nothing of the user's is written over (prepare_output_root).
    work_ = fs::absolute(report::make_run_dir(o_.out, report::new_run_name(cfg.source_text), "--out"));
    fs::create_directories(work_ / "logs");
    const std::string ns = "fulcrum:" + std::to_string(::getpid());
    std::string redis_url = o_.redis;
    if (redis_url.empty()) redis_url = start_redis(ns);
    auto launcher_url = runtime::parse_redis_url(redis_url);
    if (!launcher_password_.empty()) launcher_url.password = launcher_password_;
    runtime::RedisClient probe(launcher_url);
    if (!probe.ping()) throw std::runtime_error("Redis unreachable at " + redis_url + ": " + probe.last_error());

    if (o_.source == "binance" && cfg.mesh.replay == config::ReplayMode::kLockstep)
      throw core::ConfigError(o_.config, {{"mesh.replay", "live market data cannot wait for the router's acks: set realtime or flat"}});
    if (o_.venue != "paper" && o_.source != "binance")
      throw std::invalid_argument("fulcrum up --venue " + o_.venue + ": orders on an exchange need its live market data (--source binance)");
    if (o_.venue == "double" && o_.exchange_double.empty() && !o_.double_history)
      throw std::invalid_argument("fulcrum up --venue double: name the double's market (--exchange-double CAPTURE or --double-history)");
    if (o_.double_history && o_.source != "binance")
      throw std::invalid_argument("fulcrum up --double-history is the double's market, for live data from it (--source binance)");
    if (o_.double_key_type != "hmac" && o_.venue != "double")
      throw std::invalid_argument("fulcrum up --double-key-type is the double's account (--venue double); a real account's key type is the secret's own (a PEM key is Ed25519)");
    if (!o_.exchange_double.empty() || o_.double_history) start_exchange_double(bin);
    make_tokens();
    if (cfg.mesh.curve) make_curve_keys();
    // The run's symbol table, before any service starts: they read it instead of scanning.
    runtime::publish_symbol_table(probe, ns + ":" + runtime::kSymbolTableKey, marketdata::symbol_list(cfg.data), cfg.data.klines);
    // A port probed free can be taken by another process before the service binds it (exit
    // kExitStartup, "Address already in use"): then everything started so far stops, and
    // the mesh starts again on fresh ports.
    for (int attempt = 1;; ++attempt) {
      if (launch_services(bin, redis_url, ns)) break;
      const bool port_taken = !children_.empty() && children_.back().exit_code == runtime::kExitStartup;
      if (!port_taken || attempt == 3 || g_interrupted.load()) return 1;
      std::cerr << "fulcrum up: a port was taken before " << children_.back().name << " could bind it; starting again on fresh ports\n";
      stop_children();
      children_.clear();
    }
    write_state(redis_url);
    if (o_.with_prometheus) start_prometheus(redis_url);
    std::cout << "fulcrum up: " << children_.size() << " services, Redis " << redis_url << (o_.redis.empty() ? " (embedded)" : "") << ", logs " << (work_ / "logs").string()
              << "\n           replaying " << cfg.data.klines << " "
              << (restarts_exactly(cfg) ? "in lockstep" : "free-running (restarts are not exact)") << "; Ctrl-C stops\n";

    const auto started = std::chrono::steady_clock::now();
    auto next_summary = started;
    int rc = 0;
    std::string stopped_by = "interrupt";
    while (!g_interrupted.load()) {
      std::this_thread::sleep_for(50ms);
      if (reap()) {
        auto& md = child("market-data");
        if (md.exit_code == 0) {  // the replay is done and acknowledged: the report is written
          stopped_by = "replay end";
          break;
        }
        // Supervision: a service that died is restarted with backoff and the run goes on.
        for (auto& c : children_) {
          if (c.exit_code < 0 || c.restart_due) continue;
          if (c.restarts >= kMaxRestarts) {
            std::cerr << "fulcrum up: " << c.name << " died " << c.restarts + 1 << " times; giving up. Its log ends:\n" << last_lines(c.log, 8);
            rc = 1;
            stopped_by = c.name + " kept dying";
            break;
          }
          const auto backoff = std::min(std::chrono::milliseconds(250) * (1 << c.restarts), std::chrono::milliseconds(5000));
          c.restart_due = std::chrono::steady_clock::now() + backoff;
          std::cerr << "fulcrum up: " << c.name << " exited with " << c.exit_code << "; restart " << c.restarts + 1 << " of " << kMaxRestarts << " in "
                    << backoff.count() << " ms" << (restarts_exactly(cfg_) ? "" : " (cold: results may now differ from the backtest)")
                    << "; its log ends:\n" << last_lines(c.log, 5);
        }
        if (rc) break;
      }
      for (auto& c : children_)
        if (c.restart_due && std::chrono::steady_clock::now() >= *c.restart_due && !respawn(c, redis_url)) {
          rc = 1;
          stopped_by = c.name + " could not be restarted";
        }
      if (rc) break;
      const auto now = std::chrono::steady_clock::now();
      if (now >= next_summary) {
        print_summary(std::chrono::duration<double>(now - started).count(), false);
        next_summary = now + std::chrono::milliseconds(o_.summary_every_ms);
      }
      if (o_.duration_s > 0 && now - started >= std::chrono::duration<double>(o_.duration_s)) {
        std::cout << "fulcrum up: --duration reached\n";
        stopped_by = "--duration";
        break;
      }
    }
    print_summary(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count(), true);
    const bool finished = child("market-data").exit_code == 0;
    stop();
    // A stop is clean only if every service exited 0 after its final flush.
    for (const auto& c : children_)
      if (c.exit_code != 0) {
        std::cerr << "fulcrum up: " << c.name << " exited with " << c.exit_code << " at stop; its log ends:\n" << last_lines(c.log, 8);
        rc = rc ? rc : 1;
      }
    write_launcher_record(finished, stopped_by);
    if (!finished) {
      std::cout << "fulcrum up: run incomplete (stopped by " << stopped_by << "); the partial report in " << work_.string()
                << " is marked complete: false\n";
      // Only a stop asked for in advance is a success; Ctrl-C is 130 as for any command.
      if (!rc) rc = stopped_by == "--duration" ? 0 : stopped_by == "interrupt" ? 130 : 1;
    }
    if (finished && fs::exists(work_ / "summary.md")) {
      report::point_latest(o_.out, work_.string());
      std::ifstream in(work_ / "summary.md");
      std::string line;
      std::cout << "\n";
      while (std::getline(in, line)) {
        if (line.rfind("Monthly", 0) == 0) break;
        std::cout << line << "\n";
      }
      std::cout << "report: " << work_.string() << "/{summary.md,summary.csv,summary.json,equity.svg,ledger-*.csv,trades-*.csv,orders-*.csv}"
                << " (also " << (fs::path(o_.out) / "latest").string() << ")\n";
    }
    return rc;
  }

  // Picks seven loopback ports and starts the six services in order, each once the one
  // before is ready. False when one fails to start (it is the last in children_).
  bool launch_services(const fs::path& bin, const std::string& redis_url, const std::string& ns) {
    std::map<std::string, std::string> ep;
    // Each probe frees its port before the next, so the kernel may hand the same one out
    // twice: insist on seven distinct ports, or two services fight over one bind.
    std::set<int> taken;
    for (const char* k : {"md", "feat", "sig", "lev", "ord", "router", "acks", "router_control"}) {
      int port = transport::free_loopback_port();
      while (!taken.insert(port).second) port = transport::free_loopback_port();
      ep[k] = "tcp://127.0.0.1:" + std::to_string(port);
    }
    // The router's control port is fixed for the run: the gatekeeper pushes every
    // trading-state change there, and a restarted router must be found where it was.
    const auto router_control = ep["router_control"].substr(std::string("tcp://").size());
    auto common = [&](const std::string& name, const std::string& instance) {
      const auto own_url = redis_passwords_.count(name) ? "redis://" + name + "@127.0.0.1:" + std::to_string(redis_port_) : redis_url;
      std::vector<std::string> a{(bin / name).string(), "--config", fs::absolute(o_.config).string(), "--redis", own_url, "--namespace", ns,
                                      "--ready-file", (work_ / (".ready-" + instance)).string(), "--tokens", (work_ / "secrets").string()};
      if (!curve_dir_.empty()) a.insert(a.end(), {"--curve-keys", curve_dir_});
      return a;
    };
    auto with = [](std::vector<std::string> a, std::initializer_list<std::string> more) {
      a.insert(a.end(), more);
      return a;
    };
    // An A/B run: one leverage service per variant, each connecting its PUB to the
    // gatekeeper's bound SUB, so a variant joins without a change on the gatekeeper.
    const auto& variants = cfg_.backtest.ab.variants;
    struct Planned {
      std::string name, service;
      std::vector<std::string> args;
    };
    std::vector<Planned> plan{
        {"order-router", "order-router", with(common("order-router", "order-router"), {"--bind", ep["router"], "--bind-acks", ep["acks"], "--market", ep["md"], "--orders", ep["ord"], "--out", work_.string(),
                                                       "--control", router_control, "--trading-state-file", (work_ / "trading-state-router.txt").string()})},
        {"risk-gatekeeper", "risk-gatekeeper", with(common("risk-gatekeeper", "risk-gatekeeper"), {"--bind", ep["ord"], "--decisions", (variants.empty() ? "" : "@") + ep["lev"], "--router-control", router_control,
                                                             "--trading-state-file", (work_ / "trading-state-gatekeeper.txt").string()})},
    };
    const std::vector<std::string> leverage_inputs{"--signals", ep["sig"], "--router", ep["router"], "--router-acks", ep["acks"]};
    if (variants.empty()) {
      plan.push_back({"leverage", "leverage", with(common("leverage", "leverage"), {"--bind", ep["lev"]})});
      plan.back().args.insert(plan.back().args.end(), leverage_inputs.begin(), leverage_inputs.end());
    }
    for (const auto& v : variants) {
      plan.push_back({"leverage-" + v.id, "leverage", with(common("leverage", "leverage-" + v.id), {"--bind", ">" + ep["lev"], "--variant", v.id})});
      plan.back().args.insert(plan.back().args.end(), leverage_inputs.begin(), leverage_inputs.end());
    }
    plan.push_back({"signal-engine", "signal-engine", with(common("signal-engine", "signal-engine"), {"--bind", ep["sig"], "--features", ep["feat"]})});
    plan.push_back({"feature-engine", "feature-engine", with(common("feature-engine", "feature-engine"), {"--bind", ep["feat"], "--market", ep["md"]})});
    if (o_.source == "binance") {
      std::vector<std::string> live{"--bind", ep["md"], "--source", "binance", "--binance-ws", o_.binance_ws, "--binance-rest", o_.binance_rest, "--kline-interval", o_.kline_interval};
      if (!o_.ca_file.empty()) live.insert(live.end(), {"--ca-file", o_.ca_file});
      if (o_.record) live.insert(live.end(), {"--record", (work_ / "capture.txt").string()});
      live.insert(live.end(), {"--warmup-hours", o_.warmup_hours});
      auto args = common("market-data", "market-data");
      args.insert(args.end(), live.begin(), live.end());
      plan.push_back({"market-data", "market-data", args});
    } else {
      plan.push_back({"market-data", "market-data", with(common("market-data", "market-data"), {"--bind", ep["md"], "--acks", ep["acks"]})});
    }
    for (auto& [name, service, args] : plan) {
      // Live market data: the gate stops entries on a stale stream, or when market-data goes quiet.
      if (service == "risk-gatekeeper" && o_.source == "binance") args.push_back("--feed-health");
      // A live account: the gate caps leverage by the brackets the router reads from it.
      if (service == "risk-gatekeeper" && o_.venue != "paper") args.push_back("--account-brackets");
      if (service == "order-router" && o_.venue != "paper") {
        args.insert(args.end(), {"--venue", "binance", "--binance-rest", o_.binance_rest, "--binance-ws", o_.binance_ws});
        if (!o_.ca_file.empty()) args.insert(args.end(), {"--ca-file", o_.ca_file});
      } else if (service == "order-router" && o_.source == "binance") {
        // Paper trading on live data fills under the exchange's filters of today.
        args.insert(args.end(), {"--exchange-rules", "--binance-rest", o_.binance_rest});
        if (!o_.ca_file.empty()) args.insert(args.end(), {"--ca-file", o_.ca_file});
      }
      if (!o_.accounts.empty() && (service == "order-router" || service == "leverage")) {
        args.push_back("--accounts");
        args.insert(args.end(), o_.accounts.begin(), o_.accounts.end());
      }
      Child c;
      c.name = name;
      c.service = service;
      c.log = work_ / "logs" / (name + ".log");
      c.ready = work_ / (".ready-" + name);
      c.args = args;
      c.env = child_env(service);
      c.pid = spawn(args, c.log, c.env);
      children_.push_back(c);
      if (!await_ready(children_.back())) return false;
    }
    return true;
  }

  void stop() {
    if (stopped_) return;
    stopped_ = true;
    stop_children();
    for (pid_t* pid : {&prometheus_pid_, &double_pid_, &redis_pid_})
      if (*pid > 0) {
        ::kill(*pid, SIGTERM);
        ::waitpid(*pid, nullptr, 0);
        *pid = -1;
      }
    std::error_code ec;
    if (!state_file_.empty()) fs::remove(state_file_, ec);
    // The logs stay with the run; only the launcher's scratch goes.
    if (!work_.empty()) fs::remove_all(work_ / ".redis", ec);
    if (!work_.empty()) fs::remove_all(work_ / ".prometheus-data", ec);
    if (!work_.empty()) fs::remove_all(work_ / ".exchange-double", ec);
  }

  // Upstream first, so nothing downstream waits on a message that will never come.
  void stop_children() {
    for (const char* name : {"market-data", "feature-engine", "signal-engine", "leverage", "risk-gatekeeper", "order-router"})
      for (auto& c : children_)
        if (c.service == name && c.exit_code < 0) ::kill(c.pid, SIGTERM);
    // A clean stop takes well under a second; 10 s leaves room for a loaded machine or a
    // sanitizer build (ASan stops were seen past 3 s) before the final flush is cut off.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline && !all_exited()) {
      reap();
      std::this_thread::sleep_for(20ms);
    }
    std::error_code ec;
    for (auto& c : children_) {
      if (c.exit_code < 0) {
        ::kill(c.pid, SIGKILL);
        ::waitpid(c.pid, nullptr, 0);
        c.exit_code = 128 + SIGKILL;  // did not stop within 10 s of SIGTERM
      }
      fs::remove(c.ready, ec);
    }
  }

 private:
  static std::string random_hex(size_t bytes) {
    std::ifstream urandom("/dev/urandom", std::ios::binary);
    std::string out;
    for (size_t i = 0; i < bytes; ++i) {
      char b = 0;
      if (!urandom.get(b)) throw std::runtime_error("cannot read /dev/urandom");
      out += "0123456789abcdef"[(static_cast<unsigned char>(b) >> 4) & 15];
      out += "0123456789abcdef"[static_cast<unsigned char>(b) & 15];
    }
    return out;
  }

  // The embedded Redis locks itself down (runtime/redis_acl.h): a random password per
  // service; the launcher keeps full rights (the symbol table, status).
  std::string redis_acl(const std::string& ns) {
    launcher_password_ = random_hex(24);
    for (const auto& svc : runtime::redis_acl_services()) redis_passwords_[svc] = random_hex(24);
    return runtime::redis_acl(ns, "launcher", launcher_password_, redis_passwords_);
  }

  std::string start_redis(const std::string& ns) {
    const int port = transport::free_loopback_port();
    const auto dir = work_ / ".redis";
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
    const auto acl_file = dir / "users.acl";
    { std::ofstream(acl_file) << redis_acl(ns); }
    fs::permissions(acl_file, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    { std::ofstream(dir / "launcher.password") << launcher_password_ << "\n"; }
    fs::permissions(dir / "launcher.password", fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    redis_pid_ = spawn({"/usr/bin/redis-server", "--port", std::to_string(port), "--bind", "127.0.0.1", "--dir", dir.string(), "--save", "",
                        "--appendonly", "no", "--daemonize", "no", "--aclfile", acl_file.string()},
                       work_ / "logs" / "redis.log");
    redis_port_ = port;
    auto url = runtime::parse_redis_url("redis://launcher@127.0.0.1:" + std::to_string(port));
    url.password = launcher_password_;
    runtime::RedisClient probe(url);
    for (int i = 0; i < 100; ++i) {
      std::this_thread::sleep_for(50ms);
      if (probe.ping()) return url.text;
      if (::waitpid(redis_pid_, nullptr, WNOHANG) == redis_pid_) break;
    }
    throw std::runtime_error("embedded redis-server did not start; its log:\n" + last_lines(work_ / "logs" / "redis.log", 10));
  }

  bool respawn(Child& c, const std::string& redis_url) {
    c.restart_due.reset();
    ++c.restarts;
    std::error_code ec;
    fs::remove(c.ready, ec);
    c.exit_code = -1;
    c.pid = spawn(c.args, c.log, c.env);
    if (!await_ready(c)) return false;
    write_state(redis_url);  // its metrics and control ports are new
    std::cout << "fulcrum up: " << c.name << " restarted (" << c.restarts << " of " << kMaxRestarts << ")\n";
    return true;
  }

  // launcher.json in the run folder: whether the run completed, what stopped it, and every
  // restart, so a partial or cold-restarted run never passes for a clean one.
  void write_launcher_record(bool finished, const std::string& stopped_by) {
    nlohmann::json j;
    j["complete"] = finished;
    j["stopped_by"] = stopped_by;
    bool exact = true;
    for (const auto& c : children_) {
      j["restarts"][c.name] = c.restarts;
      if (c.restarts > 0 && !restarts_exactly(cfg_)) {
        j["cold_restarts"].push_back(c.name);
        exact = false;
      }
    }
    j["results_match_an_uninterrupted_run"] = finished && exact;
    std::ofstream(work_ / "launcher.json") << j.dump(2) << "\n";
    if (finished && !exact)
      std::cout << "fulcrum up: " << j["cold_restarts"].dump() << " restarted without their state: the results may differ from the backtest\n";
  }

  bool await_ready(Child& c) {
    for (int i = 0; i < 300 && !g_interrupted.load(); ++i) {
      if (fs::exists(c.ready)) {
        auto kv = read_kv(c.ready);
        c.metrics_port = std::atoi(kv["metrics_port"].c_str());
        c.control_port = std::atoi(kv["control_port"].c_str());
        return true;
      }
      int status = 0;
      if (::waitpid(c.pid, &status, WNOHANG) == c.pid) {
        c.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        std::cerr << "fulcrum up: " << c.name << " failed to start (exit " << c.exit_code << "):\n" << last_lines(c.log, 8);
        return false;
      }
      std::this_thread::sleep_for(50ms);
    }
    std::cerr << "fulcrum up: " << c.name << " not ready after 15 s; log " << c.log << "\n";

    return false;
  }

  bool reap() {
    bool any = false;
    for (auto& c : children_) {
      if (c.exit_code >= 0) continue;
      int status = 0;
      if (::waitpid(c.pid, &status, WNOHANG) == c.pid) {
        c.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        any = true;
      }
    }
    return any;
  }
  bool all_exited() const {
    for (const auto& c : children_)
      if (c.exit_code < 0) return false;
    return true;
  }
  Child& child(const std::string& name) {
    for (auto& c : children_)
      if (c.name == name) return c;
    throw std::logic_error("no child " + name);
  }

  // mesh.curve: the run's server key pair and one pair per service (runtime/curve_auth.h).
  void make_curve_keys() {
    const auto dir = work_ / "curve";
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
    for (const char* name : {"server", "market-data", "feature-engine", "signal-engine", "leverage", "risk-gatekeeper", "order-router"})
      runtime::write_curve_keypair(dir.string(), name);
    curve_dir_ = dir.string();
  }

  // One random bearer token per power, readable by this user only (runtime/access.h).
  void make_tokens() {
    const auto dir = work_ / "secrets";
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
    std::ifstream urandom("/dev/urandom", std::ios::binary);
    for (const char* kind : {"engage", "release", "admin", "mesh"}) {
      unsigned char raw[24];
      if (!urandom.read(reinterpret_cast<char*>(raw), sizeof raw)) throw std::runtime_error("cannot read /dev/urandom for the mesh's tokens");
      std::string secret;
      for (unsigned char b : raw) secret += "0123456789abcdef"[b >> 4], secret += "0123456789abcdef"[b & 15];
      const auto path = dir / kind;
      { std::ofstream(path) << "# fulcrum up: the " << kind << " token of this run (<token-id> <secret>)\nup-" << kind << " " << secret << "\n"; }
      fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    }
  }

  std::vector<std::string> child_env(const std::string& name) const {
    std::vector<std::string> env;
    const auto it = redis_passwords_.find(name);
    if (it != redis_passwords_.end()) env.push_back("FULCRUM_REDIS_PASSWORD=" + it->second);
    if (name == "order-router" && o_.venue == "double")
      env.insert(env.end(), {"FULCRUM_EXCHANGE_API_KEY=" + double_api_key_, "FULCRUM_EXCHANGE_API_SECRET=" + double_api_secret_});
    return env;
  }

  // Every service's metrics port as Prometheus file-based service discovery, rewritten
  // whole (tmp, rename) whenever a port changes, so a watching Prometheus never reads half.
  void write_targets() {
    const fs::path path = o_.prometheus_targets.empty() ? work_ / "prometheus" / "targets.json" : fs::path(o_.prometheus_targets);
    nlohmann::json groups = nlohmann::json::array();
    for (const auto& c : children_)
      if (c.metrics_port > 0)
        groups.push_back({{"targets", {"127.0.0.1:" + std::to_string(c.metrics_port)}}, {"labels", {{"process", c.name}, {"run", work_.filename().string()}}}});
    std::error_code ec;
    if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
    const auto tmp = path.string() + ".tmp";
    { std::ofstream(tmp) << groups.dump(2) << "\n"; }
    fs::rename(tmp, path, ec);
    if (ec) std::cerr << "fulcrum up: cannot write the Prometheus targets " << path << ": " << ec.message() << "\n";
    targets_file_ = path;
  }

  // Debian's prometheus binary on a free loopback port, scraping this mesh through the
  // targets file, with the rules of deploy/prometheus and a data folder that goes at stop.
  void start_prometheus(const std::string& redis_url) {
    if (!fs::exists("/usr/bin/prometheus")) throw std::runtime_error("--with-prometheus: /usr/bin/prometheus is not installed (deploy/bootstrap.sh installs it)");
    const auto dir = work_ / "prometheus";
    fs::create_directories(dir);
    std::ofstream cfg(dir / "prometheus.yml");
    cfg << "# written by fulcrum up --with-prometheus for this run\nglobal: {scrape_interval: 1s, evaluation_interval: 5s}\n";
    if (fs::is_directory(o_.prometheus_rules)) cfg << "rule_files: [" << nlohmann::json((fs::absolute(o_.prometheus_rules) / "*.yml").string()).dump() << "]\n";
    cfg << "scrape_configs:\n  - job_name: fulcrum\n    file_sd_configs:\n      - files: [" << nlohmann::json(fs::absolute(targets_file_).string()).dump()
        << "]\n        refresh_interval: 1s\n";
    cfg.close();
    const int port = transport::free_loopback_port();
    prometheus_pid_ = spawn({"/usr/bin/prometheus", "--config.file=" + (dir / "prometheus.yml").string(), "--storage.tsdb.path=" + (work_ / ".prometheus-data").string(),
                             "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"},
                            work_ / "logs" / "prometheus.log");
    prometheus_url_ = "http://127.0.0.1:" + std::to_string(port);
    for (int i = 0; i < 100; ++i) {
      std::this_thread::sleep_for(100ms);
      if (runtime::http_get("127.0.0.1", port, "/-/ready")) {
        write_state(redis_url);
        std::cout << "fulcrum up: Prometheus " << prometheus_url_ << " scraping the mesh (" << targets_file_.string() << ")\n";
        return;
      }
      if (::waitpid(prometheus_pid_, nullptr, WNOHANG) == prometheus_pid_) break;
    }
    throw std::runtime_error("prometheus did not start; its log:\n" + last_lines(work_ / "logs" / "prometheus.log", 10));
  }

  void write_state(const std::string& redis_url) {
    write_targets();
    nlohmann::json j;
    j["pid"] = ::getpid();
    j["redis"] = redis_url;
    if (redis_pid_ > 0) j["redis_pid"] = redis_pid_;  // embedded: this launcher's own
    j["run_dir"] = work_.string();
    if (!prometheus_url_.empty()) j["prometheus"] = prometheus_url_;
    j["prometheus_targets"] = targets_file_.string();
    j["logs"] = (work_ / "logs").string();
    j["tokens_dir"] = (work_ / "secrets").string();
    if (!launcher_password_.empty()) j["redis_password_file"] = (work_ / ".redis" / "launcher.password").string();
    for (const auto& c : children_) j["services"][c.name] = {{"pid", c.pid}, {"metrics_port", c.metrics_port}, {"control_port", c.control_port}};
    state_file_ = o_.state_file.empty() ? default_state_file() : o_.state_file;
    std::ofstream(state_file_) << j.dump(2) << "\n";
  }

  void print_summary(double elapsed_s, bool final_line) {
    std::vector<runtime::MetricSample> all, router;
    for (const auto& c : children_) {
      if (c.metrics_port == 0) continue;
      if (auto text = runtime::http_get("127.0.0.1", c.metrics_port, "/metrics", 300)) {
        auto samples = runtime::parse_prometheus_text(*text);
        if (c.name == "order-router") router = samples;
        all.insert(all.end(), samples.begin(), samples.end());
      }
    }
    if (router.empty()) return;
    std::string equity;
    for (const auto& s : router)
      if (s.name == "fulcrum_account_equity_usd") {
        char buf[64];
        std::snprintf(buf, sizeof buf, " %s=%.0f", s.labels.at("account").c_str(), s.value);
        equity += buf;
      }
    const auto p50 = runtime::histogram_quantile(router, "fulcrum_tick_to_order_latency_seconds", 0.5);
    const auto p99 = runtime::histogram_quantile(router, "fulcrum_tick_to_order_latency_seconds", 0.99);
    const double drops = runtime::metric_sum(all, "fulcrum_missing_messages_total") + runtime::metric_sum(all, "fulcrum_messages_dropped_total");
    const double malformed = runtime::metric_sum(all, "fulcrum_malformed_frames_total");
    std::printf("%s[%6.1fs] orders %.0f rejected %.0f | tick→order p50 %.2f ms p99 %.2f ms | drops %.0f malformed %.0f | equity%s\n",
                final_line ? "final " : "", elapsed_s, runtime::metric_sum(router, "fulcrum_orders_total"),
                // Every stage that refuses orders: the planner's gate, the gatekeeper, the router
                // and venue; each order is refused at most once, so the sum counts orders.
                runtime::metric_sum(all, "fulcrum_order_rejections_total"), p50.value_or(0) * 1e3, p99.value_or(0) * 1e3, drops, malformed,
                equity.c_str());
    std::fflush(stdout);
  }

  UpOptions o_;
  config::AppConfig cfg_;
  fs::path work_;
  std::vector<Child> children_;
  pid_t redis_pid_ = -1;
  pid_t prometheus_pid_ = -1;
  pid_t double_pid_ = -1;
  std::string prometheus_url_;
  fs::path targets_file_;
  std::string state_file_;
  std::string curve_dir_;  // mesh.curve: the run's keys
  // The local exchange double: a CA and a server certificate made for this run with the
  // openssl tool (its private keys stay in the run's scratch, removed at stop), the double
  // on a free port, and market-data pointed at it, trusting only that CA.
  void start_exchange_double(const fs::path& bin) {
    const auto dir = work_ / ".exchange-double";
    fs::create_directories(dir);
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace);
    const auto run = [&](std::vector<std::string> argv, const std::string& what) {
      const pid_t pid = spawn(argv, work_ / "logs" / "exchange-double-tls.log");
      int status = 0;
      ::waitpid(pid, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error("fulcrum up --exchange-double: openssl could not make the " + what + " (see " + (work_ / "logs" / "exchange-double-tls.log").string() + ")");
    };
    const auto p = [&](const char* f) { return (dir / f).string(); };
    std::ofstream(dir / "ext.cnf") << "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n";
    run({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", p("ca.key"), "-out", p("ca.pem"), "-days", "2", "-subj", "/CN=Fulcrum run CA",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"},
        "CA");
    run({"/usr/bin/openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", p("server.key"), "-out", p("server.csr"), "-subj", "/CN=localhost"}, "server key");
    run({"/usr/bin/openssl", "x509", "-req", "-in", p("server.csr"), "-CA", p("ca.pem"), "-CAkey", p("ca.key"), "-CAcreateserial", "-out", p("server.pem"), "-days",
         "2", "-extfile", p("ext.cnf")},
        "server certificate");
    // The CA's public certificate is all market-data needs, and it outlives the scratch.
    fs::copy_file(dir / "ca.pem", work_ / "exchange-double-ca.pem", fs::copy_options::overwrite_existing);
    // The market first, so `pgrep -f "exchange-double --capture FILE"` finds the run's double.
    std::vector<std::string> argv{(bin / "exchange-double").string()};
    if (o_.double_history) argv.insert(argv.end(), {"--history-klines", cfg_.data.klines});
    else argv.insert(argv.end(), {"--capture", o_.exchange_double});
    argv.insert(argv.end(), {"--tls-cert", p("server.pem"), "--tls-key", p("server.key"), "--ready-file", p("port"), "--speed", std::to_string(o_.double_speed)});
    if (o_.double_history) {
      // The config's own files, streaming from the window's start: what came before is the
      // warm-up's history, as a live start finds it.
      argv.insert(argv.end(), {"--history-start", core::format_utc_ms(cfg_.backtest.from_ms)});
      if (!cfg_.data.mark_price.empty()) argv.insert(argv.end(), {"--history-mark-price", cfg_.data.mark_price});
      if (!cfg_.data.funding.empty()) argv.insert(argv.end(), {"--history-funding", cfg_.data.funding});
    } else {
      argv.insert(argv.end(), {"--loop", "--start-at-s", o_.double_start_at_s});
    }
    // The config's symbols and their filters, as the double's exchangeInfo lists them (public
    // market data: paper venues on live data read it too).
    for (const auto& spec : cfg_.mesh_specs(marketdata::symbol_list(cfg_.data)))
      argv.insert(argv.end(), {"--filters", spec.symbol + ":" + spec.tick_size.str() + ":" + spec.step_size.str() + ":" + spec.min_notional.str()});
    std::vector<std::string> env;
    if (o_.venue == "double") {
      // The double's one account: the config's symbols, the config's deposit, and a key
      // made for this run (in the environment, never on a command line).
      argv.insert(argv.end(), {"--trading", "--balance", std::to_string(cfg_.backtest.initial_equity)});
      if (o_.double_funding_every_ms > 0) argv.insert(argv.end(), {"--settle-funding-every-ms", std::to_string(o_.double_funding_every_ms)});
      if (std::find_if(o_.double_faults.begin(), o_.double_faults.end(), [](const auto& f) { return f.rfind("withhold-order=", 0) == 0; }) != o_.double_faults.end())
        std::cout << "fulcrum up: the double withholds an order's answer (fault): the router waits out its request timeout, then looks the order up\n";
      double_api_key_ = random_hex(32);
      if (o_.double_key_type == "ed25519") {
        // The exchange holds the public key only; the private key goes to the router alone.
        auto [private_pem, public_pem] = binance::make_ed25519_key_pair();
        std::ofstream(dir / "account-ed25519.pub") << public_pem;
        argv.insert(argv.end(), {"--ed25519-public-key", p("account-ed25519.pub")});
        double_api_secret_ = std::move(private_pem);
        env = {"FULCRUM_EXCHANGE_API_KEY=" + double_api_key_};
      } else {
        double_api_secret_ = random_hex(32);
        env = {"FULCRUM_EXCHANGE_API_KEY=" + double_api_key_, "FULCRUM_EXCHANGE_API_SECRET=" + double_api_secret_};
      }
    }
    for (const auto& f : o_.double_faults) {
      const auto eq = f.find('=');
      argv.insert(argv.end(), {"--" + f.substr(0, eq), f.substr(eq + 1)});
    }
    double_pid_ = spawn(argv, work_ / "logs" / "exchange-double.log", env);
    for (int i = 0; i < 300 && !fs::exists(dir / "port"); ++i) {
      int status = 0;
      if (::waitpid(double_pid_, &status, WNOHANG) == double_pid_) {
        double_pid_ = -1;
        throw std::runtime_error("fulcrum up: exchange-double exited at start; its log ends:\n" + last_lines(work_ / "logs" / "exchange-double.log", 5));
      }
      std::this_thread::sleep_for(50ms);
    }
    std::string port;
    std::ifstream(dir / "port") >> port;
    if (port.empty()) throw std::runtime_error("fulcrum up: exchange-double did not start listening in 15 s");
    o_.binance_ws = "wss://localhost:" + port;
    o_.binance_rest = "https://localhost:" + port;
    o_.ca_file = (work_ / "exchange-double-ca.pem").string();
    std::cout << "fulcrum up: exchange double on " << o_.binance_ws << " replaying "
              << (o_.double_history ? cfg_.data.klines + " from " + core::format_utc_ms(cfg_.backtest.from_ms) : o_.exchange_double) << " at " << o_.double_speed
              << "x (TLS, a CA made for this run)\n";
  }

  std::string double_api_key_, double_api_secret_;     // --venue double: the double's account, made for this run
  std::string launcher_password_;                      // embedded Redis: this launcher's ACL user
  std::map<std::string, std::string> redis_passwords_;  // … and each service's
  int redis_port_ = 0;
  bool stopped_ = false;
};

}  // namespace

Runner add_up_command(CLI::App& app) {
  auto o = std::make_shared<UpOptions>();
  auto* cmd = app.add_subcommand("up", "Run the six-service mesh locally on a replay of the config's data");
  cmd->add_option("-c,--config", o->config, "YAML config")->capture_default_str();
  cmd->add_option("--redis", o->redis, "use this Redis (redis://host:port[/db]) instead of an embedded one");
  cmd->add_option("--out", o->out, "where the order router writes the report")->capture_default_str();
  cmd->add_option("--duration", o->duration_s, "stop after this many seconds (0: when the replay ends)")->check(runtime::finite_range(0, 1e9));
  cmd->add_option("--accounts", o->accounts, "policies to trade, one account each (default: backtest.policies)");
  cmd->add_option("--state-file", o->state_file, "where to record the running mesh for `fulcrum status`");
  cmd->add_option("--summary-every-ms", o->summary_every_ms, "live summary period")->check(CLI::Range(100, 60'000));
  cmd->add_option("--prometheus-targets", o->prometheus_targets, "where to write the services' scrape targets (file-based discovery; default: <run>/prometheus/targets.json)");
  cmd->add_flag("--with-prometheus", o->with_prometheus, "also start Debian's prometheus on a free port, scraping this mesh with deploy/prometheus's rules");
  cmd->add_option("--source", o->source, "files (the config's history) or binance (live streams; mesh.replay must be realtime or flat)")
      ->check(CLI::IsMember({"files", "binance"}))
      ->capture_default_str();
  cmd->add_option("--binance-ws", o->binance_ws, "binance: the WebSocket base (testnet: wss://fstream.binancefuture.com)")->capture_default_str();
  cmd->add_option("--binance-rest", o->binance_rest, "binance: the REST base (testnet: https://testnet.binancefuture.com)")->capture_default_str();
  cmd->add_option("--ca-file", o->ca_file, "binance: trust only this CA (PEM)")->check(CLI::ExistingFile);
  cmd->add_option("--kline-interval", o->kline_interval, "binance: the bar interval")->capture_default_str();
  cmd->add_flag("--record", o->record, "binance: record every message to <run>/capture.txt");
  cmd->add_option("--warmup-hours", o->warmup_hours, "binance: history from GET /fapi/v1/klines sent first to warm the features, never traded (-1: what they need; 0: none)")
      ->check(runtime::finite_range(-1, 24.0 * 366))
      ->capture_default_str();
  cmd->add_option("--double-start-at-s", o->double_start_at_s, "--exchange-double: begin this many seconds into the capture (what came before is its klines history)")
      ->check(runtime::finite_range(0, 1e6))
      ->capture_default_str();
  auto* capture = cmd->add_option("--exchange-double", o->exchange_double, "binance: start the local exchange double on this capture and use it")->check(CLI::ExistingFile);
  cmd->add_flag("--double-history", o->double_history,
                "binance: start the local exchange double on the config's own history (data.klines, mark_price, funding), streaming from backtest.from (the bars "
                "before are the warm-up's), each bar walked as its OHLC path")
      ->excludes(capture);
  cmd->add_option("--double-speed", o->double_speed, "the double's pace: exchange time / speed (a history of days in minutes: 1000 and up)")
      ->check(runtime::finite_range(0.01, 1e6))
      ->capture_default_str();
  cmd->add_option("--double-fault", o->double_faults,
                  "--exchange-double: a fault, NAME=N, repeatable: drop-every-ms (close every WebSocket), skip-diff (withhold the N-th depth diff), "
                  "duplicate-every (send every N-th frame twice), withhold-order (take the N-th order, never answer), fail-order-5xx (take the N-th order, answer 503)")
      ->check([](const std::string& f) -> std::string {
        const auto eq = f.find('=');
        const auto name = f.substr(0, eq == std::string::npos ? 0 : eq);
        if (name != "drop-every-ms" && name != "skip-diff" && name != "duplicate-every" && name != "withhold-order" && name != "fail-order-5xx")
          return "'" + f + "': not drop-every-ms|skip-diff|duplicate-every|withhold-order|fail-order-5xx=N";
        const auto n = f.substr(eq + 1);
        if (n.empty() || n.size() > 12 || n.find_first_not_of("0123456789") != std::string::npos) return "'" + f + "': N is not a whole number";
        return "";
      });
  cmd->add_option("--double-funding-every-ms", o->double_funding_every_ms, "--venue double: the double settles funding on open positions this often (0: never)")
      ->check(CLI::Range(int64_t{0}, int64_t{86'400'000}));
  cmd->add_option("--double-key-type", o->double_key_type,
                  "--venue double: the account's API key: hmac (a shared secret) or ed25519 (Binance's recommended type: the router signs with a private key, the "
                  "double holds the public key)")
      ->check(CLI::IsMember({"hmac", "ed25519"}))
      ->capture_default_str();
  cmd->add_option("--venue", o->venue,
                  "where orders go: paper (paper venues on the mesh's data), double (the local double's account; needs --exchange-double) or binance (a USDⓈ-M "
                  "account at --binance-rest; keys from FULCRUM_EXCHANGE_API_KEY/_SECRET or their _FILE)")
      ->check(CLI::IsMember({"paper", "double", "binance"}))
      ->capture_default_str();
  cmd->add_option("--prometheus-rules", o->prometheus_rules, "the alert rules folder for --with-prometheus")->capture_default_str();
  return [o] {
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    std::signal(SIGPIPE, SIG_IGN);
    Mesh mesh(*o);
    return mesh.run();
  };
}

Runner add_status_command(CLI::App& app) {
  auto state = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("status", "Health and status of a mesh started by `fulcrum up`");
  cmd->add_option("--state-file", *state, "the file `fulcrum up` wrote (default: in the temp folder)");
  cmd->add_flag("--json", *json, "print JSON");
  return [state, json] {
    const auto paths = state->empty() ? live_state_files() : std::vector<std::string>{*state};
    if (paths.empty()) {
      std::cerr << "fulcrum status: no running mesh (no live " << (fs::temp_directory_path() / (state_file_prefix() + "*.json")).string()
                << "); start one with `fulcrum up`\n";
      return 1;
    }
    int unhealthy = 0;
    nlohmann::json all = nlohmann::json::array();
    for (const auto& path : paths) {
      std::ifstream in(path);
      nlohmann::json s;
      try {
        if (!in) throw std::runtime_error("cannot open it");
        in >> s;
      } catch (const std::exception& e) {
        std::cerr << "fulcrum status: " << path << ": " << e.what() << "\n";
        ++unhealthy;
        continue;
      }
      nlohmann::json out;
      out["state_file"] = path;
      // Services keep serving through a Redis outage (risk fails closed); the mesh is
      // degraded all the same, and says so.
      const std::string redis_url = s.value("redis", "");
      bool redis_up = false;
      try {
        auto url = runtime::parse_redis_url(redis_url);
        if (s.contains("redis_password_file")) {
          std::ifstream pw(s["redis_password_file"].get<std::string>());
          std::getline(pw, url.password);
        }
        runtime::RedisClient probe(url);
        redis_up = probe.ping();
      } catch (const std::exception&) {
      }
      out["redis"] = {{"url", redis_url}, {"up", redis_up}};
      bool all_serving = true;
      for (const auto& [name, svc] : s["services"].items()) {
        const std::string addr = "127.0.0.1:" + std::to_string(svc["control_port"].get<int>());
        const auto h = runtime::check_health(addr);
        const auto st = runtime::fetch_status(addr);
        all_serving = all_serving && h.serving;
        out["services"][name] = {{"health", h.serving ? "SERVING" : (h.reachable ? "NOT_SERVING" : "UNREACHABLE")}, {"uptime_ms", st.uptime_ms},
                                 {"version", st.version}, {"config_hash", st.config_hash}, {"counters", st.counters}};
        if (!st.policy.empty()) out["services"][name]["policy"] = st.policy, out["services"][name]["policy_version"] = st.policy_version;
      }
      out["mesh"] = all_serving && redis_up ? "HEALTHY" : "DEGRADED";
      if (out["mesh"] != "HEALTHY") ++unhealthy;
      all.push_back(out);
    }
    if (*json) {
      std::cout << (all.size() == 1 ? all[0] : all).dump(2) << "\n";
    } else {
      for (const auto& out : all) {
        std::printf("mesh %s (%s): redis %s %s\n", out["mesh"].get<std::string>().c_str(), out["state_file"].get<std::string>().c_str(),
                    out["redis"]["url"].get<std::string>().c_str(), out["redis"]["up"].get<bool>() ? "UP" : "DOWN");
        std::printf("%-16s %-12s %10s  %s\n", "service", "health", "uptime_s", "counters");
        for (const auto& [name, v] : out["services"].items()) {
          std::string counters;
          for (const auto& [k, c] : v["counters"].items()) counters += k + "=" + std::to_string(c.get<unsigned long long>()) + " ";
          std::printf("%-16s %-12s %10.1f  %s\n", name.c_str(), v["health"].get<std::string>().c_str(), v["uptime_ms"].get<double>() / 1000.0, counters.c_str());
        }
      }
    }
    return unhealthy ? 1 : 0;
  };
}

}  // namespace fulcrum::cli
