// Writes a deterministic folder of photo-like PNG images in class sub-folders:
//   example_make_images OUTDIR COUNT [--size N] [--classes K] [--gray-every G] [--seed S]
// Each image has a colour gradient, a sinusoid, 1-4 flat rectangles and noise (so PNG
// compresses it about 1.5x, like a photo). Every G-th image is grayscale (0: none).
#include <hangar/hangar.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>

#include "photo_gen.h"

namespace {

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: example_make_images OUTDIR COUNT [--size N] [--classes K] "
               "[--gray-every G] [--seed S]\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) usage();
  std::filesystem::path out = argv[1];
  std::uint64_t count = std::strtoull(argv[2], nullptr, 10), size = 64, classes = 3, gray_every = 0;
  std::uint64_t seed = 20240601;
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string opt = argv[i];
    std::uint64_t v = std::strtoull(argv[i + 1], nullptr, 10);
    if (opt == "--size")
      size = v;
    else if (opt == "--classes")
      classes = v;
    else if (opt == "--gray-every")
      gray_every = v;
    else if (opt == "--seed")
      seed = v;
    else
      usage();
  }
  if (count == 0 || size == 0 || classes == 0) usage();
  try {
    std::mt19937_64 rng(seed);
    for (std::uint64_t i = 0; i < count; ++i) {
      char name[64];
      std::snprintf(name, sizeof name, "class%02llu/%06llu.png",
                    static_cast<unsigned long long>(i % classes),
                    static_cast<unsigned long long>(i));
      std::filesystem::path file = out / name;
      std::filesystem::create_directories(file.parent_path());
      bool gray = gray_every != 0 && i % gray_every == 0;
      hangar::Tensor t = photo_gen::make_image(rng, size, gray);
      hangar::write_tensor_file(file, t.view());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "example_make_images: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
