#include "fulcrum/core/error.h"

namespace fulcrum::core {
namespace {
std::string locate(const std::string& file, size_t line, const std::string& message) {
  return line == 0 ? file + ": " + message : file + ":" + std::to_string(line) + ": " + message;
}
std::string join_issues(const std::string& source, const std::vector<ConfigIssue>& issues, const std::string& what_kind) {
  std::string out = source + ": " + what_kind;
  for (const auto& issue : issues) out += "\n  " + issue.field_path + ": " + issue.message;
  return out;
}
}  // namespace

DataError::DataError(std::string file, size_t line, std::string message)
    : std::runtime_error(locate(file, line, message)),
      file_(std::move(file)),
      line_(line),
      detail_(std::move(message)) {}

ConfigError::ConfigError(std::string source, std::vector<ConfigIssue> issues, const std::string& what_kind)
    : std::runtime_error(join_issues(source, issues, what_kind)), issues_(std::move(issues)) {}

}  // namespace fulcrum::core
