// Lazy reads (chunk_fetcher.h) on real repositories: Checkout reads that fetch missing chunks
// through a ChunkFetcher, Checkout::fetch_missing, export's batched fetch, and the config keys
// a user sets (fetch.lazy among them). The fake fetcher serves chunks from a second, complete
// repository's chunk store and counts its calls (libgit2's fake backend, STYLE 8.10).
#include <hangar/chunk_fetcher.h>
#include <hangar/error.h>
#include <hangar/io.h>
#include <hangar/repository.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "io/npy.h"
#include "repo/repo_access.h"
#include "repo/repo_state.h"
#include "support/image_gen.h"
#include "support/storage_temp_dir.h"
#include "support/temp_repo.h"
#include "support/test_util.h"

namespace hangar {
namespace {

namespace fs = std::filesystem;
using Mode = Repository::Mode;

const UserIdentity kUser{"Lazy Tester", "lazy@example.org"};
const std::string kColumn = "images";

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Every digest in the location index of `repo`.
std::vector<Digest> indexed_chunks(Repository& repo) {
  const storage::LocationIndex& index = detail::state_of(repo).chunks.index();
  std::vector<Digest> out;
  auto txn = index.begin_read();
  index.for_each(txn, [&](const Digest& d, const storage::ChunkLocation&) { out.push_back(d); });
  return out;
}

std::uint64_t local_chunk_count(const Repository& repo) {
  return detail::state_of(repo).chunks.stats().chunks;
}

// The chunk digests of one sample (inline, or from its descriptor).
std::vector<Digest> chunks_of(const Repository& repo, const SampleRef& ref) {
  const detail::RepoState& s = detail::state_of(repo);
  auto txn = s.meta.begin_read();
  return s.descriptor_of(txn, ref.sample).chunks;
}

std::vector<SampleRef> refs_of(const Checkout& view) {
  std::vector<SampleRef> out;
  view.for_each(kColumn, [&](const SampleRef& r) {
    out.push_back(r);
    return true;
  });
  return out;
}

std::unordered_set<Digest> as_set(const std::vector<Digest>& v) { return {v.begin(), v.end()}; }

// `src`: a complete repository holding samples 0..n-1 of column "images" (uint8, seeded random
// bytes) in one commit. `dst`: a copy of it whose location index has forgotten every chunk, as
// a lazy clone starts, with fetch.lazy set as asked.
struct LazyPair {
  testing::StorageTempDir dir{"lazy"};
  fs::path src = dir / "src";
  fs::path dst = dir / "dst";
  Shape shape;
  Digest head;

  explicit LazyPair(std::uint64_t n, Shape s = {8, 8, 3}, bool lazy = true) : shape(std::move(s)) {
    {
      Repository::init(src, kUser);
      Repository repo = Repository::open(src, Mode::Write);
      ColumnSchema c;
      c.name = kColumn;
      c.dtype = DType::UInt8;
      c.shape = shape;
      repo.create_column(c);
      std::vector<Tensor> tensors;
      for (std::uint64_t k = 0; k < n; ++k) tensors.push_back(expected(k));
      std::vector<SampleWrite> writes;
      for (std::uint64_t k = 0; k < n; ++k)
        writes.push_back({Key(k), std::nullopt, tensors[k].view()});
      repo.put_many(kColumn, writes);
      head = repo.commit("samples");
    }
    fs::copy(src, dst, fs::copy_options::recursive);
    Repository repo = Repository::open(dst, Mode::Write);
    if (lazy) repo.set_config("fetch.lazy", "true");
    const std::vector<Digest> all = indexed_chunks(repo);
    REQUIRE(all.size() >= n);
    detail::state_of(repo).chunks.index().remove(all);
    REQUIRE(local_chunk_count(repo) == 0);
  }

  Tensor expected(std::uint64_t k) const {
    return test::make_random_tensor(DType::UInt8, shape, 7000 + k);
  }
};

// A ChunkFetcher serving chunks from a complete repository's chunk store. Counts its calls,
// records the ids asked for, and hands the chunks to `store` in batches of `batch_chunks`.
// Knobs: ids it does not have, ids whose bytes it forges, an error to throw (at once, or
// after `stores_before_error` batches were stored).
class RepoChunkFetcher final : public ChunkFetcher {
 public:
  explicit RepoChunkFetcher(const fs::path& source) : repo_(Repository::open(source, Mode::Read)) {}

