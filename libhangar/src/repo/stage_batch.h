// Staging batches of prepared samples (put, put_many, import), with the undo an import needs to
// roll back. Private to libhangar.
#pragma once

#include <hangar/base/bytes.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "repo/repo_state.h"

namespace hangar::detail {

// What stage_samples() replaced, for unstage(): the record keys in staging order, packed (the
// key's bytes and 2 length bytes each: an import of 10^6 files keeps ~10 MB, not ~100 MB), and
// the previous staged state of the keys that had one (usually none).
class StageUndo {
 public:
  // Appends `key` (<= kMaxRecordKeyBytes) and its staged state before the change.
  void add(ByteView key, const std::optional<StagedSample>& previous);
  struct Mark {
    std::size_t keys = 0, previous = 0;
  };
  Mark mark() const noexcept { return {keys_.size(), previous_.size()}; }
  // Forgets everything added after `m`.
  void truncate(Mark m);
  // fn(key, previous state) from the last add() to the first.
  void for_each_reverse(
      const std::function<void(ByteView, const std::optional<StagedSample>&)>& fn) const;

 private:
  Bytes keys_;
  std::vector<std::pair<std::size_t, StagedSample>> previous_;  // (end of the key in keys_, state)
};

// Stages prepared samples of `column` (one chunk write, then one meta txn), in order: a record
// key given twice ends with its last sample (nothing staged when that one equals the base). When
// `undo` is given, appends each sample's previous staged state (nullopt: nothing was staged), so
// that unstage() restores the state before the batch, repeated keys too. Returns the number of
// chunks new to the chunk store.
// REQUIRES: keys validated, samples checked against the schema.
// Throws: NotFound (no such column), Internal (read-only), NoSpace, Io.
std::size_t stage_samples(RepoState& s, const std::string& column,
                          std::vector<std::pair<Bytes, PreparedSample>>& samples,
                          StageUndo* undo = nullptr);
void unstage(RepoState& s, const std::string& column, const StageUndo& undo);
// Removes every staged sample of `column`, in transactions of a bounded number of deletes
// (a rollback of a large import). Throws: NoSpace, Io.
void clear_staged_samples(RepoState& s, const std::string& column);

}  // namespace hangar::detail
