// clone: a new repository with the remote's history (all branches) and the selected data.
// Writes straight into the new repository (one history txn, chunk batches) and removes what
// it created when anything fails (an interrupt too), so a failed clone leaves nothing behind.
#include <hangar/base/failpoint.h>
#include <hangar/base/interrupt.h>
#include <hangar/error.h>
#include <hangar/remote/operations.h>
#include <hangar/transfer.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <unordered_set>

#include "client.h"
#include "labels_first.h"
#include "receive.h"
#include "selection_text.h"

namespace hangar::remote {
namespace {

namespace fs = std::filesystem;

// The folder a clone writes into: new, an existing empty one, or an unfinished clone of the
// same URL (resume).
struct Destination {
  fs::path dir;
  bool existed = false;
  bool resume = false;
};

// True when `dir` holds nothing but a '.hangar' without config: an init that died before it
// wrote its config (a clone killed at its very start). Not a repository, so clone starts over.
bool is_dead_init(const fs::path& dir) {
  std::error_code ec;
  const fs::path dot = dir / ".hangar";
  if (!fs::is_directory(dot, ec) || fs::exists(dot / "config", ec)) return false;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename() != ".hangar") return false;
  return !ec;
}

// DIR, or the remote's folder name. Throws: AlreadyExists (DIR is a file, or not empty and
// not an unfinished clone of `url`).
Destination destination(const CloneOptions& o, const ServerInfo& info, const std::string& url) {
  Destination d{o.dir, false, false};
  if (d.dir.empty()) d.dir = info.name.empty() ? fs::path("hangar-clone") : fs::path(info.name);
  std::error_code ec;
  d.existed = fs::exists(d.dir, ec);
  if (!d.existed || (fs::is_directory(d.dir, ec) && fs::is_empty(d.dir, ec))) return d;
  const std::string taken =
      "destination '" + d.dir.string() + "' already exists and is not empty; give another DIR";
  if (!fs::is_directory(d.dir, ec)) fail(ErrorCode::AlreadyExists, taken);
  if (is_dead_init(d.dir)) {
    fs::remove_all(d.dir / ".hangar", ec);
    if (ec) fail_errno(ec.value(), "cannot remove the unfinished clone in", d.dir.string());
    return d;
  }
  if (!fs::is_directory(d.dir / ".hangar", ec)) fail(ErrorCode::AlreadyExists, taken);
  const Repository repo = Repository::open(d.dir, Repository::Mode::Read);
  const auto unfinished = transfer::incomplete_clone(repo);
  if (!unfinished)
    fail(ErrorCode::AlreadyExists, "destination '" + d.dir.string() +
                                       "' already exists and is not empty (a finished hangar "
                                       "repository); give another DIR");
  if (unfinished->url != url)
    fail(ErrorCode::AlreadyExists,
         "destination '" + d.dir.string() + "' holds an unfinished clone of " + unfinished->url +
             ", not of " + url,
         transfer::complete_clone_hint(repo, *unfinished));
  d.resume = true;
  return d;
}

// Removes what a failed clone wrote: the whole folder when clone created it, its contents
// when it was an existing empty folder. Returns what it undid, for the error message.
std::string undo_clone(const Destination& d) {
  std::error_code ec;
  if (!d.existed) {
    fs::remove_all(d.dir, ec);
    return "removed the unfinished clone '" + d.dir.string() + "'";
  }
  for (const auto& e : fs::directory_iterator(d.dir, ec)) fs::remove_all(e.path(), ec);
  return "emptied '" + d.dir.string() + "' again (removed the unfinished clone)";
}

std::string stored_url(const std::string& url) {
  if (is_http_url(url) || url.rfind("s3://", 0) == 0) return url;
  std::error_code ec;
  fs::path p = fs::absolute(url, ec);
  return ec ? url : p.lexically_normal().string();
}

std::string pick_branch(const CloneOptions& o, const RefList& refs, const std::string& url) {
  auto has = [&](const std::string& b) {
    return std::any_of(refs.branches.begin(), refs.branches.end(),
                       [&](const RemoteBranch& r) { return r.name == b; });
  };
  if (o.branch) {
    if (!refs.branches.empty() && !has(*o.branch)) {
      std::string list;
      for (const auto& b : refs.branches) list += (list.empty() ? "" : ", ") + b.name;
      fail(ErrorCode::NotFound,
           "remote " + url + " has no branch '" + *o.branch + "'; its branches: " + list);
    }
    return *o.branch;
  }
  if (refs.branches.empty() || has(refs.head)) return refs.head.empty() ? "main" : refs.head;
  return has("main") ? "main" : refs.branches.front().name;  // HEAD names an unborn branch
}

// The chunks of every sample at `commit`. Throws: NotFound, Corrupt.
std::unordered_set<Digest> chunks_at(const Repository& repo, const transfer::HistoryReader& history,
                                     const Digest& commit) {
  const Checkout view = repo.checkout_at(commit);
  std::unordered_set<SampleId> seen;
  std::unordered_set<Digest> out;
  for (const std::string& column : view.column_names())
    view.for_each(column, [&](const SampleRef& ref) {
      if (seen.insert(ref.sample).second)
        for (const Digest& c : history.sample_chunks(ref.sample)) out.insert(c);
      return true;
    });
  return out;
}

// The chunks that commits before `head` use, `head` does not, and are not local. The history's
// chunks come from plan_history (what a push sends: it reads only the record pages each commit
// changed), so the cost is one walk of `head` plus the changes, not a walk of every commit.
std::uint64_t older_chunks_not_local(const Repository& repo, const Digest& head) {
  if (repo.log(head, 2).size() < 2) return 0;  // no older commit
  const transfer::HistoryReader history(repo);
  const std::array<Digest, 1> wants{head};
  std::vector<Digest> chunks;
  history.plan_history(history.commits_between(wants, {}), &chunks);
  const std::unordered_set<Digest> at_head = chunks_at(repo, history, head);
  std::erase_if(chunks, [&](const Digest& d) { return at_head.count(d) != 0; });
  return transfer::missing_chunks(repo, chunks).size();
}

// True when `s` names no subset: everything at the tip (what a lazy clone leaves to reads).
bool unfiltered(const DataSelection& s) {
  return s.columns.empty() && s.keys.empty() && !s.fraction && !s.max_bytes && !s.max_percent &&
         !s.stratify && !s.all_history;
}

// Creates the repository in `d.dir` (or reopens the unfinished clone there) and fills it: the
// remote, all of `refs`' history, the branch, the selected data. The clone stays marked
// unfinished (transfer::incomplete_clone) until the last selected chunk is stored.
CloneResult clone_into(const Destination& d, Transport& t, const RefList& refs,
                       const std::string& branch, const CloneOptions& o) {
  const fs::path& dir = d.dir;
  std::map<std::string, std::string> settings =
      transfer::incomplete_clone_settings(stored_url(o.url), encode_selection(o.data));
  if (o.lazy) settings["fetch.lazy"] = "true";
  Repository repo = d.resume ? Repository::open(dir, Repository::Mode::Write)
                             : Repository::create(dir, o.user, settings);
  CloneResult out;
  out.dir = dir;
  out.branch = branch;
  if (!transfer::find_remote_url(repo, "origin")) {
    transfer::add_remote(repo, "origin", stored_url(o.url));
    transfer::set_clone_remote(repo, "origin");
  }
  // Later fetches, pushes and lazy reads reach origin as the clone did.
  if (o.transport.insecure && (is_http_url(o.url) || o.url.starts_with("s3://")))
    transfer::set_remote_insecure(repo, "origin", true);
  failpoint("clone-initialized");
  if (o.lazy && !repo.lazy_fetch()) repo.set_config("fetch.lazy", "true");
  transfer::ObjectWriter writer(repo);
  if (!refs.branches.empty()) {
    HistoryRequest request;
    for (const std::vector<RemoteBranch>* list : {&refs.branches, &refs.tags})
      for (const auto& b : *list)
        if (std::find(request.wants.begin(), request.wants.end(), b.commit) == request.wants.end())
          request.wants.push_back(b.commit);
    DirectHandler handler(&writer, nullptr);
    out.stats.objects = client::receive_history(t, request, handler, o.progress);
    for (const auto& b : refs.branches) {
      writer.set_ref(std::string(transfer::kRemotesPrefix) + "origin/" + b.name, b.commit);
      out.refs.push_back({"origin/" + b.name, std::nullopt, b.commit});
      if (b.name == branch) out.head = b.commit;
    }
    for (const auto& tag : refs.tags) {
      writer.set_ref(std::string(transfer::kTagsPrefix) + tag.name, tag.commit);
      out.tags.push_back({tag.name, std::nullopt, tag.commit});
    }
    // A resumed clone keeps a branch the first run made (and any commit made on it since).
    const std::string local = std::string(transfer::kHeadsPrefix) + branch;
    if (const auto kept = d.resume ? writer.find_ref(local) : std::nullopt) {
      out.head = kept;
    } else if (out.head) {
      writer.set_ref(local, *out.head);
    }
  }
  writer.set_head_branch(branch);
  writer.commit();
  failpoint("clone-before-data");  // tests: a clone that dies with its history but no data

  if (out.head && !o.data.none && !(o.lazy && unfiltered(o.data))) {
    if (o.data.stratify) {
      out.selection.label_chunks = fetch_labels(
          repo, [&]() -> Transport& { return t; }, *out.head, o.data, o.progress);
      out.stats.chunks = out.selection.label_chunks;
    }
    // What the clone received so far counts against a budget (selection.h).
    const SelectionResult selection = select_chunks(repo, *out.head, o.data, t.bytes_received());
    out.samples = selection.samples;
    const std::uint64_t label_chunks = out.selection.label_chunks;
    out.selection = SelectionReport::of(selection);
    out.selection.label_chunks = label_chunks;
    const std::vector<Digest> missing = transfer::missing_chunks(repo, selection.chunks);
    ChunkBatcher batch(repo);
    DirectHandler handler(nullptr, &batch);
    out.stats.chunks += client::receive_chunks(t, missing, handler, o.progress);
    batch.flush();
    out.older_chunks_not_local = older_chunks_not_local(repo, *out.head);
  }
  failpoint("clone-before-finish");
  transfer::finish_clone(repo);
  out.stats.bytes_received = t.bytes_received();
  out.stats.bytes_sent = t.bytes_sent();
  return out;
}

}  // namespace

CloneResult clone(const CloneOptions& o) {
  validate(o.data);
  std::optional<Destination> dest;  // set once the folder is ours to fill (and to undo)
  try {
    client::Connection conn = client::connect(o.url, o.transport);
    Transport& t = *conn.transport;
    const RefList refs = t.list_refs();
    const std::string branch = pick_branch(o, refs, t.url());
    validate_branch_name(branch);
    dest = destination(o, conn.info, stored_url(o.url));
    return clone_into(*dest, t, refs, branch, o);
  } catch (...) {
    // A resumed clone keeps what it had (and what it stored since): it stays unfinished.
    if (dest && dest->resume)
      rethrow_interrupted("the clone in '" + dest->dir.string() +
                          "' is still unfinished; run the same clone again to complete it");
    rethrow_interrupted(dest ? undo_clone(*dest) : "nothing was created");
  }
}

}  // namespace hangar::remote
