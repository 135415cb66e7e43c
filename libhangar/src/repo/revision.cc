// revision.h: parsing "dev~2^2~1" into a name and steps, and walking the steps.
#include "repo/revision.h"

#include <hangar/error.h>

#include <charconv>
#include <string>

namespace hangar::detail {
namespace {

constexpr std::string_view kStepChars = "~^";
constexpr std::string_view kForms = "revisions look like HEAD~2, main^, HEAD^2 or dev~2^2~1";

// Built by appending: "'" + std::string(s) trips GCC 12's false -Wrestrict.
std::string quoted(std::string_view s) {
  std::string out(1, '\'');
  out.append(s).push_back('\'');
  return out;
}

[[noreturn]] void malformed(std::string_view text, const std::string& why) {
  fail(ErrorCode::InvalidArgument,
       "invalid revision " + quoted(text) + ": " + why + "; " + std::string(kForms));
}

// The N of a step: `digits` is the text between its '~' / '^' (`op`) and the next step.
std::uint64_t step_number(std::string_view text, char op, std::string_view digits) {
  if (digits.empty()) return 1;
  std::uint64_t n = 0;
  const char* end = digits.data() + digits.size();
  const auto [stop, ec] = std::from_chars(digits.data(), end, n);
  const std::string op_text = quoted(std::string_view(&op, 1));
  if (ec == std::errc::result_out_of_range)
    malformed(text, std::string("the number after ") + op_text + " is too large");
  if (ec != std::errc() || stop != end)
    malformed(text, op_text + " takes an optional number, not " + quoted(digits));
  return n;
}

// "no parents", "1 parent", "2 parents".
std::string counted(std::uint64_t n, const std::string& noun) {
  if (n == 0) return "no " + noun + "s";
  return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

// `from` is the part of `text` that names `at`.
Digest first_parent_ancestor(std::string_view text, std::string_view from, Digest at,
                             std::uint64_t n, const ParentsFn& parents) {
  for (std::uint64_t i = 0; i < n; ++i) {
    const std::vector<Digest> ps = parents(at);
    if (ps.empty())
      fail(ErrorCode::NotFound,
           quoted(text) + " goes past the first commit (" + std::string(from) + " has " +
               counted(i, "ancestor") + " on its first-parent line)",
           Hint{.action = HintAction::Log, .revision = std::string(from)});
    at = ps.front();
  }
  return at;
}

Digest nth_parent(std::string_view text, std::string_view from, const Digest& at, std::uint64_t n,
                  const ParentsFn& parents) {
  if (n == 0) return at;
  const std::vector<Digest> ps = parents(at);
  if (n > ps.size())
    fail(ErrorCode::NotFound,
         quoted(text) + " asks for parent " + std::to_string(n) + " of commit " + at.short_hex() +
             " (" + std::string(from) + "), which has " + counted(ps.size(), "parent"),
         Hint{.action = HintAction::LogGraph});
  return ps[n - 1];
}

}  // namespace

Revision parse_revision(std::string_view text) {
  const std::size_t first = text.find_first_of(kStepChars);
  Revision rev{text.substr(0, first), {}};
  if (first == text.npos) return rev;
  if (rev.name.empty())
    malformed(text, std::string("a branch, HEAD or commit must come before ") +
                        quoted(text.substr(0, 1)));
  for (std::size_t at = first; at < text.size();) {
    const std::size_t next = text.find_first_of(kStepChars, at + 1);
    const std::string_view digits =
        text.substr(at + 1, next == text.npos ? text.npos : next - at - 1);
    const char op = text[at];
    const auto kind = op == '~' ? RevisionStep::Kind::Ancestor : RevisionStep::Kind::Parent;
    rev.steps.push_back({kind, step_number(text, op, digits), at});
    at = next;
  }
  return rev;
}

Digest walk_revision(const Revision& rev, std::string_view text, const Digest& start,
                     const ParentsFn& parents) {
  Digest at = start;
  for (const RevisionStep& step : rev.steps) {
    const std::string_view from = text.substr(0, step.begin);
    at = step.kind == RevisionStep::Kind::Ancestor
             ? first_parent_ancestor(text, from, at, step.n, parents)
             : nth_parent(text, from, at, step.n, parents);
  }
  return at;
}

}  // namespace hangar::detail
