// Repository: opening, refs, branches and history.
#include <hangar/error.h>
#include <hangar/repository.h>
#include <hangar/user_config.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <queue>
#include <set>
#include <thread>

#include "repo/column_view.h"
#include "repo/repo_access.h"
#include "repo/repo_state.h"
#include "repo/revision.h"
#include "upgrade/upgrade_swap.h"

namespace hangar {
namespace {

namespace fs = std::filesystem;
const std::vector<std::string> kMetaTables = {"objects", "refs", "staged_columns",
                                              "staged_samples"};
constexpr std::string_view kDefaultBranch = "main";

// The chunk store, writable when `writable` (a writer, or a reader set to fetch lazily). A
// lazy reader of a folder it cannot write to still reads: its fetches then fail with a message.
storage::Chunks open_chunks(const fs::path& dir, bool writable) {
  if (!writable) return storage::Chunks::open(dir, true);
  try {
    return storage::Chunks::open(dir, false);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::Io || ::access(dir.c_str(), W_OK) == 0) throw;
    return storage::Chunks::open(dir, true);
  }
}

// The state of a repository whose environments are open: the meta tables come from `meta`.
std::unique_ptr<detail::RepoState> make_state(const fs::path& root, const fs::path& dot,
                                              Repository::Mode mode, RepoConfig config,
                                              std::optional<storage::RepoLock> lock, lmdb::Env meta,
                                              storage::Chunks chunks) {
  MetaStore objects(meta.table("objects"));
  RefStore refs(meta.table("refs"));
  Staging staging(meta.table("staged_columns"), meta.table("staged_samples"));
  return std::unique_ptr<detail::RepoState>(new detail::RepoState{root,
                                                                  dot,
                                                                  mode,
                                                                  std::move(config),
                                                                  std::move(lock),
                                                                  std::move(meta),
                                                                  objects,
                                                                  refs,
                                                                  staging,
                                                                  std::move(chunks),
                                                                  {},
                                                                  {}});
}

std::unique_ptr<detail::RepoState> open_state(const fs::path& root, const fs::path& dot,
                                              Repository::Mode mode, bool unsynced = false) {
  std::error_code ec;
  if (!fs::is_directory(dot, ec))
    fail(ErrorCode::NotFound, "'" + root.string() + "' is not a hangar repository",
         Hint{.action = HintAction::Init});
  if (!fs::exists(dot / "config", ec))
    fail(ErrorCode::Corrupt,
         "'" + dot.string() + "' has no config (an interrupted init?); remove it",
         Hint{.action = HintAction::Init});
  RepoConfig config = RepoConfig::load(dot / "config");
  const bool write = mode != Repository::Mode::Read;
  std::optional<storage::RepoLock> lock;
  if (mode == Repository::Mode::Write)
    lock.emplace(storage::RepoLock::acquire(dot / "lock", root.string()));
  lmdb::EnvOptions opts;
  opts.read_only = !write;
  opts.no_sync = unsynced;
  lmdb::Env meta = lmdb::Env::open(dot / "meta", kMetaTables, opts);
  storage::Chunks chunks = open_chunks(dot / "chunks", write || config.get("fetch.lazy") == "true");
  return make_state(root, dot, mode, std::move(config), std::move(lock), std::move(meta),
                    std::move(chunks));
}

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  });
}

// `name` quoted, with the whole revision when it has steps: "'nope'" or "'nope' in 'nope~2'".
std::string name_in(std::string_view name, std::string_view rev) {
  std::string out = "'" + std::string(name) + "'";
  if (name != rev) out += " in '" + std::string(rev) + "'";
  return out;
}

