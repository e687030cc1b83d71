#include "fulcrum/exchange_link/url.h"

#include <stdexcept>

namespace fulcrum::exchange_link {

Url Url::parse(const std::string& text) {
  Url u;
  std::string rest;
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string::npos) throw std::invalid_argument("URL '" + text + "' has no scheme (wss://, https://)");
  const auto scheme = text.substr(0, scheme_end);
  if (scheme == "wss" || scheme == "https") u.tls = true;
  else if (scheme == "ws" || scheme == "http") u.tls = false;
  else throw std::invalid_argument("URL '" + text + "': scheme '" + scheme + "' is not ws, wss, http or https");
  rest = text.substr(scheme_end + 3);
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (authority.empty() || authority.find('@') != std::string::npos)
    throw std::invalid_argument("URL '" + text + "': no host, or credentials in the URL (they would reach logs)");
  const auto colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
    if (u.port.empty() || u.port.find_first_not_of("0123456789") != std::string::npos || std::stoul(u.port) == 0 || std::stoul(u.port) > 65535)
      throw std::invalid_argument("URL '" + text + "': port '" + u.port + "' is not 1-65535");
  } else {
    u.host = authority;
    u.port = u.tls ? "443" : "80";
  }
  if (u.host.empty()) throw std::invalid_argument("URL '" + text + "' has no host");
  return u;
}

std::string Url::origin() const { return std::string(tls ? "tls://" : "tcp://") + host + ":" + port; }

}  // namespace fulcrum::exchange_link
