// The JSON documents that 'hangar ... --json' prints, built from libhangar's result types so
// that every front end (the CLI, the Python binding) returns exactly the same data.
//
// Contract shared by every function here:
// - Documents are nlohmann::ordered_json: keys keep the order listed below, which is the order
//   the CLI prints them in. Adding a key at the end is a compatible change; renaming, removing
//   or reordering keys is not (scripts and tests/cli/*.sh read them).
// - Digests are full lowercase hex strings (64 digits, never abbreviated); a missing digest
//   (unborn branch, conflicted merge) is null. Keys are JSON numbers (integer keys) or strings.
//   Times are ISO-8601 UTC strings ("2026-11-24T10:58:00Z").
// - Functions over plain values never throw except std::bad_alloc. Those that take a Checkout
//   read it and throw what its accessors throw (NotFound for an unknown column, Corrupt).
// - Thread safety: none of them keeps state; concurrent calls are as safe as concurrent reads
//   of their arguments (one Checkout per thread, see checkout.h).
#pragma once

#include <hangar/base/digest.h>
#include <hangar/checkout.h>
#include <hangar/diff.h>
#include <hangar/key.h>
#include <hangar/labels.h>
#include <hangar/merge.h>
#include <hangar/repository.h>
#include <hangar/schema.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace hangar::report {

using Json = nlohmann::ordered_json;

// ---- values ----

// Integer keys as JSON numbers, string keys as JSON strings.
Json key_json(const Key& key);
// The full hex digest, or null.
Json digest_json(const std::optional<Digest>& digest);
// "2026-11-24T10:58:00Z" for seconds since the Unix epoch (UTC); the decimal seconds when the
// time cannot be broken down (out of gmtime's range).
std::string iso8601_utc(std::int64_t seconds);

// ---- columns ----

// A schema: {name, dtype, shape, variable_shape, layout, backend, compression_level,
// attributes}; attributes is an object of strings.
Json schema_json(const ColumnSchema& schema);
// The summary entry of one column: {name, dtype, shape, variable_shape, layout, count, nbytes,
// local_count, local_nbytes}.
Json column_summary_json(const ColumnSchema& schema, const ColumnStats& stats);
// 'column list --json' entry and 'column info --json': schema_json() followed by count and
// nbytes. Throws: NotFound (no such column in `view`).
Json column_json(const Checkout& view, const std::string& name);
// 'summary --json': {commit: digest or null (staged view of an unborn branch), columns: array
// of column_summary_json() by column name}. Walks every sample of every column
// (Checkout::stats). Throws: Corrupt.
Json summary_json(const Checkout& view);
// summary --by LABEL: {"commit", "by", "classes": [{"class", "value", "count", "local_count",
// "nbytes", "local_nbytes"}] by value, "unknown": {"count", "local_count", "nbytes",
// "local_nbytes"} (keys whose label is not local), "unlabelled": {"count", "local_count"}
// (keys with no label sample)}. Counts are keys; a key is local when its samples in every
// column are.
Json class_summary_json(const Checkout& view, const ClassSummary& summary);

// ---- repository state and history ----

// 'status --json': {branch, head: digest or null, staged: {column: {added, deleted, mutated}},
// columns_added: [names], columns_deleted: [names], columns_changed: [names] (columns of HEAD
// with a new schema, e.g. import --add-classes)}. A clean report has an empty `staged`
// object and empty lists.
Json status_json(const StatusReport& status);
// status_json plus "upstream": {"name", "ahead", "behind"} for the current branch against its
// upstream (the default remote's branch of the same name, "origin/main", when that
// remote-tracking branch exists; transfer::default_remote), else null. Reads the history of
// both tips. Throws: Corrupt, NotFound.
Json status_json(const Repository& repo, const StatusReport& status);
// 'log --json': an array, in the order given, of {digest, parents: [digests], author, email,
// time, message}.
Json log_json(const std::vector<LogEntry>& entries);
// 'branch list --json': an array of {name, commit, current, remote}: first `local` (remote
// false), then `remote_tracking` (remote true, e.g. "origin/main" from
// transfer::remote_branches), each in the order given. 'branch list' without --all passes no
// remote-tracking branches.
Json branches_json(const std::vector<BranchInfo>& local,
                   const std::vector<BranchInfo>& remote_tracking = {});

// ---- diff, show, merge ----

// 'diff --json': {from, to, columns, schema}. from/to: a commit digest, "staged", or null
// (the empty side). schema: {added, deleted, mutated} lists of column names. columns, by
// column name, per `detail` (which should be the DiffDetail the diff was computed with); a
// field has one type whatever the detail, a detail only adds fields:
// - Counts: {counts: {added, deleted, mutated}};
// - Keys:   counts and {added, deleted, mutated} arrays of keys; a nested column's sample is
//           [key, subkey];
// - Stats:  as Keys, and stats: per mutated sample {key, subkey (nested only), changed,
//           max_abs_diff}, the last two null when the tensors were not comparable.
Json diff_json(const DiffResult& diff, DiffDetail detail);
// 'show --json': {digest, parents, author, email, time, message, columns, schema}; columns:
// by column name, the counts of diff_json(show.changes, DiffDetail::Counts); schema as there.
Json show_json(const ShowResult& show);
// 'merge --json': {result: merge_kind_name(), commit: digest or null, conflicts, resolved};
// each conflict is {column, key (null for a schema conflict), kind: conflict_kind_name(),
// subkey (nested only), region: {origin, extent} (chunked tensors only)}.
Json merge_json(const MergeResult& result);

}  // namespace hangar::report
