// import_files and export_column on real repositories and folders: labels from class folders,
// determinism across --jobs, pixel- and byte-identical export, and all-or-nothing imports.
#include <hangar/error.h>
#include <hangar/io.h>
#include <hangar/repository.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "io/npy.h"
#include "support/image_gen.h"
#include "support/storage_temp_dir.h"
#include "support/test_util.h"

namespace hangar {
namespace {

namespace fs = std::filesystem;
using Mode = Repository::Mode;

Bytes read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  REQUIRE(in.good());
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Bytes out(chars.size());
  for (std::size_t i = 0; i < chars.size(); ++i) out[i] = static_cast<std::byte>(chars[i]);
  return out;
}

void write_bytes(const fs::path& p, ByteView b) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
  REQUIRE(out.good());
}

// Writes `t` to `p` with write_tensor_file (creating folders) and returns the tensor.
Tensor write_file(const fs::path& p, Tensor t) {
  fs::create_directories(p.parent_path());
  write_tensor_file(p, t.view());
  return t;
}

Repository init_repo(const fs::path& root) {
  Repository::init(root, {"Test", "test@example.org"});
  return Repository::open(root, Mode::Write);
}

// (key, sample digest) of every sample of `col` in the staged view.
std::vector<std::pair<std::string, std::string>> staged_samples(const Repository& repo,
                                                                const std::string& col) {
  std::vector<std::pair<std::string, std::string>> out;
  const Checkout view = repo.staged_view();
  if (!view.has_column(col)) return out;
  view.for_each(col, [&](const SampleRef& r) {
    out.emplace_back(r.key.to_string(), r.sample.hex());
    return true;
  });
  return out;
}

bool same_status(const StatusReport& a, const StatusReport& b) {
  if (a.branch != b.branch || a.head != b.head || a.columns_added != b.columns_added ||
      a.columns_deleted != b.columns_deleted || a.staged.size() != b.staged.size())
    return false;
  for (const auto& [col, c] : a.staged) {
    auto it = b.staged.find(col);
    if (it == b.staged.end() || it->second.added != c.added || it->second.deleted != c.deleted ||
        it->second.mutated != c.mutated)
      return false;
  }
  return true;
}

// A class-folder tree of small photo-like uint8 [12,10,3] images: bird/img0..1, cat/img0..2,
// dog/img0 as PNG files, and dog/img1 as a .npy file (import mixes formats of one shape).
std::map<std::string, Tensor> write_class_tree(const fs::path& root) {
  std::map<std::string, Tensor> images;
  std::uint64_t seed = 1;
  for (const auto& [cls, n] :
       std::vector<std::pair<std::string, int>>{{"cat", 3}, {"bird", 2}, {"dog", 1}}) {
    for (int i = 0; i < n; ++i) {
      const std::string key = cls + "/img" + std::to_string(i);
      images[key] = write_file(root / (key + ".png"), test::make_photo_rgb(12, 10, seed++));
    }
  }
  images["dog/img1"] = write_file(root / "dog/img1.npy", test::make_photo_rgb(12, 10, seed++));
  return images;
}

ImportOptions import_options(const std::string& column, const fs::path& path, unsigned jobs) {
  ImportOptions o;
  o.column = column;
  o.path = path;
  o.jobs = jobs;
  return o;
}

}  // namespace

