// Helpers shared by the transfer*.cc files (transfer.h): history walks over one LMDB txn.
// Private to libhangar.
#pragma once

#include <hangar/base/digest.h>
#include <hangar/sample_id.h>
#include <hangar/storage/lmdb.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "repo/repo_state.h"

namespace hangar::detail {

// True when `id` names a commit object in `txn`.
bool is_commit_in(const RepoState& state, const lmdb::Txn& txn, const Digest& id);
// True when `ancestor` is `descendant` or reachable from it through parents.
// Throws: NotFound (descendant missing), Corrupt.
bool is_ancestor_in(const RepoState& state, const lmdb::Txn& txn, const Digest& ancestor,
                    const Digest& descendant);
// Throws InvalidArgument unless `ref` is "refs/heads/<branch>" or "refs/remotes/<remote>/<branch>"
// with a valid remote name and branch name.
void validate_full_ref(std::string_view ref);
// What one column of a commit brings that none of the commit's parents holds: what a sender
// plans to send (HistoryReader::plan_history) and a receiver checks it got the chunks of
// (ObjectWriter::new_sample_chunks).
struct ColumnNews {
  Digest schema;
  bool schema_new = false;        // no parent's version of the column has this schema
  std::vector<Digest> pages;      // record pages in no parent's tree of the column
  std::vector<SampleId> samples;  // sorted: samples of the records that differ from every
                                  // parent (inline ones only when asked for)
};
// Per column of commit `id`, in the commit's column order. REQUIRES: the commit's parents,
// schemas and pages are in `txn`. Throws: NotFound, Corrupt.
std::vector<ColumnNews> commit_news(const RepoState& state, const lmdb::Txn& txn, const Digest& id,
                                    bool with_inline);
// The chunk digests of `sample` (HistoryReader::sample_chunks). Throws: NotFound, Corrupt.
std::vector<Digest> sample_chunks_in(const RepoState& state, const lmdb::Txn& txn,
                                     const SampleId& sample);
// The remote a FetchData or FetchSample hint names (transfer::default_remote).
std::string hint_remote(const RepoState& state);

}  // namespace hangar::detail
