#pragma once
// The mesh's Redis ACL, one source for `fulcrum up`'s embedded Redis and the Helm chart's
// (whose init container runs `fulcrum redis-acl`). No anonymous user; an admin user with
// every right (the launcher, an operator); one user per service that reads the whole
// namespace and writes only its own keys: only the gatekeeper writes the trading state
// (risk:*), only the order router writes account state, fills and its journal.
#include <map>
#include <string>
#include <vector>

namespace fulcrum::runtime {

// The services that log in to Redis as their own user, in a fixed order. Every leverage
// variant shares the "leverage" user.
const std::vector<std::string>& redis_acl_services();

// The ACL file's text for namespace `ns`. `service_passwords` must name every service of
// redis_acl_services() and nothing else. Throws std::invalid_argument naming the user when
// a password is missing or unfit: under 16 characters, or with a character outside
// printable ASCII (the file's syntax splits on whitespace); or when `ns` or `admin_user`
// is not a plain name.
std::string redis_acl(const std::string& ns, const std::string& admin_user, const std::string& admin_password,
                      const std::map<std::string, std::string>& service_passwords);

}  // namespace fulcrum::runtime
