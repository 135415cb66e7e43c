// Deterministic test data: "photo-like" images (smooth gradients, a soft blob and seeded noise,
// so they compress and decode like photographs rather than like flat colour or random bytes),
// and random tensors of any dtype. Integer-only, so every platform makes the same bytes.
#pragma once

#include <hangar/tensor.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace hangar::test {

// splitmix64 (Steele, Lea, Flood 2014): tiny, seedable, the same sequence everywhere.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform enough in [0, n) for tests. REQUIRES: n > 0.
  std::uint64_t below(std::uint64_t n) { return next() % n; }

 private:
  std::uint64_t state_;
};

// A photo-like image: uint8 or uint16; [height, width] when channels == 0, else
// [height, width, channels]. Each channel mixes a horizontal and a vertical gradient with its
// own seeded weights, adds a soft round blob and +-8 (uint8 scale) of noise.
// REQUIRES: dtype is UInt8 or UInt16.
inline Tensor make_photo_like(std::uint64_t height, std::uint64_t width, std::uint64_t channels,
                              std::uint64_t seed, DType dtype = DType::UInt8) {
  Shape shape{height, width};
  if (channels != 0) shape.push_back(channels);
  Tensor image(dtype, shape);
  const std::uint64_t c_count = std::max<std::uint64_t>(channels, 1);
  SplitMix64 rng(seed);
  const std::int64_t cx = static_cast<std::int64_t>(rng.below(width + 1));
  const std::int64_t cy = static_cast<std::int64_t>(rng.below(height + 1));
  const std::int64_t r2 = static_cast<std::int64_t>((width * width + height * height) / 8 + 1);
  std::int64_t wx[8], wy[8];
  for (std::uint64_t c = 0; c < 8; ++c) {
    wx[c] = static_cast<std::int64_t>(rng.below(4));
    wy[c] = static_cast<std::int64_t>(rng.below(4));
  }
  const bool wide = dtype == DType::UInt16;
  std::byte* out = image.mutable_data().data();
  for (std::uint64_t y = 0; y < height; ++y) {
    for (std::uint64_t x = 0; x < width; ++x) {
      const std::int64_t gx = static_cast<std::int64_t>(x * 256 / width);
      const std::int64_t gy = static_cast<std::int64_t>(y * 256 / height);
      const std::int64_t dx = static_cast<std::int64_t>(x) - cx;
      const std::int64_t dy = static_cast<std::int64_t>(y) - cy;
      const std::int64_t d2 = dx * dx + dy * dy;
      const std::int64_t blob = d2 < r2 ? 255 * (r2 - d2) / r2 : 0;
      for (std::uint64_t c = 0; c < c_count; ++c) {
        const std::int64_t k = static_cast<std::int64_t>(c % 8);
        std::int64_t v = (wx[k] * gx + wy[k] * gy + 2 * blob) / (wx[k] + wy[k] + 2);
        v += static_cast<std::int64_t>(rng.below(17)) - 8;
        v = std::clamp<std::int64_t>(v, 0, 255);
        if (wide) {
          const auto v16 = static_cast<std::uint16_t>(
              v * 257 - static_cast<std::int64_t>(rng.below(v == 0 ? 1 : 200)));
          std::memcpy(out, &v16, 2);
          out += 2;
        } else {
          *out++ = static_cast<std::byte>(v);
        }
      }
    }
  }
  return image;
}

// uint8 [height, width, 3].
inline Tensor make_photo_rgb(std::uint64_t height, std::uint64_t width, std::uint64_t seed) {
  return make_photo_like(height, width, 3, seed);
}

// Any dtype and shape filled with seeded random bytes (floats may be NaN; compare bytes).
inline Tensor make_random_tensor(DType dtype, Shape shape, std::uint64_t seed) {
  Tensor t(dtype, std::move(shape));
  SplitMix64 rng(seed);
  for (std::byte& b : t.mutable_data()) b = static_cast<std::byte>(rng.next() & 0xff);
  return t;
}

}  // namespace hangar::test
