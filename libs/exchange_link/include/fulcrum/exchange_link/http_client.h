#pragma once
// One HTTP(S) request at a time, synchronous with a deadline: REST snapshots, server time,
// signed order requests. Header names come back lower case.
#include <cstdint>
#include <map>
#include <string>

#include "fulcrum/exchange_link/url.h"

namespace fulcrum::exchange_link {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::string body;
};

// Throws std::runtime_error naming the host and what failed (connect, TLS, timeout).
HttpResponse http_request(const Url& base, const std::string& method, const std::string& target, const std::string& body,
                          const std::map<std::string, std::string>& headers, const TlsOptions& tls, int64_t timeout_ms = 10'000);

}  // namespace fulcrum::exchange_link
