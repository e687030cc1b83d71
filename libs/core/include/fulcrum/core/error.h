#pragma once
// Errors that name where they come from: a file and line, or a config field path.
#include <stdexcept>
#include <string>
#include <vector>

namespace fulcrum::core {

// A problem in an input file. `line` is 1-based; 0 means the file as a whole.
class DataError : public std::runtime_error {
 public:
  DataError(std::string file, size_t line, std::string message);
  const std::string& file() const { return file_; }
  size_t line() const { return line_; }
  const std::string& detail() const { return detail_; }

 private:
  std::string file_;
  size_t line_;
  std::string detail_;
};

struct ConfigIssue {
  std::string field_path;  // e.g. "leverage.fixed.leverage_x"
  std::string message;
};

// All problems found in one config, reported together.
class ConfigError : public std::runtime_error {
 public:
  // `what_kind` heads the message: "invalid config", or "invalid argument" for the CLI.
  ConfigError(std::string source, std::vector<ConfigIssue> issues, const std::string& what_kind = "invalid config");
  const std::vector<ConfigIssue>& issues() const { return issues_; }

 private:
  std::vector<ConfigIssue> issues_;
};

}  // namespace fulcrum::core