// The commit whose digest starts with `prefix` (6 to 64 hex digits, any case), if any.
// Throws: Ambiguous when several commits match.
std::optional<Digest> find_commit_by_prefix(const detail::RepoState& s, const lmdb::Txn& txn,
                                            std::string_view prefix, std::string_view rev) {
  std::string lower(prefix);
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  // Digests are random, so a prefix scan over the object table's sorted keys finds them.
  Bytes lo;
  for (std::size_t i = 0; i + 1 < lower.size(); i += 2)
    lo.push_back(static_cast<std::byte>(std::stoi(lower.substr(i, 2), nullptr, 16)));
  std::vector<Digest> found;
  for (auto [k, v] : lmdb::prefix_range(txn, s.objects.table(), lo)) {
    Digest d = Digest::from_bytes(k);
    if (!hex_prefix_matches(d, lower)) continue;
    if (!v.empty() && v.front() == std::byte{static_cast<std::uint8_t>(ObjectType::Commit)})
      found.push_back(d);
    if (found.size() > 5) break;
  }
  if (found.size() > 1) {
    std::string list;
    for (const auto& d : found) list += (list.empty() ? "" : ", ") + d.short_hex();
    fail(ErrorCode::Ambiguous, "commit prefix " + name_in(prefix, rev) + " is ambiguous: " + list +
                                   "; give more characters");
  }
  if (found.empty()) return std::nullopt;
  return found.front();
}

// The commit a revision's name (its text before any ~ or ^ step) names, in the order
// Repository::resolve documents: "HEAD", a full ref name, a tag or branch, a remote-tracking
// branch ("origin/main"), a digest or a unique prefix. `rev` is the whole
// revision, for messages. Throws: NotFound, Ambiguous.
Digest resolve_name(const detail::RepoState& s, const lmdb::Txn& txn, std::string_view name,
                    std::string_view rev) {
  if (name == "HEAD") {
    auto h = s.head(txn);
    if (!h) fail(ErrorCode::NotFound, "HEAD has no commits yet; commit first");
    return *h;
  }
  // A full ref name: "refs/heads/main", "refs/tags/v1", "refs/remotes/origin/main".
  if (name.starts_with("refs/heads/") || name.starts_with("refs/tags/") ||
      name.starts_with("refs/remotes/"))
    if (auto r = s.refs.read(txn, name)) return *r;
  const std::optional<Digest> tag = s.refs.read(txn, RefStore::tag_ref(name));
  const std::optional<Digest> branch = s.refs.read(txn, RefStore::branch_ref(name));
  if (tag && branch && *tag != *branch)
    fail(ErrorCode::Ambiguous, "revision " + name_in(name, rev) + " is ambiguous: tag '" +
                                   std::string(name) + "' is at " + tag->short_hex() +
                                   ", branch '" + std::string(name) + "' at " +
                                   branch->short_hex() + "; write 'refs/tags/" + std::string(name) +
                                   "' or 'refs/heads/" + std::string(name) + "'");
  if (tag) return *tag;
  if (branch) return *branch;
  // "origin/main": a remote-tracking branch (refs/remotes/origin/main).
  if (auto r = s.refs.read(txn, "refs/remotes/" + std::string(name))) return *r;
  if (name.size() >= 6 && name.size() <= Digest::kSize * 2 && is_hex(name))
    if (auto c = find_commit_by_prefix(s, txn, name, rev)) return *c;
  fail(ErrorCode::NotFound,
       "unknown revision " + name_in(name, rev) + ": not a branch, tag or commit",
       Hint{.action = HintAction::RevisionList});
}

// Creates `dot` (and missing parents) with its environments and config, the config last: a
// folder without one is not a repository yet. A failure removes the folders it created, so that
// nothing blocks a retry. With `keep_open`, returns the new repository's state open for writing
// (its lock taken before anything is opened), so that it need not be opened again; else null.
std::unique_ptr<detail::RepoState> create_state(const fs::path& root, const fs::path& dot,
                                                const UserIdentity& user,
                                                const std::map<std::string, std::string>& settings,
                                                bool keep_open) {
  std::error_code ec;
  // The folders this init creates (`dot` and any missing parents), innermost first.
  std::vector<fs::path> created;
  for (fs::path p = dot; !p.empty() && !fs::exists(p, ec); p = p.parent_path()) {
    created.push_back(p);
    if (p == p.parent_path()) break;
  }
  try {
    fs::create_directories(dot, ec);
    if (ec) fail_errno(ec.value(), "cannot create folder", dot.string());
    RepoConfig config;
    config.values = settings;
    config.values["format_version"] = std::to_string(kRepoFormatVersion);
    if (!user.name.empty()) config.values["user.name"] = user.name;
    if (!user.email.empty()) config.values["user.email"] = user.email;
    std::optional<storage::RepoLock> lock;
    if (keep_open) lock.emplace(storage::RepoLock::acquire(dot / "lock", root.string()));
    lmdb::Env meta = lmdb::Env::open(dot / "meta", kMetaTables);
    meta.write([&](lmdb::WriteTxn& txn) {
      RefStore(meta.table("refs")).set_head_branch(txn, kDefaultBranch);
    });
    storage::Chunks chunks = storage::Chunks::open(dot / "chunks", false);
    config.save(dot / "config");
    if (!keep_open) return nullptr;
    return make_state(root, dot, Repository::Mode::Write, RepoConfig::load(dot / "config"),
                      std::move(lock), std::move(meta), std::move(chunks));
  } catch (const Error&) {
    if (!created.empty()) fs::remove_all(created.front(), ec);
    for (std::size_t i = 1; i < created.size(); ++i) fs::remove(created[i], ec);  // if empty
    throw;
  }
}

}  // namespace