TEST_CASE("Import: class folders become labels, identically for any number of jobs",
          "[core][import]") {
  testing::StorageTempDir dir("import");
  const auto images = write_class_tree(dir / "src");

  std::vector<std::vector<std::pair<std::string, std::string>>> image_runs, label_runs;
  for (unsigned jobs : {1u, 2u, 3u}) {
    INFO("jobs " << jobs);
    Repository repo = init_repo(dir / ("repo" + std::to_string(jobs)));
    ImportOptions o = import_options("images", dir / "src", jobs);
    o.labels_column = "labels";
    std::uint64_t last_done = 0, calls = 0;
    o.progress = [&](std::uint64_t done, std::uint64_t total) {
      CHECK(total == 7);
      CHECK(done == last_done + 1);
      last_done = done;
      ++calls;
    };
    const ImportResult r = import_files(repo, o);
    CHECK(r.files == 7);
    CHECK(calls == 7);
    CHECK(r.raw_bytes == 7 * 12 * 10 * 3);
    CHECK(r.file_bytes > 0);
    CHECK(r.new_chunks >= 7);  // seven distinct images (+ up to three label values)
    CHECK(r.new_chunks <= 10);
    CHECK(r.classes == std::vector<std::string>{"bird", "cat", "dog"});

    const Checkout view = repo.staged_view();
    const ColumnSchema& s = view.schema("images");
    CHECK(s.dtype == DType::UInt8);
    CHECK(s.shape == Shape{12, 10, 3});
    const ColumnSchema& ls = view.schema("labels");
    CHECK(ls.dtype == DType::Int64);
    CHECK(ls.shape.empty());
    CHECK(ls.attributes.at("classes") == "bird\ncat\ndog");
    for (const auto& [key, t] : images) {
      INFO(key);
      CHECK(view.get("images", Key(key)) == t);
      const Tensor label = view.get("labels", Key(key));
      REQUIRE(label.shape().empty());
      const std::int64_t expect = key.rfind("bird", 0) == 0 ? 0 : key.rfind("cat", 0) == 0 ? 1 : 2;
      CHECK(*label.as<std::int64_t>() == expect);
    }
    image_runs.push_back(staged_samples(repo, "images"));
    label_runs.push_back(staged_samples(repo, "labels"));
  }
  REQUIRE(image_runs[0].size() == 7);
  CHECK(image_runs[0][0].first == "bird/img0");
  CHECK(image_runs[1] == image_runs[0]);
  CHECK(image_runs[2] == image_runs[0]);
  CHECK(label_runs[1] == label_runs[0]);
  CHECK(label_runs[2] == label_runs[0]);
}

TEST_CASE("Import: without --recursive only the top folder is read, keys are relative paths",
          "[core][import]") {
  testing::StorageTempDir dir("import");
  const Tensor top =
      write_file(dir / "src/top.npy", test::make_random_tensor(DType::Float32, {5}, 1));
  write_file(dir / "src/sub/deep.npy", test::make_random_tensor(DType::Float32, {5}, 2));
  write_bytes(dir / "src/notes.txt", as_bytes("not an image"));
  Repository repo = init_repo(dir / "repo");
  CHECK(import_files(repo, import_options("flat", dir / "src", 1)).files == 1);
  CHECK(staged_samples(repo, "flat").size() == 1);
  CHECK(repo.staged_view().get("flat", Key(std::string("top"))) == top);

  ImportOptions rec = import_options("rec", dir / "src", 2);
  rec.recursive = true;
  CHECK(import_files(repo, rec).files == 2);
  std::vector<std::string> keys;
  for (const auto& [k, d] : staged_samples(repo, "rec")) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"sub/deep", "top"});

  // A single file is imported under its stem.
  CHECK(import_files(repo, import_options("one", dir / "src/top.npy", 1)).files == 1);
  CHECK(repo.staged_view().find("one", Key(std::string("top"))).has_value());
}

TEST_CASE("Import: two files that would get the same key are refused", "[core][import]") {
  testing::StorageTempDir dir("import");
  write_file(dir / "src/a.npy", test::make_random_tensor(DType::UInt8, {4, 4}, 1));
  write_file(dir / "src/a.png", test::make_random_tensor(DType::UInt8, {4, 4}, 2));
  Repository repo = init_repo(dir / "repo");
  const Error e = error_of([&] { import_files(repo, import_options("c", dir / "src", 1)); });
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK_THAT(e.what(), Catch::Contains("a.npy") && Catch::Contains("a.png"));
  CHECK(repo.status().clean());
  const Error missing =
      error_of([&] { import_files(repo, import_options("c", dir / "nowhere", 1)); });
  CHECK(missing.code() == ErrorCode::NotFound);
}

