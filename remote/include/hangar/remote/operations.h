// clone, fetch, fetch-data and push: what the CLI calls. Each runs the negotiation over a
// Transport and leaves the local repository as it was when it fails. Each stops soon after an
// interrupt is requested (hangar/base/interrupt.h) and then throws Interrupted, its message
// saying what was undone: "interrupted; nothing was fetched, ...".
#pragma once

#include <hangar/remote/selection.h>
#include <hangar/remote/transport.h>
#include <hangar/repository.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hangar::remote {

// (phase, done, total): phase is "history", "data" or "push"; total 0 when unknown.
using RemoteProgress =
    std::function<void(std::string_view phase, std::uint64_t done, std::uint64_t total)>;

struct TransferStats {
  std::uint64_t objects = 0;         // history objects received (or sent by push)
  std::uint64_t chunks = 0;          // data chunks received (or sent by push)
  std::uint64_t bytes_received = 0;  // pack and reply bytes
  std::uint64_t bytes_sent = 0;
};

// What a data selection took and left (selection.h): keys ("units"), samples and raw bytes.
struct SelectionReport {
  std::uint64_t units = 0;    // keys taken
  std::uint64_t samples = 0;  // samples taken (one per column and key or subkey)
  std::uint64_t nbytes = 0;   // their raw bytes
  // Not taken: keys of the selected columns with a sample this selection left on the remote
  // (filtered out or over the budget; for fetch-data some may be local from before).
  std::uint64_t units_left = 0;
  std::uint64_t samples_left = 0;
  std::uint64_t nbytes_left = 0;
  std::optional<std::uint64_t> budget;  // --max-bytes in bytes (a percentage resolved)
  std::uint64_t label_chunks = 0;       // --stratify: label chunks fetched before choosing

  static SelectionReport of(const SelectionResult& r) {
    return {r.units, r.samples, r.nbytes, r.units_left, r.samples_left, r.nbytes_left, r.budget, 0};
  }
};

// A branch ref that moved: refs/remotes/R/B after fetch, refs/heads/B after clone or push.
struct RefChange {
  std::string name;  // "origin/main", "main"
  std::optional<Digest> old_commit;
  Digest new_commit;
};

struct CloneOptions {
  std::string url;                    // http[s]://HOST:PORT, s3://BUCKET/PREFIX or a path
  std::filesystem::path dir;          // empty: the remote's folder name in the cwd
  std::optional<std::string> branch;  // default: the remote's HEAD branch
  DataSelection data;                 // default: all data at the branch tip
  // Sets fetch.lazy in the clone: reads bring what is not local (lazy_fetch.h). Then a `data`
  // without any filter (no columns, keys, fraction, budget or history) fetches nothing up front.
  bool lazy = false;
  // Written to the clone's config (user.name / user.email) where not empty; otherwise the
  // author comes from the global config and the rest of the fallback chain (user_config.h).
  UserIdentity user;
  // transport.insecure with an https:// URL is recorded for origin (remote.origin.insecure):
  // the clone's later fetches, pushes and lazy reads skip the certificate checks too.
  TransportOptions transport;
  RemoteProgress progress;
};

struct CloneResult {
  std::filesystem::path dir;
  std::string branch;
  std::optional<Digest> head;   // nullopt: the remote has no commits
  std::vector<RefChange> refs;  // the remote-tracking branches created
  std::vector<RefChange> tags;  // the remote's tags, created here (history only, as branches)
  std::uint64_t samples = 0;    // samples whose data was selected
  // Chunks that only commits before the head use and that are not local (a clone takes the
  // data of the head; fetch-data --all-history brings the rest). 0 when no data was fetched.
  std::uint64_t older_chunks_not_local = 0;
  SelectionReport selection;
  TransferStats stats;
};

// Creates `dir` (it must not exist or be empty) and clones into it; on any failure removes
// what it created. Until it is done the repository is marked unfinished
// (transfer::incomplete_clone), so a clone killed on the way says so; run again with the same
// URL into such a `dir`, clone completes it (keeping what is there; a failure then removes
// nothing). A budget in options.data bounds stats.bytes_received: the handshake, refs
// and history received first count against it (selection.h).
// Throws: InvalidArgument, AlreadyExists (dir not empty), NotFound (branch), Remote,
// Unsupported, Corrupt, Io, Interrupted ("interrupted; removed the unfinished clone 'DIR'").
CloneResult clone(const CloneOptions& options);

struct FetchOptions {
  std::string remote;                 // a configured remote name
  std::optional<std::string> branch;  // default: every remote branch
  TransportOptions transport;
  RemoteProgress progress;
  // Also delete the remote-tracking branches of `remote` whose branch the remote no longer
  // has (git fetch --prune). Refused together with `branch`.
  bool prune = false;
};

struct FetchResult {
  std::vector<RefChange> updated;   // remote-tracking branches that moved or appeared
  std::vector<std::string> pruned;  // remote-tracking branches deleted ("origin/old")
  std::vector<RefChange> tags;      // tags the remote has that were not here, now created
  // Tags here that the remote has at another commit: kept as they are (git never clobbers a
  // tag on fetch); delete one and fetch again to take the remote's.
  std::vector<RefChange> tags_kept;
  TransferStats stats;
};

