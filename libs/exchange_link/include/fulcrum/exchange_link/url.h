#pragma once
// ws://, wss://, http:// and https:// URLs as the links use them. Plain ws:// and http://
// exist for tests against the local exchange double only; the real exchange is TLS.
#include <string>

namespace fulcrum::exchange_link {

struct Url {
  bool tls = true;
  std::string host, port, target;  // target: "/path?query", "/" when empty
  // Throws std::invalid_argument naming the URL and what is wrong with it.
  static Url parse(const std::string& text);
  std::string origin() const;  // "wss://host:port" style, for logs
};

struct TlsOptions {
  std::string ca_file;  // empty: the system's trust store
};

}  // namespace fulcrum::exchange_link
