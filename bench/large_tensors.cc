// Large-tensor workload: N float32 tensors of 256x256x256 (64 MiB each, deterministic smooth
// data) in one column, through the public library:
//   bench_large_tensors [--samples N] [--backend auto|lmdb|hdf5] [--dir SCRATCH] [--keep]
// Steps: import (put + commit), read all, read ~1% slices (aligned to the chunk grid, unaligned,
// a thin slab), edit a ~1% region and commit (bytes added to the repository), with this
// machine's memcpy, zstd, SHA-256 and XXH3 ceilings measured in the same run on the same data.
// Prints "name<TAB>value<TAB>unit" lines (bench/run.sh keeps them in bench/out/).
#include <hangar/base/checksum.h>
#include <hangar/base/codec.h>
#include <hangar/base/digest.h>
#include <hangar/hangar.h>
#include <hangar/slice.h>
#include <sys/resource.h>
#include <zstd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::uint64_t kSide = 256;
constexpr double kMiB = 1024.0 * 1024.0;

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void row(const std::string& name, double value, const char* unit) {
  std::printf("%s\t%.3f\t%s\n", name.c_str(), value, unit);
  std::fflush(stdout);
}

// A smooth field: neighbouring values differ a little, as in simulations or volumes.
hangar::Tensor make_tensor(int seed) {
  hangar::Tensor t(hangar::DType::Float32, {kSide, kSide, kSide});
  float* p = t.as<float>();
  const float phase = 0.37f * static_cast<float>(seed);
  for (std::uint64_t z = 0; z < kSide; ++z)
    for (std::uint64_t y = 0; y < kSide; ++y) {
      const float base = std::sin(0.021f * static_cast<float>(z) + phase) +
                         0.5f * std::cos(0.017f * static_cast<float>(y) - phase);
      for (std::uint64_t x = 0; x < kSide; ++x)
        *p++ = base + 0.25f * std::sin(0.013f * static_cast<float>(x * (1 + z % 3)));
    }
  return t;
}

std::uint64_t disk_bytes(const fs::path& dir) {
  std::uint64_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) n += e.file_size();
  return n;
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// memcpy, zstd (level 3, 1 MiB blocks as hangar stores a large tensor), SHA-256 (the chunk
// digest, computed on import) and XXH3-64 (the checksum a read checks) on one sample.
void ceilings(const hangar::Tensor& t) {
  const std::size_t n = t.nbytes();
  std::vector<char> dst(n);
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    auto t0 = Clock::now();
    std::memcpy(dst.data(), t.data().data(), n);
    best = std::max(best, static_cast<double>(n) / since(t0) / 1e9);
  }
  row("ceiling_memcpy", best, "GB/s");
  const std::size_t block = 1u << 20;
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  std::vector<std::vector<char>> frames;
  std::size_t stored = 0;
  auto t0 = Clock::now();
  for (std::size_t off = 0; off < n; off += block) {
    std::vector<char> f(ZSTD_compressBound(block));
    f.resize(ZSTD_compressCCtx(cctx, f.data(), f.size(), t.data().data() + off, block, 3));
    stored += f.size();
    frames.push_back(std::move(f));
  }
  row("ceiling_zstd_compress", static_cast<double>(n) / since(t0) / 1e9, "GB/s");
  row("ceiling_zstd_ratio", static_cast<double>(n) / static_cast<double>(stored), "x");
  t0 = Clock::now();
  for (std::size_t i = 0; i < frames.size(); ++i)
    ZSTD_decompressDCtx(dctx, dst.data() + i * block, block, frames[i].data(), frames[i].size());
  row("ceiling_zstd_decompress", static_cast<double>(n) / since(t0) / 1e9, "GB/s");
  ZSTD_freeCCtx(cctx);
  ZSTD_freeDCtx(dctx);
  t0 = Clock::now();
  const hangar::Digest d = hangar::digest_of(t.data());
  row("ceiling_sha256", static_cast<double>(n) / since(t0) / 1e9, "GB/s");
  if (d.is_zero()) std::puts("");  // keep the hash observable
  t0 = Clock::now();
  const std::uint64_t sum = hangar::xxh3_64(t.data());
  row("ceiling_xxh3_64", static_cast<double>(n) / since(t0) / 1e9, "GB/s");
  if (sum == 0) std::puts("");
  // What a fresh 64 MiB tensor costs before any byte is read (zero fill + page faults).
  t0 = Clock::now();
  const hangar::Tensor fresh(hangar::DType::Float32, {kSide, kSide, kSide});
  row("ceiling_new_tensor_64MiB_ms", since(t0) * 1e3, "ms");
}

