// The Repository facade end to end on a real repository in a temporary folder: init/open and
// the writer lock, staging (put, remove, columns), status, commit, log, branches, resolve,
// checkouts of old commits and the staged overlay.
#include <hangar/error.h>
#include <hangar/repository.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <concepts>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "model/chunk_grid.h"
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

const UserIdentity kUser{"Test User", "test@example.org"};

struct TempRepo : testing::TempRepo {
  TempRepo() : testing::TempRepo("repo", kUser) {}
};

// A fresh repository opened for writing, in its own temporary folder.
ColumnSchema column(std::string name, DType dtype, Shape shape, Layout layout = Layout::Flat) {
  ColumnSchema s;
  s.name = std::move(name);
  s.dtype = dtype;
  s.shape = std::move(shape);
  s.layout = layout;
  return s;
}

Tensor tensor(DType dtype, Shape shape, std::uint64_t seed) {
  return test::make_random_tensor(dtype, std::move(shape), seed);
}

template <std::integral T>
Key k(T v) {
  return Key(static_cast<std::uint64_t>(v));
}
Key k(const char* s) { return Key(std::string(s)); }

void put(Repository& repo, std::string_view col, const Key& key, const Tensor& t) {
  repo.put(col, key, std::nullopt, t.view());
}

std::uint64_t chunk_count(Repository& repo) { return detail::state_of(repo).chunks.stats().chunks; }

std::vector<std::string> keys_of(const Checkout& view, std::string_view col) {
  std::vector<std::string> out;
  view.for_each(col, [&](const SampleRef& r) {
    std::string name = r.key.to_string();
    if (r.subkey) name.append("|").append(r.subkey->to_string());
    out.push_back(std::move(name));
    return true;
  });
  return out;
}

bool same_counts(const StagedCounts& c, std::uint64_t added, std::uint64_t deleted,
                 std::uint64_t mutated) {
  return c.added == added && c.deleted == deleted && c.mutated == mutated;
}

}  // namespace

TEST_CASE("Repository: init creates an empty repository on branch main", "[core][repository]") {
  testing::StorageTempDir dir("repo");
  Repository::init(dir.path(), kUser);
  CHECK(fs::is_regular_file(dir / ".hangar/config"));
  CHECK(fs::is_directory(dir / ".hangar/meta"));
  CHECK(fs::is_directory(dir / ".hangar/chunks"));
  std::ifstream config(dir / ".hangar/config");
  std::stringstream text;
  text << config.rdbuf();
  CHECK_THAT(text.str(), Catch::Contains("format_version = 2") &&
                             Catch::Contains("user.name = Test User") &&
                             Catch::Contains("user.email = test@example.org"));

  const Repository repo = Repository::open(dir.path(), Mode::Read);
  CHECK(repo.current_branch() == "main");
  CHECK_FALSE(repo.head().has_value());
  CHECK(repo.branches().empty());
  CHECK(repo.status().clean());
  CHECK(repo.status().branch == "main");
  CHECK(repo.staged_view().column_names().empty());
  CHECK(error_of([&] { repo.resolve("HEAD"); }).code() == ErrorCode::NotFound);
  CHECK(error_of([&] { repo.resolve("main"); }).code() == ErrorCode::NotFound);
}

TEST_CASE("Repository: init twice is AlreadyExists, a plain folder is NotFound",
          "[core][repository]") {
  testing::StorageTempDir dir("repo");
  Repository::init(dir.path(), kUser);
  const Error again = error_of([&] { Repository::init(dir.path(), kUser); });
  CHECK(again.code() == ErrorCode::AlreadyExists);
  CHECK_THAT(again.what(), Catch::Contains(dir.path().string()));

  fs::create_directories(dir / "plain/sub");
  const Error not_repo = error_of([&] { Repository::open(dir / "plain", Mode::Read); });
  CHECK(not_repo.code() == ErrorCode::NotFound);
  REQUIRE(not_repo.hint() != nullptr);
  CHECK(not_repo.hint()->action == HintAction::Init);

  fs::create_directories(dir / "a/b");
  CHECK(Repository::find_root(dir / "a/b") == fs::canonical(dir.path()));
  CHECK(Repository::find_root(dir.path()) == fs::canonical(dir.path()));
}

TEST_CASE(
    "Repository: create is init plus a writer that holds the lock, and is refused where "
    "init is",
    "[core][repository]") {
  testing::StorageTempDir dir("repo");
  const fs::path root = dir / "new/repo";  // missing parents are created
  {
    Repository repo = Repository::create(root, kUser, {{"clone.remote", "origin"}});
    CHECK(repo.current_branch() == "main");
    CHECK_FALSE(repo.head().has_value());
    CHECK(repo.config_value("clone.remote") == "origin");
    CHECK(repo.config_value("user.name") == "Test User");
    const Error locked = error_of([&] { Repository::open(root, Mode::Write); });
    CHECK(locked.code() == ErrorCode::Locked);
    repo.create_column(column("x", DType::Int32, {2}));
    put(repo, "x", k(0), tensor(DType::Int32, {2}, 5));
    repo.commit("first");
  }
  const Repository again = Repository::open(root, Mode::Read);
  REQUIRE(again.head().has_value());
  CHECK(again.checkout_at(*again.head()).get("x", k(0)) == tensor(DType::Int32, {2}, 5));

  const Error twice = error_of([&] { Repository::create(root, kUser); });
  CHECK(twice.code() == ErrorCode::AlreadyExists);
  CHECK(std::string(twice.what()) ==
        std::string(error_of([&] { Repository::init(root, kUser); }).what()));

  // Under a file: nothing is created, and the error says where.
  { std::ofstream(dir / "file") << "x"; }
  const Error blocked = error_of([&] { Repository::create(dir / "file/repo", kUser); });
  CHECK_THAT(blocked.what(), Catch::Contains("cannot create a repository in"));
  CHECK_FALSE(fs::exists(dir / "file/repo"));
}

