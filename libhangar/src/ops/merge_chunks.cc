// Chunk-level merge of both-modified large samples (see merge_chunks.h).
#include "ops/merge_chunks.h"

#include <hangar/error.h>

#include <algorithm>

#include "model/chunk_grid.h"
#include "tree/record_page.h"
#include "tree/record_tree.h"

namespace hangar {
namespace {

const CommitColumn* column_of(const TreeState& s, const std::string& name) {
  auto it = s.find(name);
  return it == s.end() ? nullptr : &it->second;
}

std::optional<RecordValue> value_of(PageStore& store, const CommitColumn* c, ByteView key) {
  if (c == nullptr || c->records.is_zero()) return std::nullopt;
  return find_record(store, c->records, key);
}

// A real sample's descriptor; nullopt for digests that are none (e.g. a virtual merge base's
// conflict marker).
std::optional<Descriptor> descriptor_of(const detail::RepoState& st, const lmdb::Txn& txn,
                                        const std::optional<RecordValue>& v) {
  if (!v) return std::nullopt;
  if (v->sample.is_inline()) return inline_descriptor(v->sample);
  st.descriptor_loads.fetch_add(1, std::memory_order_relaxed);
  auto bytes = st.objects.find(txn, ObjectType::Descriptor, v->sample.digest());
  if (!bytes) return std::nullopt;
  return decode_descriptor(*bytes);
}

// Sets `key` to `value` in column `name`'s plan, creating an Apply plan onto ours if needed.
void set_key(StateMergePlan& plan, const std::string& name, const CommitColumn& ours,
             const Bytes& key, const RecordValue& value) {
  auto it = std::find_if(plan.columns.begin(), plan.columns.end(),
                         [&](const ColumnPlan& p) { return p.name >= name; });
  if (it == plan.columns.end() || it->name != name) {
    ColumnPlan p;
    p.name = name;
    p.action = ColumnPlan::Action::Apply;
    p.schema = ours.schema;
    p.onto = ours.records;
    it = plan.columns.insert(it, std::move(p));
  }
  if (it->action != ColumnPlan::Action::Apply)
    fail(ErrorCode::Internal, "chunk-level merge of column '" + name + "' met a whole-column plan");
  auto& muts = it->mutations;  // strictly increasing keys
  auto pos = std::lower_bound(muts.begin(), muts.end(), key, [](const Mutation& m, const Bytes& k) {
    return compare_keys(m.key, k) < 0;
  });
  if (pos != muts.end() && compare_keys(pos->key, key) == 0)
    pos->value = value;
  else
    muts.insert(pos, Mutation{key, value});
}

}  // namespace

std::optional<BlockMerge> merge_blocks(const Descriptor& base, const Descriptor& ours,
                                       const Descriptor& theirs) {
  for (const Descriptor* d : {&ours, &theirs})
    if (d->dtype != base.dtype || d->shape != base.shape || d->chunk_shape != base.chunk_shape ||
        d->chunks.size() != base.chunks.size())
      return std::nullopt;
  BlockMerge r;
  Descriptor merged = base;
  for (std::size_t i = 0; i < base.chunks.size(); ++i) {
    const bool o = ours.chunks[i] != base.chunks[i], t = theirs.chunks[i] != base.chunks[i];
    if (o && t && ours.chunks[i] != theirs.chunks[i]) {
      ConflictRegion region;
      ChunkGrid{base.shape, base.chunk_shape}.block(i, region.origin, region.extent);
      r.region = std::move(region);
      return r;
    }
    merged.chunks[i] = o ? ours.chunks[i] : theirs.chunks[i];
  }
  r.merged = std::move(merged);
  return r;
}

std::vector<Bytes> merge_chunked_conflicts(const detail::RepoState& st, const lmdb::Txn& txn,
                                           PageStore& store, const TreeState& base,
                                           const TreeState& ours, const TreeState& theirs,
                                           StateMergePlan& plan) {
  std::vector<Bytes> descriptors;
  std::vector<ColumnConflict> kept;
  for (ColumnConflict& c : plan.conflicts) {
    const CommitColumn* o = column_of(ours, c.column);
    const CommitColumn* t = column_of(theirs, c.column);
    if (c.kind != ConflictKind::BothModified || !c.key || !o || !t || o->schema != t->schema) {
      kept.push_back(std::move(c));
      continue;
    }
    const auto bd = descriptor_of(st, txn, value_of(store, column_of(base, c.column), *c.key));
    const auto od = descriptor_of(st, txn, value_of(store, o, *c.key));
    const auto td = descriptor_of(st, txn, value_of(store, t, *c.key));
    std::optional<BlockMerge> m;
    if (bd && od && td) m = merge_blocks(*bd, *od, *td);
    if (m && m->merged) {
      SampleName name = name_sample(*m->merged);
      set_key(plan, c.column, *o, *c.key, RecordValue{name.id, m->merged->nbytes()});
      if (!name.descriptor.empty()) descriptors.push_back(std::move(name.descriptor));
      continue;
    }
    if (m && bd->chunks.size() > 1) c.region = std::move(m->region);  // a chunked tensor
    kept.push_back(std::move(c));
  }
  plan.conflicts = std::move(kept);
  return descriptors;
}

}  // namespace hangar
