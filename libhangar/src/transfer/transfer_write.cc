// transfer.h: ObjectWriter (verified, all-or-nothing history import) and write_chunks.
//
// Why one txn: a fetch or push is accepted whole or not at all. Every object is verified as it
// is put; before commit() the received objects are checked for completeness, so a peer can
// never leave a ref pointing at history we do not hold. Objects that were already present are
// complete by induction (nothing else writes commits without their history).
#include <hangar/base/failpoint.h>
#include <hangar/error.h>
#include <hangar/transfer.h>

#include <unordered_set>

#include "repo/repo_access.h"
#include "transfer/transfer_detail.h"

namespace hangar {
namespace detail {

void validate_full_ref(std::string_view ref) {
  auto bad = [&](const std::string& why) {
    fail(ErrorCode::InvalidArgument, "invalid ref name '" + std::string(ref) + "': " + why);
  };
  if (ref.substr(0, transfer::kHeadsPrefix.size()) == transfer::kHeadsPrefix) {
    validate_branch_name(ref.substr(transfer::kHeadsPrefix.size()));
    return;
  }
  if (ref.substr(0, transfer::kTagsPrefix.size()) == transfer::kTagsPrefix) {
    validate_tag_name(ref.substr(transfer::kTagsPrefix.size()));
    return;
  }
  if (ref.substr(0, transfer::kRemotesPrefix.size()) != transfer::kRemotesPrefix)
    bad("expected refs/heads/BRANCH, refs/tags/TAG or refs/remotes/REMOTE/BRANCH");
  std::string_view rest = ref.substr(transfer::kRemotesPrefix.size());
  auto slash = rest.find('/');
  if (slash == rest.npos) bad("expected refs/remotes/REMOTE/BRANCH");
  transfer::validate_remote_name(rest.substr(0, slash));
  validate_branch_name(rest.substr(slash + 1));
}

}  // namespace detail

namespace transfer {

struct ObjectWriter::Impl {
  detail::RepoState* state;
  lmdb::WriteTxn txn;
  std::vector<Digest> commits;
  std::vector<Digest> pages;
  std::uint64_t written = 0;

  bool has(const Digest& id) const {
    return txn.get(state->objects.table(), id.view()).has_value();
  }

  void require(bool present, const std::string& what, const Digest& from, const Digest& missing) {
    if (!present)
      fail(ErrorCode::Corrupt, "history is incomplete: " + what + " " + from.short_hex() +
                                   " references " + missing.hex() + ", which was not sent");
  }

  void check_complete() {
    for (const Digest& id : commits) {
      const Commit c = state->load_commit(txn, id);
      for (const auto& p : c.parents)
        require(detail::is_commit_in(*state, txn, p), "commit", id, p);
      for (const auto& col : c.columns) {
        require(has(col.schema), "commit", id, col.schema);
        if (!col.records.is_zero()) require(has(col.records), "commit", id, col.records);
      }
    }
    for (const Digest& id : pages) {
      auto bytes = txn.get(state->objects.table(), id.view());
      PageDecoder page(id, *bytes);
      while (page.next()) {
        if (!page.is_leaf()) {
          require(has(page.digest()), "internal page", id, page.digest());
        } else if (const SampleId s = page.value().sample; !s.is_inline()) {
          require(has(s.digest()), "leaf page", id, s.digest());  // inline: no object
        }
      }
    }
  }

