// Element-level tensor comparison for diff --stat.
#include "ops/diff_stats.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <type_traits>

namespace hangar {
namespace {

template <typename T>
T load(const std::byte* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);  // tensor bytes carry no alignment promise
  return v;
}

// |a - b| without overflow: integers subtract in the unsigned domain.
template <typename T>
double abs_diff(T a, T b) noexcept {
  if constexpr (std::is_floating_point_v<T>) {
    return std::fabs(static_cast<double>(a) - static_cast<double>(b));
  } else if constexpr (std::is_signed_v<T>) {
    // NOLINTNEXTLINE(bugprone-signed-char-misuse): int8 samples are signed numbers
    const auto wa = static_cast<std::int64_t>(a), wb = static_cast<std::int64_t>(b);
    const std::uint64_t d = wa > wb
                                ? static_cast<std::uint64_t>(wa) - static_cast<std::uint64_t>(wb)
                                : static_cast<std::uint64_t>(wb) - static_cast<std::uint64_t>(wa);
    return static_cast<double>(d);
  } else {
    return static_cast<double>(a > b ? a - b : b - a);
  }
}

void add(ElementDiff& d, double a, double b) noexcept {
  const bool a_nan = std::isnan(a), b_nan = std::isnan(b);
  if (a_nan && b_nan) return;
  if (a == b) return;
  ++d.changed;
  if (a_nan || b_nan) return;
  // inf - inf of the same sign is equal (returned above); otherwise the difference is inf.
  d.max_abs_diff = std::max(d.max_abs_diff, std::fabs(a - b));
}

template <typename T>
ElementDiff compare(ByteView a, ByteView b) noexcept {
  ElementDiff d;
  const std::size_t n = a.size() / sizeof(T);
  for (std::size_t i = 0; i < n; ++i) {
    const T x = load<T>(a.data() + i * sizeof(T));
    const T y = load<T>(b.data() + i * sizeof(T));
    if constexpr (std::is_floating_point_v<T>) {
      add(d, static_cast<double>(x), static_cast<double>(y));
    } else if (x != y) {
      ++d.changed;
      d.max_abs_diff = std::max(d.max_abs_diff, abs_diff(x, y));
    }
  }
  return d;
}

ElementDiff compare_half(ByteView a, ByteView b) noexcept {
  ElementDiff d;
  for (std::size_t i = 0; i + 1 < a.size(); i += 2) {
    add(d, half_to_float(load<std::uint16_t>(a.data() + i)),
        half_to_float(load<std::uint16_t>(b.data() + i)));
  }
  return d;
}

ElementDiff compare_bool(ByteView a, ByteView b) noexcept {
  ElementDiff d;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if ((a[i] != std::byte{0}) != (b[i] != std::byte{0})) {
      ++d.changed;
      d.max_abs_diff = 1;
    }
  }
  return d;
}

}  // namespace

float half_to_float(std::uint16_t bits) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(bits & 0x8000u) << 16;
  const std::uint32_t exp = (bits >> 10) & 0x1fu;
  std::uint32_t mant = bits & 0x3ffu;
  std::uint32_t out;
  if (exp == 0x1f) {
    out = sign | 0x7f800000u | (mant << 13);  // inf or NaN (payload kept)
  } else if (exp != 0) {
    out = sign | ((exp + 112u) << 23) | (mant << 13);  // rebias 15 -> 127
  } else if (mant == 0) {
    out = sign;  // signed zero
  } else {
    // Subnormal half: normalize the mantissa into a float exponent.
    std::uint32_t e = 113;  // 127 - 15 + 1
    while ((mant & 0x400u) == 0) {
      mant <<= 1;
      --e;
    }
    out = sign | (e << 23) | ((mant & 0x3ffu) << 13);
  }
  return std::bit_cast<float>(out);
}

std::optional<ElementDiff> element_diff(const TensorView& from, const TensorView& to) {
  if (from.dtype != to.dtype || from.shape != to.shape || from.data.size() != to.data.size())
    return std::nullopt;
  const ByteView a = from.data, b = to.data;
  switch (from.dtype) {
    case DType::Bool:
      return compare_bool(a, b);
    case DType::Int8:
      return compare<std::int8_t>(a, b);
    case DType::Int16:
      return compare<std::int16_t>(a, b);
    case DType::Int32:
      return compare<std::int32_t>(a, b);
    case DType::Int64:
      return compare<std::int64_t>(a, b);
    case DType::UInt8:
      return compare<std::uint8_t>(a, b);
    case DType::UInt16:
      return compare<std::uint16_t>(a, b);
    case DType::UInt32:
      return compare<std::uint32_t>(a, b);
    case DType::UInt64:
      return compare<std::uint64_t>(a, b);
    case DType::Float16:
      return compare_half(a, b);
    case DType::Float32:
      return compare<float>(a, b);
    case DType::Float64:
      return compare<double>(a, b);
  }
  return std::nullopt;
}

}  // namespace hangar
