// transfer.h: HistoryReader (refs, history walks, raw objects), ChunkSource, missing_chunks.
#include <hangar/error.h>
#include <hangar/transfer.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

#include "repo/repo_access.h"
#include "transfer/transfer_detail.h"
#include "tree/record_tree.h"

namespace hangar {
namespace detail {

bool is_commit_in(const RepoState& state, const lmdb::Txn& txn, const Digest& id) {
  auto v = txn.get(state.objects.table(), id.view());
  return v && !v->empty() && v->front() == std::byte{static_cast<std::uint8_t>(ObjectType::Commit)};
}

bool is_ancestor_in(const RepoState& state, const lmdb::Txn& txn, const Digest& ancestor,
                    const Digest& descendant) {
  std::vector<Digest> todo{descendant};
  std::unordered_set<Digest> seen{descendant};
  while (!todo.empty()) {
    const Digest c = todo.back();
    todo.pop_back();
    if (c == ancestor) return true;
    for (const auto& p : state.load_commit(txn, c).parents)
      if (seen.insert(p).second) todo.push_back(p);
  }
  return false;
}

namespace {

// Pages of `tip` that `base` lacks; every page of `tip` when base is nullopt.
std::vector<Digest> new_pages(PageStore& pages, const Digest& tip,
                              const std::optional<Digest>& base) {
  if (!base) return tree_pages(pages, tip);
  return pages_not_in(pages, tip, *base);
}

// Samples of records of `tip` whose value differs from `base` (all when nullopt); inline ones
// only when `with_inline`.
std::unordered_set<SampleId> new_samples(PageStore& pages, const Digest& tip,
                                         const std::optional<Digest>& base, bool with_inline) {
  std::unordered_set<SampleId> out;
  auto add = [&](const SampleId& s) {
    if (with_inline || !s.is_inline()) out.insert(s);
  };
  if (!base) {
    for_each_record(pages, tip, {}, {}, [&](ByteView, const RecordValue& v) {
      add(v.sample);
      return true;
    });
    return out;
  }
  diff_trees(
      pages, *base, tip,
      [&](ByteView, const std::optional<RecordValue>& a, const std::optional<RecordValue>& b) {
        if (b && (!a || a->sample != b->sample)) add(b->sample);
      });
  return out;
}

}  // namespace

std::vector<ColumnNews> commit_news(const RepoState& s, const lmdb::Txn& txn, const Digest& id,
                                    bool with_inline) {
  TxnPageStore pages(s.objects, txn);
  const Commit c = s.load_commit(txn, id);
  std::vector<std::map<std::string, CommitColumn>> parents;
  for (const auto& p : c.parents) {
    auto& m = parents.emplace_back();
    for (const auto& col : s.load_commit(txn, p).columns) m[col.name] = col;
  }
  std::vector<ColumnNews> out;
  for (const auto& col : c.columns) {
    ColumnNews& news = out.emplace_back();
    news.schema = col.schema;
    // Per parent: that parent's version of the column (nullopt when it has none).
    std::vector<std::optional<CommitColumn>> bases;
    for (const auto& m : parents) {
      auto it = m.find(col.name);
      bases.push_back(it == m.end() ? std::nullopt : std::optional<CommitColumn>(it->second));
    }
    if (bases.empty()) bases.push_back(std::nullopt);
    news.schema_new = std::none_of(bases.begin(), bases.end(),
                                   [&](const auto& b) { return b && b->schema == col.schema; });
    if (col.records.is_zero()) continue;
    auto root_of = [](const std::optional<CommitColumn>& b) -> std::optional<Digest> {
      if (!b) return std::nullopt;
      return b->records;  // an all-zero root is the empty tree: every page is new
    };
    // A page or sample is new only when no parent holds it.
    news.pages = new_pages(pages, col.records, root_of(bases[0]));
    std::unordered_set<SampleId> samples =
        new_samples(pages, col.records, root_of(bases[0]), with_inline);
    for (std::size_t i = 1; i < bases.size(); ++i) {
      auto other = new_pages(pages, col.records, root_of(bases[i]));
      std::unordered_set<Digest> keep(other.begin(), other.end());
      std::erase_if(news.pages, [&](const Digest& d) { return !keep.count(d); });
      auto other_samples = new_samples(pages, col.records, root_of(bases[i]), with_inline);
      std::erase_if(samples, [&](const SampleId& d) { return !other_samples.count(d); });
    }
    news.samples.assign(samples.begin(), samples.end());
    std::sort(news.samples.begin(), news.samples.end(), [](const SampleId& a, const SampleId& b) {
      if (a.digest() != b.digest()) return a.digest() < b.digest();
      const ByteView fa = a.inline_form(), fb = b.inline_form();
      return std::lexicographical_compare(fa.begin(), fa.end(), fb.begin(), fb.end());
    });
  }
  return out;
}

std::vector<Digest> sample_chunks_in(const RepoState& state, const lmdb::Txn& txn,
                                     const SampleId& sample) {
  if (sample.is_inline())
    return sample.has_chunk() ? std::vector<Digest>{sample.digest()} : std::vector<Digest>{};
  return state.load_descriptor(txn, sample.digest()).chunks;
}

}  // namespace detail

namespace transfer {

struct HistoryReader::Impl {
  const detail::RepoState* state;
  lmdb::ReadTxn txn;
};

HistoryReader::HistoryReader(const Repository& repo) {
  const detail::RepoState& s = detail::state_of(repo);
  impl_ = std::unique_ptr<Impl>(new Impl{&s, s.meta.begin_read()});
}
HistoryReader::HistoryReader(HistoryReader&&) noexcept = default;
HistoryReader& HistoryReader::operator=(HistoryReader&&) noexcept = default;
HistoryReader::~HistoryReader() = default;

std::vector<RefEntry> HistoryReader::refs(std::string_view prefix) const {
  std::vector<RefEntry> out;
  for (auto& [name, d] : impl_->state->refs.list(impl_->txn, prefix)) out.push_back({name, d});
  return out;
}

std::optional<Digest> HistoryReader::find_ref(std::string_view full_name) const {
  return impl_->state->refs.read(impl_->txn, full_name);
}

std::string HistoryReader::head_branch() const {
  return impl_->state->refs.head_branch(impl_->txn);
}

bool HistoryReader::has_object(const Digest& id) const {
  return impl_->state->objects.contains(impl_->txn, id);
}

bool HistoryReader::has_commit(const Digest& id) const {
  return detail::is_commit_in(*impl_->state, impl_->txn, id);
}

std::optional<std::pair<ObjectType, ByteView>> HistoryReader::find_object(const Digest& id) const {
  auto v = impl_->txn.get(impl_->state->objects.table(), id.view());
  if (!v) return std::nullopt;
  auto type =
      v->empty() ? std::nullopt : object_type_from_byte(std::to_integer<std::uint8_t>(v->front()));
  if (!type) fail(ErrorCode::Corrupt, "corrupt object " + id.hex() + ": unknown kind byte");
  return std::make_pair(*type, *v);
}

std::vector<Digest> HistoryReader::commits_between(std::span<const Digest> wants,
                                                   std::span<const Digest> haves) const {
  const auto& s = *impl_->state;
  const auto& txn = impl_->txn;
  // Everything the receiver holds: the haves we know, with all their ancestors.
  std::unordered_set<Digest> held;
  std::vector<Digest> todo;
  for (const auto& h : haves)
    if (has_commit(h) && held.insert(h).second) todo.push_back(h);
  while (!todo.empty()) {
    Digest c = todo.back();
    todo.pop_back();
    for (const auto& p : s.load_commit(txn, c).parents)
      if (held.insert(p).second) todo.push_back(p);
  }
  // Post-order DFS from the wants, stopping at held commits: parents come out first.
  std::vector<Digest> out;
  std::unordered_set<Digest> visited;
  struct Frame {
    Digest id;
    std::vector<Digest> parents;
    std::size_t next = 0;
  };
  for (const auto& w : wants) {
    if (!has_commit(w))
      fail(ErrorCode::NotFound, "commit " + w.hex() + " not found in '" + s.root.string() + "'");
    if (held.count(w) || !visited.insert(w).second) continue;
    std::vector<Frame> stack;
    stack.push_back({w, s.load_commit(txn, w).parents});
    while (!stack.empty()) {
      Frame& f = stack.back();
      if (f.next < f.parents.size()) {
        const Digest p = f.parents[f.next++];
        if (held.count(p) || !visited.insert(p).second) continue;
        stack.push_back({p, s.load_commit(txn, p).parents});
        continue;
      }
      out.push_back(f.id);
      stack.pop_back();
    }
  }
  return out;
}

bool HistoryReader::is_ancestor(const Digest& ancestor, const Digest& descendant) const {
  return detail::is_ancestor_in(*impl_->state, impl_->txn, ancestor, descendant);
}

std::vector<Digest> HistoryReader::sample_chunks(const SampleId& sample) const {
  return detail::sample_chunks_in(*impl_->state, impl_->txn, sample);
}

void HistoryReader::refresh() { impl_->txn.refresh(); }

std::vector<ObjectRef> HistoryReader::plan_history(std::span<const Digest> commits,
                                                   std::vector<Digest>* chunks) const {
  std::vector<ObjectRef> out;
  std::unordered_set<Digest> seen, seen_chunks;
  auto add = [&](ObjectType type, const Digest& id) {
    if (seen.insert(id).second) out.push_back({type, id});
  };
  auto page_type = [&](const Digest& id) {
    auto obj = find_object(id);
    if (!obj) fail(ErrorCode::NotFound, "record page " + id.hex() + " not found");
    return obj->first;
  };
  // Inline samples have no descriptor object to send, only a chunk.
  const bool with_inline = chunks != nullptr;
  for (const Digest& id : commits) {
    add(ObjectType::Commit, id);
    for (const auto& col : detail::commit_news(*impl_->state, impl_->txn, id, with_inline)) {
      if (col.schema_new) add(ObjectType::Schema, col.schema);
      for (const auto& p : col.pages) add(page_type(p), p);
      for (const auto& d : col.samples) {
        if (!d.is_inline()) add(ObjectType::Descriptor, d.digest());
        if (chunks)
          for (const Digest& c : sample_chunks(d))
            if (seen_chunks.insert(c).second) chunks->push_back(c);
      }
    }
  }
  return out;
}

struct ChunkSource::Impl {
  const detail::RepoState* state;
  storage::ChunkReader reader;
  storage::lmdb::ResidentBudget resident{kResidentBudget, 64};
};

ChunkSource::ChunkSource(const Repository& repo)
    : impl_(std::make_unique<Impl>(
          Impl{&detail::state_of(repo), detail::state_of(repo).chunks.reader()})) {}
ChunkSource::ChunkSource(ChunkSource&&) noexcept = default;
ChunkSource& ChunkSource::operator=(ChunkSource&&) noexcept = default;
ChunkSource::~ChunkSource() = default;

std::optional<StoredChunk> ChunkSource::read_stored(const Digest& id) {
  std::optional<storage::ChunkLocation> found = impl_->reader.find(id);
  if (!found) return std::nullopt;
  auto [loc, view] = impl_->reader.read_stored(id, std::move(*found));
  return StoredChunk{id, loc.codec, loc.raw_size, view};
}

std::vector<Digest> ChunkSource::in_stored_order(std::span<const Digest> ids) {
  return impl_->reader.in_stored_order(ids);
}

void ChunkSource::release() noexcept { impl_->reader.release(); }

void ChunkSource::release_mapped_pages() noexcept {
  impl_->state->meta.release_mapped_pages();
  impl_->state->chunks.release_mapped_pages();
}

void ChunkSource::bound_mapped_pages() noexcept {
  if (!impl_->resident.due()) return;
  release_mapped_pages();
  impl_->resident.released();
}

std::vector<Digest> missing_chunks(const Repository& repo, std::span<const Digest> ids) {
  return detail::state_of(repo).chunks.missing(ids);
}

std::vector<Digest> local_chunk_ids(const Repository& repo) {
  const storage::LocationIndex& index = detail::state_of(repo).chunks.index();
  std::vector<Digest> out;
  const lmdb::ReadTxn txn = index.begin_read();
  index.for_each(txn, [&](const Digest& id, const storage::ChunkLocation&) { out.push_back(id); });
  return out;
}

}  // namespace transfer
}  // namespace hangar
