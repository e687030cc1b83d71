#pragma once
// A client TLS context that verifies the peer: the given CA file, or the system store.
#include <boost/asio/ssl.hpp>

#include "fulcrum/exchange_link/url.h"

namespace fulcrum::exchange_link::detail {

inline boost::asio::ssl::context client_tls_context(const TlsOptions& tls) {
  boost::asio::ssl::context ctx(boost::asio::ssl::context::tls_client);
  ctx.set_options(boost::asio::ssl::context::no_tlsv1 | boost::asio::ssl::context::no_tlsv1_1);
  if (tls.ca_file.empty()) ctx.set_default_verify_paths();
  else ctx.load_verify_file(tls.ca_file);
  ctx.set_verify_mode(boost::asio::ssl::verify_peer);
  return ctx;
}

}  // namespace fulcrum::exchange_link::detail