namespace detail {
Digest resolve_revision(const RepoState& s, const lmdb::Txn& txn, std::string_view rev) {
  const Revision parsed = parse_revision(rev);
  const Digest start = resolve_name(s, txn, parsed.name, rev);
  return walk_revision(parsed, rev, start,
                       [&](const Digest& id) { return s.load_commit(txn, id).parents; });
}
Repository open_at(const fs::path& root, const fs::path& dot, Repository::Mode mode,
                   bool unsynced) {
  return RepoAccess::make(open_state(root, dot, mode, unsynced));
}

void init_at(const fs::path& dot, const UserIdentity& user,
             const std::map<std::string, std::string>& settings) {
  create_state(dot.parent_path(), dot, user, settings, false);
}
}  // namespace detail

Repository::Repository(std::unique_ptr<detail::RepoState> state) : state_(std::move(state)) {}
Repository::Repository(Repository&&) noexcept = default;
Repository& Repository::operator=(Repository&&) noexcept = default;
Repository::~Repository() = default;

namespace {

// Refuses a folder that already holds a repository (or the start of one). Throws: AlreadyExists.
void require_no_repository(const fs::path& path) {
  std::error_code ec;
  const fs::path dot = path / ".hangar";
  if (!fs::exists(dot, ec)) return;
  if (!fs::exists(dot / "config", ec))
    fail(ErrorCode::AlreadyExists,
         "'" + dot.string() + "' exists but has no config (an interrupted init?); remove it",
         Hint{.action = HintAction::Init});
  fail(ErrorCode::AlreadyExists, "'" + path.string() + "' is already a hangar repository");
}

}  // namespace

void Repository::init(const fs::path& path, const UserIdentity& user,
                      const std::map<std::string, std::string>& settings) {
  require_no_repository(path);
  try {
    detail::init_at(path / ".hangar", user, settings);
  } catch (const Error& e) {
    throw e.with_context("cannot create a repository in '" + path.string() + "'");
  }
}

Repository Repository::create(const fs::path& path, const UserIdentity& user,
                              const std::map<std::string, std::string>& settings) {
  require_no_repository(path);
  try {
    return Repository(create_state(path, path / ".hangar", user, settings, true));
  } catch (const Error& e) {
    throw e.with_context("cannot create a repository in '" + path.string() + "'");
  }
}

fs::path Repository::find_root(const fs::path& start) {
  std::error_code ec;
  fs::path p = fs::absolute(start, ec);
  if (ec) fail_errno(ec.value(), "cannot resolve path", start.string());
  p = p.lexically_normal();
  for (fs::path cur = p;; cur = cur.parent_path()) {
    // A folder whose upgrade was interrupted between its two renames has no .hangar for a
    // moment; open() finishes the upgrade (upgrade.h).
    if (fs::is_directory(cur / ".hangar", ec) || upgrade_swap_pending(cur)) return cur;
    if (cur == cur.parent_path()) break;
  }
  fail(ErrorCode::NotFound, "not a hangar repository (or any parent): '" + p.string() + "'",
       Hint{.action = HintAction::InitOrLocate});
}