TEST_CASE("Export: PNG and .npy files round-trip pixel- and byte-identical", "[core][export]") {
  testing::StorageTempDir dir("export");
  const auto images = write_class_tree(dir / "src");
  std::map<std::string, Tensor> arrays;
  for (int i = 0; i < 4; ++i) {
    const std::string key = "arr" + std::to_string(i);
    arrays[key] = write_file(dir / "npy" / (key + ".npy"),
                             test::make_random_tensor(DType::Float32, {5, 7}, 100 + i));
  }
  Repository repo = init_repo(dir / "repo");
  ImportOptions o = import_options("images", dir / "src", 2);
  o.recursive = true;
  import_files(repo, o);
  import_files(repo, import_options("arrays", dir / "npy", 2));
  const Digest id = repo.commit("import");

  SECTION("png") {
    ExportOptions e;
    e.column = "images";
    e.dir = dir / "out";
    e.commit = id;
    e.jobs = 2;
    const ExportResult r = export_column(repo, e);
    CHECK(r.written == images.size());
    CHECK(r.skipped_not_local == 0);
    CHECK(r.bytes == images.size() * 12 * 10 * 3);
    for (const auto& [key, t] : images) {
      INFO(key);
      const fs::path file = dir / "out" / (key + ".png");
      REQUIRE(fs::is_regular_file(file));
      CHECK(read_tensor_file(file) == t);
    }
  }
  SECTION("npy, byte for byte") {
    ExportOptions e;
    e.column = "arrays";
    e.dir = dir / "out";
    e.commit = id;
    e.jobs = 1;
    CHECK(export_column(repo, e).written == arrays.size());
    for (const auto& [key, t] : arrays) {
      INFO(key);
      const Bytes exported = read_bytes(dir / "out" / (key + ".npy"));
      CHECK(exported == read_bytes(dir / "npy" / (key + ".npy")));
      CHECK(exported == io::encode_npy(t.view()));
    }
  }
  SECTION("images as .npy, only some keys, from the staged view") {
    ExportOptions e;
    e.column = "images";
    e.dir = dir / "out";
    e.format = ExportFormat::Npy;
    e.keys = {Key(std::string("cat/img1")), Key(std::string("dog/img0"))};
    e.jobs = 2;
    CHECK(export_column(repo, e).written == 2);
    CHECK(read_bytes(dir / "out/cat/img1.npy") == io::encode_npy(images.at("cat/img1").view()));
    CHECK(read_tensor_file(dir / "out/dog/img0.npy") == images.at("dog/img0"));
    CHECK_FALSE(fs::exists(dir / "out/cat/img0.npy"));
  }
  SECTION("refusals") {
    ExportOptions e;
    e.column = "arrays";
    e.dir = dir / "out";
    e.format = ExportFormat::Png;
    const Error png = error_of([&] { export_column(repo, e); });
    CHECK(png.code() == ErrorCode::InvalidArgument);
    CHECK_THAT(png.what(), Catch::Contains("--format npy"));
    e.format = ExportFormat::Auto;
    e.column = "nope";
    CHECK(error_of([&] { export_column(repo, e); }).code() == ErrorCode::NotFound);
    e.column = "arrays";
    e.keys = {Key(std::string("arr9"))};
    CHECK(error_of([&] { export_column(repo, e); }).code() == ErrorCode::NotFound);
  }
}