TEST_CASE("Repository: format 1, a newer format or an unknown extension is Unsupported",
          "[core][repository]") {
  testing::StorageTempDir dir("repo");
  Repository::init(dir.path(), kUser);
  const fs::path config = dir / ".hangar/config";
  {
    std::ofstream out(config, std::ios::app);
    out << "extensions.sparse = true\n";
  }
  const Error ext = error_of([&] { Repository::open(dir.path(), Mode::Read); });
  CHECK(ext.code() == ErrorCode::Unsupported);
  CHECK_THAT(ext.what(), Catch::Contains("'sparse'") && Catch::Contains("upgrade hangar"));

  {
    std::ofstream out(config, std::ios::trunc);
    out << "format_version = 3\n";
  }
  const Error newer = error_of([&] { Repository::open(dir.path(), Mode::Read); });
  CHECK(newer.code() == ErrorCode::Unsupported);
  CHECK_THAT(newer.what(), Catch::Contains("newer") && Catch::Contains("upgrade hangar"));
  {
    std::ofstream out(config, std::ios::trunc);
    out << "format_version = 1\n";
  }
  const Error old = error_of([&] { Repository::open(dir.path(), Mode::Read); });
  CHECK(old.code() == ErrorCode::Unsupported);
  CHECK(std::string(old.what()) ==
        "repository '" + dir.path().string() + "' is storage format 1; this hangar reads format 2");
  REQUIRE(old.hint() != nullptr);
  CHECK(old.hint()->action == HintAction::Upgrade);
  {
    std::ofstream out(config, std::ios::trunc);
    out << "# no version\nuser.name = x\n";
  }
  CHECK(error_of([&] { Repository::open(dir.path(), Mode::Read); }).code() == ErrorCode::Corrupt);
  {
    std::ofstream out(config, std::ios::trunc);
    out << "format_version = 2\nthis line has no equals sign\n";
  }
  const Error line = error_of([&] { Repository::open(dir.path(), Mode::Read); });
  CHECK(line.code() == ErrorCode::Corrupt);
  CHECK_THAT(line.what(), Catch::Contains("line 2"));
}

