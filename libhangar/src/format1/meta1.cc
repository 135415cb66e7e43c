// The format-1 meta environment (meta1.h).
#include "format1/meta1.h"

#include <hangar/error.h>

namespace hangar::format1 {
namespace lmdb = storage::lmdb;
namespace {

const std::vector<std::string> kTables = {"objects", "refs", "staged_columns", "staged_samples"};
constexpr std::string_view kHeadsPrefix = "refs/heads/";

std::string_view kind_name(Kind1 kind) noexcept {
  switch (kind) {
    case Kind1::Commit:
      return "commit";
    case Kind1::Schema:
      return "schema";
    case Kind1::Descriptor:
      return "sample descriptor";
    case Kind1::LeafPage:
    case Kind1::InternalPage:
      return "record page";
  }
  return "object";
}

}  // namespace

Meta1::Meta1(lmdb::Env env, lmdb::ReadTxn txn) : env_(std::move(env)), txn_(std::move(txn)) {}

Meta1 Meta1::open(const std::filesystem::path& meta_dir) {
  lmdb::EnvOptions options;
  options.read_only = true;
  options.no_lock = true;
  lmdb::Env env = lmdb::Env::open(meta_dir, kTables, options);
  lmdb::ReadTxn txn = env.begin_read();
  return Meta1(std::move(env), std::move(txn));
}

ByteView Meta1::object(Kind1 kind, const Digest1& id) const {
  const std::string what = std::string(kind_name(kind)) + " " + id.hex();
  auto bytes = txn_.get(env_.table("objects"), id.view());
  if (!bytes) fail(ErrorCode::NotFound, what + " is missing from the format-1 repository");
  const bool is_page = kind == Kind1::LeafPage || kind == Kind1::InternalPage;
  const auto first = bytes->empty() ? 0 : std::to_integer<std::uint8_t>(bytes->front());
  const bool kind_ok =
      is_page ? (first == 0x04 || first == 0x05) : first == static_cast<std::uint8_t>(kind);
  if (!kind_ok) fail(ErrorCode::Corrupt, "corrupt " + what + ": it holds another kind of object");
  const Digest1 got = digest1_of(*bytes);
  if (got != id)
    fail(ErrorCode::Corrupt, "corrupt " + what + ": digest mismatch, got " + got.hex());
  return *bytes;
}

bool Meta1::contains(const Digest1& id) const {
  return txn_.get(env_.table("objects"), id.view()).has_value();
}

Commit1 Meta1::commit(const Digest1& id) const {
  return decode_commit1(id, object(Kind1::Commit, id));
}

Schema1 Meta1::schema(const Digest1& id) const {
  return decode_schema1(id, object(Kind1::Schema, id));
}

Descriptor1 Meta1::descriptor(const Digest1& id) const {
  return decode_descriptor1(id, object(Kind1::Descriptor, id));
}

std::string Meta1::head_branch() const {
  auto v = txn_.get(env_.table("refs"), as_bytes(std::string_view("HEAD")));
  if (!v) fail(ErrorCode::Corrupt, "corrupt format-1 repository: HEAD is missing");
  const std::string_view ref = as_string_view(*v);
  if (!ref.starts_with(kHeadsPrefix) || ref.size() == kHeadsPrefix.size())
    fail(ErrorCode::Corrupt, "corrupt format-1 repository: HEAD names '" + std::string(ref) + "'");
  return std::string(ref.substr(kHeadsPrefix.size()));
}

std::vector<std::pair<std::string, Digest1>> Meta1::refs() const {
  std::vector<std::pair<std::string, Digest1>> out;
  for (auto [k, v] : lmdb::range(txn_, env_.table("refs"))) {
    std::string name(as_string_view(k));
    if (name == "HEAD") continue;
    out.emplace_back(name, Digest1::from_bytes(v, "ref '" + name + "'"));
  }
  return out;
}

StagedCounts1 Meta1::staged() const {
  return {txn_.count(env_.table("staged_columns")), txn_.count(env_.table("staged_samples"))};
}

}  // namespace hangar::format1
