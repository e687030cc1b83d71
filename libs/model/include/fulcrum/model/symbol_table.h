#pragma once
// The run's symbols in index order. Every stage addresses a symbol by its index (vectors,
// not maps, on the hot path) and checks a name arriving on the wire against this table.
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace fulcrum::model {

class SymbolTable {
 public:
  SymbolTable() = default;
  explicit SymbolTable(std::vector<std::string> names) : names_(std::move(names)) {
    for (size_t i = 0; i < names_.size(); ++i) index_.emplace(names_[i], i);
  }
  std::optional<size_t> find(const std::string& name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? std::nullopt : std::optional<size_t>(it->second);
  }
  const std::vector<std::string>& names() const { return names_; }
  const std::string& name(size_t index) const { return names_.at(index); }
  size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace fulcrum::model
