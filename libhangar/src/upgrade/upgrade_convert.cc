// Converting a format-1 history (upgrade_convert.h).
#include "upgrade/upgrade_convert.h"

#include <hangar/base/interrupt.h>
#include <hangar/error.h>

#include "format1/grid1.h"
#include "repo/backend_choice.h"
#include "repo/repo_access.h"
#include "tree/record_tree.h"

namespace hangar::upgrade {
namespace {

using format1::Digest1;

// Records changed per apply_mutations batch, and bytes of samples held encoded in memory
// before they are written: bounded memory whatever the history's size.
constexpr std::size_t kBatchRecords = 16384;
constexpr std::uint64_t kBatchBytes = 64u << 20;
// Converted samples remembered, so that one held by several commits is converted once; past
// this the memo starts over (a sample met again is converted again, to the same result).
constexpr std::size_t kMaxRememberedSamples = 1u << 20;

ColumnSchema to_schema(const format1::Schema1& s, const Digest1& id) {
  ColumnSchema out;
  out.name = s.name;
  out.dtype = *dtype_from_code(s.dtype);  // format 1's codes are today's (permanent values)
  out.shape.assign(s.shape.begin(), s.shape.end());
  out.variable_shape = s.variable_shape;
  out.layout = static_cast<Layout>(s.layout);
  out.backend = static_cast<BackendChoice>(s.backend);
  out.compression_level = s.compression_level;
  out.attributes = s.attributes;
  try {
    validate_schema(out);
  } catch (const Error& e) {
    fail(ErrorCode::Corrupt, "format-1 schema " + id.hex() + " is not valid: " + e.what());
  }
  return out;
}

}  // namespace

Converter::Converter(format1::Repo1& old, Repository& repo)
    : old_(old), st_(detail::state_of(repo)) {
  st_.require_write();
}

std::pair<Digest, const ColumnSchema*> Converter::schema_entry(const Digest1& id) {
  auto it = schemas_.find(id);
  if (it == schemas_.end()) {
    ColumnSchema schema = to_schema(old_.meta().schema(id), id);
    Digest d;
    st_.meta.write([&](lmdb::WriteTxn& txn) { d = st_.objects.put(txn, encode_schema(schema)); });
    it = schemas_.emplace(id, std::make_pair(d, std::move(schema))).first;
  }
  return {it->second.first, &it->second.second};
}

const ColumnSchema& Converter::schema_of(const Digest1& id) { return *schema_entry(id).second; }

Digest Converter::commit_of(const Digest1& commit) const {
  auto it = commits_.find(commit);
  if (it == commits_.end())
    fail(ErrorCode::Internal, "format-1 commit " + commit.hex() + " was not converted");
  return it->second;
}

Digest Converter::convert_commit(const Digest1& id) {
  const format1::Commit1 c = old_.meta().commit(id);
  std::vector<format1::Commit1> parents;
  Commit out;
  for (const Digest1& p : c.parents) {
    out.parents.push_back(commit_of(p));
    parents.push_back(old_.meta().commit(p));
  }
  for (const format1::Column1& col : c.columns) {
    const auto [schema_id, schema] = schema_entry(col.schema);
    // The first parent holding the column gives the base tree: only the records that differ
    // from it are converted and applied (the result does not depend on the choice).
    Digest1 base;
    for (const auto& p : parents) {
      auto same = std::find_if(p.columns.begin(), p.columns.end(),
                               [&](const format1::Column1& pc) { return pc.name == col.name; });
      if (same == p.columns.end()) continue;
      base = same->records;
      break;
    }
    const TreeStats t = convert_tree(col.records, base, *schema);
    if (t.count != col.count || t.nbytes != col.nbytes)
      fail(ErrorCode::Corrupt, "format-1 commit " + id.hex() + ": column '" + col.name + "' says " +
                                   std::to_string(col.count) + " samples of " +
                                   std::to_string(col.nbytes) + " bytes, its records hold " +
                                   std::to_string(t.count) + " of " + std::to_string(t.nbytes));
    out.columns.push_back(CommitColumn{col.name, schema_id, t.root, t.count, t.nbytes});
  }
  out.author = c.author;
  out.email = c.email;
  out.time = c.time;
  out.message = c.message;
  Digest d;
  st_.meta.write([&](lmdb::WriteTxn& txn) { d = st_.objects.put(txn, encode_commit(out)); });
  commits_.emplace(id, d);
  return d;
}

TreeStats Converter::convert_tree(const Digest1& root, const Digest1& base,
                                  const ColumnSchema& schema) {
  if (root.is_zero()) return TreeStats{};
  if (auto it = trees_.find(root); it != trees_.end()) return it->second;
  tree_ = base.is_zero() ? TreeStats{} : trees_.at(base);
  // Both trees in key order at once: a record of the base only is deleted, one of the new tree
  // only or with another value is put.
  format1::RecordCursor1 a(old_.meta(), base), b(old_.meta(), root);
  while (a.valid() || b.valid()) {
    const int cmp = !a.valid() ? 1 : !b.valid() ? -1 : compare_keys(a.key(), b.key());
    if (cmp < 0) {
      add_change(to_bytes(a.key()), std::nullopt, schema);
      a.next();
      continue;
    }
    if (cmp > 0 || a.sample() != b.sample() || a.nbytes() != b.nbytes())
      add_change(to_bytes(b.key()), std::make_pair(b.sample(), b.nbytes()), schema);
    if (cmp == 0) a.next();
    b.next();
  }
  flush(schema);
  trees_.emplace(root, tree_);
  return tree_;
}

void Converter::add_change(Bytes key, std::optional<std::pair<Digest1, std::uint64_t>> value,
                           const ColumnSchema& schema) {
  if (value && !samples_.count(value->first) && pending_ids_.insert(value->first).second) {
    const format1::Descriptor1 d = old_.meta().descriptor(value->first);
    Bytes bytes = old_.read_sample(d);
    if (bytes.size() != value->second)
      fail(ErrorCode::Corrupt, "format-1 sample " + value->first.hex() + " holds " +
                                   std::to_string(bytes.size()) + " bytes, its record says " +
                                   std::to_string(value->second));
    const Shape shape(d.shape.begin(), d.shape.end());
    const TensorView view{*dtype_from_code(d.dtype), shape, bytes};
    pending_.push_back(Pending{value->first, prepare_sample(view, chunk_options(schema))});
    pending_bytes_ += bytes.size();
  }
  changes_.push_back(Change{std::move(key), value ? std::optional(value->first) : std::nullopt});
  if (changes_.size() >= kBatchRecords || pending_bytes_ >= kBatchBytes) flush(schema);
}

void Converter::flush(const ColumnSchema& schema) {
  check_interrupt();
  // Durability order as for staging: chunks are written and indexed before any object names
  // them (the whole new repository counts only once verified, but it stays consistent).
  std::vector<storage::EncodedChunk> chunks;
  for (auto& p : pending_)
    for (auto& c : p.sample.chunks) chunks.push_back(std::move(c));
  if (!chunks.empty()) st_.chunks.write(chunks, write_backend(schema));
  if (samples_.size() + pending_.size() > kMaxRememberedSamples) {
    // Forget what no record of this batch needs: a later commit converts those again.
    std::unordered_map<Digest1, RecordValue> keep;
    for (const Change& c : changes_)
      if (c.sample && samples_.count(*c.sample)) keep.emplace(*c.sample, samples_.at(*c.sample));
    samples_.swap(keep);
  }
  st_.meta.write([&](lmdb::WriteTxn& txn) {
    for (const Pending& p : pending_) {
      if (!p.sample.descriptor.empty()) st_.objects.put(txn, p.sample.descriptor);
      samples_.insert_or_assign(p.id, p.sample.value());
    }
    std::vector<Mutation> muts;
    muts.reserve(changes_.size());
    for (const Change& c : changes_) {
      std::optional<RecordValue> v;
      if (c.sample) v = samples_.at(*c.sample);
      muts.push_back(Mutation{c.key, v});
    }
    TxnPageStore pages(st_.objects, txn, &txn);
    if (!muts.empty()) tree_ = apply_mutations(pages, tree_.root, muts);
  });
  changes_.clear();
  pending_.clear();
  pending_ids_.clear();
  pending_bytes_ = 0;
}

void Converter::write_refs_and_config(const History1& history) {
  st_.meta.write([&](lmdb::WriteTxn& txn) {
    for (const auto& [name, commit] : history.refs)
      st_.refs.compare_and_swap(txn, name, st_.refs.read(txn, name), commit_of(commit));
    st_.refs.set_head_branch(txn, history.head_branch);
  });
  for (const auto& [key, value] : old_.config())
    if (key != "format_version") st_.config.values[key] = value;
  st_.config.save(st_.dot / "config");
}

}  // namespace hangar::upgrade
