// Inline samples (docs/decisions/0014-inline-sample-descriptors.md): the record value codec (inline
// and descriptor forms, every malformed value Corrupt), the inline rule of SampleId, and on
// real repositories that samples of one chunk have no descriptor object and are read, summed
// up, diffed, merged, checked and collected without one, while samples of several chunks keep
// theirs.
#include <hangar/base/encoding.h>
#include <hangar/error.h>
#include <hangar/maintenance.h>
#include <hangar/repository.h>
#include <hangar/transfer.h>

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/descriptor.h"
#include "repo/repo_access.h"
#include "repo/repo_state.h"
#include "support/image_gen.h"
#include "support/storage_temp_dir.h"
#include "support/temp_repo.h"
#include "support/test_util.h"
#include "tree/record_value.h"

namespace hangar {
namespace {

Digest digest_n(std::uint64_t n) {
  return digest_of(ByteView{reinterpret_cast<const std::byte*>(&n), sizeof n});
}

Bytes encode(const RecordValue& v) {
  Encoder e;
  encode_record_value(e, v);
  return e.take();
}

RecordValue decode(ByteView b) {
  Decoder d(b, "test value");
  RecordValue v = decode_record_value(d);
  d.expect_end();
  return v;
}

// An inline value written field by field, so that invalid ones can be made.
Bytes raw_inline(const Digest& chunk, std::uint8_t dtype, const std::vector<std::uint64_t>& dims,
                 std::optional<std::uint64_t> rank = std::nullopt) {
  Encoder e;
  e.u8(kInlineSampleTag);
  e.digest(chunk);
  e.u8(dtype);
  e.varint(rank.value_or(dims.size()));
  for (std::uint64_t d : dims) e.varint(d);
  return e.take();
}

std::string corrupt_field(ByteView b) {
  const Error e = error_of([&] { decode(b); });
  CHECK(e.code() == ErrorCode::Corrupt);
  return e.what();
}

TEST_CASE("RecordValue codec: inline and descriptor values round-trip", "[core][inline]") {
  std::vector<RecordValue> values;
  for (const auto& [dtype, shape] : std::vector<std::pair<DType, Shape>>{
           {DType::Int64, {}},
           {DType::UInt8, {28, 28}},
           {DType::Float32, {64, 64, 3}},
           {DType::Bool, {1, 1, 1, 1, 1, 1}},
           {DType::UInt16, {1024, 2048}},  // exactly 4 MiB: still one chunk
           {DType::Float64, {0, 3}}}) {
    const bool empty = checked_element_count(shape, dtype, "t") == 0;
    const auto id = SampleId::make_inline(dtype, shape, empty ? Digest{} : digest_n(shape.size()));
    REQUIRE(id);
    CHECK(id->is_inline());
    CHECK(id->dtype() == dtype);
    CHECK(id->shape() == shape);
    CHECK(id->has_chunk() == !empty);
    values.push_back({*id, id->nbytes()});
  }
  values.push_back({SampleId::of_descriptor(digest_n(7)), 0});
  values.push_back({SampleId::of_descriptor(digest_n(8)), std::uint64_t{1} << 40});
  for (const RecordValue& v : values) {
    INFO(v.sample.hex());
    const Bytes b = encode(v);
    CHECK(decode(b) == v);
    CHECK(encode(decode(b)) == b);
    CHECK(b.size() >= kMinRecordValueBytes);
  }
  // Inline and descriptor forms of one digest are different values.
  CHECK(values[1].sample != SampleId::of_descriptor(values[1].sample.digest()));
}

TEST_CASE("RecordValue codec: the documented layout", "[core][inline]") {
  // docs/format/record-tree.md: uint8 [28,28] with chunk D = 01 D 06 02 1c 1c (nbytes 784 is
  // not stored); a descriptor reference of 300 bytes = 02 D ac 02.
  const Digest d = digest_n(1);
  Bytes want = hex_bytes("01");
  want.insert(want.end(), d.bytes.begin(), d.bytes.end());
  for (int b : {0x06, 0x02, 0x1c, 0x1c}) want.push_back(std::byte(b));
  const SampleId id = *SampleId::make_inline(DType::UInt8, {28, 28}, d);
  CHECK(encode({id, 784}) == want);
  CHECK(decode(want).nbytes == 784);
  CHECK(id.encoded() == want);  // the identity bytes: the value without a descriptor's nbytes
  Bytes ref = hex_bytes("02");
  ref.insert(ref.end(), d.bytes.begin(), d.bytes.end());
  for (int b : {0xac, 0x02}) ref.push_back(std::byte(b));
  CHECK(encode({SampleId::of_descriptor(d), 300}) == ref);
}

TEST_CASE("RecordValue codec: every strict prefix of a value is Corrupt", "[core][inline]") {
  const SampleId id = *SampleId::make_inline(DType::Float32, {300, 2, 7}, digest_n(3));
  for (const RecordValue& v : {RecordValue{id, id.nbytes()},
                               RecordValue{SampleId::of_descriptor(digest_n(4)), 1u << 30}}) {
    const Bytes b = encode(v);
    for (std::size_t n = 0; n < b.size(); ++n) {
      INFO("prefix " << n << " of " << b.size());
      CHECK(error_of([&] { decode(ByteView(b).first(n)); }).code() == ErrorCode::Corrupt);
    }
  }
}

TEST_CASE("RecordValue codec: malformed inline values are Corrupt, naming the field",
          "[core][inline]") {
  const Digest d = digest_n(5);
  CHECK(decode(raw_inline(d, 6, {28, 28})).nbytes == 784);  // the well-formed one
  Bytes bad_tag = raw_inline(d, 6, {28, 28});
  for (std::uint8_t tag : {0, 3, 0xff}) {
    bad_tag[0] = std::byte{tag};
    CHECK_THAT(corrupt_field(bad_tag), Catch::Contains("field 'value.tag'"));
  }
  for (std::uint8_t dtype : {0, 13, 200})
    CHECK_THAT(corrupt_field(raw_inline(d, dtype, {28, 28})), Catch::Contains("'value.dtype'"));
  CHECK_THAT(corrupt_field(raw_inline(d, 6, {}, 32)), Catch::Contains("'value.shape'"));
  CHECK_THAT(corrupt_field(raw_inline(d, 6, {}, std::uint64_t{1} << 60)),
             Catch::Contains("'value.shape'"));
  // Several chunks by the grid rule: 4 MiB + 1 bytes, or a product that overflows.
  CHECK_THAT(corrupt_field(raw_inline(d, 6, {(4u << 20) + 1})), Catch::Contains("several chunks"));
  CHECK_THAT(corrupt_field(raw_inline(d, 12, {1u << 20, 1u << 20, 1u << 20})),
             Catch::Contains("several chunks"));
  // A form longer than SampleId::kMaxInlineForm (15) bytes: 7 dims of 2 bytes.
  CHECK_THAT(corrupt_field(raw_inline(d, 6, {200, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1})),
             Catch::Contains("more than 15 bytes"));
  CHECK_THAT(corrupt_field(raw_inline(d, 6, {200, 200, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1})),
             Catch::Contains("more than 15 bytes"));
  // The digest is all-zero exactly when the sample has no elements.
  CHECK_THAT(corrupt_field(raw_inline(Digest{}, 6, {28, 28})), Catch::Contains("'value.digest'"));
  CHECK_THAT(corrupt_field(raw_inline(d, 6, {0, 28})), Catch::Contains("'value.digest'"));
  CHECK(decode(raw_inline(Digest{}, 6, {0, 28})).nbytes == 0);
  // A dimension written with a redundant varint byte (28 as 9c 00): one value, one encoding.
  Bytes long_varint = raw_inline(d, 6, {28});
  long_varint.back() = std::byte{0x9c};
  long_varint.push_back(std::byte{0x00});
  CHECK(error_of([&] { decode(long_varint); }).code() == ErrorCode::Corrupt);
  // Trailing bytes after a value are the container's business (a page or a staged entry).
  Bytes trailing = raw_inline(d, 6, {28});
  trailing.push_back(std::byte{0});
  CHECK(error_of([&] { decode(trailing); }).code() == ErrorCode::Corrupt);
}

TEST_CASE("SampleId: a sample is inline when it is one chunk and its shape is short",
          "[core][inline]") {
  const Digest d = digest_n(9);
  CHECK(SampleId::make_inline(DType::UInt8, {4u << 20}, d));
  CHECK_FALSE(SampleId::make_inline(DType::UInt8, {(4u << 20) + 1}, d));
  CHECK_FALSE(SampleId::make_inline(DType::Float32, {1024, 1025}, d));
  CHECK(SampleId::make_inline(DType::UInt8, Shape(13, 1), d));        // 15 bytes of form
  CHECK_FALSE(SampleId::make_inline(DType::UInt8, Shape(14, 1), d));  // 16 bytes
  CHECK_FALSE(SampleId::make_inline(DType::UInt8, {200, 200, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, d));
  // No elements: no chunk, whatever digest is given; any shape size.
  const auto empty = SampleId::make_inline(DType::Float64, {0, std::uint64_t{1} << 50}, d);
  REQUIRE(empty);
  CHECK_FALSE(empty->has_chunk());
  CHECK(empty->nbytes() == 0);
  CHECK(error_of([&] { SampleId::make_inline(DType::UInt8, Shape(32, 1), d); }).code() ==
        ErrorCode::InvalidArgument);
  // The identity bytes differ between forms, dtypes and shapes of the same chunk.
  CHECK(SampleId::make_inline(DType::UInt8, {8, 4}, d) !=
        SampleId::make_inline(DType::Int8, {8, 4}, d));
  CHECK(SampleId::make_inline(DType::UInt8, {8, 4}, d) !=
        SampleId::make_inline(DType::UInt8, {32}, d));
  CHECK(SampleId::make_inline(DType::UInt8, {8, 4}, d)->encoded() !=
        SampleId::of_descriptor(d).encoded());
}

TEST_CASE("Staging: a truncated or malformed staged value is Corrupt", "[core][inline]") {
  const SampleId id = *SampleId::make_inline(DType::UInt8, {28, 28}, digest_n(2));
  Encoder e;
  e.u8(1);
  encode_record_value(e, {id, 784});
  const Bytes b = e.take();
  CHECK(Staging::decode_sample(b) == StagedSample{RecordValue{id, 784}});
  for (std::size_t n = 1; n < b.size(); ++n)
    CHECK(error_of([&] { Staging::decode_sample(ByteView(b).first(n)); }).code() ==
          ErrorCode::Corrupt);
}

// ---- on repositories ----

namespace fs = std::filesystem;

struct TempRepo : testing::TempRepo {
  TempRepo() : testing::TempRepo("inline") {}
  detail::RepoState& state() { return detail::state_of(repo); }
  std::uint64_t loads() { return state().descriptor_loads.load(); }
  // Descriptor objects in the meta env.
  std::uint64_t descriptor_objects() {
    std::uint64_t n = 0;
    const lmdb::ReadTxn txn = state().meta.begin_read();
    for (auto [k, v] : lmdb::prefix_range(txn, state().objects.table(), ByteView{}))
      if (!v.empty() && v.front() == std::byte{static_cast<std::uint8_t>(ObjectType::Descriptor)})
        ++n;
    return n;
  }
  void create(const std::string& name, DType dtype, Shape shape, bool variable = false) {
    ColumnSchema s;
    s.name = name;
    s.dtype = dtype;
    s.shape = std::move(shape);
    s.variable_shape = variable;
    repo.create_column(s);
  }
  void put(const std::string& column, std::uint64_t key, const Tensor& t) {
    repo.put(column, Key(key), std::nullopt, t.view());
  }
};

Tensor image(std::uint64_t seed) { return test::make_random_tensor(DType::UInt8, {28, 28}, seed); }

TEST_CASE(
    "Inline samples: no descriptor objects, and reads, summary, diff, merge, fsck and gc "
    "look none up",
    "[core][inline]") {
  TempRepo r;
  r.create("images", DType::UInt8, {28, 28});
  r.create("label", DType::Int64, {});
  for (std::uint64_t k = 0; k < 300; ++k) {
    r.put("images", k, image(k));
    const std::int64_t label = static_cast<std::int64_t>(k % 10);
    r.put("label", k,
          Tensor(DType::Int64, {},
                 Bytes(reinterpret_cast<const std::byte*>(&label),
                       reinterpret_cast<const std::byte*>(&label) + 8)));
  }
  const Digest base = r.repo.commit("base");
  r.repo.create_branch("dev", std::nullopt);
  r.repo.checkout("dev");
  for (std::uint64_t k : {3u, 150u, 299u}) r.put("images", k, image(1000 + k));
  r.repo.remove("images", {{Key(std::uint64_t{7}), std::nullopt}});
  const Digest dev = r.repo.commit("dev");
  r.repo.checkout("main");
  r.put("images", 200, image(2000));
  r.repo.commit("main");
  CHECK(r.descriptor_objects() == 0);

  const std::uint64_t before = r.loads();
  const Checkout view = r.repo.checkout_at(dev);
  CHECK(view.get("images", Key(std::uint64_t{3})) == image(1003));
  CHECK(view.get("images", Key(std::uint64_t{4})) == image(4));
  const ColumnStats stats = view.stats("images");
  CHECK(stats.count == 299);
  CHECK(stats.local_count == 299);
  CHECK(stats.local_nbytes == 299 * 784);
  std::uint64_t read = 0;
  view.for_each("label", [&](const SampleRef& ref) {
    CHECK(ref.sample.is_inline());
    CHECK(view.sample_shape(ref).empty());
    read += view.read(ref).nbytes();
    return true;
  });
  CHECK(read == 300 * 8);
  const DiffResult d = r.repo.diff({DiffSide::at(base), DiffSide::at(dev), DiffDetail::Stats});
  REQUIRE(d.columns.count("images"));
  CHECK(d.columns.at("images").counts.mutated == 3);
  CHECK(d.columns.at("images").counts.deleted == 1);
  for (const MutatedSample& m : d.columns.at("images").mutated) CHECK(m.stats);
  const MergeResult m = r.repo.merge("dev", {});
  CHECK(m.kind == MergeResult::Kind::Merged);
  CHECK(r.repo.checkout_at(*m.commit).get("images", Key(std::uint64_t{200})) == image(2000));
  const FsckReport report = fsck(r.repo, true);
  CHECK(report.ok());
  CHECK(report.samples == 300 + 3 + 1 + 10);  // distinct samples: images, changes, labels
  CHECK(gc(r.repo, true).chunks == 0);
  transfer::HistoryReader history(r.repo);
  std::vector<Digest> chunks;
  const auto objects =
      history.plan_history(history.commits_between(std::vector<Digest>{dev}, {}), &chunks);
  for (const auto& o : objects) CHECK(o.type != transfer::ObjectType::Descriptor);
  CHECK(chunks.size() == 300 + 3 + 10);
  CHECK(r.loads() == before);  // not one descriptor object read
}

TEST_CASE("Inline samples: samples of several chunks keep a descriptor object and still work",
          "[core][inline]") {
  TempRepo r;
  // Variable shape: small samples are inline, large ones (over 4 MiB) are cut into chunks.
  r.create("v", DType::UInt8, {3000, 3000}, true);
  const Tensor small = test::make_random_tensor(DType::UInt8, {100, 100}, 1);
  const Tensor big = test::make_random_tensor(DType::UInt8, {2500, 2000}, 2);  // 5 MB: 8 chunks
  r.put("v", 1, small);
  r.put("v", 2, big);
  r.put("v", 3, big);  // the same sample: one descriptor object
  const Digest c1 = r.repo.commit("one");
  CHECK(r.descriptor_objects() == 1);
  {
    const Checkout view = r.repo.checkout_at(c1);
    CHECK(view.find("v", Key(std::uint64_t{1}))->sample.is_inline());
    CHECK_FALSE(view.find("v", Key(std::uint64_t{2}))->sample.is_inline());
    const std::uint64_t before = r.loads();
    CHECK(view.get("v", Key(std::uint64_t{1})) == small);
    CHECK(r.loads() == before);
    CHECK(view.get("v", Key(std::uint64_t{2})) == big);
    CHECK(r.loads() == before + 1);
  }
  // A region write re-stores the touched chunk only, and stays a descriptor object.
  const Tensor patch = test::make_random_tensor(DType::UInt8, {10, 10}, 3);
  r.repo.put_region("v", Key(std::uint64_t{2}), std::nullopt, {0, 0}, patch.view());
  // A sample that goes from one chunk to several (and back) is mutated by diff.
  r.put("v", 1, big);
  r.put("v", 3, small);
  const Digest c2 = r.repo.commit("two");
  CHECK(r.descriptor_objects() == 2);
  const DiffResult d = r.repo.diff({DiffSide::at(c1), DiffSide::at(c2), DiffDetail::Stats});
  CHECK(d.columns.at("v").counts.mutated == 3);
  Tensor want = big;
  for (std::uint64_t y = 0; y < 10; ++y)
    for (std::uint64_t x = 0; x < 10; ++x)
      want.mutable_data()[y * 2000 + x] = patch.data()[y * 10 + x];
  const Checkout view = r.repo.checkout_at(c2);
  CHECK(view.get("v", Key(std::uint64_t{2})) == want);
  CHECK(view.get("v", Key(std::uint64_t{1})) == big);
  CHECK(view.get("v", Key(std::uint64_t{3})) == small);
  CHECK(view.get_slice("v", Key(std::uint64_t{2}), std::nullopt, parse_slice("0:2, 0:3")).shape() ==
        Shape{2, 3});
  const FsckReport report = fsck(r.repo, true);
  CHECK(report.ok());
  CHECK(gc(r.repo, false).objects == 0);  // both descriptors reachable
  CHECK(fsck(r.repo, true).ok());
}

TEST_CASE("Inline samples: fsck reports a descriptor object of a one-chunk sample, peers refuse it",
          "[core][inline]") {
  TempRepo r;
  r.create("images", DType::UInt8, {28, 28});
  r.put("images", 1, image(1));
  r.repo.commit("one");
  // What an older or broken writer might make: the sample by a descriptor object.
  const Descriptor d =
      inline_descriptor(r.repo.staged_view().find("images", Key(std::uint64_t{1}))->sample);
  const Bytes object = encode_descriptor(d);
  const Digest id = digest_of(object);
  auto& st = r.state();
  st.meta.write([&](lmdb::WriteTxn& txn) {
    st.objects.put(txn, object);
    st.staging.put_sample(txn, "images", Key(std::uint64_t{2}).encoded(),
                          RecordValue{SampleId::of_descriptor(id), 784});
  });
  CHECK(r.repo.staged_view().get("images", Key(std::uint64_t{2})) == image(1));
  const FsckReport report = fsck(r.repo, false);
  REQUIRE(report.problems.size() == 1);
  CHECK(report.problems[0].kind == "descriptor");
  CHECK(report.problems[0].digest == id);
  const Error e =
      error_of([&] { transfer::verify_object(transfer::ObjectType::Descriptor, id, object); });
  CHECK(e.code() == ErrorCode::Corrupt);
  CHECK_THAT(e.what(), Catch::Contains("inline"));
}

}  // namespace
}  // namespace hangar