  void fetch(std::span<const Digest> ids, const StoreChunks& store) override {
    std::lock_guard lock(mutex_);
    ++calls;
    asked.emplace_back(ids.begin(), ids.end());
    if (error && stores_before_error == 0) throw *error;
    storage::ChunkReader reader = detail::state_of(repo_).chunks.reader();
    std::vector<storage::EncodedChunk> batch;
    auto send = [&] {
      if (error && stores == stores_before_error) throw *error;
      store(batch, already_verified);
      ++stores;
      batch.clear();
    };
    for (const Digest& id : ids) {
      if (withheld.count(id)) continue;
      auto forged_it = forged.find(id);
      const Digest& from = forged_it == forged.end() ? id : forged_it->second;
      auto [loc, stored] = reader.read_stored(from);
      batch.push_back({id, loc.codec, loc.raw_size, Bytes(stored.begin(), stored.end())});
      if (batch.size() == batch_chunks) send();
    }
    if (!batch.empty()) send();
  }

  std::string source() const override { return "fake source 'src'"; }

  std::size_t batch_chunks = 1 << 20;
  bool already_verified = false;
  std::unordered_set<Digest> withheld;        // the source does not have these
  std::unordered_map<Digest, Digest> forged;  // id -> the chunk whose bytes are sent for it
  std::optional<Error> error;                 // thrown after `stores_before_error` batches
  int stores_before_error = 0;

  int calls = 0;
  int stores = 0;
  std::vector<std::vector<Digest>> asked;

 private:
  Repository repo_;
  std::mutex mutex_;
};

// dst opened in `mode` with a RepoChunkFetcher over src installed.
struct LazyReader {
  Repository repo;
  std::shared_ptr<RepoChunkFetcher> fetcher;

