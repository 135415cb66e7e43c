// The conversion of a format-1 history into a format-2 repository with the normal writer: each
// sample's bytes (read and verified from format 1) go through prepare_sample and the chunk store
// as an import would write them, record trees are changed with apply_mutations from the first
// parent's converted tree (only the records that differ), and each commit is written with the
// format-1 commit's parents (converted), author, email, time and message. Every step is a pure
// function of the format-1 content, so the resulting digests are too.
#pragma once

#include <hangar/repository.h>
#include <hangar/schema.h>

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "format1/repo1.h"
#include "repo/repo_state.h"
#include "tree/record_tree.h"
#include "upgrade/upgrade_scan.h"

namespace hangar::upgrade {

class Converter {
 public:
  // REQUIRES: `repo` opened for writing, `old` and `repo` outlive the Converter.
  Converter(format1::Repo1& old, Repository& repo);

  // Converts `commit` (format 1). REQUIRES: its parents were converted. Returns its digest.
  // Throws: Corrupt (format-1 data failing a check, or totals that do not add up), NotLocal,
  // Unsupported, NoSpace, Io, Interrupted.
  Digest convert_commit(const format1::Digest1& commit);
  // Sets every ref of `history` to its converted commit and HEAD to its branch, and copies the
  // format-1 config (but its format_version) into the new one. Throws: NoSpace, Io.
  void write_refs_and_config(const History1& history);

  // The converted commit. Throws: Internal when it was not converted.
  Digest commit_of(const format1::Digest1& commit) const;
  // The format-2 schema a format-1 schema became (for verification).
  const ColumnSchema& schema_of(const format1::Digest1& schema);

 private:
  struct Pending {  // a sample read and encoded, not yet written
    format1::Digest1 id;
    PreparedSample sample;
  };
  struct Change {  // one record of a batch: a new value (format-1 sample), or a deletion
    Bytes key;
    std::optional<format1::Digest1> sample;
  };

  std::pair<Digest, const ColumnSchema*> schema_entry(const format1::Digest1& id);
  TreeStats convert_tree(const format1::Digest1& root, const format1::Digest1& base,
                         const ColumnSchema& schema);
  void add_change(Bytes key, std::optional<std::pair<format1::Digest1, std::uint64_t>> value,
                  const ColumnSchema& schema);
  // Writes the pending samples (chunks, then descriptors) and applies the batch to `tree_`.
  void flush(const ColumnSchema& schema);

  format1::Repo1& old_;
  detail::RepoState& st_;
  std::unordered_map<format1::Digest1, Digest> commits_;
  std::unordered_map<format1::Digest1, std::pair<Digest, ColumnSchema>> schemas_;
  std::unordered_map<format1::Digest1, TreeStats> trees_;
  std::unordered_map<format1::Digest1, RecordValue> samples_;  // bounded: see flush()
  // The tree being converted, and its batch.
  TreeStats tree_;
  std::vector<Change> changes_;
  std::vector<Pending> pending_;
  std::unordered_set<format1::Digest1> pending_ids_;
  std::uint64_t pending_bytes_ = 0;
};

}  // namespace hangar::upgrade
