// Deterministic photo-like test images: a colour gradient, a sinusoid, 1-4 flat rectangles and
// a little Gaussian noise, so PNG stores them about 1.5x smaller than raw, like photos.
// Shared by examples/make_images.cc and bench/gen_workload.cc.
#pragma once

#include <hangar/tensor.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>

namespace photo_gen {

inline hangar::Tensor make_image(std::mt19937_64& rng, std::uint64_t size, bool gray) {
  const std::uint64_t c = gray ? 1 : 3;
  hangar::Tensor t(hangar::DType::UInt8,
                   gray ? hangar::Shape{size, size} : hangar::Shape{size, size, 3});
  auto* px = t.as<std::uint8_t>();
  std::uniform_real_distribution<double> u(0, 1);
  std::normal_distribution<double> noise(0, 6);
  const double base[3] = {u(rng) * 255, u(rng) * 255, u(rng) * 255};
  const double gx = u(rng) * 2 - 1, gy = u(rng) * 2 - 1, freq = 0.05 + u(rng) * 0.3;
  for (std::uint64_t y = 0; y < size; ++y)
    for (std::uint64_t x = 0; x < size; ++x)
      for (std::uint64_t ch = 0; ch < c; ++ch) {
        double v = base[ch] + 80 * (gx * x + gy * y) / size +
                   30 * std::sin(freq * static_cast<double>(x + 2 * y + ch));
        px[(y * size + x) * c + ch] =
            static_cast<std::uint8_t>(std::clamp(v + noise(rng), 0.0, 255.0));
      }
  const int rects = 1 + static_cast<int>(rng() % 4);
  for (int r = 0; r < rects; ++r) {
    const std::uint64_t x0 = rng() % size, y0 = rng() % size;
    const std::uint64_t w = 1 + rng() % (size / 2 + 1), h = 1 + rng() % (size / 2 + 1);
    const std::uint8_t col[3] = {static_cast<std::uint8_t>(rng()), static_cast<std::uint8_t>(rng()),
                                 static_cast<std::uint8_t>(rng())};
    for (std::uint64_t y = y0; y < std::min(size, y0 + h); ++y)
      for (std::uint64_t x = x0; x < std::min(size, x0 + w); ++x)
        for (std::uint64_t ch = 0; ch < c; ++ch) px[(y * size + x) * c + ch] = col[ch];
  }
  return t;
}

// A modification: a patch redrawn in a new colour and the whole image brightened.
inline void modify_image(std::mt19937_64& rng, hangar::Tensor& t) {
  auto* px = t.as<std::uint8_t>();
  const auto& s = t.shape();
  const std::uint64_t h = s[0], w = s[1], c = s.size() > 2 ? s[2] : 1;
  const std::uint64_t x0 = rng() % w, y0 = rng() % h, pw = 1 + w / 4, ph = 1 + h / 4;
  const auto shade = static_cast<std::uint8_t>(rng());
  for (std::uint64_t y = y0; y < std::min(h, y0 + ph); ++y)
    for (std::uint64_t x = x0; x < std::min(w, x0 + pw); ++x)
      for (std::uint64_t ch = 0; ch < c; ++ch) px[(y * w + x) * c + ch] = shade;
  for (std::uint64_t i = 0; i < t.nbytes(); ++i)
    px[i] = static_cast<std::uint8_t>(std::min(255, px[i] + 12));
}

}  // namespace photo_gen
