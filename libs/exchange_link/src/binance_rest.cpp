#include "fulcrum/exchange_link/binance_rest.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace fulcrum::exchange_link {
namespace {

int64_t local_ms() { return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count(); }

std::string secret_value(const char* var) {
  if (const char* v = std::getenv(var); v && *v) return v;
  const std::string file_var = std::string(var) + "_FILE";
  if (const char* path = std::getenv(file_var.c_str()); path && *path) {
    std::ifstream in(path);
    std::string value;
    if (!in || !std::getline(in, value)) throw std::runtime_error(file_var + " names " + path + ", which cannot be read");
    // A PEM key spans lines: all of it. Any other secret is the first line.
    if (value.rfind("-----BEGIN", 0) == 0)
      for (std::string line; std::getline(in, line);) value += "\n" + line;
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ' || value.back() == '\n')) value.pop_back();
    if (value.empty()) throw std::runtime_error(file_var + " names " + path + ", which is empty");
    return value;
  }
  throw std::runtime_error(std::string(var) + " (or " + file_var + ") is not set");
}

}  // namespace

BinanceCredentials BinanceCredentials::from_environment() {
  auto api_key = secret_value("FULCRUM_EXCHANGE_API_KEY");
  try {
    return {std::move(api_key), binance::SigningKey::from_secret(secret_value("FULCRUM_EXCHANGE_API_SECRET"))};
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string("FULCRUM_EXCHANGE_API_SECRET: ") + e.what());
  }
}

BinanceRest::BinanceRest(Url base, TlsOptions tls, BinanceCredentials creds, int64_t timeout_ms, int64_t recv_window_ms)
    : base_(std::move(base)), tls_(std::move(tls)), creds_(std::move(creds)), timeout_ms_(timeout_ms), recv_window_ms_(recv_window_ms) {}

int64_t BinanceRest::sync_time() {
  const auto before = local_ms();
  const auto res = http_request(base_, "GET", "/fapi/v1/time", "", {}, tls_, timeout_ms_);
  const auto after = local_ms();
  const auto at = res.body.find("\"serverTime\":");
  if (res.status != 200 || at == std::string::npos) throw std::runtime_error("GET /fapi/v1/time answered " + std::to_string(res.status) + ": " + res.body.substr(0, 200));
  const int64_t server = std::atoll(res.body.c_str() + at + 13);
  offset_ms_ = server - (before + after) / 2;
  return offset_ms_;
}

binance::RequestClock BinanceRest::clock() const { return {local_ms() + offset_ms_, recv_window_ms_}; }

RestAnswer BinanceRest::send(const binance::RestRequest& request) {
  // Re-stamped at sending: the plan may be older than the request.
  binance::QueryString q;
  for (const auto& [k, v] : request.params.params())
    if (k != "timestamp" && k != "recvWindow") q.add(k, v);
  const auto c = clock();
  q.add("recvWindow", std::to_string(c.recv_window_ms)).add("timestamp", std::to_string(c.timestamp_ms));
  RestAnswer a;
  int64_t wait_ms = 0;
  switch (limiter_.check(local_ms(), binance::request_weight(request.method, request.path, request.params.params()),
                         binance::is_new_order(request.method, request.path), wait_ms)) {
    case binance::RateLimiter::Verdict::kBanned:
      a.outcome = binance::SendOutcome::kBanned;
      a.body = "IP banned by the exchange until " + std::to_string(limiter_.banned_until_ms()) + " ms: no request is sent";
      return a;
    case binance::RateLimiter::Verdict::kWait: std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms)); break;
    case binance::RateLimiter::Verdict::kSend: break;
  }
  return keyed(request.method, request.path + "?" + q.signed_with(creds_.key));
}

RestAnswer BinanceRest::send_keyed(const std::string& method, const std::string& path) { return keyed(method, path); }

RestAnswer BinanceRest::keyed(const std::string& method, const std::string& target) {
  RestAnswer a;
  try {
    const auto res = http_request(base_, method, target, "", {{"X-MBX-APIKEY", creds_.api_key}}, tls_, timeout_ms_);
    limiter_.on_response(local_ms(), res.status, res.headers);
    a.status = res.status;
    a.body = res.body;
    a.error = binance::parse_exchange_error(res.body);
    a.outcome = binance::classify(res.status, a.error);
  } catch (const std::invalid_argument&) {
    throw;
  } catch (const std::exception& e) {
    a.status = 0;  // no answer: the request may or may not have been executed
    a.body = e.what();
    a.outcome = binance::SendOutcome::kUnknown;
  }
  return a;
}

PlaceResult BinanceRest::place(const binance::RestRequest& order, const std::string& symbol, const std::string& mesh_id, int max_queries) {
  PlaceResult r;
  for (;;) {
    ++r.sends;
    const auto sent_ms = local_ms();
    r.answer = send(order);
    if (r.answer.outcome != binance::SendOutcome::kUnknown && r.answer.outcome != binance::SendOutcome::kThrottled) return r;
    // The answer was lost: ask the exchange about the order by its client id.
    bool resend = false;
    for (int i = 0; i < max_queries; ++i) {
      ++r.queries;
      const auto q = send(binance::plan_query_order(symbol, mesh_id, order.algo, clock()));
      if (q.outcome == binance::SendOutcome::kAccepted) {
        r.answer = q;  // it exists: its state is the answer
        return r;
      }
      if (q.error && q.error->code == -2013) {
        // "Does not exist" is final only once the original can no longer arrive: the
        // exchange refuses a request older than its recvWindow, so after that (and a
        // second's margin) a late copy cannot execute, and sending now is the first time.
        const auto final_after = sent_ms + recv_window_ms_ + 1'000;
        if (local_ms() < final_after) {
          std::this_thread::sleep_for(std::chrono::milliseconds(final_after - local_ms()));
          continue;
        }
        resend = true;
        break;
      }
      if (q.outcome == binance::SendOutcome::kBanned) {
        r.answer = q;
        return r;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min(2'000, 100 << std::min(i, 4))));
    }
    if (!resend) return r;  // still unknown: the caller stops new entries and reconciles
  }
}

}  // namespace fulcrum::exchange_link
