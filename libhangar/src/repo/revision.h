// Revision suffixes (git's grammar): a name followed by any number of ~N and ^N steps, applied
// left to right. Repository::resolve (repository.h) resolves the name, then walk_revision()
// applies the steps.
//
//   revision := name step*
//   step     := '~' digits?   N-th first-parent ancestor (no digits: 1; ~0: the commit itself)
//            |  '^' digits?   N-th parent (no digits: 1; ^0: the commit itself)
//
// Why splitting at the first '~' or '^' is unambiguous: no name can contain either character.
// Branch names refuse them (validate_branch_name, git's check-ref-format rules), remote names
// allow only [A-Za-z0-9_.-] (transfer::validate_remote_name), so "origin/main" has neither,
// and digests and their prefixes are hex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "ops/merge_base.h"

namespace hangar::detail {

struct RevisionStep {
  enum class Kind { Ancestor, Parent };  // '~N', '^N'
  Kind kind;
  std::uint64_t n;
  std::size_t begin;  // offset of the '~' or '^' in the revision text
};

struct Revision {
  std::string_view name;  // "HEAD", a branch, "origin/main" or a digest (prefix); may be empty
  std::vector<RevisionStep> steps;
};

// Splits `text` (which must outlive the result) into its name and steps. An empty `text` is
// an empty name without steps (the caller's lookup reports it).
// Throws: InvalidArgument naming the revision, the bad part and the accepted forms: steps
// without a name ("~1"), a step whose number is not decimal digits ("HEAD~x", "HEAD~-1"),
// a number that does not fit in 64 bits.
Revision parse_revision(std::string_view text);

// Applies the steps of `rev` (parsed from `text`) to `start`, the commit its name resolves to.
// Throws: NotFound when a '~' step goes past the first commit of the first-parent line, or a
// '^N' step asks for a parent the commit does not have (both naming the commit and counts);
// what `parents` throws.
Digest walk_revision(const Revision& rev, std::string_view text, const Digest& start,
                     const ParentsFn& parents);

}  // namespace hangar::detail