  void require_commit(const Digest& desired) const {
    if (!detail::is_commit_in(*state, txn, desired))
      fail(ErrorCode::NotFound, "cannot set a ref to " + desired.hex() + ": not a commit in '" +
                                    state->root.string() + "'");
  }
};

ObjectWriter::ObjectWriter(Repository& repo) {
  detail::RepoState& s = detail::state_of(repo);
  s.require_write();
  impl_ = std::unique_ptr<Impl>(new Impl{&s, s.meta.begin_write(), {}, {}, 0});
}
ObjectWriter::ObjectWriter(ObjectWriter&&) noexcept = default;
ObjectWriter& ObjectWriter::operator=(ObjectWriter&&) noexcept = default;
ObjectWriter::~ObjectWriter() = default;  // the WriteTxn aborts unless committed

void ObjectWriter::put(ObjectType type, const Digest& id, ByteView bytes) {
  verify_object(type, id, bytes);
  if (!impl_->txn.put_if_absent(impl_->state->objects.table(), id.view(), bytes)) return;
  ++impl_->written;
  if (type == ObjectType::Commit) impl_->commits.push_back(id);
  if (type == ObjectType::LeafPage || type == ObjectType::InternalPage) impl_->pages.push_back(id);
}

bool ObjectWriter::has_object(const Digest& id) const { return impl_->has(id); }

std::optional<Digest> ObjectWriter::find_ref(std::string_view full_name) const {
  return impl_->state->refs.read(impl_->txn, full_name);
}

bool ObjectWriter::is_ancestor(const Digest& ancestor, const Digest& descendant) const {
  return detail::is_ancestor_in(*impl_->state, impl_->txn, ancestor, descendant);
}

bool ObjectWriter::compare_and_swap_ref(std::string_view ref, const std::optional<Digest>& expected,
                                        const Digest& desired) {
  detail::validate_full_ref(ref);
  impl_->require_commit(desired);
  return impl_->state->refs.compare_and_swap(impl_->txn, ref, expected, desired);
}

void ObjectWriter::set_ref(std::string_view ref, const Digest& desired) {
  detail::validate_full_ref(ref);
  impl_->require_commit(desired);
  impl_->state->refs.compare_and_swap(impl_->txn, ref, find_ref(ref), desired);
}

bool ObjectWriter::remove_ref(std::string_view ref) {
  return impl_->state->refs.remove(impl_->txn, ref);
}

std::string ObjectWriter::head_branch() const { return impl_->state->refs.head_branch(impl_->txn); }

bool ObjectWriter::has_staged_changes() const { return !impl_->state->staging.empty(impl_->txn); }

void ObjectWriter::set_head_branch(std::string_view branch) {
  validate_branch_name(branch);
  impl_->state->refs.set_head_branch(impl_->txn, branch);
}

std::vector<Digest> ObjectWriter::new_sample_chunks() const {
  impl_->check_complete();
  const detail::RepoState& s = *impl_->state;
  std::vector<Digest> out;
  std::unordered_set<SampleId> samples;
  std::unordered_set<Digest> chunks;
  for (const Digest& commit : impl_->commits)
    for (const auto& col : detail::commit_news(s, impl_->txn, commit, true))
      for (const SampleId& sample : col.samples) {
        if (!samples.insert(sample).second) continue;
        for (const Digest& c : detail::sample_chunks_in(s, impl_->txn, sample))
          if (chunks.insert(c).second) out.push_back(c);
      }
  return out;
}

void ObjectWriter::commit() {
  impl_->check_complete();
  failpoint("history-written");  // the txn is not committed yet
  impl_->txn.commit();
}

std::uint64_t ObjectWriter::objects_written() const noexcept { return impl_->written; }

ChunkLease::ChunkLease(const Repository& repo, std::chrono::milliseconds wait) {
  const detail::RepoState& s = detail::state_of(repo);
  fd_ = storage::flock_within(
      s.leases_file(), true, wait,
      "repository '" + s.root.string() + "' is being garbage-collected; retry when gc finishes");
}

std::size_t write_chunks(Repository& repo, std::span<const storage::EncodedChunk> chunks,
                         ChunkCheck check) {
  detail::RepoState& s = detail::state_of(repo);
  s.require_write();
  if (check == ChunkCheck::Verify) {
    Bytes scratch;
    for (const auto& c : chunks) verify_chunk(c.digest, c.codec, c.raw_size, c.stored, scratch);
  }
  return s.chunks.write(chunks);
}

}  // namespace transfer
}  // namespace hangar
