#include "fulcrum/core/journal.h"

namespace fulcrum::core {

size_t MemoryJournal::replay(const std::function<void(std::string_view entry)>& apply) {
  for (const auto& e : committed_) apply(e);
  return committed_.size();
}

bool MemoryJournal::commit(const Marks& marks) {
  if (refuse_) return false;
  committed_.insert(committed_.end(), pending_.begin(), pending_.end());
  pending_.clear();
  for (const auto& [name, value] : marks) marks_[name] = value;
  return true;
}

}  // namespace fulcrum::core
