// status_json with the upstream: how far the current branch is ahead of and behind it.
#include <hangar/remote_config.h>
#include <hangar/report/json.h>

#include <limits>
#include <set>

namespace hangar::report {

Json status_json(const Repository& repo, const StatusReport& st) {
  Json doc = status_json(st);
  doc["upstream"] = nullptr;
  if (st.detached || !st.head || transfer::remotes(repo).empty()) return doc;
  const std::string name = transfer::default_remote(repo) + "/" + st.branch;
  std::optional<Digest> tip;
  for (const BranchInfo& b : transfer::remote_branches(repo))
    if (b.name == name) tip = b.commit;
  if (!tip) return doc;
  constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();
  std::set<Digest> ours, theirs;
  for (const LogEntry& e : repo.log(*st.head, kAll)) ours.insert(e.digest);
  for (const LogEntry& e : repo.log(*tip, kAll)) theirs.insert(e.digest);
  std::uint64_t ahead = 0, behind = 0;
  for (const Digest& d : ours) ahead += theirs.count(d) == 0 ? 1 : 0;
  for (const Digest& d : theirs) behind += ours.count(d) == 0 ? 1 : 0;
  doc["upstream"] = Json{{"name", name}, {"ahead", ahead}, {"behind", behind}};
  return doc;
}

}  // namespace hangar::report
