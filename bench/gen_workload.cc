// Deterministic benchmark workloads (seeded), the shape of the peer measurements:
//   bench_gen_workload OUTDIR N SIZE [--seed S]
// writes OUTDIR/base/NNNNNN.png (N photo-like RGB images of SIZE x SIZE), OUTDIR/changes/
// (every i % 10 == 3 modified: a patch redrawn + brightness shift; plus N/20 new images
// numbered from N) and OUTDIR/deletes.txt (keys i % 50 == 7, disjoint from the changes).
#include <hangar/hangar.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "photo_gen.h"

namespace {

std::string key_of(std::uint64_t i) {
  char name[32];
  std::snprintf(name, sizeof name, "%06llu", static_cast<unsigned long long>(i));
  return name;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 6) {
    std::fprintf(stderr, "usage: bench_gen_workload OUTDIR N SIZE [--seed S]\n");
    return 2;
  }
  const std::filesystem::path out = argv[1];
  const std::uint64_t n = std::strtoull(argv[2], nullptr, 10);
  const std::uint64_t size = std::strtoull(argv[3], nullptr, 10);
  const std::uint64_t seed = argc == 6 ? std::strtoull(argv[5], nullptr, 10) : 20240601;
  try {
    std::filesystem::create_directories(out / "base");
    std::filesystem::create_directories(out / "changes");
    std::mt19937_64 rng(seed), change_rng(seed + 1);
    std::ofstream deletes(out / "deletes.txt");
    for (std::uint64_t i = 0; i < n; ++i) {
      hangar::Tensor t = photo_gen::make_image(rng, size, false);
      hangar::write_tensor_file(out / "base" / (key_of(i) + ".png"), t.view());
      if (i % 10 == 3) {
        photo_gen::modify_image(change_rng, t);
        hangar::write_tensor_file(out / "changes" / (key_of(i) + ".png"), t.view());
      }
      if (i % 50 == 7) deletes << key_of(i) << "\n";
    }
    for (std::uint64_t i = n; i < n + n / 20; ++i) {
      hangar::Tensor t = photo_gen::make_image(change_rng, size, false);
      hangar::write_tensor_file(out / "changes" / (key_of(i) + ".png"), t.view());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_gen_workload: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
