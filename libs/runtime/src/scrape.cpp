#include "fulcrum/runtime/scrape.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <grpcpp/grpcpp.h>

#include "fulcrum/v1/control.grpc.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace fulcrum::runtime {

std::optional<std::string> http_get(const std::string& host, int port, const std::string& path, int timeout_ms) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    return std::nullopt;
  }
  timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  const std::string req = "GET " + path + " HTTP/1.0\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    ::close(fd);
    return std::nullopt;
  }
  std::string resp;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    resp.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (resp.rfind("HTTP/1.", 0) != 0 || resp.size() < 12 || resp.substr(9, 3) != "200") return std::nullopt;
  const auto body = resp.find("\r\n\r\n");
  return body == std::string::npos ? std::string() : resp.substr(body + 4);
}

std::vector<MetricSample> parse_prometheus_text(const std::string& text) {
  std::vector<MetricSample> out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t eol = std::min(text.find('\n', pos), text.size());
    const std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty() || line[0] == '#') continue;
    MetricSample s;
    size_t i = line.find_first_of("{ ");
    if (i == std::string::npos) continue;
    s.name = line.substr(0, i);
    if (line[i] == '{') {
      const size_t close = line.find('}', i);
      if (close == std::string::npos) continue;
      std::string labels = line.substr(i + 1, close - i - 1);
      size_t p = 0;
      while (p < labels.size()) {
        const size_t eq = labels.find('=', p);
        if (eq == std::string::npos || eq + 1 >= labels.size() || labels[eq + 1] != '"') break;
        const size_t endq = labels.find('"', eq + 2);
        if (endq == std::string::npos) break;
        s.labels[labels.substr(p, eq - p)] = labels.substr(eq + 2, endq - eq - 2);
        p = endq + 1;
        if (p < labels.size() && labels[p] == ',') ++p;
      }
      i = close + 1;
    }
    const char* start = line.c_str() + i;
    char* end = nullptr;
    s.value = std::strtod(start, &end);
    if (end == start) continue;
    out.push_back(std::move(s));
  }
  return out;
}

double metric_sum(const std::vector<MetricSample>& samples, const std::string& name, const std::map<std::string, std::string>& match) {
  double sum = 0;
  for (const auto& s : samples) {
    if (s.name != name) continue;
    bool ok = true;
    for (const auto& [k, v] : match) {
      const auto it = s.labels.find(k);
      ok &= it != s.labels.end() && it->second == v;
    }
    if (ok) sum += s.value;
  }
  return sum;
}

std::optional<double> histogram_quantile(const std::vector<MetricSample>& samples, const std::string& name, double q,
                                         const std::map<std::string, std::string>& match) {
  std::map<double, double> cumulative;  // upper bound → count, summed over label sets
  for (const auto& s : samples) {
    if (s.name != name + "_bucket") continue;
    if (!std::all_of(match.begin(), match.end(), [&](const auto& kv) {
          const auto it = s.labels.find(kv.first);
          return it != s.labels.end() && it->second == kv.second;
        }))
      continue;
    const auto le = s.labels.find("le");
    if (le == s.labels.end()) continue;
    const double bound = le->second == "+Inf" ? INFINITY : std::strtod(le->second.c_str(), nullptr);
    cumulative[bound] += s.value;
  }
  if (cumulative.empty() || cumulative.rbegin()->second <= 0) return std::nullopt;
  const double total = cumulative.rbegin()->second;
  const double rank = q * total;
  double prev_bound = 0, prev_count = 0;
  for (const auto& [bound, count] : cumulative) {
    if (count >= rank) {
      if (std::isinf(bound)) return prev_bound;
      if (count == prev_count) return bound;
      return prev_bound + (bound - prev_bound) * (rank - prev_count) / (count - prev_count);
    }
    prev_bound = bound;
    prev_count = count;
  }
  return prev_bound;
}

HealthStatus check_health(const std::string& address, int timeout_ms) {
  HealthStatus h;
  auto channel = grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  grpc::health::v1::HealthCheckRequest req;
  grpc::health::v1::HealthCheckResponse resp;
  const auto st = stub->Check(&ctx, req, &resp);
  if (!st.ok()) {
    h.error = address + ": " + st.error_message();
    return h;
  }
  h.reachable = true;
  h.serving = resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
  return h;
}

RemoteStatus fetch_status(const std::string& address, int timeout_ms) {
  RemoteStatus r;
  auto stub = v1::Control::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  v1::StatusRequest req;
  v1::StatusReply resp;
  const auto st = stub->GetStatus(&ctx, req, &resp);
  if (!st.ok()) {
    r.error = address + ": " + st.error_message();
    return r;
  }
  r.ok = true;
  r.service = resp.service();
  r.version = resp.version();
  r.config_hash = resp.config_hash();
  r.policy = resp.policy();
  r.policy_version = resp.policy_version();
  r.uptime_ms = resp.uptime_ms();
  for (const auto& [k, v] : resp.counters()) r.counters[k] = v;
  return r;
}

ReloadResult reload_config(const std::string& address, const std::string& yaml, const std::string& admin_secret, int timeout_ms) {
  ReloadResult r;
  auto stub = v1::Control::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  v1::ConfigReloadRequest req;
  req.set_yaml(yaml);
  if (!admin_secret.empty()) ctx.AddMetadata("authorization", "Bearer " + admin_secret);
  v1::ConfigReloadReply resp;
  const auto status = stub->ReloadConfig(&ctx, req, &resp);
  if (!status.ok()) {
    r.rpc_error = (status.error_code() == grpc::StatusCode::UNAUTHENTICATED ? "UNAUTHENTICATED: " : "error: ") + status.error_message();
    return r;
  }
  r.rpc_ok = true;
  r.accepted = resp.accepted();
  r.errors.assign(resp.errors().begin(), resp.errors().end());
  r.config_hash = resp.config_hash();
  return r;
}

}  // namespace fulcrum::runtime
