// Backend "h0" specifics: the pack layout as any HDF5 reader sees it (through the zstd filter),
// write-once packs, damaged and missing pack files, leftovers of a crashed writer.
#include "hdf5_pack.h"

#include <hangar/error.h>
#include <hangar/storage/chunks.h>
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "conformance/backend_fixtures.h"
#include "hdf5_handle.h"
#include "hdf5_zstd_filter.h"

using namespace hangar::storage;
using hangar::Bytes;
using hangar::ErrorCode;
using hangar::testing::code_of;
using hangar::testing::noise;
using hangar::testing::pattern;

namespace {

struct Pack {
  h5::Session session;
  h5::File file;
  explicit Pack(const std::filesystem::path& p)
      : file(H5Fopen(p.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)) {
    REQUIRE(file);
  }
  // Reads row `row` of "<table>/<name>" through the normal HDF5 path (filters applied).
  Bytes row(const std::string& table, const char* name, hsize_t row) {
    h5::Dataset ds(H5Dopen2(file.get(), (table + "/" + name).c_str(), H5P_DEFAULT));
    REQUIRE(ds);
    h5::Dataspace space(H5Dget_space(ds.get()));
    hsize_t dims[2];
    REQUIRE(H5Sget_simple_extent_dims(space.get(), dims, nullptr) == 2);
    REQUIRE(row < dims[0]);
    const hsize_t start[2] = {row, 0}, count[2] = {1, dims[1]};
    REQUIRE(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) >= 0);
    h5::Dataspace mem(H5Screate_simple(2, count, nullptr));
    Bytes out(dims[1]);
    REQUIRE(H5Dread(ds.get(), H5T_NATIVE_UINT8, mem.get(), space.get(), H5P_DEFAULT, out.data()) >=
            0);
    return out;
  }
  hsize_t rows(const std::string& table) {
    h5::Dataset ds(H5Dopen2(file.get(), (table + "/data").c_str(), H5P_DEFAULT));
    h5::Dataspace space(H5Dget_space(ds.get()));
    hsize_t dims[2] = {0, 0};
    H5Sget_simple_extent_dims(space.get(), dims, nullptr);
    return dims[0];
  }
};

