#pragma once
// Reading a running service from outside: its Prometheus text over HTTP, and its gRPC
// health and status. Used by `fulcrum up`/`fulcrum status`, the integration tests and the
// mesh benchmark.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace fulcrum::runtime {

struct MetricSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

// GET http://host:port/path; nullopt on any failure (refused, timeout, not 200).
std::optional<std::string> http_get(const std::string& host, int port, const std::string& path, int timeout_ms = 1000);
// The Prometheus text exposition format, comments skipped; malformed lines are skipped.
std::vector<MetricSample> parse_prometheus_text(const std::string& text);
// Σ of every sample named `name` whose labels include `match`.
double metric_sum(const std::vector<MetricSample>& samples, const std::string& name, const std::map<std::string, std::string>& match = {});
// Quantile q of a histogram from its cumulative _bucket samples, interpolated inside the
// bucket as Prometheus' histogram_quantile does. nullopt when it has no observations.
// `match`: only the series whose labels include these.
std::optional<double> histogram_quantile(const std::vector<MetricSample>& samples, const std::string& name, double q,
                                         const std::map<std::string, std::string>& match = {});

struct HealthStatus {
  bool reachable = false;
  bool serving = false;
  std::string error;
};
HealthStatus check_health(const std::string& address, int timeout_ms = 1000);

struct RemoteStatus {
  bool ok = false;
  std::string error, service, version, config_hash, policy, policy_version;
  long long uptime_ms = 0;
  std::map<std::string, unsigned long long> counters;
};
RemoteStatus fetch_status(const std::string& address, int timeout_ms = 1000);

struct ReloadResult {
  bool rpc_ok = false, accepted = false;
  std::string rpc_error;  // !rpc_ok: the gRPC status, e.g. "UNAUTHENTICATED: wrong admin token"
  std::vector<std::string> errors;
  std::string config_hash;
};
// `admin_secret`: the admin token's secret (a reload needs it), sent as a bearer token.
ReloadResult reload_config(const std::string& address, const std::string& yaml, const std::string& admin_secret, int timeout_ms = 2000);

}  // namespace fulcrum::runtime
