// The one error hierarchy for every hangar module (lowest layer; used by all).
// Expected outcomes are values (std::optional, result structs); failures throw hangar::Error.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hangar {

// Small and stable; each code maps to one CLI exit code (see cli/main.cc).
enum class ErrorCode {
  InvalidArgument,  // bad user input: schema mismatch, bad key, bad file     -> 3
  NotFound,         // no such column/key/branch/commit/remote                 -> 3
  NotLocal,         // known digest, data not fetched (partial clone)          -> 3
  AlreadyExists,    // branch/column/remote exists                             -> 3
  Ambiguous,        // commit prefix matches several                           -> 3
  Locked,           // another writer holds the repository                     -> 3
  Corrupt,          // on-disk or received bytes fail validation               -> 3
  Io,               // OS error (errno text included)                          -> 3
  NoSpace,          // disk or map full                                        -> 3
  Remote,           // server refused / stream broke / auth                    -> 3
  Unsupported,      // newer format, extension or protocol                     -> 3
  Interrupted,      // Ctrl-C etc. (hangar/base/interrupt.h); the work was undone -> 128+sig
  Internal          // a bug: a broken invariant                               -> 4
};

// Lowercase name of a code, e.g. "not-found"; for messages and tests.
std::string_view error_code_name(ErrorCode code) noexcept;

// What would help, as data (docs/decisions/0022-error-hints.md). The library names an action and
// its arguments and never writes a command line: a library message says what failed and where,
// the front end says what to do. The CLI renders a hint as a 'hangar ...' command
// (hangar/report/hint.h), the Python binding as `HangarError.hint` (a dict) and, for a few actions,
// a call of its own API. Names are stable: hint_action_name() is the Python "action".
enum class HintAction {
  Init,                       // create a repository there
  InitOrLocate,               // no repository here or above: create one, or name another
  Upgrade,                    // the repository is storage format 1: convert it
  FinishUpgrade,              // path: an interrupted upgrade; run it again in that repository
  UpgradeRemote,              // url: the remote serves storage format 1; convert it there
  Fsck,                       // stored data fail validation: check the repository
  FsckRehash,                 // a checksum mismatch: check, recomputing the checksums
  FetchData,                  // remote, revision, keys, column, all_history: fetch the data
  FetchSample,                // remote, revision, keys: fetch the sample, or read lazily
  CompleteClone,              // remote (may be empty), url, path: finish an interrupted clone
  SetIdentity,                // keys (config keys, e.g. user.name): set the author identity
  ManagedByRemote,            // name (a config key): change it through the remote operations
  ColumnList,                 // see which columns there are
  CreateColumn,               // the column does not exist: create it
  CreateVariableShapeColumn,  // column, dtype: files of several sizes need a variable shape
  AddClasses,                 // column: an import's class folders the label column lacks
  BranchList,                 // see which branches there are
  RevisionList,               // see the branches, tags and the log
  Log,                        // revision: see its history
  LogGraph,                   // see the history with its merges
  CommitOrReset,              // staged changes are in the way
  CheckoutNewBranch,          // HEAD is detached: start a branch there
  Stage,                      // nothing staged: put, import or remove samples
  TagList,                    // see which tags there are
  DeleteTag,                  // name: the tag exists; delete it first
  AddRemote,                  // no remotes: add one
  RemoteList,                 // see which remotes there are
  RemoveRemote,               // remote: the remote exists; remove it first
  FetchAndMerge,              // remote, revision (a branch): the remote moved on; fetch, merge
  PullBranch,                 // remote: the branch has no upstream; name the remote's branch
  Push,                       // remote, revision (a branch): push the data there first
  ServeStore,                 // url: an object store is written through a server that uses it
  StartServer,                // nothing listens at the URL
  OtherPort                   // the port is in use: stop the other server or pick another port
};

// An action and the arguments it takes (see HintAction); the other fields stay empty. Every
// field has a default, so designated initializers name only the ones an action uses.
struct Hint {
  HintAction action;
  std::string remote = {};
  std::string revision = {};           // a branch, tag or commit
  std::vector<std::string> keys = {};  // sample keys; config keys for SetIdentity
  std::string column = {};
  std::string dtype = {};
  std::string name = {};  // a tag or config key
  std::string path = {};
  std::string url = {};
  bool all_history = false;
};

// Snake-case name of an action, e.g. "fetch_data"; stable (the Python hint's "action").
std::string_view hint_action_name(HintAction action) noexcept;

// An error with a code, a one-line message (what, where) and optionally a Hint (what to do).
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  Error(ErrorCode code, const std::string& message, Hint hint);
  ErrorCode code() const noexcept { return code_; }
  // The hint, or nullptr. Valid as long as this Error or a copy of it.
  const Hint* hint() const noexcept { return hint_.get(); }
  // Returns a copy whose message is "<prefix>: <message>", with the same hint. Use at a few
  // boundaries only.
  Error with_context(std::string_view prefix) const;

 private:
  ErrorCode code_;
  std::shared_ptr<const Hint> hint_;  // shared: copying an exception must not throw
};

[[noreturn]] void fail(ErrorCode code, const std::string& message);
[[noreturn]] void fail(ErrorCode code, const std::string& message, Hint hint);

// Throws Io with "<what> '<path>': <strerror(err)>" (NoSpace for ENOSPC/EDQUOT).
[[noreturn]] void fail_errno(int err, std::string_view what, std::string_view path);

}  // namespace hangar
