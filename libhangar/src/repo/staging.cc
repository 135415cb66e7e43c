// Staging tables.
#include "repo/staging.h"

#include <hangar/base/encoding.h>
#include <hangar/error.h>

namespace hangar {
namespace {

Bytes sample_key(std::string_view column, ByteView key) {
  Bytes k(as_bytes(column).begin(), as_bytes(column).end());
  k.push_back(std::byte{0});
  k.insert(k.end(), key.begin(), key.end());
  return k;
}

Bytes column_prefix(std::string_view column) { return sample_key(column, {}); }

}  // namespace

std::optional<StagedColumn> Staging::find_column(const lmdb::Txn& txn,
                                                 std::string_view name) const {
  auto v = txn.get(columns_, as_bytes(name));
  if (!v) return std::nullopt;
  Decoder d(*v, "staged column '" + std::string(name) + "'");
  StagedColumn c;
  auto kind = d.u8("kind");
  if (kind == 1 || kind == 3) {
    c.kind = kind == 1 ? StagedColumn::Kind::Created : StagedColumn::Kind::Changed;
    c.schema = d.digest("schema");
  } else if (kind == 2) {
    c.kind = StagedColumn::Kind::Deleted;
  } else {
    d.corrupt("kind", "unknown value");
  }
  d.expect_end();
  return c;
}

std::map<std::string, StagedColumn> Staging::columns(const lmdb::Txn& txn) const {
  std::map<std::string, StagedColumn> out;
  std::vector<std::string> names;
  for (auto [k, v] : lmdb::range(txn, columns_)) names.emplace_back(as_string_view(k));
  for (const auto& n : names) out[n] = *find_column(txn, n);
  return out;
}

void Staging::set_column(lmdb::WriteTxn& txn, std::string_view name, const StagedColumn& c) const {
  Encoder e;
  e.u8(static_cast<std::uint8_t>(c.kind));
  if (c.kind != StagedColumn::Kind::Deleted) e.digest(c.schema);
  txn.put(columns_, as_bytes(name), e.buffer());
}

void Staging::erase_column(lmdb::WriteTxn& txn, std::string_view name) const {
  txn.del(columns_, as_bytes(name));
}

StagedSample Staging::decode_sample(ByteView v) {
  Decoder d(v, "staged sample");
  auto tag = d.u8("tag");
  if (tag == 0) {
    d.expect_end();
    return std::nullopt;
  }
  if (tag != 1) d.corrupt("tag", "unknown value");
  const RecordValue r = decode_record_value(d);
  d.expect_end();
  return r;
}

std::optional<StagedSample> Staging::find_sample(const lmdb::Txn& txn, std::string_view column,
                                                 ByteView key) const {
  auto v = txn.get(samples_, sample_key(column, key));
  if (!v) return std::nullopt;
  return decode_sample(*v);
}

void Staging::put_sample(lmdb::WriteTxn& txn, std::string_view column, ByteView key,
                         const StagedSample& s) const {
  Encoder e;
  e.u8(s ? 1 : 0);
  if (s) encode_record_value(e, *s);
  txn.put(samples_, sample_key(column, key), e.buffer());
}

void Staging::erase_sample(lmdb::WriteTxn& txn, std::string_view column, ByteView key) const {
  txn.del(samples_, sample_key(column, key));
}

void Staging::clear_samples(lmdb::WriteTxn& txn, std::string_view column) const {
  std::vector<Bytes> keys;
  for (auto [k, v] : lmdb::prefix_range(txn, samples_, column_prefix(column)))
    keys.emplace_back(k.begin(), k.end());
  for (const auto& k : keys) txn.del(samples_, k);
}

void Staging::for_each_sample(const lmdb::Txn& txn, std::string_view column,
                              const std::function<bool(ByteView key, const StagedSample&)>& fn,
                              ByteView from) const {
  const Bytes prefix = column_prefix(column);
  Bytes end = prefix;
  end.back() = std::byte{1};  // first key after every "<column>\0..." key
  for (auto [k, v] : lmdb::range(txn, samples_, sample_key(column, from), ByteView(end)))
    if (!fn(k.subspan(prefix.size()), decode_sample(v))) return;
}

std::vector<std::string> Staging::sample_columns(const lmdb::Txn& txn) const {
  std::vector<std::string> out;
  auto cursor = txn.cursor(samples_);
  auto e = cursor.first();
  while (e) {
    std::string_view k = as_string_view(e->key);
    std::string name(k.substr(0, k.find('\0')));
    out.push_back(name);
    Bytes next = column_prefix(name);
    next.back() = std::byte{1};  // first key after every "<name>\0..." key
    e = cursor.seek(next);
  }
  return out;
}

bool Staging::empty(const lmdb::Txn& txn) const {
  return txn.count(columns_) == 0 && txn.count(samples_) == 0;
}

void Staging::clear(lmdb::WriteTxn& txn) const {
  txn.clear(columns_);
  txn.clear(samples_);
}

}  // namespace hangar
