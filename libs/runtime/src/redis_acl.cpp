#include "fulcrum/runtime/redis_acl.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "fulcrum/runtime/symbol_table.h"

namespace fulcrum::runtime {
namespace {

// Beyond its own service:* and audit:* keys and the shared symbol table.
const std::map<std::string, std::vector<std::string>>& own_writes() {
  static const std::map<std::string, std::vector<std::string>> writes{
      {"market-data", {"feed:*"}},
      {"feature-engine", {"journal:feature-engine"}},
      {"signal-engine", {"journal:signal-engine"}},
      {"leverage", {"journal:leverage-*"}},
      {"risk-gatekeeper", {"risk:*"}},
      {"order-router", {"account:*", "fills:*", "router:*"}},
  };
  return writes;
}

// `also` is ':' for a namespace, which is a key prefix ("fulcrum:1234").
void check_name(const std::string& what, const std::string& name, char also = '-') {
  const bool plain = !name.empty() && name.size() <= 63 && std::all_of(name.begin(), name.end(), [&](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == also;
                     });
  if (!plain) throw std::invalid_argument(what + " '" + name + "' is not a plain name (letters, digits, '-', '_', '.'" + (also == ':' ? ", ':'" : "") + "; at most 63)");
}

void check_password(const std::string& user, const std::string& password) {
  if (password.size() < 16) throw std::invalid_argument("redis user '" + user + "': the password is " + (password.empty() ? "missing" : "shorter than 16 characters"));
  if (!std::all_of(password.begin(), password.end(), [](char c) { return c > ' ' && c <= '~'; }))
    throw std::invalid_argument("redis user '" + user + "': the password has a character outside printable ASCII (whitespace would split the ACL line)");
}

}  // namespace

const std::vector<std::string>& redis_acl_services() {
  static const std::vector<std::string> services = [] {
    std::vector<std::string> out;
    for (const auto& [name, writes] : own_writes()) out.push_back(name);
    return out;
  }();
  return services;
}

std::string redis_acl(const std::string& ns, const std::string& admin_user, const std::string& admin_password,
                      const std::map<std::string, std::string>& service_passwords) {
  check_name("namespace", ns, ':');
  check_name("admin user", admin_user);
  check_password(admin_user, admin_password);
  if (own_writes().count(admin_user)) throw std::invalid_argument("admin user '" + admin_user + "' is a service's name");
  for (const auto& [svc, password] : service_passwords)
    if (!own_writes().count(svc)) throw std::invalid_argument("'" + svc + "' is not a service with a Redis user");
  const std::string n = ns + ":";
  std::string acl = "user default off\nuser " + admin_user + " on >" + admin_password + " ~* &* +@all\n";
  for (const auto& [svc, writes] : own_writes()) {
    const auto it = service_passwords.find(svc);
    check_password(svc, it == service_passwords.end() ? std::string() : it->second);
    acl += "user " + svc + " on >" + it->second + " resetchannels %R~" + n + "* %W~" + n + "service:" + svc + " %W~" + n + "audit:" + svc + " %W~" + n +
           kSymbolTableKey;
    for (const auto& w : writes) acl += " %W~" + n + w;
    acl += " +@all -@dangerous\n";
  }
  return acl;
}

}  // namespace fulcrum::runtime
