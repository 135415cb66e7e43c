// `hangar upgrade` (hangar/upgrade.h): refuse, build, verify, swap. The order of the steps and
// why each is safe to interrupt: docs/decisions/0015-upgrading-format-1.md.
#include <hangar/base/failpoint.h>
#include <hangar/base/file_lock.h>
#include <hangar/base/interrupt.h>
#include <hangar/error.h>
#include <hangar/upgrade.h>

#include <chrono>

#include "format1/repo1.h"
#include "repo/config.h"
#include "upgrade/upgrade_convert.h"
#include "upgrade/upgrade_scan.h"
#include "upgrade/upgrade_swap.h"
#include "upgrade/upgrade_verify.h"

namespace hangar {
namespace fs = std::filesystem;
namespace {

std::string plural(std::uint64_t n, const std::string& one) {
  return std::to_string(n) + " " + one + (n == 1 ? "" : "s");
}

// Nothing to convert, or nothing it could: the refusals, each before anything is written.
void refuse_what_cannot_convert(const fs::path& root, const format1::Repo1& old,
                                const upgrade::History1& h) {
  const std::string what = "cannot upgrade '" + root.string() + "': ";
  const auto staged = old.meta().staged();
  if (!staged.empty())
    fail(ErrorCode::InvalidArgument,
         what + "it has staged changes (" + plural(staged.columns, "column change") + ", " +
             plural(staged.samples, "sample change") +
             "); commit or reset first, with the format-1 hangar that made them; nothing changed");
  if (h.missing_chunks > 0)
    fail(ErrorCode::NotLocal, what + plural(h.missing_chunks, "chunk") +
                                  (h.missing_chunks == 1 ? " is" : " are") +
                                  " not local: fetch them with a format-1 hangar first (hangar "
                                  "fetch-data), or clone again from an upgraded server; nothing "
                                  "changed");
}

// A format-1 repository on this machine that a remote of `old` names (a clone's origin given as
// a path), held with its writer lock while the upgrade reads chunks `old` lacks from it.
struct ChunkSource {
  std::string remote;
  fs::path root;
  storage::RepoLock lock;
};

std::vector<ChunkSource> attach_chunk_sources(const fs::path& root, format1::Repo1& old) {
  std::vector<ChunkSource> out;
  for (const auto& [key, url] : old.config()) {
    if (!key.starts_with("remote.") || !key.ends_with(".url") || key.size() <= 11) continue;
    if (url.find("://") != std::string::npos) continue;  // http: a server speaks protocol 2 or 1
    const fs::path there = fs::absolute(root / url).lexically_normal();
    std::error_code ec;
    if (!fs::is_directory(there / ".hangar", ec) || fs::equivalent(there, root, ec)) continue;
    try {
      const auto config = format1::read_config1(there / ".hangar" / "config");
      if (auto v = config.find("format_version"); v == config.end() || v->second != "1") continue;
      storage::RepoLock lock =
          storage::RepoLock::acquire(there / ".hangar" / "lock", there.string());
      old.add_chunk_source(format1::ChunkStore1::open(there / ".hangar" / "chunks"));
      out.push_back({key.substr(7, key.size() - 11), there, std::move(lock)});
    } catch (const Error&) {
      continue;  // locked, unreadable: not a source; chunks it would give count as missing
    }
  }
  return out;
}

// Steps 2 and 3: the new repository in `up`, built and verified; closed on return.
std::map<std::string, Digest> build_and_verify(const fs::path& root, const fs::path& up,
                                               format1::Repo1& old, const upgrade::History1& h,
                                               const ProgressFn& progress) {
  detail::init_at(up, UserIdentity{});
  // Unsynced: nothing in `up` counts before mark_verified() fsyncs all of it.
  Repository repo = detail::open_at(root, up, Repository::Mode::Write, true);
  upgrade::Converter conv(old, repo);
  const std::uint64_t total = 2 * h.commits.size();
  std::uint64_t done = 0;
  for (const auto& id : h.commits) {
    conv.convert_commit(id);
    if (progress) progress(done + 1, total);
    if (++done == 1) failpoint("upgrade-converting");
  }
  conv.write_refs_and_config(h);
  failpoint("upgrade-converted");
  upgrade::verify_upgrade(old, h, conv, repo, [&](std::uint64_t n) {
    if (progress) progress(done + n, total);
  });
  failpoint("upgrade-checked");
  std::map<std::string, Digest> refs;
  for (const auto& [name, id] : h.refs) refs.emplace(name, conv.commit_of(id));
  return refs;
}

void fill_counts(UpgradeReport& r, const upgrade::History1& h) {
  r.commits = h.commits.size();
  for (const auto& [name, id] : h.refs) {
    if (name.starts_with("refs/heads/")) ++r.branches;
    if (name.starts_with("refs/remotes/")) ++r.remote_refs;
  }
  r.columns = h.columns;
  r.samples = h.samples;
  r.chunks = h.chunks;
  r.chunk_bytes = h.chunk_bytes;
  r.borrowed_chunks = h.borrowed_chunks;
  r.head_branch = h.head_branch;
}

}  // namespace

UpgradeReport upgrade_repository(const fs::path& root, const UpgradeOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  UpgradeReport r;
  r.root = root;
  r.finished = finish_interrupted_upgrade(root);
  const fs::path dot = root / ".hangar";
  std::error_code ec;
  if (!fs::is_directory(dot, ec))
    fail(ErrorCode::NotFound, "'" + root.string() + "' is not a hangar repository");
  const auto config = format1::read_config1(dot / "config");
  const auto version = config.find("format_version");
  if (version != config.end() && version->second == std::to_string(kRepoFormatVersion)) {
    r.already = true;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  }
  if (version == config.end() || version->second != "1")
    RepoConfig::load(dot / "config");  // throws its message: no version, or a newer one
  if (fs::exists(root / kFormat1Dir, ec))
    fail(ErrorCode::AlreadyExists, "cannot upgrade '" + root.string() + "': '" +
                                       (root / kFormat1Dir).string() +
                                       "' exists (kept by an earlier upgrade?); move it away");
  // Format 1's writer lock: no format-1 hangar writes while we read and swap.
  const storage::RepoLock lock = storage::RepoLock::acquire(dot / "lock", root.string());
  format1::Repo1 old = format1::Repo1::open(dot);
  const std::vector<ChunkSource> sources = attach_chunk_sources(root, old);
  const upgrade::History1 h = upgrade::scan_history(old);
  refuse_what_cannot_convert(root, old, h);
  fill_counts(r, h);
  if (h.borrowed_chunks > 0)
    for (const ChunkSource& s : sources) r.chunk_sources.emplace(s.remote, s.root);
  r.disk_bytes_before = disk_usage(dot);

  const fs::path up = root / kUpgradeDir;
  fs::remove_all(up, ec);  // a leftover of an interrupted upgrade: started over
  if (ec) fail_errno(ec.value(), "cannot remove the leftover", up.string());
  try {
    r.refs = build_and_verify(root, up, old, h, options.progress);
    mark_verified(up, options.keep_old);
  } catch (...) {
    fs::remove_all(up, ec);
    rethrow_interrupted("the repository is unchanged (storage format 1)");
  }
  failpoint("upgrade-marked");
  // Step 4. From here on the new repository is the repository: a crash leaves a state that
  // finish_interrupted_upgrade() completes.
  durable_rename(dot, root / kFormat1Dir);
  failpoint("upgrade-old-moved");
  finish_interrupted_upgrade(root);
  if (options.keep_old) r.kept_old = root / kFormat1Dir;
  r.disk_bytes_after = disk_usage(dot);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

}  // namespace hangar