  LazyReader(const LazyPair& p, Mode mode)
      : repo(Repository::open(p.dst, mode)), fetcher(std::make_shared<RepoChunkFetcher>(p.src)) {
    repo.set_chunk_fetcher(fetcher);
  }
};

TEST_CASE("LazyRead: a missing sample is fetched, stored, and reads identical bytes",
          "[core][lazy]") {
  LazyPair p(8);
  const Mode mode = GENERATE(Mode::Write, Mode::Read);
  INFO((mode == Mode::Write ? "write mode" : "read mode"));
  {
    LazyReader r(p, mode);
    REQUIRE(r.repo.lazy_fetch());
    const Checkout view = r.repo.checkout_at(p.head);
    const SampleRef ref = *view.find(kColumn, Key(std::uint64_t{3}));
    REQUIRE_FALSE(view.is_local(ref));

    CHECK(view.read(ref) == p.expected(3));
    REQUIRE(r.fetcher->calls == 1);
    CHECK(r.fetcher->asked[0] == chunks_of(r.repo, ref));  // only this sample's chunk
    CHECK(view.is_local(ref));
    CHECK(local_chunk_count(r.repo) == 1);
    CHECK(view.stats(kColumn).local_count == 1);

    // Again, through the same view and a new one: from the local store, no fetch.
    CHECK(view.read(ref) == p.expected(3));
    CHECK(r.repo.checkout_at(p.head).get(kColumn, Key(std::uint64_t{3})) == p.expected(3));
    CHECK(r.fetcher->calls == 1);
  }
  // Stored durably: a reopened repository without a fetcher reads it, and only it.
  Repository again = Repository::open(p.dst, Mode::Read);
  const Checkout view = again.checkout_at(p.head);
  CHECK(view.get(kColumn, Key(std::uint64_t{3})) == p.expected(3));
  CHECK(error_of([&] { view.get(kColumn, Key(std::uint64_t{4})); }).code() == ErrorCode::NotLocal);
}

TEST_CASE("LazyRead: read_into and get_slice fetch what they need", "[core][lazy]") {
  LazyPair p(4);
  LazyReader r(p, Mode::Write);
  const Checkout view = r.repo.checkout_at(p.head);

  const SampleRef one = *view.find(kColumn, Key(std::uint64_t{1}));
  Tensor into(DType::UInt8, p.shape);
  view.read_into(one, into.mutable_data());
  CHECK(into == p.expected(1));
  CHECK(r.fetcher->calls == 1);

  // Rows 2..3 of sample 2: the first 2 * 8 * 3 bytes after 2 rows.
  const Tensor rows =
      view.get_slice(kColumn, Key(std::uint64_t{2}), std::nullopt, parse_slice("2:4"));
  const Tensor full = p.expected(2);
  CHECK(rows.shape() == Shape{2, 8, 3});
  CHECK(Bytes(rows.data().begin(), rows.data().end()) ==
        Bytes(full.data().begin() + 48, full.data().begin() + 96));
  CHECK(r.fetcher->calls == 2);
  CHECK(view.is_local(*view.find(kColumn, Key(std::uint64_t{2}))));
}

TEST_CASE("LazyRead: a read asks only for the missing chunks of its sample", "[core][lazy]") {
  LazyPair p(1, {160, 200, 300});  // 9.6 MB: cut into several chunks
  const std::vector<Digest> all = [&] {
    Repository src = Repository::open(p.src, Mode::Read);
    return chunks_of(src, *src.checkout_at(p.head).find(kColumn, Key(std::uint64_t{0})));
  }();
  REQUIRE(all.size() >= 4);
  LazyReader r(p, Mode::Write);
  // Bring back all but three chunks, as a partly fetched sample.
  const std::vector<Digest> absent = {all[0], all[2], all.back()};
  r.fetcher->withheld = as_set(absent);
  const Checkout view = r.repo.checkout_at(p.head);
  const SampleRef ref = *view.find(kColumn, Key(std::uint64_t{0}));
  CHECK(view.fetch_missing(std::span(&ref, 1)) == all.size());
  CHECK(local_chunk_count(r.repo) == all.size() - 3);
  REQUIRE_FALSE(view.is_local(ref));

  r.fetcher->withheld.clear();
  CHECK(view.read(ref) == p.expected(0));
  REQUIRE(r.fetcher->calls == 2);
  CHECK(r.fetcher->asked[1].size() == 3);
  CHECK(as_set(r.fetcher->asked[1]) == as_set(absent));
}

TEST_CASE("LazyRead: fetch_missing brings many samples in one fetcher call", "[core][lazy]") {
  LazyPair p(200);
  LazyReader r(p, Mode::Write);
  const Checkout view = r.repo.checkout_at(p.head);
  std::vector<SampleRef> refs = refs_of(view);
  REQUIRE(refs.size() == 200);
  SECTION("each sample once") {}
  SECTION("samples given twice are asked for once") {
    const std::vector<SampleRef> copy = refs;
    refs.insert(refs.end(), copy.begin(), copy.end());
  }
  SECTION("the fetcher stores in batches") { r.fetcher->batch_chunks = 64; }

  CHECK(view.fetch_missing(refs) == 200);
  REQUIRE(r.fetcher->calls == 1);
  CHECK(r.fetcher->asked[0].size() == 200);
  CHECK(as_set(r.fetcher->asked[0]).size() == 200);
  CHECK(r.fetcher->stores == (r.fetcher->batch_chunks == 64 ? 4 : 1));
  CHECK(local_chunk_count(r.repo) == 200);
  CHECK(view.stats(kColumn).local_count == 200);
  for (const SampleRef& ref : refs) CHECK(view.is_local(ref));

  // Nothing is missing any more: no call, and every read is local.
  CHECK(view.fetch_missing(refs) == 0);
  for (std::uint64_t k = 0; k < 200; ++k) CHECK(view.get(kColumn, Key(k)) == p.expected(k));
  CHECK(r.fetcher->calls == 1);
}

TEST_CASE("LazyRead: a forged chunk is Corrupt and nothing of its batch is stored",
          "[core][lazy]") {
  LazyPair p(6);
  LazyReader r(p, Mode::Write);
  const Checkout view = r.repo.checkout_at(p.head);
  const std::vector<SampleRef> refs = refs_of(view);
  REQUIRE(refs.size() == 6);
  const Digest target = chunks_of(r.repo, refs[2])[0];
  r.fetcher->forged[target] = chunks_of(r.repo, refs[4])[0];  // same size, other bytes

  SECTION("one batch: nothing stored") {
    const Error e = error_of([&] { view.fetch_missing(refs); });
    CHECK(e.code() == ErrorCode::Corrupt);
    CHECK(contains(e.what(), target.hex()));
    CHECK(local_chunk_count(r.repo) == 0);
    CHECK(view.stats(kColumn).local_count == 0);
  }
  SECTION("batches of two: the batches before the forged one stay, none after") {
    r.fetcher->batch_chunks = 2;
    CHECK(error_of([&] { view.fetch_missing(refs); }).code() == ErrorCode::Corrupt);
    CHECK(local_chunk_count(r.repo) == 2);
    CHECK(view.is_local(refs[0]));
    CHECK(view.is_local(refs[1]));
    for (std::size_t i = 2; i < refs.size(); ++i) CHECK_FALSE(view.is_local(refs[i]));
  }
  SECTION("a read of the forged sample") {
    const Error e = error_of([&] { view.read(refs[2]); });
    CHECK(e.code() == ErrorCode::Corrupt);
    CHECK_FALSE(view.is_local(refs[2]));
    CHECK(local_chunk_count(r.repo) == 0);
    // The right bytes later: the read succeeds.
    r.fetcher->forged.clear();
    CHECK(view.read(refs[2]) == p.expected(2));
  }
  // Nothing forged was stored: every sample that is local reads its own bytes.
  for (std::size_t k = 0; k < refs.size(); ++k)
    if (view.is_local(refs[k])) CHECK(view.read(refs[k]) == p.expected(k));
}

TEST_CASE("LazyRead: a fetcher that cannot reach its source leaves the repository as it was",
          "[core][lazy]") {
  LazyPair p(4);
  LazyReader r(p, Mode::Write);
  const Checkout view = r.repo.checkout_at(p.head);
  const std::vector<SampleRef> refs = refs_of(view);
  const std::string why =
      "cannot fetch 1 chunk from fake source 'src': connection refused; run 'hangar fetch-data "
      "origin' once it is reachable again";
  r.fetcher->error = Error(ErrorCode::NotLocal, why);

  const Error e = error_of([&] { view.get(kColumn, Key(std::uint64_t{1})); });
  CHECK(e.code() == ErrorCode::NotLocal);
  CHECK(contains(e.what(), why));
  CHECK(r.fetcher->calls == 1);
  CHECK_FALSE(view.is_local(refs[1]));
  CHECK(local_chunk_count(r.repo) == 0);

  const Error batch = error_of([&] { view.fetch_missing(refs); });
  CHECK(batch.code() == ErrorCode::NotLocal);
  CHECK(contains(batch.what(), why));
  CHECK(local_chunk_count(r.repo) == 0);

  // Reachable again: the same view reads.
  r.fetcher->error.reset();
  CHECK(view.get(kColumn, Key(std::uint64_t{1})) == p.expected(1));
}

TEST_CASE("LazyRead: chunks stored before a fetcher fails stay stored", "[core][lazy]") {
  LazyPair p(5);
  LazyReader r(p, Mode::Write);
  const Checkout view = r.repo.checkout_at(p.head);
  const std::vector<SampleRef> refs = refs_of(view);
  r.fetcher->batch_chunks = 1;
  r.fetcher->stores_before_error = 2;
  r.fetcher->error = Error(ErrorCode::NotLocal, "stream broke");
  CHECK(error_of([&] { view.fetch_missing(refs); }).code() == ErrorCode::NotLocal);
  CHECK(local_chunk_count(r.repo) == 2);
  CHECK(view.read(refs[0]) == p.expected(0));
  CHECK(view.read(refs[1]) == p.expected(1));
  CHECK(r.fetcher->calls == 1);
}

TEST_CASE("LazyRead: a chunk the source does not have is NotLocal naming the source",
          "[core][lazy]") {
  LazyPair p(3);
  LazyReader r(p, Mode::Write);
  const Checkout view = r.repo.checkout_at(p.head);
  const std::vector<SampleRef> refs = refs_of(view);
  r.fetcher->withheld = as_set(chunks_of(r.repo, refs[1]));

  const Error e = error_of([&] { view.read(refs[1]); });
  CHECK(e.code() == ErrorCode::NotLocal);
  CHECK(contains(e.what(), "fake source 'src' does not have it"));
  REQUIRE(e.hint() != nullptr);
  CHECK(e.hint()->action == HintAction::FetchData);
  CHECK(r.fetcher->calls == 1);
  // fetch_missing counts the missing chunks, brings what the source has.
  CHECK(view.fetch_missing(refs) == 3);
  CHECK(view.is_local(refs[0]));
  CHECK_FALSE(view.is_local(refs[1]));
  CHECK(view.is_local(refs[2]));
}

TEST_CASE("LazyRead: without a fetcher a read is NotLocal naming fetch-data", "[core][lazy]") {
  SECTION("fetch.lazy true, no fetcher installed") {
    LazyPair p(3);
    Repository repo = Repository::open(p.dst, Mode::Write);
    const Checkout view = repo.checkout_at(p.head);
    const Error e = error_of([&] { view.get(kColumn, Key(std::uint64_t{1})); });
    CHECK(e.code() == ErrorCode::NotLocal);
    REQUIRE(e.hint() != nullptr);
    CHECK(e.hint()->action == HintAction::FetchSample);
    CHECK(view.fetch_missing(refs_of(view)) == 0);
    CHECK(local_chunk_count(repo) == 0);
  }
  SECTION("a fetcher installed, then removed") {
    LazyPair p(3);
    LazyReader r(p, Mode::Write);
    r.repo.set_chunk_fetcher(nullptr);
    const Checkout view = r.repo.checkout_at(p.head);
    CHECK(error_of([&] { view.get(kColumn, Key(std::uint64_t{1})); }).code() ==
          ErrorCode::NotLocal);
    CHECK(view.fetch_missing(refs_of(view)) == 0);
    CHECK(r.fetcher->calls == 0);
    CHECK(local_chunk_count(r.repo) == 0);
  }
  SECTION("fetch.lazy false: a reader does not fetch") {
    LazyPair p(3, {8, 8, 3}, /*lazy=*/false);
    LazyReader r(p, Mode::Read);
    REQUIRE_FALSE(r.repo.lazy_fetch());
    const Checkout view = r.repo.checkout_at(p.head);
    const Error e = error_of([&] { view.get(kColumn, Key(std::uint64_t{1})); });
    CHECK(e.code() == ErrorCode::NotLocal);
    REQUIRE(e.hint() != nullptr);
    CHECK(e.hint()->action == HintAction::FetchSample);  // fetch-data, or set fetch.lazy
    CHECK(e.hint()->keys == std::vector<std::string>{"1"});
    CHECK(view.fetch_missing(refs_of(view)) == 0);
    CHECK(r.fetcher->calls == 0);  // no transfer whose chunks could not be stored
    CHECK(local_chunk_count(r.repo) == 0);
  }
}

Bytes file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in.good());
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Bytes out(chars.size());
  for (std::size_t i = 0; i < chars.size(); ++i) out[i] = static_cast<std::byte>(chars[i]);
  return out;
}

