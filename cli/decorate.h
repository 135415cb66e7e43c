// The names next to a commit in 'hangar log' (git log --decorate): "HEAD -> main", other
// branches, "tag: v1", remote-tracking branches ("origin/main").
#pragma once

#include <hangar/repository.h>

#include <map>
#include <string>
#include <vector>

namespace hangar::cli {

class Decorations {
 public:
  // Reads HEAD, branches, tags and remote-tracking branches once.
  explicit Decorations(const Repository& repo);
  // " (HEAD -> main, tag: v1, origin/main)" for a commit with names (coloured when `color`),
  // "" for one without.
  std::string of(const Digest& commit, bool color) const;

 private:
  enum class Kind { Head, Branch, Tag, Remote };
  std::map<Digest, std::vector<std::pair<Kind, std::string>>> names_;
};

}  // namespace hangar::cli
