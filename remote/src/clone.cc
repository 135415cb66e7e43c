// clone: a new repository with the remote's history (all branches) and the selected data.
// Writes straight into the new repository (one history txn, chunk batches) and removes what
// it created when anything fails, so a failed clone leaves nothing behind.
#include <hangar/error.h>
#include <hangar/remote/operations.h>
#include <hangar/transfer.h>

#include <algorithm>

#include "client.h"
#include "receive.h"

namespace hangar::remote {
namespace {

namespace fs = std::filesystem;

// Removes the clone's files on destruction unless disarmed: the whole folder when clone
// created it, its contents when it was an existing empty folder.
class CleanupGuard {
 public:
  CleanupGuard(fs::path dir, bool existed) : dir_(std::move(dir)), existed_(existed) {}
  ~CleanupGuard() {
    if (!armed_) return;
    std::error_code ec;
    if (!existed_) {
      fs::remove_all(dir_, ec);
      return;
    }
    for (const auto& e : fs::directory_iterator(dir_, ec)) fs::remove_all(e.path(), ec);
  }
  void disarm() noexcept { armed_ = false; }

 private:
  fs::path dir_;
  bool existed_;
  bool armed_ = true;
};

std::string stored_url(const std::string& url) {
  if (is_http_url(url)) return url;
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

}  // namespace

CloneResult clone(const CloneOptions& o) {
  validate(o.data);
  client::Connection conn = client::connect(o.url, o.transport);
  Transport& t = *conn.transport;
  const RefList refs = t.list_refs();
  const std::string branch = pick_branch(o, refs, t.url());
  validate_branch_name(branch);

  fs::path dir = o.dir;
  if (dir.empty())
    dir = conn.info.name.empty() ? fs::path("hangar-clone") : fs::path(conn.info.name);
  std::error_code ec;
  const bool existed = fs::exists(dir, ec);
  if (existed && (!fs::is_directory(dir, ec) || !fs::is_empty(dir, ec)))
    fail(ErrorCode::AlreadyExists,
         "destination '" + dir.string() + "' already exists and is not empty; give another DIR");
  CleanupGuard cleanup(dir, existed);
  Repository::init(dir, UserIdentity{});

  CloneResult out;
  out.dir = dir;
  out.branch = branch;
  {
    Repository repo = Repository::open(dir, Repository::Mode::Write);
    transfer::add_remote(repo, "origin", stored_url(o.url));
    transfer::set_clone_remote(repo, "origin");
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

    if (out.head && !o.data.none) {
      const SelectionResult selection = select_chunks(repo, *out.head, o.data);
      out.samples = selection.samples;
      ChunkBatcher batch(repo);
      DirectHandler handler(nullptr, &batch);
      out.stats.chunks = client::receive_chunks(t, selection.chunks, handler, o.progress);
      batch.flush();
    }
  }
  out.stats.bytes_received = t.bytes_received();
  out.stats.bytes_sent = t.bytes_sent();
  cleanup.disarm();
  return out;
}

}  // namespace hangar::remote
