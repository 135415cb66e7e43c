// Read views of one commit or of the staged state.
#include <hangar/checkout.h>
#include <hangar/error.h>
#include <hangar/repository.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>
#include <vector>

#include "model/chunked_io.h"
#include "model/record_key.h"
#include "repo/column_view.h"
#include "repo/repo_state.h"
#include "transfer/transfer_detail.h"
#include "tree/record_finder.h"
#include "tree/record_tree.h"

namespace hangar {
namespace detail {

struct CheckoutState {
  const RepoState* repo;
  lmdb::ReadTxn txn;
  std::optional<Digest> commit;
  bool staged;
  std::map<std::string, ColumnBase> columns;
  TxnPageStore pages;
  RecordFinder finder{pages};  // keeps decoded pages: a checkout looks many keys up
  storage::ChunkReader reader;
  unsigned read_threads = default_read_threads();  // for samples of several chunks

  CheckoutState(const RepoState& r, lmdb::ReadTxn t, std::optional<Digest> c, bool s)
      : repo(&r),
        txn(std::move(t)),
        commit(c),
        staged(s),
        columns(s ? staged_columns(r, txn) : commit_columns(r, txn, c)),
        pages(r.objects, txn),
        reader(r.chunks.reader()) {
    pages.release_every(&r.meta);
  }

  std::string where() const {
    if (staged) return "the staged state";
    return "commit " + commit->short_hex();
  }

  // The revision a fetch-data hint names: HEAD for the staged state (its samples that are
  // not local come from HEAD's commit), else the commit read.
  std::string revision() const { return staged ? std::string("HEAD") : commit->short_hex(); }

  const ColumnBase& column(std::string_view name) const {
    auto it = columns.find(std::string(name));
    if (it == columns.end())
      fail(ErrorCode::NotFound, "no column '" + std::string(name) + "' at " + where(),
           Hint{.action = HintAction::ColumnList});
    return it->second;
  }

  std::optional<RecordValue> lookup(const std::string& name, const ColumnBase& base, ByteView rk) {
    if (staged) {
      if (auto s = repo->staging.find_sample(txn, name, rk)) return *s;
    }
    return finder.find(base.root, rk);
  }

  SampleRef make_ref(const ColumnBase& base, ByteView rk, const RecordValue& v) const {
    auto [key, sub] = split_record_key(base.schema, rk);
    return SampleRef{std::move(key), std::move(sub), v.sample, v.nbytes};
  }
};

}  // namespace detail

Checkout::Checkout(std::unique_ptr<detail::CheckoutState> state) : state_(std::move(state)) {}
Checkout::Checkout(Checkout&&) noexcept = default;
Checkout& Checkout::operator=(Checkout&&) noexcept = default;
Checkout::~Checkout() = default;

Checkout Repository::checkout_at(const Digest& commit) const {
  auto txn = state_->meta.begin_read();
  state_->load_commit(txn, commit);  // NotFound early, with the digest
  return Checkout(std::make_unique<detail::CheckoutState>(*state_, std::move(txn), commit, false));
}

Checkout Repository::staged_view() const {
  auto txn = state_->meta.begin_read();
  auto head = state_->head(txn);
  return Checkout(std::make_unique<detail::CheckoutState>(*state_, std::move(txn), head, true));
}

std::optional<Digest> Checkout::commit() const { return state_->commit; }

std::vector<std::string> Checkout::column_names() const {
  std::vector<std::string> out;
  for (const auto& [name, c] : state_->columns) out.push_back(name);
  return out;
}

bool Checkout::has_column(std::string_view column) const {
  return state_->columns.count(std::string(column)) != 0;
}

const ColumnSchema& Checkout::schema(std::string_view column) const {
  return state_->column(column).schema;
}

std::uint64_t Checkout::count(std::string_view column) const {
  const auto& base = state_->column(column);
  if (!state_->staged) return base.count;
  auto d = staged_delta(*state_->repo, state_->txn, std::string(column), base);
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(base.count) + d.count_change);
}

std::uint64_t Checkout::nbytes(std::string_view column) const {
  const auto& base = state_->column(column);
  if (!state_->staged) return base.nbytes;
  auto d = staged_delta(*state_->repo, state_->txn, std::string(column), base);
  return static_cast<std::uint64_t>(static_cast<std::int64_t>(base.nbytes) + d.nbytes_change);
}

