#pragma once
// A stage's inputs, in the order it applied them, kept so that a restarted process applies
// them again and stands exactly where its previous life stood. Every stage of the mesh is
// deterministic in its inputs (the parity tests hold it to that), so replaying them is its
// whole recovery: there is no per-stage snapshot format to keep in step with the code.
//
// commit() is the durability point. In lockstep a stage commits before it publishes what
// the inputs produced, so nothing downstream ever acts on an effect whose cause a crash
// could lose. Free-running modes write from a background thread instead and say so: a
// crash there can lose the entries still queued.
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fulcrum::core {

class IJournal {
 public:
  virtual ~IJournal() = default;
  // Calls `apply` on every entry a previous life committed, oldest first, and returns how
  // many. Throws JournalError when the journal cannot be read.
  virtual size_t replay(const std::function<void(std::string_view entry)>& apply) = 0;
  virtual void record(std::string entry) = 0;
  // Makes every recorded entry durable, and with them, atomically, each mark (name → value:
  // the router's acknowledged instant). False when it could not: the entries stay recorded
  // for the next try, and the caller must not publish their effects yet.
  using Marks = std::map<std::string, std::string>;
  virtual bool commit(const Marks& marks = {}) = 0;
  virtual std::string describe_error() const = 0;
};

class JournalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A store keeps entries in packs: one stored element holds many entries, so the store pays
// its per-element bookkeeping once a pack, not once an entry. At 30 000 entries a second,
// Redis spent more CPU on one list element per entry than the order router on its own work.
// A pack is kPackMark, then per entry its length (4 bytes, little-endian) and its bytes. No
// entry format starts with kPackMark (the router's start with a letter, a stage's with its
// input index, below 32), so an element that does not is one bare entry: a journal written
// before packs still replays.
inline constexpr char kPackMark = '\xff';
inline constexpr size_t kMaxPackBytes = 64 * 1024;  // a longer entry gets a pack of its own
// Appends `entries` to `packs`, in order, filling each pack up to kMaxPackBytes.
void pack_entries(std::vector<std::string>& packs, const std::vector<std::string>& entries);
// Calls `apply` on each entry of one stored element, in order. Returns "" or what is wrong
// with it (a length past its end); entries before the fault were applied.
std::string unpack_element(std::string_view element, const std::function<void(std::string_view entry)>& apply);

// In memory, for tests of recovery: `committed()` is what a restarted process would find.
class MemoryJournal final : public IJournal {
 public:
  explicit MemoryJournal(std::vector<std::string> committed = {}) : committed_(std::move(committed)) {}
  size_t replay(const std::function<void(std::string_view entry)>& apply) override;
  void record(std::string entry) override { pending_.push_back(std::move(entry)); }
  bool commit(const Marks& marks = {}) override;
  std::string describe_error() const override { return "commit refused by the test"; }
  const std::vector<std::string>& committed() const { return committed_; }
  const Marks& marks() const { return marks_; }
  void refuse_commits(bool refuse) { refuse_ = refuse; }

 private:
  std::vector<std::string> committed_, pending_;
  Marks marks_;
  bool refuse_ = false;
};

}  // namespace fulcrum::core