// Brings history (no data) and updates refs/remotes/REMOTE/*, in one txn with the pruning and
// the remote's tags (each created here unless a tag of that name exists: see tags_kept).
// REQUIRES Write. Throws: NotFound (remote or branch), InvalidArgument (prune with branch),
// Remote, Unsupported, Corrupt, Interrupted.
FetchResult fetch(Repository& repo, const FetchOptions& options);

struct FetchDataOptions {
  std::string remote;
  std::optional<std::string> ref;  // default: HEAD
  DataSelection data;
  TransportOptions transport;
  RemoteProgress progress;
};

struct FetchDataResult {
  Digest commit;                         // the commit the selection was made at
  std::uint64_t samples = 0;             // samples selected
  std::uint64_t chunks_selected = 0;     // their chunks
  std::uint64_t chunks_missing = 0;      // of those, not local before the fetch
  std::uint64_t chunks_unavailable = 0;  // missing here and not on the remote either
  bool completed_clone = false;          // it completed an unfinished clone (see fetch_data)
  SelectionReport selection;
  TransferStats stats;
};

// Brings the selected chunks that are not local, connecting only when some are. In an
// unfinished clone (transfer::incomplete_clone) of `remote`, with no ref and no selector, it
// completes the clone: it fetches what the clone's own selection picks at HEAD and then marks
// the clone complete (completed_clone); with selectors the clone stays unfinished. With a budget
// the handshake counts against it, so stats.bytes_received <= the budget (selection.h); with
// --stratify the missing label chunks are fetched and stored first, and they stay when the
// data transfer then fails. REQUIRES Write. A transfer that fails or is
// interrupted stores nothing: packs are verified into a spool first. A local failure while
// storing them (NoSpace, Io) keeps the batches (~8 MiB) already stored: whole, verified
// chunks, so only more data is local and a repeated call fetches the rest.
// Throws: NotFound, InvalidArgument, Remote, Unsupported, Corrupt, NoSpace, Io, Interrupted
// (while receiving; once every pack has verified, the chunks are stored whatever comes).
FetchDataResult fetch_data(Repository& repo, const FetchDataOptions& options);

struct PushOptions {
  std::string remote;
  std::optional<std::string> branch;  // default: the current branch
  bool force = false;
  TransportOptions transport;
  RemoteProgress progress;
  // Push these local tags instead of a branch (push REMOTE --tags, push REMOTE TAG). A tag
  // that exists on the remote at another commit is refused unless `force`.
  std::vector<std::string> tags;
};

struct PushResult {
  std::string branch;           // a tag push: the first tag's name
  std::vector<RefChange> tags;  // a tag push: each tag and what it did (old_commit: the remote's)
  std::optional<Digest> old_commit;  // the remote's tip before
  Digest new_commit;
  std::string result;  // "up-to-date" | "created" | "fast-forward" | "forced"
  TransferStats stats;
};

// Sends the branch's missing history and chunks, then a compare-and-swap ref update.
// REQUIRES Write (it updates refs/remotes/REMOTE/BRANCH).
// Throws: NotFound (remote, branch), Remote (rejected: not a fast-forward, stale, read-only,
// auth), NotLocal (a chunk the remote lacks is not local either), Unsupported, Corrupt,
// Interrupted (only before the whole pack was sent: after that the server decides, and push
// waits for its reply).
PushResult push(Repository& repo, const PushOptions& options);

struct PullOptions {
  std::string remote;                 // a configured remote name
  std::optional<std::string> branch;  // the remote's branch to merge; default: the current one
  // Bring the data of the samples the remote's new commits changed (not with fetch.lazy: reads
  // bring what they need then).
  bool data = true;
  MergeOptions merge;  // message, strategy, per-key resolutions
  TransportOptions transport;
  RemoteProgress progress;
};

struct PullResult {
  std::string upstream;  // "origin/main"
  FetchResult fetch;
  std::uint64_t chunks_fetched = 0;      // data chunks the pull brought
  std::uint64_t chunks_unavailable = 0;  // needed, not local and not on the remote either
  MergeResult merge;
};

// git pull: fetch(REMOTE, BRANCH); then (unless the repository reads lazily) the chunks of the
// samples that the commits of REMOTE/BRANCH not yet in HEAD changed, which are what the merged
// head and a merge of chunked tensors read; then Repository::merge of REMOTE/BRANCH into the
// current branch (fast-forward when possible). Conflicts are a value (MergeResult::Kind::
// Conflict, nothing merged; the fetched history and data stay).
// REQUIRES Write. Throws: InvalidArgument (a detached HEAD; staged changes, checked before
// anything is fetched), NotFound (remote, branch), what fetch and merge throw.
PullResult pull(Repository& repo, const PullOptions& options);

// The URL of configured remote `name`. Throws: NotFound "no remote 'x'" (a RemoteList or AddRemote
// hint).
std::string remote_url(const Repository& repo, std::string_view name);

// Asks the server of remote `name` to gc the object store that holds its chunk data
// (docs/decisions/0016-s3-object-store.md): needs a write token. Throws: NotFound (no such
// remote), Unsupported (the server keeps data itself), Remote, Interrupted.
StoreGcReport store_gc(const Repository& repo, std::string_view name,
                       const TransportOptions& options);

}  // namespace hangar::remote