std::vector<std::filesystem::path> packs_in(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (h5::parse_pack_file_name(e.path().filename().string()) != 0) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TEST_CASE("Hdf5ChunkStore: rows read through HDF5 and the zstd filter give the raw bytes",
          "[conformance][hdf5]") {
  hangar::testing::StorageTempDir dir("h5");
  auto store = Hdf5ChunkStore::open(dir.path(), false);
  const Bytes a = pattern(100000, 1), b = noise(100000, 2), c = pattern(777, 3);
  std::vector<EncodedChunk> chunks{encode_chunk(a, 3), encode_chunk(b, 3), encode_chunk(c, 3)};
  REQUIRE(chunks[0].codec == ChunkCodec::Zstd);
  REQUIRE(chunks[1].codec == ChunkCodec::Raw);
  std::vector<ChunkLocation> locs;
  for (const auto& ch : chunks)
    locs.push_back(store->append(ch.digest, ch.codec, ch.raw_size, ch.stored));
  store->flush();
  const auto packs = packs_in(store->dir());
  REQUIRE(packs.size() == 1);
  CHECK(store->pack_path(locs[0]) == packs[0]);

  Pack pack(packs[0]);
  CHECK(pack.rows("r100000") == 2);
  CHECK(pack.rows("r777") == 1);
  CHECK(pack.row("r100000", "data", 0) == a);  // decoded by the zstd filter
  CHECK(pack.row("r100000", "data", 1) == b);  // filter skipped (mask 1)
  CHECK(pack.row("r777", "data", 0) == c);
  const Bytes d1 = pack.row("r100000", "digest", 1);
  CHECK(hangar::Digest::from_bytes(d1) == chunks[1].digest);
  std::uint32_t format = 0;
  h5::Attribute attr(H5Aopen(pack.file.get(), h5::kPackFormatAttr, H5P_DEFAULT));
  REQUIRE(attr);
  H5Aread(attr.get(), H5T_NATIVE_UINT32, &format);
  CHECK(format == h5::kPackFormat);
}

TEST_CASE("Hdf5ChunkStore: chunks of other codecs are stored as zstd rows", "[conformance][hdf5]") {
  hangar::testing::StorageTempDir dir("h5codec");
  auto store = Hdf5ChunkStore::open(dir.path(), false);
  Bytes image(30000);  // a smooth 100 x 100 x 3 ramp: the delta codec pays
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<std::byte>(i / 3 % 256);
  const EncodedChunk delta = encode_chunk(image, 3, DeltaFilter{1, 3});
  REQUIRE(delta.codec != ChunkCodec::Raw);
  REQUIRE(delta.codec != ChunkCodec::Zstd);
  const ChunkLocation loc = store->append(delta.digest, delta.codec, delta.raw_size, delta.stored);
  store->flush();
  CHECK(loc.codec == ChunkCodec::Zstd);
  Bytes stored(loc.stored_size), raw(loc.raw_size);
  store->read(loc, stored);
  decode_chunk(loc.codec, stored, raw);
  CHECK(raw == image);
  Pack pack(store->pack_path(loc));
  CHECK(pack.row("r30000", "data", 0) == image);  // plain HDF5 + filter 32015
  Bytes bad = delta.stored;
  bad.back() ^= std::byte{1};
  const ErrorCode code =
      code_of([&] { store->append(delta.digest, delta.codec, delta.raw_size, bad); });
  CHECK((code == ErrorCode::Corrupt || code == ErrorCode::InvalidArgument));
}

TEST_CASE("Hdf5ChunkStore: the zstd filter compresses and decompresses through H5Dwrite",
          "[conformance][hdf5]") {
  hangar::testing::StorageTempDir dir("h5filter");
  const auto path = dir.path() / "plain.h5";
  const Bytes data = pattern(1 << 16, 4);
  h5::Session session;
  REQUIRE(h5::ensure_zstd_filter());
  {
    h5::File f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT));
    const hsize_t dims[1] = {data.size()}, chunk[1] = {4096};
    h5::Dataspace space(H5Screate_simple(1, dims, nullptr));
    h5::Plist dcpl(H5Pcreate(H5P_DATASET_CREATE));
    H5Pset_chunk(dcpl.get(), 1, chunk);
    const unsigned level = 5;
    REQUIRE(H5Pset_filter(dcpl.get(), h5::kZstdFilterId, H5Z_FLAG_MANDATORY, 1, &level) >= 0);
    h5::Dataset ds(
        H5Dcreate2(f.get(), "x", H5T_STD_U8LE, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
    REQUIRE(H5Dwrite(ds.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) >= 0);
    hsize_t offset[1] = {0}, stored = 0;
    H5Dget_chunk_storage_size(ds.get(), offset, &stored);
    CHECK(stored < 4096);  // compressed
  }
  h5::File f(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  h5::Dataset ds(H5Dopen2(f.get(), "x", H5P_DEFAULT));
  Bytes back(data.size());
  REQUIRE(H5Dread(ds.get(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, back.data()) >= 0);
  CHECK(back == data);
}

TEST_CASE("Hdf5ChunkStore: packs are write-once, one per flush", "[conformance][hdf5]") {
  hangar::testing::StorageTempDir dir("h5packs");
  auto store = Hdf5ChunkStore::open(dir.path(), false);
  store->flush();  // nothing appended: no pack
  CHECK(packs_in(store->dir()).empty());
  for (int i = 0; i < 3; ++i) {
    const EncodedChunk c = encode_chunk(noise(1000, 10 + i), 3);
    store->append(c.digest, c.codec, c.raw_size, c.stored);
    store->flush();
  }
  CHECK(packs_in(store->dir()).size() == 3);
  const EncodedChunk c = encode_chunk(noise(1000, 20), 3);
  store->append(c.digest, c.codec, c.raw_size, c.stored);
  CHECK(packs_in(store->dir()).size() == 4);  // being written
  store.reset();                              // never flushed: deleted
  CHECK(packs_in(dir.path() / "hdf5").size() == 3);
}

TEST_CASE("Hdf5ChunkStore: damaged, truncated and missing packs are Corrupt naming the file",
          "[conformance][hdf5]") {
  hangar::testing::StorageTempDir dir("h5bad");
  std::vector<std::pair<EncodedChunk, ChunkLocation>> written;
  {
    auto store = Hdf5ChunkStore::open(dir.path(), false);
    for (int i = 0; i < 4; ++i) {
      EncodedChunk c = encode_chunk(noise(20000, 30 + i), 3);
      ChunkLocation loc = store->append(c.digest, c.codec, c.raw_size, c.stored);
      store->flush();
      written.emplace_back(std::move(c), std::move(loc));
    }
  }
  auto store = Hdf5ChunkStore::open(dir.path(), true);
  const auto p0 = store->pack_path(written[0].second);
  const auto p1 = store->pack_path(written[1].second);
  const auto p2 = store->pack_path(written[2].second);
  Bytes content = hangar::testing::slurp(p0);
  content.resize(content.size() / 2);
  hangar::testing::spit(p0, content);          // truncated
  hangar::testing::spit(p1, noise(4096, 99));  // not HDF5 at all
  std::filesystem::remove(p2);                 // missing
  for (int i = 0; i < 3; ++i) {
    const auto& [c, loc] = written[static_cast<std::size_t>(i)];
    Bytes out(loc.stored_size);
    std::string message;
    CHECK(code_of([&] { store->read(loc, out); }, &message) == ErrorCode::Corrupt);
    CHECK_THAT(message, Catch::Contains(store->pack_path(loc).filename().string()));
    CHECK_FALSE(store->verify(loc));
  }
  Bytes out(written[3].second.stored_size);
  store->read(written[3].second, out);  // the undamaged pack is fine
  CHECK(out == written[3].first.stored);
}

TEST_CASE("Hdf5ChunkStore: a writer killed mid-pack leaves earlier packs intact",
          "[conformance][hdf5]") {
  hangar::testing::StorageTempDir dir("h5crash");
  const EncodedChunk kept = encode_chunk(noise(50000, 41), 3);
  ChunkLocation kept_loc;
  {
    auto store = Hdf5ChunkStore::open(dir.path(), false);
    kept_loc = store->append(kept.digest, kept.codec, kept.raw_size, kept.stored);
    store->flush();
  }
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto store = Hdf5ChunkStore::open(dir.path(), false);
    for (int i = 0; i < 5; ++i) {
      const EncodedChunk c = encode_chunk(noise(50000, 50 + static_cast<unsigned>(i)), 3);
      store->append(c.digest, c.codec, c.raw_size, c.stored);
    }
    _exit(0);  // no flush, no destructor: a half-written pack stays behind
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(packs_in(dir.path() / "hdf5").size() == 2);

  auto store = Hdf5ChunkStore::open(dir.path(), false);
  Bytes out(kept_loc.stored_size);
  store->read(kept_loc, out);
  CHECK(out == kept.stored);
  const EncodedChunk next = encode_chunk(noise(50000, 60), 3);
  const ChunkLocation next_loc = store->append(next.digest, next.codec, next.raw_size, next.stored);
  store->flush();
  CHECK(packs_in(dir.path() / "hdf5").size() == 3);  // a fresh pack, not the leftover
  Bytes out2(next_loc.stored_size);
  store->read(next_loc, out2);
  CHECK(out2 == next.stored);
}

TEST_CASE("Hdf5ChunkStore: HDF5 errors become one-line messages", "[conformance][hdf5]") {
  hangar::testing::StorageTempDir dir("h5err");
  const auto path = dir.path() / "junk.h5";
  hangar::testing::spit(path, pattern(1000, 1));
  h5::Session session;
  std::string message;
  CHECK(code_of(
            [&] {
              h5::check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "H5Fopen", "test file",
                        ErrorCode::Corrupt);
            },
            &message) == ErrorCode::Corrupt);
  CHECK(message.rfind("H5Fopen failed for test file: ", 0) == 0);
  CHECK(message.find('\n') == std::string::npos);
  CHECK(message.find("signature") != std::string::npos);
}
