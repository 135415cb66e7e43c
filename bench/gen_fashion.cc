// Fashion-MNIST-sized images for the scale benchmark (bench/scale_memory.sh):
//   bench_gen_fashion OUTDIR N [--seed S]
// writes N deterministic 28x28 gray PNGs (photo_gen's images, hangar's PNG writer) into 10
// class folders, OUTDIR/base/class0 .. class9, image i in class i % 10 as NNNNNNN.png, and
// OUTDIR/changes/: 10 modified images to stage over existing keys (the "commit / diff of 10
// changes" step), named class<c>/NNNNNNN.png like the keys they replace. Existing files are
// kept, so a second run with a larger N only adds images.
#include <hangar/hangar.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "photo_gen.h"

namespace {

std::string file_of(std::uint64_t i) {
  char name[48];
  std::snprintf(name, sizeof name, "class%llu/%07llu.png", static_cast<unsigned long long>(i % 10),
                static_cast<unsigned long long>(i));
  return name;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 5) {
    std::fprintf(stderr, "usage: bench_gen_fashion OUTDIR N [--seed S]\n");
    return 2;
  }
  const std::filesystem::path out = argv[1];
  const std::uint64_t n = std::strtoull(argv[2], nullptr, 10);
  const std::uint64_t seed = argc == 5 ? std::strtoull(argv[4], nullptr, 10) : 20261204;
  try {
    for (int c = 0; c < 10; ++c) {
      std::filesystem::create_directories(out / "base" / ("class" + std::to_string(c)));
      std::filesystem::create_directories(out / "changes" / ("class" + std::to_string(c)));
    }
    for (std::uint64_t i = 0; i < n; ++i) {
      const std::filesystem::path file = out / "base" / file_of(i);
      if (std::filesystem::exists(file)) continue;
      std::mt19937_64 rng(seed + i);  // per image: any prefix of the set is the same images
      hangar::write_tensor_file(file, photo_gen::make_image(rng, 28, true).view());
    }
    // 10 changes spread over the first N keys.
    for (std::uint64_t j = 0; j < 10 && n > 0; ++j) {
      const std::uint64_t i = j * n / 10 + (n > 20 ? 3 : 0);
      std::mt19937_64 rng(seed + i);
      hangar::Tensor t = photo_gen::make_image(rng, 28, true);
      photo_gen::modify_image(rng, t);
      hangar::write_tensor_file(out / "changes" / file_of(i), t.view());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_gen_fashion: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
