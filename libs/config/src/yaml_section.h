#pragma once
// A YAML mapping read field by field: each read marks its key known, records type and
// range problems under the full field path, and finish() reports every key nobody read.
#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fulcrum/core/error.h"

namespace fulcrum::config::detail {

class Section {
 public:
  Section(YAML::Node node, std::string path, std::vector<core::ConfigIssue>& issues)
      : node_(std::move(node)), path_(std::move(path)), issues_(issues) {
    if (node_ && !node_.IsNull() && !node_.IsMap()) {
      problem("", "must be a mapping");
      node_ = YAML::Node();
    }
  }
  ~Section() { finish(); }
  Section(const Section&) = delete;
  Section& operator=(const Section&) = delete;

  std::string field(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  void problem(const std::string& key, const std::string& message) { issues_.push_back({key.empty() ? path_ : field(key), message}); }
  bool has(const std::string& key) {
    known_.insert(key);
    return node_ && node_.IsMap() && node_[key];
  }
  YAML::Node raw(const std::string& key) {
    known_.insert(key);
    return node_ && node_.IsMap() ? node_[key] : YAML::Node();
  }
  Section child(const std::string& key) { return Section(raw(key), field(key), issues_); }

  template <class T>
  void read(const std::string& key, T& target, std::optional<T> min = std::nullopt, std::optional<T> max = std::nullopt) {
    if (!has(key)) return;
    try {
      T value = node_[key].as<T>();
      if (min && value < *min) return problem(key, "must be ≥ " + show(*min) + ", got " + show(value));
      if (max && value > *max) return problem(key, "must be ≤ " + show(*max) + ", got " + show(value));
      target = value;
    } catch (const YAML::Exception&) {
      problem(key, std::string("must be ") + type_name<T>() + ", got '" + scalar_text(node_[key]) + "'");
    }
  }

  void finish() {
    if (finished_ || !node_ || !node_.IsMap()) return;
    finished_ = true;
    std::set<std::string> seen;
    for (const auto& kv : node_) {
      const auto key = kv.first.as<std::string>();
      // yaml-cpp keeps both copies and lookups see only the first: say so, never guess.
      if (!seen.insert(key).second) problem(key, "duplicate key");
      else if (!known_.count(key)) problem(key, "unknown key");
    }
  }

 private:
  template <class T>
  static std::string show(const T& v) {
    if constexpr (std::is_arithmetic_v<T>) return std::to_string(v);
    else if constexpr (std::is_convertible_v<T, std::string>) return v;
    else return "(list)";
  }
  template <class T>
  static const char* type_name() {
    if constexpr (std::is_same_v<T, bool>) return "true or false";
    else if constexpr (std::is_integral_v<T>) return "an integer";
    else if constexpr (std::is_floating_point_v<T>) return "a number";
    else if constexpr (std::is_convertible_v<T, std::string>) return "a string";
    else return "a list of strings";
  }
  static std::string scalar_text(const YAML::Node& n) { return n.IsScalar() ? n.Scalar() : "(a list or mapping)"; }

  YAML::Node node_;
  std::string path_;
  std::vector<core::ConfigIssue>& issues_;
  std::set<std::string> known_;
  bool finished_ = false;
};

}  // namespace fulcrum::config::detail