ColumnStats Checkout::stats(std::string_view column) const {
  ColumnStats s;
  auto local = [&](std::uint64_t nbytes) {
    ++s.local_count;
    s.local_nbytes += nbytes;
  };
  // A repository that cannot lack chunks (no clone, no remote) holds every chunk it references:
  // nothing to look up. Otherwise the chunks of inline samples are looked up in batches, in
  // index order (ChunkReader::find_many), so that the lookups of a large column map a bounded
  // part of the location index.
  const bool all_local = !state_->repo->may_lack_chunks();
  std::vector<Digest> batch;
  std::vector<std::uint64_t> batch_nbytes;
  auto flush = [&] {
    const auto found = state_->reader.find_many(batch);
    for (std::size_t i = 0; i < found.size(); ++i)
      if (found[i]) local(batch_nbytes[i]);
    batch.clear();
    batch_nbytes.clear();
  };
  for_each(column, [&](const SampleRef& ref) {
    ++s.count;
    s.nbytes += ref.nbytes;
    if (all_local || (ref.sample.is_inline() && !ref.sample.has_chunk())) {
      local(ref.nbytes);
    } else if (ref.sample.is_inline()) {
      batch.push_back(ref.sample.digest());
      batch_nbytes.push_back(ref.nbytes);
      if (batch.size() == kLookupBatch) flush();
    } else if (is_local(ref)) {
      local(ref.nbytes);
    }
    return true;
  });
  flush();
  return s;
}

Key Checkout::key_from_text(std::string_view column, std::string_view text) const {
  Key parsed = Key::parse(text);
  if (!parsed.is_int()) return parsed;
  const auto& base = state_->column(column);
  // Record keys of nested columns start with the key's encoding; probe by prefix for them.
  auto exists = [&](const Key& k) {
    const Bytes enc = k.encoded();
    if (base.schema.layout == Layout::Flat)
      return state_->lookup(std::string(column), base, enc).has_value();
    bool found = false;
    RecordCursor cursor(state_->pages, base.root);
    cursor.seek(enc);
    found = cursor.valid() && cursor.key().size() >= enc.size() &&
            std::equal(enc.begin(), enc.end(), cursor.key().begin());
    if (!found && state_->staged)
      state_->repo->staging.for_each_sample(
          state_->txn, std::string(column), [&](ByteView key, const StagedSample& st) {
            if (key.size() >= enc.size() && std::equal(enc.begin(), enc.end(), key.begin()))
              found = st.has_value();
            return !found;
          });
    return found;
  };
  if (exists(parsed)) return parsed;
  Key as_string{std::string(text)};
  return exists(as_string) ? as_string : parsed;
}

std::optional<SampleRef> Checkout::find(std::string_view column, const Key& key,
                                        const std::optional<Key>& subkey) const {
  const auto& base = state_->column(column);
  Bytes rk = detail::record_key(base.schema, key, subkey);
  auto v = state_->lookup(std::string(column), base, rk);
  if (!v) return std::nullopt;
  return SampleRef{key, subkey, v->sample, v->nbytes};
}

Tensor Checkout::get(std::string_view column, const Key& key,
                     const std::optional<Key>& subkey) const {
  auto ref = find(column, key, subkey);
  if (!ref)
    fail(ErrorCode::NotFound, "no sample " + detail::sample_name(std::string(column), key, subkey) +
                                  " at " + state_->where());
  try {
    return read(*ref);
  } catch (const Error& e) {
    throw e.with_context("cannot read " + detail::sample_name(std::string(column), key, subkey));
  }
}

namespace {

// The chunks of `d` that are not local, each once, appended to `out`.
void missing_chunks_of(storage::ChunkReader& reader, const Descriptor& d,
                       std::unordered_set<Digest>& seen, std::vector<Digest>& out) {
  for (const Digest& c : d.chunks)
    if (seen.insert(c).second && !reader.find(c)) out.push_back(c);
}

// Runs `read`. When it finds a chunk missing and a fetcher is installed (lazy reads), fetches
// the sample's missing chunks and runs it again. A NotLocal error that remains gets the
// fetch-data command that brings the sample here (and, when a fetch ran, names its source).
template <typename F>
auto read_lazily(detail::CheckoutState& st, const SampleRef& ref, const Descriptor& d, F&& read) {
  try {
    return read();
  } catch (const Error& e) {
    if (e.code() != ErrorCode::NotLocal) throw;
  }
  std::unordered_set<Digest> seen;
  std::vector<Digest> missing;
  missing_chunks_of(st.reader, d, seen, missing);
  if (st.repo->fetch_chunks(missing)) {
    try {
      return read();
    } catch (const Error& e) {
      if (e.code() != ErrorCode::NotLocal) throw;
      fail(ErrorCode::NotLocal,
           std::string(e.what()) + " and " + st.repo->fetcher->source() +
               " does not have it either; add a remote that has it",
           Hint{.action = HintAction::FetchData,
                .revision = st.revision(),
                .keys = {ref.key.to_string()}});
    }
  }
  fail(ErrorCode::NotLocal,
       "sample '" + ref.key.to_string() + "' of " + st.where() + " is not local",
       Hint{.action = HintAction::FetchSample,
            .remote = detail::hint_remote(*st.repo),
            .revision = st.revision(),
            .keys = {ref.key.to_string()}});
}

}  // namespace

Tensor Checkout::read(const SampleRef& ref) const {
  Descriptor d = state_->repo->descriptor_of(state_->txn, ref.sample);
  return read_lazily(*state_, ref, d, [&] {
    Tensor t = new_tensor(d);
    read_sample_into(&state_->repo->chunks, state_->reader, d, t.mutable_data(),
                     state_->read_threads);
    return t;
  });
}

