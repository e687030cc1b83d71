#include "fulcrum/exchange_link/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "tls_context.h"

namespace fulcrum::exchange_link {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;

namespace {

template <class Stream>
HttpResponse exchange(Stream& stream, const Url& base, const std::string& method, const std::string& target, const std::string& body,
                      const std::map<std::string, std::string>& headers) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  if (req.method() == http::verb::unknown) throw std::invalid_argument("HTTP method '" + method + "' is not one");
  req.set(http::field::host, base.host);
  req.set(http::field::user_agent, "fulcrum");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty()) {
    req.set(http::field::content_type, "application/x-www-form-urlencoded");
    req.body() = body;
  }
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64u << 20);
  http::read(stream, buffer, parser);
  const auto& res = parser.get();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    out.headers[name] = std::string(f.value());
  }
  out.body = res.body();
  return out;
}

}  // namespace

HttpResponse http_request(const Url& base, const std::string& method, const std::string& target, const std::string& body,
                          const std::map<std::string, std::string>& headers, const TlsOptions& tls, int64_t timeout_ms) {
  asio::io_context ioc;
  try {
    asio::ip::tcp::resolver resolver(ioc);
    const auto endpoints = resolver.resolve(base.host, base.port);
    // A deadline on every blocking step: the socket's own timeouts (Beast's expiry applies
    // to asynchronous operations only).
    const auto set_timeouts = [&](int fd) {
      timeval tv{static_cast<time_t>(timeout_ms / 1000), static_cast<suseconds_t>((timeout_ms % 1000) * 1000)};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    };
    if (!base.tls) {
      beast::tcp_stream stream(ioc);
      stream.connect(endpoints);
      set_timeouts(stream.socket().native_handle());
      auto res = exchange(stream, base, method, target, body, headers);
      beast::error_code ec;
      stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
      return res;
    }
    auto ctx = detail::client_tls_context(tls);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
    if (!SSL_set_tlsext_host_name(stream.native_handle(), base.host.c_str())) throw std::runtime_error("cannot set SNI");
    stream.set_verify_callback(asio::ssl::host_name_verification(base.host));
    beast::get_lowest_layer(stream).connect(endpoints);
    set_timeouts(beast::get_lowest_layer(stream).socket().native_handle());
    stream.handshake(asio::ssl::stream_base::client);
    auto res = exchange(stream, base, method, target, body, headers);
    beast::error_code ec;
    stream.shutdown(ec);  // the server may just close: not an error for a finished request
    return res;
  } catch (const std::invalid_argument&) {
    throw;
  } catch (const std::exception& e) {
    throw std::runtime_error(method + " " + base.origin() + target.substr(0, target.find('?')) + ": " + e.what());
  }
}

}  // namespace fulcrum::exchange_link
