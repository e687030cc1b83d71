#pragma once
// A YAML mapping read field by field: each read marks its key known, records type and
// range problems under the full field path, and finish() reports every key nobody read.
#include <yaml-cpp/yaml.h>

#include <cmath>
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
  // finish() only records problems; a destructor must never throw, whatever the YAML holds.
  ~Section() {
    try {
      finish();
    } catch (...) {
    }
  }
  Section(const Section&) = delete;
  Section& operator=(const Section&) = delete;

  std::string field(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }
  void problem(const std::string& key, const std::string& message) {
    const std::string where = key.empty() ? path_ : field(key);
    issues_.push_back({where.empty() ? "(top level)" : where, message});
  }
  bool has(const std::string& key) {
    known_.insert(key);
    return node_ && node_.IsMap() && node_[key];
  }
  YAML::Node raw(const std::string& key) {
    known_.insert(key);
    return node_ && node_.IsMap() ? node_[key] : YAML::Node();
  }
  Section child(const std::string& key) { return Section(raw(key), field(key), issues_); }
  std::vector<core::ConfigIssue>& issues() { return issues_; }

  template <class T>
  void read(const std::string& key, T& target, std::optional<T> min = std::nullopt, std::optional<T> max = std::nullopt) {
    if (!has(key)) return;
    try {
      T value = node_[key].as<T>();
      // NaN compares false with every bound, so it would pass both range checks below.
      if constexpr (std::is_floating_point_v<T>)
        if (!std::isfinite(value)) return problem(key, "must be a finite number, got '" + scalar_text(node_[key]) + "'");
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
      if (!kv.first.IsScalar()) {
        problem("", "keys must be plain names, found a " + std::string(kv.first.IsSequence() ? "list" : "mapping") + " used as a key");
        continue;
      }
      const auto key = kv.first.Scalar();
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

 public:
  // A list of plain strings at `key`; anything else is a problem naming the element.
  std::optional<std::vector<std::string>> string_list(const std::string& key) {
    const auto node = raw(key);
    if (!node.IsSequence()) return std::nullopt;
    std::vector<std::string> out;
    for (size_t i = 0; i < node.size(); ++i) {
      if (!node[i].IsScalar()) {
        problem(key, "element [" + std::to_string(i) + "] must be a plain string, got " + (node[i].IsSequence() ? "a list" : "a mapping"));
        return std::vector<std::string>{};
      }
      out.push_back(node[i].Scalar());
    }
    return out;
  }

 private:
  YAML::Node node_;
  std::string path_;
  std::vector<core::ConfigIssue>& issues_;
  std::set<std::string> known_;
  bool finished_ = false;
};

}  // namespace fulcrum::config::detail