TEST_CASE("LazyRead: export fetches in batches and writes identical files", "[core][lazy]") {
  constexpr std::uint64_t kSamples = 2100;  // export batches hold at most 1024 samples
  LazyPair p(kSamples, {4, 4, 1});
  LazyReader r(p, Mode::Read);
  testing::StorageTempDir out{"lazy-export"};
  ExportOptions o;
  o.column = kColumn;
  o.dir = out.path();
  o.commit = p.head;
  o.format = ExportFormat::Npy;
  o.jobs = 2;

  SECTION("every sample") {
    const ExportResult result = export_column(r.repo, o);
    CHECK(result.written == kSamples);
    CHECK(result.skipped_not_local == 0);
    CHECK(r.fetcher->calls == 3);
    std::uint64_t asked = 0;
    for (const auto& ids : r.fetcher->asked) {
      CHECK(ids.size() <= 1024);
      asked += ids.size();
    }
    CHECK(asked == kSamples);
    for (std::uint64_t k = 0; k < kSamples; ++k) {
      INFO("sample " << k);
      REQUIRE(file_bytes(out / (std::to_string(k) + ".npy")) ==
              io::encode_npy(p.expected(k).view()));
    }
    // Everything is local now: a second export fetches nothing.
    export_column(r.repo, o);
    CHECK(r.fetcher->calls == 3);
  }
  SECTION("a sample the source does not have is skipped, or refused with require_all") {
    const Checkout view = r.repo.checkout_at(p.head);
    r.fetcher->withheld = as_set(chunks_of(r.repo, *view.find(kColumn, Key(std::uint64_t{1500}))));
    const ExportResult result = export_column(r.repo, o);
    CHECK(result.written == kSamples - 1);
    CHECK(result.skipped_not_local == 1);
    CHECK_FALSE(fs::exists(out / "1500.npy"));
    o.require_all = true;
    CHECK(error_of([&] { export_column(r.repo, o); }).code() == ErrorCode::NotLocal);
  }
}