Repository Repository::open(const fs::path& root, Mode mode) {
  finish_interrupted_upgrade(root);
  return Repository(open_state(root, root / ".hangar", mode));
}

const fs::path& Repository::root() const { return state_->root; }

void Repository::close_inherited_lock() noexcept { state_->lock.reset(); }

Repository::WriterLock Repository::lock_writer(std::chrono::milliseconds wait) {
  detail::RepoState& s = *state_;
  if (s.mode == Mode::Write) return WriterLock(nullptr);
  if (s.mode != Mode::Shared)
    fail(ErrorCode::Internal, "repository '" + s.root.string() + "' was opened read-only");
  if (s.lock) fail(ErrorCode::Internal, "the writer lock of '" + s.root.string() + "' is held");
  const auto until = std::chrono::steady_clock::now() + wait;
  for (;;) {
    try {
      s.lock.emplace(storage::RepoLock::acquire(s.dot / "lock", s.root.string()));
      return WriterLock(&s);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::Locked || std::chrono::steady_clock::now() >= until) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Repository::WriterLock::~WriterLock() {
  if (state_) state_->lock.reset();
}

UserIdentity Repository::user() const { return resolve_author(state_->config.values); }

void Repository::set_user(const UserIdentity& user) {
  state_->require_write();
  if (!user.name.empty()) state_->config.values["user.name"] = user.name;
  if (!user.email.empty()) state_->config.values["user.email"] = user.email;
  state_->config.save(state_->dot / "config");
}

std::string Repository::current_branch() const {
  auto txn = state_->meta.begin_read();
  return state_->refs.head_branch(txn);
}

std::optional<Digest> Repository::head() const {
  auto txn = state_->meta.begin_read();
  return state_->head(txn);
}

std::optional<Digest> Repository::find_branch(std::string_view name) const {
  auto txn = state_->meta.begin_read();
  return state_->refs.read(txn, RefStore::branch_ref(name));
}

Digest Repository::resolve(std::string_view rev) const {
  auto txn = state_->meta.begin_read();
  return detail::resolve_revision(*state_, txn, rev);
}

std::vector<BranchInfo> Repository::branches() const {
  auto txn = state_->meta.begin_read();
  // A detached HEAD has no current branch.
  const std::string current = state_->refs.read(txn, RefStore::kDetachedRef)
                                  ? std::string()
                                  : state_->refs.head_branch(txn);
  std::vector<BranchInfo> out;
  for (auto& [ref, d] : state_->refs.list(txn, "refs/heads/")) {
    std::string name = ref.substr(11);
    out.push_back({name, d, name == current});
  }
  return out;
}

Commit Repository::get_commit(const Digest& id) const {
  auto txn = state_->meta.begin_read();
  return state_->load_commit(txn, id);
}

std::vector<LogEntry> Repository::log(const Digest& from, std::size_t limit) const {
  auto txn = state_->meta.begin_read();
  // Newest first, but never a parent before any of its children (git's --topo-order): count
  // each commit's children within the history, then emit from a max-heap on (time, digest)
  // holding only commits whose children have all been emitted.
  std::map<Digest, Commit> commits;
  std::map<Digest, int> children;
  std::vector<Digest> todo{from};
  commits.emplace(from, state_->load_commit(txn, from));
  while (!todo.empty()) {
    Digest d = todo.back();
    todo.pop_back();
    for (const auto& p : commits.at(d).parents) {
      if (++children[p] == 1) {
        commits.emplace(p, state_->load_commit(txn, p));
        todo.push_back(p);
      }
    }
  }
  auto later = [&](const Digest& a, const Digest& b) {
    return std::tie(commits.at(a).time, a) < std::tie(commits.at(b).time, b);
  };
  std::priority_queue<Digest, std::vector<Digest>, decltype(later)> ready(later);
  ready.push(from);
  std::vector<LogEntry> out;
  while (!ready.empty() && out.size() < limit) {
    Digest d = ready.top();
    ready.pop();
    for (const auto& p : commits.at(d).parents)
      if (--children[p] == 0) ready.push(p);
    out.push_back({d, commits.at(d)});
  }
  return out;
}

void Repository::create_branch(std::string_view name, std::optional<std::string_view> start) {
  state_->require_write();
  validate_branch_name(name);
  Digest target;
  if (start) {
    target = resolve(*start);
  } else {
    auto h = head();
    if (!h)
      fail(ErrorCode::NotFound, "cannot create branch '" + std::string(name) +
                                    "': the current branch has no commits yet; commit first");
    target = *h;
  }
  state_->meta.write([&](lmdb::WriteTxn& txn) {
    if (!state_->refs.compare_and_swap(txn, RefStore::branch_ref(name), std::nullopt, target))
      fail(ErrorCode::AlreadyExists, "branch '" + std::string(name) + "' already exists");
  });
}

void Repository::delete_branch(std::string_view name, bool force) {
  state_->require_write();
  state_->meta.write([&](lmdb::WriteTxn& txn) {
    const std::string ref = RefStore::branch_ref(name);
    auto tip = state_->refs.read(txn, ref);
    if (!tip)
      fail(ErrorCode::NotFound, "no branch '" + std::string(name) + "'",
           Hint{.action = HintAction::BranchList});
    if (state_->refs.head_branch(txn) == name)
      fail(ErrorCode::InvalidArgument, "cannot delete branch '" + std::string(name) +
                                           "': it is checked out; check out another branch first");
    if (!force) {
      // Refuse when the tip is reachable from no other branch (its commits would be lost).
      std::vector<Digest> todo;
      for (auto& [r, d] : state_->refs.list(txn, "refs/heads/"))
        if (r != ref) todo.push_back(d);
      std::set<Digest> seen(todo.begin(), todo.end());
      bool reachable = false;
      while (!todo.empty() && !reachable) {
        Digest c = todo.back();
        todo.pop_back();
        reachable = c == *tip;
        for (const auto& p : state_->load_commit(txn, c).parents)
          if (seen.insert(p).second) todo.push_back(p);
      }
      if (!reachable)
        fail(ErrorCode::InvalidArgument, "branch '" + std::string(name) +
                                             "' has commits on no other branch; merge it first or "
                                             "use --force to delete it anyway");
    }
    state_->refs.remove(txn, ref);
  });
}

void Repository::checkout(std::string_view branch, bool keep_staged) {
  state_->require_write();
  state_->meta.write([&](lmdb::WriteTxn& txn) {
    const std::string current = state_->refs.head_branch(txn);
    const bool was_detached = state_->refs.read(txn, RefStore::kDetachedRef).has_value();
    const std::optional<Digest> tip = state_->refs.read(txn, RefStore::branch_ref(branch));
    if (!tip)
      fail(ErrorCode::NotFound, "no branch '" + std::string(branch) + "'",
           Hint{.action = HintAction::BranchList});
    if (current == branch && !was_detached) return;
    if (!state_->staging.empty(txn) && !(keep_staged && tip == state_->head(txn)))
      fail(ErrorCode::InvalidArgument,
           "cannot check out '" + std::string(branch) + "': there are staged changes on " +
               (was_detached ? std::string("the detached HEAD") : "'" + current + "'"),
           Hint{.action = HintAction::CommitOrReset});
    state_->refs.remove(txn, RefStore::kDetachedRef);
    state_->refs.set_head_branch(txn, branch);
  });
}

void Repository::checkout_detached(const Digest& commit) {
  state_->require_write();
  state_->meta.write([&](lmdb::WriteTxn& txn) {
    state_->load_commit(txn, commit);  // NotFound, naming it
    if (!state_->staging.empty(txn) && state_->head(txn) != commit)
      fail(ErrorCode::InvalidArgument,
           "cannot check out " + commit.short_hex() + ": there are staged changes",
           Hint{.action = HintAction::CommitOrReset});
    state_->refs.remove(txn, RefStore::kDetachedRef);
    state_->refs.compare_and_swap(txn, RefStore::kDetachedRef, std::nullopt, commit);
  });
}

std::optional<Digest> Repository::detached() const {
  auto txn = state_->meta.begin_read();
  return state_->refs.read(txn, RefStore::kDetachedRef);
}

}  // namespace hangar
