// An interrupt (hangar/base/interrupt.h) stops import, export, gc and fsck with Interrupted and
// a message saying what was undone; each leaves the repository as it was. The interrupt is
// requested from the progress callback, so it comes at a known point of the work.
#include <hangar/base/interrupt.h>
#include <hangar/error.h>
#include <hangar/io.h>
#include <hangar/maintenance.h>
#include <hangar/repository.h>
#include <signal.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "support/image_gen.h"
#include "support/storage_temp_dir.h"
#include "support/temp_repo.h"
#include "support/test_util.h"

namespace hangar {
namespace {

namespace fs = std::filesystem;
using Mode = Repository::Mode;

const Shape kShape{16, 16, 3};

struct TempRepo : testing::TempRepo {
  TempRepo() : testing::TempRepo("interrupt", {"Test", "test@example.org"}, "repo") {}
  // DIR/0000.npy ... with seeded random pixels.
  fs::path npy_folder(const std::string& name, std::uint64_t n) const {
    const fs::path folder = dir / name;
    fs::create_directories(folder);
    for (std::uint64_t i = 0; i < n; ++i) {
      const Tensor t = test::make_random_tensor(DType::UInt8, kShape, 100 + i);
      std::string key = std::to_string(i);
      key.insert(0, 4 - key.size(), '0');
      write_tensor_file(folder / (key + ".npy"), t.view());
    }
    return folder;
  }
  // Options importing a fresh folder of n files (npy_folder) into `column`.
  ImportOptions import_of(const std::string& column, const std::string& folder,
                          std::uint64_t n) const {
    ImportOptions o;
    o.column = column;
    o.path = npy_folder(folder, n);
    return o;
  }
  std::uint64_t staged_count(const std::string& column) const {
    const Checkout view = repo.staged_view();
    return view.has_column(column) ? view.count(column) : 0;
  }
};

// A progress callback that requests an interrupt once `at` units are done.
ProgressFn interrupt_at(std::uint64_t at) {
  return [at](std::uint64_t done, std::uint64_t) {
    if (done == at) request_interrupt(SIGINT);
  };
}

TEST_CASE("import_files: an interrupt half-way rolls the import back", "[core][interrupt]") {
  InterruptScope scope;
  TempRepo r;
  ImportOptions o = r.import_of("images", "first", 3);
  import_files(r.repo, o);
  r.repo.commit("first");
  r.repo.put("images", Key("extra"), std::nullopt,
             test::make_random_tensor(DType::UInt8, kShape, 7).view());
  const StatusReport before = r.repo.status();

  o.path = r.npy_folder("more", 40);
  o.jobs = 2;
  o.progress = interrupt_at(20);
  const Error e = error_of([&] { import_files(r.repo, o); });
  CHECK(e.code() == ErrorCode::Interrupted);
  CHECK(std::string(e.what()) == "interrupted; the import was rolled back, nothing was staged");
  const StatusReport after = r.repo.status();
  CHECK(after.staged.at("images").added == before.staged.at("images").added);
  CHECK(r.staged_count("images") == 4);  // the 3 committed and the one put
  clear_interrupt_for_testing();
  CHECK(fsck(r.repo, true).ok());
}

TEST_CASE("import_files: an interrupt undoes the column the import created", "[core][interrupt]") {
  InterruptScope scope;
  TempRepo r;
  ImportOptions o = r.import_of("fresh", "files", 10);
  o.progress = interrupt_at(5);
  CHECK(error_of([&] { import_files(r.repo, o); }).code() == ErrorCode::Interrupted);
  CHECK_FALSE(r.repo.staged_view().has_column("fresh"));
  CHECK(r.repo.status().columns_added.empty());
}

TEST_CASE("export_column: an interrupt stops it, and every file it wrote is whole",
          "[core][interrupt]") {
  InterruptScope scope;
  TempRepo r;
  import_files(r.repo, r.import_of("images", "files", 30));
  ExportOptions o;
  o.column = "images";
  o.dir = r.dir / "out";
  o.format = ExportFormat::Npy;
  o.jobs = 2;
  o.progress = interrupt_at(10);
  const Error e = error_of([&] { export_column(r.repo, o); });
  CHECK(e.code() == ErrorCode::Interrupted);
  CHECK(std::string(e.what()) == "interrupted; the files written to '" + o.dir.string() +
                                     "' are whole, the others were not written");
  std::uint64_t files = 0;
  for (const auto& f : fs::directory_iterator(o.dir)) {
    ++files;
    CHECK(read_tensor_file(f.path()) ==
          r.repo.staged_view().get("images", Key(f.path().stem().string())));
  }
  CHECK(files == 10);
}

TEST_CASE("gc and fsck: an interrupt stops them, and gc removes nothing", "[core][interrupt]") {
  InterruptScope scope;
  TempRepo r;
  import_files(r.repo, r.import_of("images", "files", 5));
  r.repo.commit("one");
  r.repo.put("images", Key("gone"), std::nullopt,
             test::make_random_tensor(DType::UInt8, kShape, 9).view());
  r.repo.reset();  // one unreferenced chunk for gc (the sample is inline: no descriptor)

  request_interrupt(SIGINT);
  const Error stopped = error_of([&] { gc(r.repo, false); });
  CHECK(stopped.code() == ErrorCode::Interrupted);
  CHECK(std::string(stopped.what()) == "interrupted; nothing was removed");
  CHECK(error_of([&] { fsck(r.repo, true); }).code() == ErrorCode::Interrupted);

  clear_interrupt_for_testing();
  const GcReport dry = gc(r.repo, true);
  CHECK(dry.chunks == 1);
  CHECK(dry.objects == 0);
  CHECK(fsck(r.repo, true).ok());
}

}  // namespace
}  // namespace hangar
