// Repository: tags (refs/tags/NAME), lightweight names for commits.
#include <hangar/error.h>
#include <hangar/repository.h>

#include "repo/repo_state.h"

namespace hangar {
namespace {
constexpr std::string_view kTagsPrefix = "refs/tags/";
}  // namespace

std::vector<TagInfo> Repository::tags() const {
  auto txn = state_->meta.begin_read();
  std::vector<TagInfo> out;
  for (auto& [ref, d] : state_->refs.list(txn, kTagsPrefix))
    out.push_back({ref.substr(kTagsPrefix.size()), d});
  return out;
}

Digest Repository::create_tag(std::string_view name, std::optional<std::string_view> target) {
  state_->require_write();
  validate_tag_name(name);
  const Digest commit = resolve(target.value_or("HEAD"));
  state_->meta.write([&](lmdb::WriteTxn& txn) {
    const std::string ref = RefStore::tag_ref(name);
    if (const auto old = state_->refs.read(txn, ref))
      fail(ErrorCode::AlreadyExists,
           "tag '" + std::string(name) + "' already exists (at " + old->short_hex() + ")",
           Hint{.action = HintAction::DeleteTag, .name = std::string(name)});
    state_->refs.compare_and_swap(txn, ref, std::nullopt, commit);
  });
  return commit;
}

Digest Repository::delete_tag(std::string_view name) {
  state_->require_write();
  Digest was;
  state_->meta.write([&](lmdb::WriteTxn& txn) {
    const std::string ref = RefStore::tag_ref(name);
    const auto old = state_->refs.read(txn, ref);
    if (!old)
      fail(ErrorCode::NotFound, "no tag '" + std::string(name) + "'",
           Hint{.action = HintAction::TagList});
    was = *old;
    state_->refs.remove(txn, ref);
  });
  return was;
}

}  // namespace hangar