TEST_CASE("Export: a file that cannot be written is an error, not a crash", "[core][export]") {
  testing::StorageTempDir dir("export");
  Repository repo = init_repo(dir / "repo");
  for (int i = 0; i < 40; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "k%02d.npy", i);
    write_file(dir / "src" / name,
               test::make_random_tensor(DType::Int32, {3}, static_cast<std::uint64_t>(i)));
  }
  import_files(repo, import_options("c", dir / "src", 1));
  // A folder where the first file should go makes the writer fail early, while the reader
  // still has samples to hand over.
  fs::create_directories(dir / "out/k00.npy");
  const unsigned jobs = GENERATE(1u, 2u);
  INFO("jobs " << jobs);
  // Run in a child so that a std::terminate (an exception escaping a destructor) is reported
  // as a failure instead of ending the test run. Exit 0: a hangar::Error naming the file.
  ExportOptions e;
  e.column = "c";
  e.dir = dir / "out";
  e.jobs = jobs;
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int code = 1;
    try {
      export_column(repo, e);
    } catch (const Error& err) {
      code = std::string(err.what()).find("k00.npy") != std::string::npos ? 0 : 2;
    } catch (...) {
      code = 3;
    }
    ::_exit(code);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO("child status " << status);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("Import: a truncated PNG fails the import and stages nothing", "[core][import]") {
  const unsigned jobs = GENERATE(1u, 2u);
  INFO("jobs " << jobs);
  testing::StorageTempDir dir("import");
  const auto images = write_class_tree(dir / "src");
  // Truncate one file in the middle of the sorted order.
  const fs::path bad = dir / "src/cat/img1.png";
  const Bytes full = read_bytes(bad);
  write_bytes(bad, ByteView(full).first(full.size() / 2));

  Repository repo = init_repo(dir / "repo");
  // Some unrelated work, committed and staged, that must survive untouched.
  ColumnSchema other;
  other.name = "other";
  other.dtype = DType::UInt8;
  other.shape = {2};
  repo.create_column(other);
  const Tensor t0 = test::make_random_tensor(DType::UInt8, {2}, 0);
  repo.put("other", Key(std::uint64_t{0}), std::nullopt, t0.view());
  repo.commit("other");
  const Tensor t1 = test::make_random_tensor(DType::UInt8, {2}, 1);
  repo.put("other", Key(std::uint64_t{1}), std::nullopt, t1.view());
  const StatusReport before = repo.status();
  const auto other_before = staged_samples(repo, "other");

  ImportOptions o = import_options("images", dir / "src", jobs);
  o.labels_column = "labels";
  const Error e = error_of([&] { import_files(repo, o); });
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK_THAT(e.what(), Catch::Contains("img1.png"));

  CHECK(same_status(repo.status(), before));
  const Checkout view = repo.staged_view();
  CHECK_FALSE(view.has_column("images"));
  CHECK_FALSE(view.has_column("labels"));
  CHECK(view.column_names() == std::vector<std::string>{"other"});
  CHECK(staged_samples(repo, "other") == other_before);
  // The repository is still usable: the same import without the broken file works.
  fs::remove(bad);
  CHECK(import_files(repo, o).files == images.size() - 1);
}

TEST_CASE("Import: a file whose shape differs from the first fails and stages nothing",
          "[core][import]") {
  // More files than one staging batch (512), with the odd one after the first batch, so the
  // failure must also roll back samples already staged.
  testing::StorageTempDir dir("import");
  for (int i = 0; i < 600; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "k%03d.png", i);
    const std::uint64_t w = i == 550 ? 5 : 4;
    write_file(dir / "src" / name, test::make_photo_like(4, w, 3, static_cast<std::uint64_t>(i)));
  }
  Repository repo = init_repo(dir / "repo");
  ColumnSchema images;
  images.name = "images";
  images.dtype = DType::UInt8;
  images.shape = {4, 4, 3};
  repo.create_column(images);
  // k000 committed, k001 staged with other pixels, k002 staged as deleted: the import would
  // replace all three, and the rollback must bring each back exactly.
  const Tensor x = test::make_photo_like(4, 4, 3, 1000), y = test::make_photo_like(4, 4, 3, 1001);
  repo.put("images", Key(std::string("k000")), std::nullopt, x.view());
  repo.put("images", Key(std::string("k002")), std::nullopt, x.view());
  repo.commit("base");
  repo.put("images", Key(std::string("k001")), std::nullopt, y.view());
  repo.remove("images", {{Key(std::string("k002")), std::nullopt}});
  const StatusReport before = repo.status();
  const auto samples_before = staged_samples(repo, "images");

  const Error e = error_of([&] { import_files(repo, import_options("images", dir / "src", 2)); });
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK_THAT(e.what(), Catch::Contains("k550.png") && Catch::Contains("[4,4,3]") &&
                           Catch::Contains("[4,5,3]"));
  CHECK(same_status(repo.status(), before));
  CHECK(staged_samples(repo, "images") == samples_before);
  const Checkout view = repo.staged_view();
  CHECK(view.get("images", Key(std::string("k000"))) == x);
  CHECK(view.get("images", Key(std::string("k001"))) == y);
  CHECK_FALSE(view.find("images", Key(std::string("k002"))).has_value());
  CHECK(view.count("images") == 2);

  SECTION("and into a new column, which is not created") {
    const Error e2 = error_of([&] { import_files(repo, import_options("fresh", dir / "src", 1)); });
    CHECK(e2.code() == ErrorCode::InvalidArgument);
    CHECK_THAT(e2.what(), Catch::Contains("k550.png"));
    CHECK(same_status(repo.status(), before));
    CHECK_FALSE(repo.staged_view().has_column("fresh"));
  }
}

}  // namespace hangar

