// The frozen format-1 reader (libhangar/src/format1/) against format 1's spec examples and the
// checked-in fixture repositories that a format-1 hangar made (tests/fixtures/format1).
#include <hangar/base/codec.h>
#include <hangar/base/digest.h>
#include <hangar/base/file_lock.h>
#include <hangar/error.h>
#include <hangar/key.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>

#include "format1/grid1.h"
#include "format1/objects1.h"
#include "format1/pages1.h"
#include "format1/repo1.h"
#include "io/npy.h"
#include "support/format1_fixture.h"
#include "support/test_util.h"

namespace hangar {
namespace {

using format1::Digest1;
using format1::Repo1;

Digest1 d1(std::uint8_t fill) {
  Digest1 d;
  d.bytes.fill(std::byte{fill});
  return d;
}

Bytes with_digest(std::string_view hex, const Digest1& d) {
  Bytes b = hex_bytes(hex);
  b.insert(b.end(), d.bytes.begin(), d.bytes.end());
  return b;
}

// The branch's commit, following refs/heads/<branch>.
Digest1 branch_commit(const Repo1& repo, const std::string& branch) {
  for (const auto& [name, d] : repo.meta().refs())
    if (name == "refs/heads/" + branch) return d;
  FAIL("no branch " << branch);
  return {};
}

// "BRANCH/COLUMN/KEY[/SUBKEY].npy" -> sha256 of the .npy file of every sample at the branch,
// as `hangar export --format npy` of format 1 wrote them (expected.sha256).
std::map<std::string, std::string> export_hashes(Repo1& repo, const std::string& branch) {
  std::map<std::string, std::string> out;
  const format1::Commit1 c = repo.meta().commit(branch_commit(repo, branch));
  for (const auto& col : c.columns) {
    const format1::Schema1 schema = repo.meta().schema(col.schema);
    std::uint64_t count = 0, nbytes = 0;
    for (format1::RecordCursor1 it(repo.meta(), col.records); it.valid(); it.next()) {
      ByteView rk = it.key();
      std::string path = branch + "/" + col.name + "/" + Key::decode_front(rk).to_string();
      if (schema.layout == 2) path.append("/").append(Key::decode_front(rk).to_string());
      CHECK(rk.empty());
      const format1::Descriptor1 d = repo.meta().descriptor(it.sample());
      const Bytes bytes = repo.read_sample(d);
      CHECK(bytes.size() == it.nbytes());
      const Shape shape(d.shape.begin(), d.shape.end());
      const Bytes npy = io::encode_npy(TensorView{*dtype_from_code(d.dtype), shape, bytes});
      out[path + ".npy"] = digest_of(npy).hex();  // SHA-256, as sha256sum
      ++count;
      nbytes += it.nbytes();
    }
    CHECK(count == col.count);
    CHECK(nbytes == col.nbytes);
  }
  return out;
}

TEST_CASE("Format1: spec examples of a commit, a schema and a descriptor decode",
          "[core][format1]") {
  const auto c = format1::decode_commit1(
      d1(1), hex_bytes("01 01 00 00 01 61 03 61 40 62 00 00 00 00 00 00 00 00 01 6d"));
  CHECK(c.parents.empty());
  CHECK(c.columns.empty());
  CHECK(c.author == "a");
  CHECK(c.email == "a@b");
  CHECK(c.time == 0);
  CHECK(c.message == "m");

  const auto s = format1::decode_schema1(
      d1(2), hex_bytes("02 01 06 69 6d 61 67 65 73 06 03 40 40 03 00 01 00 03 00"));
  CHECK(s.name == "images");
  CHECK(s.dtype == 6);
  CHECK(s.shape == std::vector<std::uint64_t>{64, 64, 3});
  CHECK_FALSE(s.variable_shape);
  CHECK(s.layout == 1);
  CHECK(s.backend == 0);
  CHECK(s.compression_level == 3);

  const auto d =
      format1::decode_descriptor1(d1(3), with_digest("03 01 0b 02 04 04 04 04 01", d1(9)));
  CHECK(d.dtype == 11);
  CHECK(d.shape == std::vector<std::uint64_t>{4, 4});
  CHECK(d.chunks == std::vector<Digest1>{d1(9)});
}

TEST_CASE("Format1: every strict prefix of an object is Corrupt, never a crash",
          "[core][format1]") {
  const Bytes commit = hex_bytes("01 01 00 00 01 61 03 61 40 62 00 00 00 00 00 00 00 00 01 6d");
  const Bytes schema = hex_bytes("02 01 06 69 6d 61 67 65 73 06 03 40 40 03 00 01 00 03 00");
  for (std::size_t n = 0; n < commit.size(); ++n)
    CHECK(error_of([&] { format1::decode_commit1(d1(1), ByteView(commit).first(n)); }).code() ==
          ErrorCode::Corrupt);
  for (std::size_t n = 0; n < schema.size(); ++n)
    CHECK(error_of([&] { format1::decode_schema1(d1(2), ByteView(schema).first(n)); }).code() ==
          ErrorCode::Corrupt);
  Bytes trailing = commit;
  trailing.push_back(std::byte{0});
  CHECK(error_of([&] { format1::decode_commit1(d1(1), trailing); }).code() == ErrorCode::Corrupt);
  Bytes newer = commit;
  newer[1] = std::byte{2};
  CHECK(error_of([&] { format1::decode_commit1(d1(1), newer); }).code() == ErrorCode::Unsupported);
  // A descriptor claiming 2^60 chunks is refused before anything is allocated.
  const Bytes huge = hex_bytes("03 01 0b 02 04 04 04 04 80 80 80 80 80 80 80 80 10");
  CHECK(error_of([&] { format1::decode_descriptor1(d1(3), huge); }).code() == ErrorCode::Corrupt);
}

TEST_CASE("Format1: the spec's leaf page example decodes, and its broken forms do not",
          "[core][format1]") {
  Bytes page = with_digest("04 01 00 02 00 01 61", d1(0xd1));
  const Bytes tail = with_digest("05 01 01 62", d1(0xd2));
  page.insert(page.end(), tail.begin(), tail.end());
  for (std::byte b : hex_bytes("ac 02")) page.push_back(b);
  const format1::Page1 p = format1::decode_page1(d1(4), page);
  REQUIRE(p.entries.size() == 2);
  CHECK(p.level == 0);
  CHECK(p.entries[0].key == hex_bytes("61"));
  CHECK(p.entries[0].nbytes == 5);
  CHECK(p.entries[1].key == hex_bytes("61 62"));
  CHECK(p.entries[1].digest == d1(0xd2));
  CHECK(p.entries[1].nbytes == 300);
  for (std::size_t n = 0; n < page.size(); ++n)
    CHECK(error_of([&] { format1::decode_page1(d1(4), ByteView(page).first(n)); }).code() ==
          ErrorCode::Corrupt);
  // "ab" said to share 0 bytes with "a" (suffix "ab"): not the longest common prefix.
  Bytes not_longest = with_digest("04 01 00 02 00 01 61", d1(0xd1));
  const Bytes whole = with_digest("05 00 02 61 62", d1(0xd2));
  not_longest.insert(not_longest.end(), whole.begin(), whole.end());
  for (std::byte b : hex_bytes("ac 02")) not_longest.push_back(b);
  CHECK(error_of([&] { format1::decode_page1(d1(4), not_longest); }).code() == ErrorCode::Corrupt);
}

TEST_CASE("Format1: the chunk grid follows the spec's table", "[core][format1]") {
  using V = std::vector<std::uint64_t>;
  struct Row {
    std::uint8_t dtype;
    V shape, chunk_shape;
    std::uint64_t blocks;
  };
  const Row rows[] = {
      {6, {64, 64, 3}, {64, 64, 3}, 1},
      {11, {1024, 1024}, {1024, 1024}, 1},
      {6, {4194305}, {524289}, 8},
      {11, {256, 256, 256}, {64, 64, 64}, 64},
      {11, {4096, 4096}, {512, 512}, 64},
      {12, {1000, 1000}, {250, 500}, 8},
      {7, {3, 1000, 1001}, {3, 500, 251}, 8},
      {6, {5, 700, 700, 3}, {5, 175, 350, 3}, 8},
      {6, {1, 3, 5000000}, {1, 3, 312500}, 16},
      {12, {}, {}, 1},
      {4, {3, 0, 7}, {3, 1, 7}, 0},
  };
  for (const Row& r : rows) {
    const auto g = format1::Grid1::choose(r.dtype, r.shape);
    CHECK(g.chunk_shape == r.chunk_shape);
    CHECK(g.block_count() == r.blocks);
  }
  const auto edge = format1::Grid1::choose(6, {4194305});
  CHECK(edge.block_bytes(7) == 524282);
  CHECK(format1::Grid1::choose(7, {3, 1000, 1001}).block_bytes(3) == 3 * 500 * 248 * 2);
}

TEST_CASE("Format1: codec 2 (zstd-delta) chunks of today's encoder decode to their bytes",
          "[core][format1]") {
  Bytes raw(32 * 32 * 3);
  for (std::size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<std::byte>((i * 7) / 5 + i % 3);
  const auto chunk = storage::encode_chunk(raw, 3, storage::DeltaFilter{1, 3, 96});
  REQUIRE(chunk.codec == storage::ChunkCodec::ZstdDelta);
  Bytes out(raw.size());
  format1::decode_chunk1(2, chunk.stored, out);
  CHECK(out == raw);
  Bytes wide(2 * 40 * 40);
  for (std::size_t i = 0; i < wide.size(); ++i) wide[i] = static_cast<std::byte>(i / 3);
  const auto chunk16 = storage::encode_chunk(wide, 3, storage::DeltaFilter{2, 1, 40});
  REQUIRE(chunk16.codec == storage::ChunkCodec::ZstdDelta);
  Bytes out16(wide.size());
  format1::decode_chunk1(2, chunk16.stored, out16);
  CHECK(out16 == wide);
  Bytes short_out(raw.size() - 1);
  CHECK(error_of([&] { format1::decode_chunk1(2, chunk.stored, short_out); }).code() ==
        ErrorCode::Corrupt);
}

TEST_CASE("Format1: the fixture's config, refs, HEAD and history read as format 1 wrote them",
          "[core][format1]") {
  testing::Format1Fixture fx("repo");
  Repo1 repo = Repo1::open(fx.dot());
  CHECK(repo.config().at("format_version") == "1");
  CHECK(repo.config().at("user.name") == "fixture");
  CHECK(repo.config().at("user.email") == "fixture@example.org");
  CHECK(repo.meta().head_branch() == "main");
  std::set<std::string> names;
  for (const auto& [name, d] : repo.meta().refs()) names.insert(name);
  CHECK(names == std::set<std::string>{"refs/heads/dev", "refs/heads/main", "refs/heads/old"});
  CHECK(repo.meta().staged().empty());

  const auto merge = repo.meta().commit(branch_commit(repo, "main"));
  CHECK(merge.message == "merge dev");
  CHECK(merge.author == "fixture");
  CHECK(merge.email == "fixture@example.org");
  REQUIRE(merge.parents.size() == 2);
  CHECK(merge.parents[1] == branch_commit(repo, "dev"));
  const auto ours = repo.meta().commit(merge.parents[0]);
  CHECK(ours.message == "main: fix 010, add parts s2");
  REQUIRE(ours.parents.size() == 1);
  CHECK(ours.parents[0] == branch_commit(repo, "old"));
  const auto base = repo.meta().commit(ours.parents[0]);
  CHECK(base.message == "base: four columns");
  CHECK(base.parents.empty());
  CHECK(base.time <= ours.time);
  std::vector<std::string> columns;
  for (const auto& c : base.columns) columns.push_back(c.name);
  CHECK(columns == std::vector<std::string>{"images", "parts", "var", "vol"});
  const auto vol = repo.meta().schema(base.columns[3].schema);
  CHECK(vol.backend == 2);
  CHECK(vol.shape == std::vector<std::uint64_t>{128, 128, 32});
  CHECK(repo.meta().schema(base.columns[1].schema).layout == 2);
  CHECK(repo.meta().schema(base.columns[2].schema).variable_shape);
}

TEST_CASE("Format1: every sample of the fixture at main, dev and old has the expected bytes",
          "[core][format1]") {
  testing::Format1Fixture fx("repo");
  Repo1 repo = Repo1::open(fx.dot());
  std::map<std::string, std::string> got;
  for (const std::string branch : {"main", "dev", "old"}) got.merge(export_hashes(repo, branch));
  CHECK(got == testing::format1_expected_hashes());
  const auto totals = repo.chunks().totals();
  CHECK(totals.chunks > 0);
  CHECK(totals.raw_bytes >= totals.stored_bytes);
}

TEST_CASE("Format1: the full clone holds every sample, the partial one lacks chunks",
          "[core][format1]") {
  testing::Format1Fixture full("clone");
  Repo1 clone = Repo1::open(full.dot());
  CHECK(clone.config().at("clone.remote") == "origin");
  std::set<std::string> names;
  for (const auto& [name, d] : clone.meta().refs()) names.insert(name);
  CHECK(names.count("refs/remotes/origin/main") == 1);
  CHECK(export_hashes(clone, "main").size() == 19);

  testing::Format1Fixture part("partial");
  Repo1 partial = Repo1::open(part.dot());
  const auto c = partial.meta().commit(branch_commit(partial, "main"));
  std::uint64_t missing = 0, present = 0;
  for (const auto& col : c.columns) {
    for (format1::RecordCursor1 it(partial.meta(), col.records); it.valid(); it.next()) {
      for (const auto& chunk : partial.meta().descriptor(it.sample()).chunks) {
        if (partial.chunks().contains(chunk)) {
          ++present;
        } else {
          ++missing;
          Bytes out(1);
          CHECK(error_of([&] { partial.chunks().read(chunk, out); }).code() == ErrorCode::NotLocal);
        }
      }
    }
  }
  CHECK(missing > present);
}

TEST_CASE("Format1: opening the fixture changes no file (no lock.mdb use)", "[core][format1]") {
  testing::Format1Fixture fx("repo");
  auto snapshot = [&] {
    std::map<std::string, std::string> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(fx.dot()))
      if (e.is_regular_file())
        files[e.path().string()] = digest_of(storage::read_file(e.path(), 1u << 30)).hex() +
                                   std::to_string(e.last_write_time().time_since_epoch().count());
    return files;
  };
  const auto before = snapshot();
  {
    Repo1 repo = Repo1::open(fx.dot());
    export_hashes(repo, "main");
  }
  CHECK(snapshot() == before);
}

}  // namespace
}  // namespace hangar