TEST_CASE("Repository: a second writer is Locked, in this process and in another",
          "[core][repository]") {
  testing::StorageTempDir dir("repo");
  Repository::init(dir.path(), kUser);
  {
    Repository writer = Repository::open(dir.path(), Mode::Write);
    const Error e = error_of([&] { Repository::open(dir.path(), Mode::Write); });
    CHECK(e.code() == ErrorCode::Locked);
    CHECK_THAT(e.what(),
               Catch::Contains("locked by another writer") && Catch::Contains(dir.path().string()));

    // Another process: exit code 0 = Locked, 1 = opened, 2 = another error.
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int code = 1;
      try {
        Repository::open(dir.path(), Mode::Write);
      } catch (const Error& err) {
        code = err.code() == ErrorCode::Locked ? 0 : 2;
      } catch (...) {
        code = 3;
      }
      ::_exit(code);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  // The lock goes with the writer.
  CHECK_NOTHROW(Repository::open(dir.path(), Mode::Write));
}

TEST_CASE("Repository: a read-only repository refuses writes", "[core][repository]") {
  testing::StorageTempDir dir("repo");
  Repository::init(dir.path(), kUser);
  Repository repo = Repository::open(dir.path(), Mode::Read);
  CHECK(error_of([&] { repo.create_column(column("c", DType::UInt8, {2})); }).code() ==
        ErrorCode::Internal);
  CHECK(error_of([&] { repo.commit("m"); }).code() == ErrorCode::Internal);
}

TEST_CASE("Repository: put/get round-trips every dtype", "[core][repository]") {
  const DType dtype = GENERATE(DType::Bool, DType::Int8, DType::Int16, DType::Int32, DType::Int64,
                               DType::UInt8, DType::UInt16, DType::UInt32, DType::UInt64,
                               DType::Float16, DType::Float32, DType::Float64);
  INFO(dtype_name(dtype));
  TempRepo r;
  r.repo.create_column(column("c", dtype, {3, 5}));
  r.repo.create_column(column("scalars", dtype, {}));
  const Tensor a = tensor(dtype, {3, 5}, 1);
  const Tensor b = tensor(dtype, {3, 5}, 2);
  const Tensor s = tensor(dtype, {}, 3);
  put(r.repo, "c", k(0), a);
  put(r.repo, "c", k("b/1"), b);
  put(r.repo, "scalars", k(7), s);
  {
    const Checkout staged = r.repo.staged_view();
    CHECK(staged.get("c", k(0)) == a);
    CHECK(staged.get("c", k("b/1")) == b);
    CHECK(staged.get("scalars", k(7)) == s);
  }
  const Digest id = r.repo.commit("first");
  const Checkout view = r.repo.checkout_at(id);
  CHECK(view.get("c", k(0)) == a);
  CHECK(view.get("c", k("b/1")) == b);
  CHECK(view.get("scalars", k(7)) == s);
  CHECK(view.count("c") == 2);
  CHECK(view.nbytes("c") == a.nbytes() + b.nbytes());
  CHECK(view.schema("c").dtype == dtype);
}

TEST_CASE("Repository: a multi-chunk sample round-trips", "[core][repository]") {
  TempRepo r;
  r.repo.create_column(column("vol", DType::UInt16, {3, 1000, 1001}));
  const Tensor big = tensor(DType::UInt16, {3, 1000, 1001}, 11);
  const std::uint64_t before = chunk_count(r.repo);
  put(r.repo, "vol", k(1), big);
  const std::uint64_t blocks = choose_grid(DType::UInt16, big.shape()).chunk_count();
  CHECK(blocks > 1);
  CHECK(chunk_count(r.repo) == before + blocks);
  const Digest id = r.repo.commit("volume");
  CHECK(r.repo.checkout_at(id).get("vol", k(1)) == big);
}

TEST_CASE("Repository: identical samples are stored once", "[core][repository]") {
  TempRepo r;
  r.repo.create_column(column("images", DType::UInt8, {16, 16, 3}));
  r.repo.create_column(column("copy", DType::UInt8, {16, 16, 3}));
  const Tensor img = tensor(DType::UInt8, {16, 16, 3}, 5);
  const std::uint64_t before = chunk_count(r.repo);
  for (std::uint64_t key : {1u, 2u, 3u}) put(r.repo, "images", k(key), img);
  put(r.repo, "copy", k("x"), img);
  CHECK(chunk_count(r.repo) == before + 1);
  put(r.repo, "images", k(4), tensor(DType::UInt8, {16, 16, 3}, 6));
  CHECK(chunk_count(r.repo) == before + 2);

  const Checkout staged = r.repo.staged_view();
  const SampleId d1 = staged.find("images", k(1))->sample;
  CHECK(d1.is_inline());  // one chunk: held inline, no descriptor object
  CHECK(staged.find("images", k(2))->sample == d1);
  CHECK(staged.find("images", k(3))->sample == d1);
  CHECK(staged.find("copy", k("x"))->sample == d1);
  CHECK(staged.find("images", k(4))->sample != d1);
  CHECK(staged.find("images", k(1))->nbytes == img.nbytes());
}

TEST_CASE("Repository: a sample that does not fit is refused and nothing is staged",
          "[core][repository]") {
  TempRepo r;
  r.repo.create_column(column("images", DType::UInt8, {8, 8, 3}));
  put(r.repo, "images", k("ok"), tensor(DType::UInt8, {8, 8, 3}, 1));
  const StatusReport before = r.repo.status();
  const std::uint64_t chunks_before = chunk_count(r.repo);

  const Tensor wrong = tensor(DType::UInt8, {8, 8}, 2);
  const Error e = error_of([&] { put(r.repo, "images", k("boot/00017"), wrong); });
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK_THAT(e.what(), Catch::Contains("column 'images'") && Catch::Contains("'boot/00017'") &&
                           Catch::Contains("uint8 [8,8,3]") && Catch::Contains("uint8 [8,8]"));
  const Tensor wrong_dtype = tensor(DType::Float32, {8, 8, 3}, 3);
  CHECK(error_of([&] { put(r.repo, "images", k(5), wrong_dtype); }).code() ==
        ErrorCode::InvalidArgument);

  const StatusReport after = r.repo.status();
  REQUIRE(after.staged.count("images") == 1);
  CHECK(same_counts(after.staged.at("images"), 1, 0, 0));
  CHECK(after.staged.size() == before.staged.size());
  CHECK(chunk_count(r.repo) == chunks_before);
  const Checkout staged = r.repo.staged_view();
  CHECK_FALSE(staged.find("images", k("boot/00017")).has_value());
  CHECK_FALSE(staged.find("images", k(5)).has_value());
  CHECK(staged.count("images") == 1);

  // A view whose bytes do not match its shape.
  const Tensor full = tensor(DType::UInt8, {8, 8, 3}, 5);
  const TensorView short_view{DType::UInt8, {8, 8, 3}, full.data().first(100)};
  CHECK(error_of([&] { r.repo.put("images", k(6), std::nullopt, short_view); }).code() ==
        ErrorCode::InvalidArgument);
  CHECK_FALSE(r.repo.staged_view().find("images", k(6)).has_value());

  // Other refusals: unknown column, a subkey on a flat column.
  const Tensor ok = tensor(DType::UInt8, {8, 8, 3}, 4);
  const Error missing = error_of([&] { put(r.repo, "nope", k(1), ok); });
  CHECK(missing.code() == ErrorCode::NotFound);
  CHECK_THAT(missing.what(), Catch::Contains("'nope'"));
  CHECK(error_of([&] { r.repo.put("images", k(1), k(2), ok.view()); }).code() ==
        ErrorCode::InvalidArgument);
}

TEST_CASE("Repository: status counts added, deleted and mutated per column", "[core][repository]") {
  TempRepo r;
  r.repo.create_column(column("a", DType::Int32, {2}));
  r.repo.create_column(column("b", DType::Int32, {2}));
  for (std::uint64_t i = 0; i < 5; ++i) put(r.repo, "a", k(i), tensor(DType::Int32, {2}, i));
  put(r.repo, "b", k(0), tensor(DType::Int32, {2}, 100));
  {
    const StatusReport s = r.repo.status();
    CHECK(s.columns_added == std::vector<std::string>{"a", "b"});
    CHECK(s.columns_deleted.empty());
    CHECK(same_counts(s.staged.at("a"), 5, 0, 0));
    CHECK(same_counts(s.staged.at("b"), 1, 0, 0));
  }
  r.repo.commit("base");
  CHECK(r.repo.status().clean());

  put(r.repo, "a", k(5), tensor(DType::Int32, {2}, 55));  // added
  put(r.repo, "a", k(1), tensor(DType::Int32, {2}, 11));  // mutated
  r.repo.remove("a", {{k(2), std::nullopt}});             // deleted
  put(r.repo, "a", k(3), tensor(DType::Int32, {2}, 3));   // same value: no change
  put(r.repo, "a", k(4), tensor(DType::Int32, {2}, 44));  // changed ...
  put(r.repo, "a", k(4), tensor(DType::Int32, {2}, 4));   // ... and changed back
  const StatusReport s = r.repo.status();
  CHECK(s.branch == "main");
  CHECK(s.head == r.repo.head());
  REQUIRE(s.staged.size() == 1);
  CHECK(same_counts(s.staged.at("a"), 1, 1, 1));
  CHECK(s.columns_added.empty());
  CHECK_FALSE(s.clean());
  const Checkout staged = r.repo.staged_view();
  CHECK(staged.count("a") == 5);
  CHECK(staged.nbytes("a") == 5 * 8);
}

TEST_CASE("Repository: remove stages deletions and refuses unknown keys atomically",
          "[core][repository]") {
  TempRepo r;
  r.repo.create_column(column("c", DType::UInt8, {4}));
  for (std::uint64_t i = 0; i < 5; ++i) put(r.repo, "c", k(i), tensor(DType::UInt8, {4}, i));
  r.repo.commit("base");

  r.repo.remove("c", {{k(1), std::nullopt}, {k(2), std::nullopt}});
  CHECK(same_counts(r.repo.status().staged.at("c"), 0, 2, 0));

  const Error e = error_of([&] {
    r.repo.remove("c", {{k(3), std::nullopt}, {k(99), std::nullopt}});
  });
  CHECK(e.code() == ErrorCode::NotFound);
  CHECK_THAT(e.what(), Catch::Contains("'c'/'99'") && Catch::Contains("nothing was removed"));
  CHECK(same_counts(r.repo.status().staged.at("c"), 0, 2, 0));
  CHECK(r.repo.staged_view().find("c", k(3)).has_value());

  // Removing an already removed key is NotFound too.
  CHECK(error_of([&] {
          r.repo.remove("c", {{k(1), std::nullopt}});
        }).code() == ErrorCode::NotFound);
  // Removing a key that is only staged unstages it.
  put(r.repo, "c", k(7), tensor(DType::UInt8, {4}, 7));
  CHECK(same_counts(r.repo.status().staged.at("c"), 1, 2, 0));
  r.repo.remove("c", {{k(7), std::nullopt}});
  CHECK(same_counts(r.repo.status().staged.at("c"), 0, 2, 0));
  CHECK(error_of([&] {
          r.repo.remove("nope", {{k(1), std::nullopt}});
        }).code() == ErrorCode::NotFound);

  const Digest id = r.repo.commit("remove two");
  const Checkout view = r.repo.checkout_at(id);
  CHECK(keys_of(view, "c") == std::vector<std::string>{"0", "3", "4"});
  CHECK(view.count("c") == 3);
}

TEST_CASE("Repository: commit moves the branch and records the columns", "[core][repository]") {
  TempRepo r;
  r.repo.create_column(column("c", DType::UInt8, {4}));
  put(r.repo, "c", k(1), tensor(DType::UInt8, {4}, 1));
  put(r.repo, "c", k(2), tensor(DType::UInt8, {4}, 2));
  const Digest id = r.repo.commit("two samples");
  CHECK(r.repo.head() == id);
  CHECK(r.repo.find_branch("main") == id);
  CHECK(r.repo.status().clean());
  CHECK(r.repo.status().head == id);

  const Commit c = r.repo.get_commit(id);
  CHECK(c.parents.empty());
  CHECK(c.message == "two samples");
  CHECK(c.author == r.repo.user().name);
  CHECK(c.email == r.repo.user().email);
  CHECK(c.time > 1600000000);
  REQUIRE(c.columns.size() == 1);
  CHECK(c.columns[0].name == "c");
  CHECK(c.columns[0].count == 2);
  CHECK(c.columns[0].nbytes == 8);
  CHECK_FALSE(c.columns[0].records.is_zero());
  CHECK(c.columns[0].schema == digest_of(encode_schema(column("c", DType::UInt8, {4}))));
  // The digest is the digest of the canonical encoding.
  CHECK(digest_of(encode_commit(c)) == id);

  put(r.repo, "c", k(3), tensor(DType::UInt8, {4}, 3));
  const Digest id2 = r.repo.commit("three");
  CHECK(r.repo.get_commit(id2).parents == std::vector<Digest>{id});
}

TEST_CASE("Repository: commit refuses an empty message and an empty staging area",
          "[core][repository]") {
  TempRepo r;
  const Error nothing = error_of([&] { r.repo.commit("msg"); });
  CHECK(nothing.code() == ErrorCode::InvalidArgument);
  CHECK_THAT(nothing.what(), Catch::Contains("nothing to commit"));
  r.repo.create_column(column("c", DType::UInt8, {4}));
  CHECK(error_of([&] { r.repo.commit(""); }).code() == ErrorCode::InvalidArgument);
  CHECK_FALSE(r.repo.head().has_value());
  // An empty column is a change worth committing.
  const Digest id = r.repo.commit("empty column");
  CHECK(r.repo.checkout_at(id).count("c") == 0);
  CHECK(r.repo.get_commit(id).columns.at(0).records.is_zero());
  CHECK(error_of([&] { r.repo.commit("again"); }).code() == ErrorCode::InvalidArgument);
  CHECK(r.repo.head() == id);
}

TEST_CASE("Repository: log lists commits newest first with their parents", "[core][repository]") {
  TempRepo r;
  r.repo.create_column(column("c", DType::UInt8, {1}));
  std::vector<Digest> ids;
  for (std::uint64_t i = 0; i < 4; ++i) {
    put(r.repo, "c", k(i), tensor(DType::UInt8, {1}, i));
    ids.push_back(r.repo.commit("commit " + std::to_string(i)));
  }
  const auto log = r.repo.log(ids.back(), 100);
  REQUIRE(log.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    INFO(i);
    CHECK(log[i].digest == ids[3 - i]);
    CHECK(log[i].commit.message == "commit " + std::to_string(3 - i));
    if (i < 3)
      CHECK(log[i].commit.parents == std::vector<Digest>{ids[2 - i]});
    else
      CHECK(log[i].commit.parents.empty());
  }
  const auto two = r.repo.log(ids.back(), 2);
  REQUIRE(two.size() == 2);
  CHECK(two[1].digest == ids[2]);
  CHECK(r.repo.log(ids[1], 100).size() == 2);
  CHECK(error_of([&] { r.repo.log(digest_of(as_bytes("nope")), 10); }).code() ==
        ErrorCode::NotFound);
}

TEST_CASE("Repository: branches are created, listed, checked out and deleted",
          "[core][repository]") {
  TempRepo r;
  r.repo.create_column(column("c", DType::UInt8, {1}));
  const Error unborn = error_of([&] { r.repo.create_branch("dev", std::nullopt); });
  CHECK(unborn.code() == ErrorCode::NotFound);
  put(r.repo, "c", k(0), tensor(DType::UInt8, {1}, 0));
  const Digest base = r.repo.commit("base");

  r.repo.create_branch("dev", std::nullopt);
  r.repo.create_branch("old", std::string_view(base.hex()));
  CHECK(error_of([&] { r.repo.create_branch("dev", std::nullopt); }).code() ==
        ErrorCode::AlreadyExists);
  CHECK(error_of([&] { r.repo.create_branch("a..b", std::nullopt); }).code() ==
        ErrorCode::InvalidArgument);
  CHECK(error_of([&] { r.repo.create_branch("x", std::string_view("nope")); }).code() ==
        ErrorCode::NotFound);

  auto names = [&] {
    std::vector<std::string> out;
    for (const auto& b : r.repo.branches()) out.push_back(b.name + (b.current ? "*" : ""));
    return out;
  };
  CHECK(names() == std::vector<std::string>{"dev", "main*", "old"});
  for (const auto& b : r.repo.branches()) CHECK(b.commit == base);

  r.repo.checkout("dev");
  CHECK(r.repo.current_branch() == "dev");
  put(r.repo, "c", k(1), tensor(DType::UInt8, {1}, 1));
  const Digest on_dev = r.repo.commit("on dev");
  CHECK(r.repo.find_branch("dev") == on_dev);
  CHECK(r.repo.find_branch("main") == base);
  CHECK(names() == std::vector<std::string>{"dev*", "main", "old"});

  // The current branch cannot be deleted; checking out an unknown one is NotFound.
  CHECK(error_of([&] { r.repo.delete_branch("dev", false); }).code() == ErrorCode::InvalidArgument);
  const Error unknown = error_of([&] { r.repo.checkout("nope"); });
  CHECK(unknown.code() == ErrorCode::NotFound);
  REQUIRE(unknown.hint() != nullptr);
  CHECK(unknown.hint()->action == HintAction::BranchList);
  CHECK(r.repo.current_branch() == "dev");

  r.repo.checkout("main");
  CHECK(r.repo.head() == base);
  CHECK_FALSE(r.repo.staged_view().find("c", k(1)).has_value());
  // dev has a commit no other branch has: refused without force.
  const Error unmerged = error_of([&] { r.repo.delete_branch("dev", false); });
  CHECK(unmerged.code() == ErrorCode::InvalidArgument);
  CHECK_THAT(unmerged.what(), Catch::Contains("--force"));
  CHECK(r.repo.find_branch("dev") == on_dev);
  // old points at a commit main has: deleted without force.
  r.repo.delete_branch("old", false);
  CHECK_FALSE(r.repo.find_branch("old").has_value());
  r.repo.delete_branch("dev", true);
  CHECK_FALSE(r.repo.find_branch("dev").has_value());
  CHECK(error_of([&] { r.repo.delete_branch("dev", true); }).code() == ErrorCode::NotFound);
  CHECK(names() == std::vector<std::string>{"main*"});
}

TEST_CASE("Repository: checkout refuses while work is staged", "[core][repository]") {
  TempRepo r;
  r.repo.create_column(column("c", DType::UInt8, {1}));
  put(r.repo, "c", k(0), tensor(DType::UInt8, {1}, 0));
  r.repo.commit("base");
  r.repo.create_branch("dev", std::nullopt);
  put(r.repo, "c", k(1), tensor(DType::UInt8, {1}, 1));

  const Error e = error_of([&] { r.repo.checkout("dev"); });
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK_THAT(e.what(), Catch::Contains("staged changes"));
  REQUIRE(e.hint() != nullptr);
  CHECK(e.hint()->action == HintAction::CommitOrReset);
  CHECK(r.repo.current_branch() == "main");
  CHECK(r.repo.staged_view().find("c", k(1)).has_value());

  // A staged column change counts too.
  r.repo.reset();
  r.repo.create_column(column("d", DType::UInt8, {1}));
  CHECK(error_of([&] { r.repo.checkout("dev"); }).code() == ErrorCode::InvalidArgument);
  r.repo.reset();
  r.repo.checkout("dev");
  CHECK(r.repo.current_branch() == "dev");
}

TEST_CASE("Repository: resolve takes branches, HEAD, digests and unique prefixes",
          "[core][repository]") {
  TempRepo r;
  r.repo.create_column(column("c", DType::UInt8, {1}));
  std::vector<Digest> ids;
  for (std::uint64_t i = 0; i < 3; ++i) {
    put(r.repo, "c", k(i), tensor(DType::UInt8, {1}, i));
    ids.push_back(r.repo.commit(std::string("c").append(std::to_string(i))));
  }
  r.repo.create_branch("first", std::string_view(ids[0].hex()));
  CHECK(r.repo.resolve("main") == ids[2]);
  CHECK(r.repo.resolve("HEAD") == ids[2]);
  CHECK(r.repo.resolve("first") == ids[0]);
  for (const Digest& id : ids) {
    const std::string hex = id.hex();
    CHECK(r.repo.resolve(hex) == id);
    std::string upper = hex;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    CHECK(r.repo.resolve(upper) == id);
    CHECK(r.repo.resolve(hex.substr(0, 6)) == id);
    CHECK(r.repo.resolve(hex.substr(0, 7)) == id);  // odd lengths too
    CHECK(r.repo.resolve(hex.substr(0, 12)) == id);
    CHECK(hex.size() == 64);                         // SHA-256
    CHECK(r.repo.resolve(hex.substr(0, 33)) == id);  // longer than a format-1 digest
    CHECK(r.repo.resolve(hex.substr(0, 63)) == id);
  }
  // Too short, too long, unknown, or the digest of an object that is not a commit.
  CHECK(error_of([&] { r.repo.resolve(ids[0].hex().substr(0, 5)); }).code() == ErrorCode::NotFound);
  CHECK(error_of([&] { r.repo.resolve(ids[0].hex() + "0"); }).code() == ErrorCode::NotFound);
  std::string absent;
  for (char c : std::string("0123456789abcdef")) {
    absent = std::string(6, c);
    if (std::none_of(ids.begin(), ids.end(),
                     [&](const Digest& d) { return hex_prefix_matches(d, absent); }))
      break;
  }
  const Error unknown = error_of([&] { r.repo.resolve(absent); });
  CHECK(unknown.code() == ErrorCode::NotFound);
  CHECK_THAT(unknown.what(), Catch::Contains("'" + absent + "'"));
  CHECK(error_of([&] { r.repo.resolve("no-such-branch"); }).code() == ErrorCode::NotFound);
  const Digest schema = r.repo.get_commit(ids[0]).columns.at(0).schema;
  CHECK(error_of([&] { r.repo.resolve(schema.hex()); }).code() == ErrorCode::NotFound);
  CHECK(error_of([&] { r.repo.resolve(""); }).code() == ErrorCode::NotFound);
}

TEST_CASE("Repository: a checkout of an old commit keeps showing old data", "[core][repository]") {
  TempRepo r;
  r.repo.create_column(column("c", DType::Float32, {3}));
  r.repo.create_column(column("gone", DType::UInt8, {1}));
  const Tensor v0 = tensor(DType::Float32, {3}, 0), v1 = tensor(DType::Float32, {3}, 1);
  put(r.repo, "c", k(0), v0);
  put(r.repo, "c", k(1), v1);
  put(r.repo, "gone", k(0), tensor(DType::UInt8, {1}, 9));
  const Digest c1 = r.repo.commit("one");
  const Checkout early = r.repo.checkout_at(c1);  // taken before the later commits

  const Tensor v0b = tensor(DType::Float32, {3}, 10), v2 = tensor(DType::Float32, {3}, 2);
  put(r.repo, "c", k(0), v0b);
  r.repo.remove("c", {{k(1), std::nullopt}});
  put(r.repo, "c", k(2), v2);
  r.repo.delete_column("gone");
  const Digest c2 = r.repo.commit("two");

  CHECK(early.get("c", k(0)) == v0);
  CHECK(early.get("c", k(1)) == v1);
  CHECK_FALSE(early.find("c", k(2)).has_value());
  CHECK(early.has_column("gone"));
  const Checkout again = r.repo.checkout_at(c1);
  CHECK(again.commit() == c1);
  CHECK(again.get("c", k(0)) == v0);
  CHECK(again.get("c", k(1)) == v1);
  CHECK(again.count("c") == 2);
  CHECK(keys_of(again, "c") == std::vector<std::string>{"0", "1"});
  CHECK(again.column_names() == std::vector<std::string>{"c", "gone"});

  const Checkout now = r.repo.checkout_at(c2);
  CHECK(now.get("c", k(0)) == v0b);
  CHECK(now.get("c", k(2)) == v2);
  CHECK(keys_of(now, "c") == std::vector<std::string>{"0", "2"});
  CHECK(now.column_names() == std::vector<std::string>{"c"});
  const Error missing = error_of([&] { now.get("c", k(1)); });
  CHECK(missing.code() == ErrorCode::NotFound);
  CHECK_THAT(missing.what(), Catch::Contains("'c'/'1'"));
  const Error no_column = error_of([&] { now.schema("gone"); });
  CHECK(no_column.code() == ErrorCode::NotFound);
  CHECK_THAT(no_column.what(), Catch::Contains("'gone'"));
  CHECK(error_of([&] { r.repo.checkout_at(digest_of(as_bytes("x"))); }).code() ==
        ErrorCode::NotFound);
}

TEST_CASE("Repository: a staged view is a snapshot taken at creation", "[core][repository]") {
  TempRepo r;
  r.repo.create_column(column("c", DType::UInt8, {2}));
  put(r.repo, "c", k(0), tensor(DType::UInt8, {2}, 0));
  const Checkout before = r.repo.staged_view();
  put(r.repo, "c", k(1), tensor(DType::UInt8, {2}, 1));
  CHECK(before.count("c") == 1);
  CHECK_FALSE(before.find("c", k(1)).has_value());
  CHECK(r.repo.staged_view().count("c") == 2);
}

TEST_CASE("Repository: the staged view overlays staged puts and deletes in key order",
          "[core][repository]") {
  TempRepo r;
  r.repo.create_column(column("c", DType::Int16, {2}));
  std::uint64_t seed = 0;
  for (std::uint64_t i : {0u, 2u, 4u, 6u})
    put(r.repo, "c", k(i), tensor(DType::Int16, {2}, ++seed));
  for (const char* s : {"a", "c", "e"}) put(r.repo, "c", k(s), tensor(DType::Int16, {2}, ++seed));
  const Digest head = r.repo.commit("base");

  const Tensor two = tensor(DType::Int16, {2}, 200);
  put(r.repo, "c", k(1), tensor(DType::Int16, {2}, 100));
  put(r.repo, "c", k(2), two);
  put(r.repo, "c", k(7), tensor(DType::Int16, {2}, 700));
  put(r.repo, "c", k("b"), tensor(DType::Int16, {2}, 300));
  put(r.repo, "c", k("f"), tensor(DType::Int16, {2}, 400));
  r.repo.remove("c", {{k(4), std::nullopt}, {k("c"), std::nullopt}, {k("e"), std::nullopt}});

  const Checkout staged = r.repo.staged_view();
  CHECK(staged.commit() == head);
  const std::vector<std::string> expect = {"0", "1", "2", "6", "7", "a", "b", "f"};
  CHECK(keys_of(staged, "c") == expect);
  CHECK(staged.count("c") == expect.size());
  CHECK(staged.nbytes("c") == expect.size() * 4);
  CHECK(staged.get("c", k(2)) == two);
  CHECK_FALSE(staged.find("c", k(4)).has_value());
  CHECK_FALSE(staged.find("c", k("e")).has_value());
  // Each visited ref is what find() says.
  staged.for_each("c", [&](const SampleRef& ref) {
    const auto found = staged.find("c", ref.key);
    REQUIRE(found.has_value());
    CHECK(found->sample == ref.sample);
    CHECK(found->nbytes == ref.nbytes);
    return true;
  });
  // Early stop.
  std::size_t visited = 0;
  staged.for_each("c", [&](const SampleRef&) { return ++visited < 3; });
  CHECK(visited == 3);
  // HEAD is untouched.
  CHECK(keys_of(r.repo.checkout_at(head), "c") ==
        std::vector<std::string>{"0", "2", "4", "6", "a", "c", "e"});
  const Digest next = r.repo.commit("overlay");
  CHECK(keys_of(r.repo.checkout_at(next), "c") == expect);
}

TEST_CASE("Repository: delete_column then commit removes the column", "[core][repository]") {
  TempRepo r;
  r.repo.create_column(column("keep", DType::UInt8, {1}));
  r.repo.create_column(column("drop", DType::UInt8, {1}));
  put(r.repo, "keep", k(0), tensor(DType::UInt8, {1}, 0));
  put(r.repo, "drop", k(0), tensor(DType::UInt8, {1}, 1));
  const Digest c1 = r.repo.commit("both");

  put(r.repo, "drop", k(1), tensor(DType::UInt8, {1}, 2));
  r.repo.delete_column("drop");
  const StatusReport s = r.repo.status();
  CHECK(s.columns_deleted == std::vector<std::string>{"drop"});
  CHECK(s.columns_added.empty());
  CHECK(s.staged.count("drop") == 0);
  CHECK_FALSE(r.repo.staged_view().has_column("drop"));
  CHECK(error_of([&] { put(r.repo, "drop", k(2), tensor(DType::UInt8, {1}, 3)); }).code() ==
        ErrorCode::NotFound);
  CHECK(error_of([&] { r.repo.delete_column("drop"); }).code() == ErrorCode::NotFound);
  CHECK(error_of([&] { r.repo.delete_column("never"); }).code() == ErrorCode::NotFound);

  const Digest c2 = r.repo.commit("drop it");
  CHECK(r.repo.checkout_at(c2).column_names() == std::vector<std::string>{"keep"});
  CHECK(r.repo.checkout_at(c1).has_column("drop"));
  CHECK(r.repo.get_commit(c2).columns.size() == 1);
}

TEST_CASE("Repository: re-creating a column starts it empty with the new schema",
          "[core][repository]") {
  TempRepo r;
  r.repo.create_column(column("c", DType::UInt8, {1}));
  put(r.repo, "c", k(0), tensor(DType::UInt8, {1}, 0));
  r.repo.commit("old");
  CHECK(error_of([&] { r.repo.create_column(column("c", DType::UInt8, {1})); }).code() ==
        ErrorCode::AlreadyExists);
  r.repo.delete_column("c");
  r.repo.create_column(column("c", DType::Float64, {2}));
  const StatusReport s = r.repo.status();
  CHECK(s.columns_added == std::vector<std::string>{"c"});
  CHECK(s.columns_deleted == std::vector<std::string>{"c"});
  const Checkout staged = r.repo.staged_view();
  CHECK(staged.count("c") == 0);
  CHECK(staged.schema("c").dtype == DType::Float64);
  put(r.repo, "c", k(5), tensor(DType::Float64, {2}, 5));
  const Digest id = r.repo.commit("new");
  CHECK(keys_of(r.repo.checkout_at(id), "c") == std::vector<std::string>{"5"});
}

TEST_CASE("Repository: nested columns key samples by (key, subkey)", "[core][repository]") {
  TempRepo r;
  r.repo.create_column(column("n", DType::UInt8, {2}, Layout::Nested));
  const Tensor t1 = tensor(DType::UInt8, {2}, 1), t2 = tensor(DType::UInt8, {2}, 2);
  r.repo.put("n", k(1), k("b"), t2.view());
  r.repo.put("n", k(1), k("a"), t1.view());
  r.repo.put("n", k(0), k("z"), t1.view());
  r.repo.put("n", k("x"), k(5), t2.view());
  const Error no_sub = error_of([&] { put(r.repo, "n", k(2), t1); });
  CHECK(no_sub.code() == ErrorCode::InvalidArgument);
  CHECK_THAT(no_sub.what(), Catch::Contains("nested") && Catch::Contains("subkey"));

  const std::vector<std::string> expect = {"0|z", "1|a", "1|b", "x|5"};
  CHECK(keys_of(r.repo.staged_view(), "n") == expect);
  const Digest id = r.repo.commit("nested");
  const Checkout view = r.repo.checkout_at(id);
  CHECK(keys_of(view, "n") == expect);
  CHECK(view.get("n", k(1), k("b")) == t2);
  CHECK(view.get("n", k("x"), k(5)) == t2);
  CHECK_FALSE(view.find("n", k(1), k("c")).has_value());
  CHECK(error_of([&] { view.find("n", k(1)); }).code() == ErrorCode::InvalidArgument);
  CHECK(view.count("n") == 4);

  r.repo.remove("n", {{k(1), k("a")}});
  CHECK(keys_of(r.repo.staged_view(), "n") == std::vector<std::string>{"0|z", "1|b", "x|5"});
}

// The staged_samples LMDB key is column + 0x00 + key encoding + subkey encoding and LMDB keys
// hold at most 511 bytes, so a nested key and subkey are limited to 446 encoded bytes together.
TEST_CASE("Repository: long nested keys up to the limit are staged, longer ones refused",
          "[core][repository]") {
  TempRepo r;
  const std::string col(64, 'c');
  r.repo.create_column(column(col, DType::UInt8, {1}, Layout::Nested));
  const Tensor t = tensor(DType::UInt8, {1}, 1);
  const Key key(std::string(220, 'k'));
  const Key sub(std::string(222, 's'));  // 222 + 224 = 446 encoded bytes
  r.repo.put(col, key, sub, t.view());
  const Digest id = r.repo.commit("long keys");
  CHECK(r.repo.checkout_at(id).get(col, key, sub) == t);

  const Key longer(std::string(223, 's'));
  const Error e = error_of([&] { r.repo.put(col, key, longer, t.view()); });
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK_THAT(e.what(), Catch::Contains("too long together"));
  CHECK(r.repo.status().clean());
}

TEST_CASE("Repository: reset drops all staged work", "[core][repository]") {
  TempRepo r;
  r.repo.create_column(column("c", DType::UInt8, {1}));
  put(r.repo, "c", k(0), tensor(DType::UInt8, {1}, 0));
  put(r.repo, "c", k(1), tensor(DType::UInt8, {1}, 1));
  const Digest id = r.repo.commit("base");

  put(r.repo, "c", k(2), tensor(DType::UInt8, {1}, 2));
  put(r.repo, "c", k(0), tensor(DType::UInt8, {1}, 9));
  r.repo.remove("c", {{k(1), std::nullopt}});
  r.repo.create_column(column("new", DType::UInt8, {1}));
  put(r.repo, "new", k(0), tensor(DType::UInt8, {1}, 3));
  CHECK_FALSE(r.repo.status().clean());

  r.repo.reset();
  CHECK(r.repo.status().clean());
  CHECK(r.repo.head() == id);
  const Checkout staged = r.repo.staged_view();
  CHECK(staged.column_names() == std::vector<std::string>{"c"});
  CHECK(keys_of(staged, "c") == std::vector<std::string>{"0", "1"});
  CHECK(staged.get("c", k(0)) == tensor(DType::UInt8, {1}, 0));
  CHECK(error_of([&] { r.repo.commit("nothing"); }).code() == ErrorCode::InvalidArgument);
}

TEST_CASE("Repository: committed data survives reopening", "[core][repository]") {
  testing::StorageTempDir dir("repo");
  Repository::init(dir.path(), kUser);
  const Tensor t = tensor(DType::Float32, {4, 4}, 3);
  Digest id;
  {
    Repository repo = Repository::open(dir.path(), Mode::Write);
    repo.create_column(column("c", DType::Float32, {4, 4}));
    put(repo, "c", k("a"), t);
    id = repo.commit("persist");
    put(repo, "c", k("staged"), t);  // staged work persists too
  }
  const Repository repo = Repository::open(dir.path(), Mode::Read);
  CHECK(repo.head() == id);
  CHECK(repo.checkout_at(id).get("c", k("a")) == t);
  CHECK(same_counts(repo.status().staged.at("c"), 1, 0, 0));
}

}  // namespace hangar
