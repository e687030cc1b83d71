// `fulcrum redis-acl`: writes the mesh's Redis ACL file (runtime/redis_acl.h) from passwords
// in the environment. The Helm chart's Redis runs it in an init container, so the cluster's
// Redis and `fulcrum up`'s embedded one enforce the same rules from the same code.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "commands.h"
#include "fulcrum/runtime/redis_acl.h"

namespace fulcrum::cli {
namespace {

struct RedisAclOptions {
  std::string ns, out, admin_user = "admin";
};

// FULCRUM_REDIS_PASSWORD_ORDER_ROUTER for "order-router".
std::string password_variable(const std::string& service) {
  std::string v = "FULCRUM_REDIS_PASSWORD_";
  for (const char c : service) v += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return v;
}

std::string from_env(const std::string& variable) {
  const char* value = std::getenv(variable.c_str());
  return value ? value : "";
}

// The file holds passwords: created 0600 beside its final name and renamed over it, so a
// reader never sees half of it and no other user ever can.
void write_private(const std::filesystem::path& out, const std::string& text) {
  const auto tmp = out.string() + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + tmp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string why = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      throw std::runtime_error("cannot write " + tmp + ": " + why);
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write " + tmp + ": " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), out.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot rename " + tmp + " to " + out.string() + ": " + why);
  }
}

}  // namespace

Runner add_redis_acl_command(CLI::App& app) {
  auto o = std::make_shared<RedisAclOptions>();
  auto* cmd = app.add_subcommand("redis-acl", "Write the mesh's Redis ACL file (passwords from the environment)");
  cmd->footer(
      "Passwords: FULCRUM_REDIS_ADMIN_PASSWORD for the admin user, and FULCRUM_REDIS_PASSWORD_<SERVICE> for each service\n"
      "(MARKET_DATA, FEATURE_ENGINE, SIGNAL_ENGINE, LEVERAGE, RISK_GATEKEEPER, ORDER_ROUTER): at least 16 printable characters, no spaces.\n"
      "Exit codes: 0 written, 2 a missing or unfit password or name.");
  cmd->add_option("--namespace", o->ns, "the mesh's key namespace (the services' --namespace)")->required();
  cmd->add_option("--out", o->out, "the ACL file to write (mode 0600; replaced if it exists)")->required();
  cmd->add_option("--admin-user", o->admin_user, "the user with every right (operators, probes)")->capture_default_str();
  return [o] {
    std::map<std::string, std::string> passwords;
    for (const auto& variable : [&] {
           std::vector<std::string> all{"FULCRUM_REDIS_ADMIN_PASSWORD"};
           for (const auto& svc : runtime::redis_acl_services()) all.push_back(password_variable(svc));
           return all;
         }())
      if (from_env(variable).empty()) {
        std::cerr << "fulcrum redis-acl: " << variable << " is not set\n";
        return 2;
      }
    for (const auto& svc : runtime::redis_acl_services()) passwords[svc] = from_env(password_variable(svc));
    std::string acl;
    try {
      acl = runtime::redis_acl(o->ns, o->admin_user, from_env("FULCRUM_REDIS_ADMIN_PASSWORD"), passwords);
    } catch (const std::invalid_argument& e) {
      std::cerr << "fulcrum redis-acl: " << e.what() << " (passwords come from FULCRUM_REDIS_ADMIN_PASSWORD and FULCRUM_REDIS_PASSWORD_<SERVICE>)\n";
      return 2;
    }
    std::error_code ec;
    if (std::filesystem::is_directory(o->out, ec)) {
      std::cerr << "fulcrum redis-acl: --out '" << o->out << "' is a folder; name the file to write\n";
      return 2;
    }
    write_private(o->out, acl);
    std::cout << "wrote " << o->out << ": users " << o->admin_user;
    for (const auto& svc : runtime::redis_acl_services()) std::cout << ", " << svc;
    std::cout << " (namespace " << o->ns << ")\n";
    return 0;
  };
}

}  // namespace fulcrum::cli