// ---- config ----

// A fresh repository; `repo` is reset before each reopen (a process opens an LMDB env once).
TEST_CASE("RepositoryConfig: user keys and fetch.lazy round trip and persist", "[core][config]") {
  testing::TempRepo t("config", kUser);
  Repository* repo = &t.repo;
  CHECK(repo->config_value("user.name") == kUser.name);
  CHECK_FALSE(repo->config_value("fetch.lazy"));
  CHECK_FALSE(repo->lazy_fetch());

  repo->set_config("user.name", "Other Name");
  repo->set_config("user.email", "other@example.org");
  repo->set_config("fetch.lazy", "true");
  CHECK(repo->config_value("user.name") == "Other Name");
  CHECK(repo->user().email == "other@example.org");
  CHECK(repo->lazy_fetch());
  repo->set_config("fetch.lazy", "false");
  CHECK(repo->config_value("fetch.lazy") == "false");
  CHECK_FALSE(repo->lazy_fetch());
  repo->set_config("fetch.lazy", "true");

  const auto all = repo->config_values();
  CHECK(all.at("user.name") == "Other Name");
  CHECK(all.at("user.email") == "other@example.org");
  CHECK(all.at("fetch.lazy") == "true");
  CHECK(all.count("format_version") == 1);

  t.reopen(Mode::Read);
  repo = &t.repo;
  CHECK(repo->config_values() == all);
  CHECK(repo->lazy_fetch());
  // Set only by a writer.
  CHECK(error_of([&] { repo->set_config("user.name", "x"); }).code() == ErrorCode::Internal);

  t.reopen(Mode::Write);
  repo = &t.repo;
  repo->set_config("fetch.lazy", std::nullopt);
  repo->set_config("fetch.lazy", std::nullopt);  // unsetting an unset key is fine
  repo->set_config("user.email", std::nullopt);
  CHECK_FALSE(repo->config_value("fetch.lazy"));
  CHECK_FALSE(repo->lazy_fetch());
  t.reopen(Mode::Read);
  repo = &t.repo;
  CHECK_FALSE(repo->config_value("fetch.lazy"));
  CHECK_FALSE(repo->config_value("user.email"));
  CHECK(repo->config_value("user.name") == "Other Name");
}

