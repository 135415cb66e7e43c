// decorate.h: one read of the refs, then names per commit.
#include "decorate.h"

#include <hangar/remote_config.h>

#include "color.h"

namespace hangar::cli {

Decorations::Decorations(const Repository& repo) {
  const std::optional<Digest> detached = repo.detached();
  const std::optional<Digest> head = repo.head();
  std::string current;  // the branch HEAD names, when not detached
  if (!detached) current = repo.current_branch();
  if (detached)
    names_[*detached].push_back({Kind::Head, "HEAD"});
  else if (head)
    names_[*head].push_back({Kind::Head, "HEAD -> " + current});
  for (const BranchInfo& b : repo.branches())
    if (b.name != current || detached) names_[b.commit].push_back({Kind::Branch, b.name});
  for (const TagInfo& t : repo.tags()) names_[t.commit].push_back({Kind::Tag, "tag: " + t.name});
  for (const BranchInfo& b : transfer::remote_branches(repo))
    names_[b.commit].push_back({Kind::Remote, b.name});
}

std::string Decorations::of(const Digest& commit, bool color) const {
  const auto it = names_.find(commit);
  if (it == names_.end()) return {};
  std::string list;
  for (const auto& [kind, name] : it->second) {
    if (!list.empty()) list += paint(color, Paint::Yellow, ", ");
    switch (kind) {
      case Kind::Head: {
        const auto arrow = name.find(" -> ");
        list += paint(color, Paint::BoldCyan, name.substr(0, arrow));
        if (arrow != std::string::npos)
          list += paint(color, Paint::BoldCyan, " -> ") +
                  paint(color, Paint::BoldGreen, name.substr(arrow + 4));
        break;
      }
      case Kind::Branch:
        list += paint(color, Paint::BoldGreen, name);
        break;
      case Kind::Tag:
        list += paint(color, Paint::BoldYellow, name);
        break;
      case Kind::Remote:
        list += paint(color, Paint::BoldRed, name);
        break;
    }
  }
  std::string out(1, ' ');  // appended: " " + std::string trips GCC 12's false -Wrestrict
  out.append(paint(color, Paint::Yellow, "("))
      .append(list)
      .append(paint(color, Paint::Yellow, ")"));
  return out;
}

}  // namespace hangar::cli
