#pragma once
// The one YAML config of `fulcrum backtest`. Every knob has a default; unknown keys,
// wrong types and out-of-range values are all reported together as a core::ConfigError
// naming each field path.
#include <map>
#include <string>

#include "fulcrum/marketdata/dataset.h"
#include "fulcrum/research/research_config.h"
#include "fulcrum/strategy/run_config.h"
#include "fulcrum/risk/pre_trade_gate.h"

namespace fulcrum::config {

struct OutputConfig {
  std::string dir = "out/backtest";
};

enum class ReplayMode { kLockstep, kFlat, kRealtime };

// Pre-trade limits on every order, whatever the policy asked: the planner applies them in
// the backtest and the leverage service, the risk gatekeeper enforces them (libs/risk).
using RiskLimits = risk::PreTradeLimits;

struct MeshConfig {
  ReplayMode replay = ReplayMode::kLockstep;
  double speed = 1.0;                       // realtime: 1 = wall-clock pace, 60 = 60× faster
  int resend_after_ms = 2000;               // leverage re-sends an unacknowledged order batch
  int state_flush_ms = 250;                 // Redis writes, batched off the hot path
  int status_interval_ms = 1000;            // counters to gRPC status; the launcher's summary
  int64_t max_message_bytes = 1 << 20;      // ZMQ_MAXMSGSIZE on every subscriber
  int symbol_table_wait_ms = 30'000;        // a service without the data folder waits this long for market-data's symbol table
  std::string log_level = "info";           // trace|debug|info|warn|error|critical|off
  std::map<std::string, std::string> log_levels;  // per service, overrides log_level
  RiskLimits risk;
  bool curve = false;  // CURVE encryption and authentication on every hot-path socket
  // The kill switch's automatic triggers (0: off); each halts globally until released.
  struct KillSwitchTriggers {
    int router_heartbeat_ms = 0;    // the order router unheard for this long
    int rejection_burst = 0;        // this many gate denials …
    int rejection_window_ms = 10'000;  // … within this window
  } kill_switch;
};

struct AppConfig {
  marketdata::DataSources data;
  strategy::RunConfig backtest;
  model::InstrumentSpec default_instrument;
  std::map<std::string, model::InstrumentSpec> instruments;
  OutputConfig output;
  MeshConfig mesh;
  research::ResearchConfig research;  // `fulcrum research walk-forward`
  std::string source;       // file the config came from
  std::string source_text;  // the file's text as parsed: copied into run folders, hashed

  // The symbol's filters (venue.instruments, else default_instrument with
  // filters_from_config false) and brackets (its own, else Binance's table for it). Throws
  // core::ConfigError naming the symbol when neither has brackets for it.
  model::InstrumentSpec spec_for(const std::string& symbol) const;
  // spec_for() of each, refusing (one ConfigError naming all) symbols whose tick and step
  // are not listed: the mesh cannot infer them.
  std::vector<model::InstrumentSpec> mesh_specs(const std::vector<std::string>& symbols) const;
};

// Relative paths in the file are taken relative to the file's folder.
AppConfig load_app_config(const std::string& path);
AppConfig parse_app_config(const std::string& yaml_text, const std::string& source, const std::string& base_dir);
// The defaults, as a config with no keys would give (data paths empty).
AppConfig default_app_config();

}  // namespace fulcrum::config