struct SliceCase {
  const char* name;
  const char* spec;
  hangar::Shape origin;  // the same box, for the region edit
  hangar::Shape extent;
};

// Reads `spec` from every sample; returns seconds per sample (best of 3 passes).
double time_slice(const hangar::Checkout& view, const std::vector<hangar::SampleRef>& refs,
                  const hangar::Slice& slice, std::uint64_t* bytes) {
  double best = 1e9;
  for (int pass = 0; pass < 3; ++pass) {
    auto t0 = Clock::now();
    for (const auto& ref : refs) *bytes = view.read_slice(ref, slice).nbytes();
    best = std::min(best, since(t0) / static_cast<double>(refs.size()));
  }
  return best;
}

int run(int samples, const std::string& backend, const fs::path& dir) {
  const fs::path repo_dir = dir / "repo";
  fs::remove_all(repo_dir);
  hangar::Repository::init(repo_dir, {"bench", "bench@example.org"});
  auto repo = hangar::Repository::open(repo_dir, hangar::Repository::Mode::Write);
  hangar::ColumnSchema schema;
  schema.name = "vol";
  schema.dtype = hangar::DType::Float32;
  schema.shape = {kSide, kSide, kSide};
  schema.backend = *hangar::parse_backend(backend);
  repo.create_column(schema);
  std::printf("# %d float32 [256,256,256] tensors (64 MiB each), backend %s, repo %s\n", samples,
              backend.c_str(), repo_dir.c_str());

  // Import.
  double gen = 0, put = 0;
  for (int i = 0; i < samples; ++i) {
    auto t0 = Clock::now();
    const hangar::Tensor t = make_tensor(i);
    gen += since(t0);
    if (i == 0) ceilings(t);
    t0 = Clock::now();
    repo.put("vol", hangar::Key(static_cast<std::uint64_t>(i)), std::nullopt, t.view());
    put += since(t0);
  }
  auto t0 = Clock::now();
  const hangar::Digest base = repo.commit("import");
  const double commit_s = since(t0);
  const double total_mb = samples * 64.0;
  row("generate_data_seconds", gen, "s");
  row("import_put_seconds", put, "s");
  row("import_commit_seconds", commit_s, "s");
  row("import_throughput", total_mb * kMiB / (put + commit_s) / 1e9, "GB/s");
  row("repo_disk_after_import", static_cast<double>(disk_bytes(repo_dir / ".hangar")) / kMiB,
      "MiB");

  // Read all (twice: the second pass is the steady state).
  hangar::Checkout view = repo.checkout_at(base);
  std::vector<hangar::SampleRef> refs;
  view.for_each("vol", [&](const hangar::SampleRef& r) {
    refs.push_back(r);
    return true;
  });
  // read(): a new 64 MiB tensor per sample (its page faults included). read_into(): one
  // reused buffer, as a training loop's batch buffer. Each on 1 thread and on the default.
  double whole = 1e9;
  hangar::Tensor buffer(hangar::DType::Float32, {kSide, kSide, kSide});
  for (unsigned threads : {1u, 0u}) {
    view.set_read_threads(threads == 0 ? std::thread::hardware_concurrency() : threads);
    const std::string tag = threads == 1 ? "_1thread" : "_threads";
    for (int mode = 0; mode < 2; ++mode) {
      double best = 1e9;
      for (int pass = 0; pass < 2; ++pass) {
        t0 = Clock::now();
        for (const auto& ref : refs) {
          if (mode == 0)
            (void)view.read(ref);
          else
            view.read_into(ref, buffer.mutable_data());
        }
        best = std::min(best, since(t0) / static_cast<double>(refs.size()));
      }
      row(std::string(mode == 0 ? "read_all" : "read_all_into") + tag, 64.0 * kMiB / best / 1e9,
          "GB/s");
      if (mode == 0 && threads == 0) whole = best;
    }
  }
  row("read_one_tensor_ms", whole * 1e3, "ms");

  // ~1% slices: 64*64*41 aligned with the 64^3 grid (1 chunk), 55^3 unaligned (8 chunks),
  // a 3-plane slab (16 chunks).
  const std::vector<SliceCase> cases = {
      {"aligned_cube", "64:128,64:128,64:105", {64, 64, 64}, {64, 64, 41}},
      {"unaligned_cube", "100:155,100:155,100:155", {100, 100, 100}, {55, 55, 55}},
      {"slab", "128:131,:,:", {128, 0, 0}, {3, 256, 256}},
  };
  for (const auto& c : cases) {
    std::uint64_t bytes = 0;
    const double s = time_slice(view, refs, hangar::parse_slice(c.spec), &bytes);
    row(std::string("slice_") + c.name + "_percent",
        100.0 * static_cast<double>(bytes) / (64.0 * kMiB), "%");
    row(std::string("slice_") + c.name + "_ms", s * 1e3, "ms");
    row(std::string("slice_") + c.name + "_speedup", whole / s, "x");
  }

  // Edit ~1% regions and commit: bytes added must be about one chunk per touched block.
  for (const auto& c : {cases[0], cases[1]}) {
    const hangar::Tensor before = view.read_slice(refs[0], hangar::parse_slice(c.spec));
    hangar::Tensor patch(hangar::DType::Float32, c.extent);
    const float* src = before.as<float>();
    float* dst = patch.as<float>();
    for (std::uint64_t i = 0; i < patch.element_count(); ++i) dst[i] = -src[i];
    const std::uint64_t disk0 = disk_bytes(repo_dir / ".hangar");
    t0 = Clock::now();
    repo.put_region("vol", refs[0].key, std::nullopt, c.origin, patch.view());
    repo.commit(std::string("edit ") + c.name);
    const double s = since(t0);
    const std::uint64_t disk1 = disk_bytes(repo_dir / ".hangar");
    row(std::string("edit_") + c.name + "_commit_ms", s * 1e3, "ms");
    row(std::string("edit_") + c.name + "_disk_added", static_cast<double>(disk1 - disk0) / kMiB,
        "MiB");
  }
  row("chunk_raw_size", 1.0, "MiB");
  row("sample_size", 64.0, "MiB");
  row("peak_rss", peak_rss_mb(), "MB");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int samples = 20;
  std::string backend = "auto";
  fs::path dir;
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--samples" && i + 1 < argc) {
      samples = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--backend" && i + 1 < argc) {
      backend = argv[++i];
    } else if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "--keep") {
      keep = true;
    } else {
      std::fprintf(stderr,
                   "usage: bench_large_tensors [--samples N] [--backend auto|lmdb|hdf5] "
                   "[--dir SCRATCH] [--keep]\n");
      return 2;
    }
  }
  if (!hangar::parse_backend(backend)) {
    std::fprintf(stderr, "bench_large_tensors: unknown backend '%s'\n", backend.c_str());
    return 2;
  }
  const bool own_dir = dir.empty();
  if (own_dir) {
    std::string pattern = (fs::temp_directory_path() / "hangar-large-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    dir = pattern;
  }
  int rc = 0;
  try {
    rc = run(samples, backend, dir);
  } catch (const hangar::Error& e) {
    std::fprintf(stderr, "bench_large_tensors: error: %s\n", e.what());
    rc = 3;
  }
  if (!keep) fs::remove_all(own_dir ? dir : dir / "repo");
  return rc;
}