TEST_CASE("RepositoryConfig: bad values, unknown and managed keys are refused", "[core][config]") {
  testing::TempRepo t("config", kUser);
  Repository& repo = t.repo;
  repo.set_config("fetch.lazy", "false");
  const auto before = repo.config_values();
  struct Case {
    std::string key;
    std::optional<std::string> value;
    std::string says;
  };
  const std::vector<Case> cases = {
      {"fetch.lazy", "yes", "'true' or 'false'"},
      {"fetch.lazy", "TRUE", "'true' or 'false'"},
      {"fetch.lazy", "", "'true' or 'false'"},
      {"core.editor", "vi", "unknown config key 'core.editor'"},
      {"format_version", "2", "unknown config key"},
      {"user", "x", "unknown config key"},
      {"remote.origin.url", "/elsewhere", "cannot be set directly"},
      {"remote.origin.url", std::nullopt, "cannot be set directly"},
      {"clone.remote", "origin", "cannot be set directly"},
      {"user.name", "", "cannot be empty"},
      {"user.email", "a\nb", "line break"},
  };
  for (const Case& c : cases) {
    INFO("key " << c.key << " value '" << c.value.value_or("<unset>") << "'");
    const Error e = error_of([&] { repo.set_config(c.key, c.value); });
    CHECK(e.code() == ErrorCode::InvalidArgument);
    CHECK(contains(e.what(), c.says));
    CHECK(repo.config_values() == before);
  }
  // The unknown-key message lists the keys a user can set.
  CHECK(contains(error_of([&] { repo.set_config("nope", "1"); }).what(),
                 "fetch.lazy, user.email, user.name"));
  // Nothing refused reached the file.
  t.reopen(Mode::Read);
  CHECK(t.repo.config_values() == before);
}

}  // namespace
}  // namespace hangar