void Checkout::read_into(const SampleRef& ref, MutableByteView out) const {
  Descriptor d = state_->repo->descriptor_of(state_->txn, ref.sample);
  if (out.size() != d.nbytes())
    fail(ErrorCode::InvalidArgument, "buffer of " + std::to_string(out.size()) +
                                         " bytes for sample '" + ref.key.to_string() + "' of " +
                                         std::to_string(d.nbytes()) + " bytes");
  read_lazily(*state_, ref, d, [&] {
    read_sample_into(&state_->repo->chunks, state_->reader, d, out, state_->read_threads);
    return 0;
  });
}

void Checkout::set_read_threads(unsigned threads) noexcept {
  state_->read_threads = std::max(threads, 1u);
}

Tensor Checkout::read_slice(const SampleRef& ref, const Slice& slice) const {
  Descriptor d = state_->repo->descriptor_of(state_->txn, ref.sample);
  const ResolvedSlice resolved = resolve_slice(slice, d.shape);
  return read_lazily(*state_, ref, d, [&] {  // decodes only the chunks it touches
    return read_sample_slice(state_->reader, d, resolved, &state_->repo->chunks,
                             state_->read_threads);
  });
}

Tensor Checkout::get_slice(std::string_view column, const Key& key,
                           const std::optional<Key>& subkey, const Slice& slice) const {
  auto ref = find(column, key, subkey);
  if (!ref)
    fail(ErrorCode::NotFound, "no sample " + detail::sample_name(std::string(column), key, subkey) +
                                  " at " + state_->where());
  try {
    return read_slice(*ref, slice);
  } catch (const Error& e) {
    throw e.with_context("cannot read " + detail::sample_name(std::string(column), key, subkey));
  }
}

bool Checkout::is_local(const SampleRef& ref) const {
  if (ref.sample.is_inline())  // one location lookup, no descriptor
    return !ref.sample.has_chunk() || state_->reader.find(ref.sample.digest()).has_value();
  Descriptor d = state_->repo->descriptor_of(state_->txn, ref.sample);
  return sample_is_local(state_->reader, d);
}

std::uint64_t Checkout::fetch_missing(std::span<const SampleRef> refs) const {
  std::unordered_set<Digest> seen;
  std::vector<Digest> missing;
  for (const SampleRef& ref : refs)
    missing_chunks_of(state_->reader, state_->repo->descriptor_of(state_->txn, ref.sample), seen,
                      missing);
  if (missing.empty() || !state_->repo->fetch_chunks(missing)) return 0;
  return missing.size();
}

Shape Checkout::sample_shape(const SampleRef& ref) const {
  if (ref.sample.is_inline()) return ref.sample.shape();
  return state_->repo->descriptor_of(state_->txn, ref.sample).shape;
}

void Checkout::read_all(std::string_view column,
                        const std::function<bool(const SampleRef&, Tensor&)>& visit) const {
  std::vector<SampleRef> refs;
  refs.reserve(kLookupBatch);
  std::vector<Digest> chunks;
  bool go = true;
  auto flush = [&] {
    chunks.clear();
    for (const SampleRef& ref : refs) {
      if (ref.sample.is_inline()) {
        if (ref.sample.has_chunk()) chunks.push_back(ref.sample.digest());
      } else {
        const Descriptor d = state_->repo->descriptor_of(state_->txn, ref.sample);
        chunks.insert(chunks.end(), d.chunks.begin(), d.chunks.end());
      }
    }
    state_->reader.prefetch(chunks);  // the batch's locations, looked up in index order
    for (const SampleRef& ref : refs) {
      Tensor t = read(ref);
      if (!(go = visit(ref, t))) break;
    }
    refs.clear();
  };
  for_each(column, [&](const SampleRef& ref) {
    refs.push_back(ref);
    if (refs.size() == kLookupBatch) flush();
    return go;
  });
  if (go && !refs.empty()) flush();
  state_->reader.prefetch({});
}

void Checkout::for_each(std::string_view column,
                        const std::function<bool(const SampleRef&)>& visit) const {
  const auto& base = state_->column(column);
  const std::string name(column);
  RecordCursor cursor(state_->pages, base.root);
  cursor.seek({});
  auto key_less = [](ByteView a, ByteView b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end());
  };
  bool go = true;
  if (state_->staged) {
    state_->repo->staging.for_each_sample(
        state_->txn, name, [&](ByteView skey, const StagedSample& s) {
          while (go && cursor.valid() && key_less(cursor.key(), skey)) {
            go = visit(state_->make_ref(base, cursor.key(), cursor.value()));
            cursor.next();
          }
          if (!go) return false;
          if (cursor.valid() && !key_less(skey, cursor.key())) cursor.next();  // replaced
          if (s) go = visit(state_->make_ref(base, skey, *s));
          return go;
        });
  }
  while (go && cursor.valid()) {
    go = visit(state_->make_ref(base, cursor.key(), cursor.value()));
    cursor.next();
  }
}

}  // namespace hangar
