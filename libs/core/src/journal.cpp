#include "fulcrum/core/journal.h"

#include <algorithm>
#include <cstdint>

#include "fulcrum/core/length_prefix.h"

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

void pack_entries(std::vector<std::string>& packs, const std::vector<std::string>& entries) {
  std::string* open = nullptr;
  for (const auto& e : entries) {
    if (e.size() > UINT32_MAX) throw JournalError("a journal entry of " + std::to_string(e.size()) + " bytes (at most 4 GiB)");
    if (!open || open->size() + 4 + e.size() > kMaxPackBytes) {
      open = &packs.emplace_back(1, kPackMark);
      open->reserve(std::min(kMaxPackBytes, 1 + 4 + e.size()));
    }
    append_length(*open, static_cast<uint32_t>(e.size()));
    open->append(e);
  }
}

std::string unpack_element(std::string_view element, const std::function<void(std::string_view entry)>& apply) {
  if (element.empty() || element[0] != kPackMark) {
    apply(element);
    return "";
  }
  size_t at = 1;
  while (at < element.size()) {
    if (element.size() - at < 4) return "a pack ends inside an entry's length, at byte " + std::to_string(at);
    const size_t n = read_length(element, at);
    at += 4;
    if (element.size() - at < n) return "a pack's entry of " + std::to_string(n) + " bytes runs past its end, at byte " + std::to_string(at);
    apply(element.substr(at, n));
    at += n;
  }
  return "";
}

}  // namespace fulcrum::core
