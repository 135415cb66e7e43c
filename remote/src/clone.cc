// clone: a new repository with the remote's history (all branches) and the selected data.
// Writes straight into the new repository (one history txn, chunk batches) and removes what
// it created when anything fails (an interrupt too), so a failed clone leaves nothing behind.
#include <hangar/error.h>
#include <hangar/storage/interrupt.h>
#include <hangar/remote/operations.h>
#include <hangar/transfer.h>

#include <algorithm>
#include <optional>

#include "client.h"
#include "labels_first.h"
#include "receive.h"

namespace hangar::remote {
namespace {

namespace fs = std::filesystem;

// The folder a clone writes into: new, or an existing empty one.
struct Destination {
  fs::path dir;
  bool existed = false;
};

// DIR, or the remote's folder name. Throws: AlreadyExists (DIR is a file or not empty).
Destination destination(const CloneOptions& o, const ServerInfo& info) {
  Destination d{o.dir, false};
  if (d.dir.empty()) d.dir = info.name.empty() ? fs::path("hangar-clone") : fs::path(info.name);
  std::error_code ec;
  d.existed = fs::exists(d.dir, ec);
  if (d.existed && (!fs::is_directory(d.dir, ec) || !fs::is_empty(d.dir, ec)))
    fail(ErrorCode::AlreadyExists,
         "destination '" + d.dir.string() + "' already exists and is not empty; give another DIR");
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

// True when `s` names no subset: everything at the tip (what a lazy clone leaves to reads).
bool unfiltered(const DataSelection& s) {
  return s.columns.empty() && s.keys.empty() && !s.fraction && !s.max_bytes && !s.max_percent &&
         !s.stratify && !s.all_history;
}

// Creates the repository in `dir` and fills it: the remote, all of `refs`' history, the branch,
// the selected data.
CloneResult clone_into(const fs::path& dir, Transport& t, const RefList& refs,
                       const std::string& branch, const CloneOptions& o) {
  Repository::init(dir, UserIdentity{});
  CloneResult out;
  out.dir = dir;
  out.branch = branch;
  Repository repo = Repository::open(dir, Repository::Mode::Write);
  transfer::add_remote(repo, "origin", stored_url(o.url));
  transfer::set_clone_remote(repo, "origin");
  if (o.lazy) repo.set_config("fetch.lazy", "true");
  transfer::ObjectWriter writer(repo);
  if (!refs.branches.empty()) {
    HistoryRequest request;
    for (const auto& b : refs.branches)
      if (std::find(request.wants.begin(), request.wants.end(), b.commit) == request.wants.end())
        request.wants.push_back(b.commit);
    DirectHandler handler(&writer, nullptr);
    out.stats.objects = client::receive_history(t, request, handler, o.progress);
    for (const auto& b : refs.branches) {
      writer.set_ref(std::string(transfer::kRemotesPrefix) + "origin/" + b.name, b.commit);
      out.refs.push_back({"origin/" + b.name, std::nullopt, b.commit});
      if (b.name == branch) out.head = b.commit;
    }
    if (out.head) writer.set_ref(std::string(transfer::kHeadsPrefix) + branch, *out.head);
  }
  writer.set_head_branch(branch);
  writer.commit();

  if (out.head && !o.data.none && !(o.lazy && unfiltered(o.data))) {
    if (o.data.stratify) {
      out.selection.label_chunks =
          fetch_labels(repo, [&]() -> Transport& { return t; }, *out.head, o.data, o.progress);
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
  }
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
    dest = destination(o, conn.info);
    return clone_into(dest->dir, t, refs, branch, o);
  } catch (...) {
    rethrow_interrupted(dest ? undo_clone(*dest) : "nothing was created");
  }
}

}  // namespace hangar::remote
