// Writes a deterministic folder of photo-like PNG images in class sub-folders:
//   example_make_images OUTDIR COUNT [--size N] [--classes K] [--gray-every G] [--seed S]
// Each image has a colour gradient, a sinusoid, 1-4 flat rectangles and noise (so PNG
// compresses it about 1.5x, like a photo). Every G-th image is grayscale (0: none).
#include <hangar/hangar.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>

namespace {

hangar::Tensor make_image(std::mt19937_64& rng, std::uint64_t size, bool gray) {
  const std::uint64_t c = gray ? 1 : 3;
  hangar::Tensor t(hangar::DType::UInt8, gray ? hangar::Shape{size, size} : hangar::Shape{size, size, 3});
  auto* px = t.as<std::uint8_t>();
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> noise(0, 6);
  double base[3] = {u(rng) * 255, u(rng) * 255, u(rng) * 255};
  double gx = u(rng) * 2 - 1, gy = u(rng) * 2 - 1, freq = 0.05 + u(rng) * 0.3;
  for (std::uint64_t y = 0; y < size; ++y)
    for (std::uint64_t x = 0; x < size; ++x)
      for (std::uint64_t ch = 0; ch < c; ++ch) {
        double v = base[ch] + 80 * (gx * x + gy * y) / size + 30 * std::sin(freq * (x + 2 * y + ch));
        px[(y * size + x) * c + ch] = static_cast<std::uint8_t>(std::clamp(v + noise(rng), 0.0, 255.0));
      }
  int rects = 1 + static_cast<int>(rng() % 4);
  for (int r = 0; r < rects; ++r) {
    std::uint64_t x0 = rng() % size, y0 = rng() % size;
    std::uint64_t w = 1 + rng() % (size / 2), h = 1 + rng() % (size / 2);
    std::uint8_t col[3] = {static_cast<std::uint8_t>(rng()), static_cast<std::uint8_t>(rng()),
                           static_cast<std::uint8_t>(rng())};
    for (std::uint64_t y = y0; y < std::min(size, y0 + h); ++y)
      for (std::uint64_t x = x0; x < std::min(size, x0 + w); ++x)
        for (std::uint64_t ch = 0; ch < c; ++ch) px[(y * size + x) * c + ch] = col[ch];
  }
  return t;
}

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
    if (opt == "--size") size = v;
    else if (opt == "--classes") classes = v;
    else if (opt == "--gray-every") gray_every = v;
    else if (opt == "--seed") seed = v;
    else usage();
  }
  if (count == 0 || size == 0 || classes == 0) usage();
  try {
    std::mt19937_64 rng(seed);
    for (std::uint64_t i = 0; i < count; ++i) {
      char name[64];
      std::snprintf(name, sizeof name, "class%02llu/%06llu.png",
                    static_cast<unsigned long long>(i % classes), static_cast<unsigned long long>(i));
      std::filesystem::path file = out / name;
      std::filesystem::create_directories(file.parent_path());
      bool gray = gray_every != 0 && i % gray_every == 0;
      hangar::Tensor t = make_image(rng, size, gray);
      hangar::write_tensor_file(file, t.view());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "example_make_images: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