namespace hangar {
namespace {

// Nothing used to bound what the decoder threads held at once (a window of 64+ files, each
// up to 2 GiB decoded). With a budget, what they hold stays within it plus the one file the
// writer needs next; without one (the old behaviour) the same import holds many times that.
TEST_CASE("Import: the decoder threads hold at most the byte budget plus one file",
          "[core][import]") {
  testing::StorageTempDir dir("import-budget");
  constexpr std::uint64_t kSide = 64;  // 64x64x4 float32: 64 KiB decoded, ~64 KiB on disk
  for (int i = 0; i < 48; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "%03d.npy", i);
    write_file(dir / "src" / name,
               test::make_random_tensor(DType::Float32, {kSide, kSide, 4}, 100 + i));
  }
  const std::uint64_t one_file = kSide * kSide * 4 * 4 + 128;  // decoded + file, each ~64 KiB
  Repository repo = init_repo(dir / "repo");

  ImportOptions unbounded = import_options("free", dir / "src", 4);
  unbounded.max_bytes_in_flight = std::uint64_t{1} << 40;
  const ImportResult free = import_files(repo, unbounded);
  CHECK(free.files == 48);
  // Workers run ahead of the writer: far more than two files in flight at some point.
  CHECK(free.peak_bytes_in_flight > 4 * 2 * one_file);

  ImportOptions bounded = import_options("bounded", dir / "src", 4);
  bounded.max_bytes_in_flight = 3 * one_file;
  const ImportResult r = import_files(repo, bounded);
  CHECK(r.files == 48);
  CHECK(r.peak_bytes_in_flight > 0);
  CHECK(r.peak_bytes_in_flight <= bounded.max_bytes_in_flight + 2 * one_file);
  CHECK(staged_samples(repo, "bounded").size() == 48);

  // A budget smaller than one file still imports (one file at a time), never deadlocks.
  ImportOptions tiny = import_options("tiny", dir / "src", 4);
  tiny.max_bytes_in_flight = 1;
  CHECK(import_files(repo, tiny).files == 48);
}

TEST_CASE("Import: a file declaring more than the per-file limit is refused by its header",
          "[core][import]") {
  testing::StorageTempDir dir("import-limit");
  write_file(dir / "src/a.npy", test::make_random_tensor(DType::UInt8, {32, 32, 3}, 7));
  Repository repo = init_repo(dir / "repo");
  const StatusReport before = repo.status();
  ImportOptions o = import_options("img", dir / "src", 2);
  o.max_sample_bytes = 3071;
  const Error e = error_of([&] { import_files(repo, o); });
  CHECK(e.code() == ErrorCode::InvalidArgument);
  CHECK_THAT(e.what(), Catch::Contains("a.npy': it declares uint8 [32,32,3], 3072 bytes decoded, "
                                       "more than the per-file limit of 3071 bytes"));
  CHECK(same_status(before, repo.status()));
  o.max_sample_bytes = 3072;
  CHECK(import_files(repo, o).files == 1);
}

}  // namespace
}  // namespace hangar
