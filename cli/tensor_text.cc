// numpy-like value printing: elements right-aligned to a common width, rows nested by brackets.
#include "tensor_text.h"

#include <hangar/dtype.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

namespace hangar::cli {
namespace {

template <typename T>
T load(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = (h >> 15) & 1u;
  const std::uint32_t exp = (h >> 10) & 0x1fu;
  const std::uint32_t frac = h & 0x3ffu;
  float magnitude;
  if (exp == 0) {
    magnitude = std::ldexp(static_cast<float>(frac), -24);  // zero or subnormal
  } else if (exp == 31) {
    magnitude = frac == 0 ? INFINITY : NAN;
  } else {
    magnitude = std::ldexp(static_cast<float>(frac | 0x400u), static_cast<int>(exp) - 25);
  }
  return sign ? -magnitude : magnitude;
}

// One element as a JSON value.
Json element_json(DType t, const std::byte* p) {
  switch (t) {
    case DType::Bool:
      return Json(load<std::uint8_t>(p) != 0);
    case DType::Int8:
      return Json(load<std::int8_t>(p));
    case DType::Int16:
      return Json(load<std::int16_t>(p));
    case DType::Int32:
      return Json(load<std::int32_t>(p));
    case DType::Int64:
      return Json(load<std::int64_t>(p));
    case DType::UInt8:
      return Json(load<std::uint8_t>(p));
    case DType::UInt16:
      return Json(load<std::uint16_t>(p));
    case DType::UInt32:
      return Json(load<std::uint32_t>(p));
    case DType::UInt64:
      return Json(load<std::uint64_t>(p));
    case DType::Float16:
      return Json(half_to_float(load<std::uint16_t>(p)));
    case DType::Float32:
      return Json(load<float>(p));
    case DType::Float64:
      return Json(load<double>(p));
  }
  return Json(nullptr);
}

// Shortest round-trip text; integral values get numpy's trailing '.'.
template <typename F>
std::string float_text(F v) {
  std::array<char, 64> buf{};
  const auto res = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  std::string s(buf.data(), res.ptr);
  if (std::isfinite(v) && s.find_first_of(".e") == std::string::npos) s += '.';
  return s;
}

std::string element_text(DType t, const std::byte* p) {
  switch (t) {
    case DType::Bool:
      return load<std::uint8_t>(p) != 0 ? "True" : "False";
    case DType::Float16:
      return float_text(half_to_float(load<std::uint16_t>(p)));
    case DType::Float32:
      return float_text(load<float>(p));
    case DType::Float64:
      return float_text(load<double>(p));
    default:
      return element_json(t, p).dump();
  }
}

// numpy's float layout: decimal points aligned, integer parts padded on the left and fractions
// on the right. Left as is (right-aligned later) when any value is non-finite or in exponent form.
void align_decimal_points(std::vector<std::string>& cells) {
  std::size_t left = 0;
  std::size_t right = 0;
  for (const auto& c : cells) {
    const auto dot = c.find('.');
    if (dot == std::string::npos || c.find_first_of("eni") != std::string::npos) return;
    left = std::max(left, dot);
    right = std::max(right, c.size() - dot);
  }
  for (auto& c : cells) {
    const auto dot = c.find('.');
    c = std::string(left - dot, ' ') + c + std::string(right - (c.size() - dot), ' ');
  }
}

// The positions shown along a dimension of `n`: all, or numpy's edge items at both ends when the
// tensor is summarised (kEdgeItems, with "..." between them).
std::vector<std::uint64_t> shown(std::uint64_t n, bool summarise) {
  std::vector<std::uint64_t> out;
  if (summarise && n > 2 * kEdgeItems) {
    for (std::uint64_t i = 0; i < kEdgeItems; ++i) out.push_back(i);
    for (std::uint64_t i = n - kEdgeItems; i < n; ++i) out.push_back(i);
  } else {
    for (std::uint64_t i = 0; i < n; ++i) out.push_back(i);
  }
  return out;
}

// Calls `f(flat index)` for every element shown, in printing order.
template <typename F>
void for_each_shown(const Shape& shape, bool summarise, std::size_t dim, std::uint64_t base,
                    F&& f) {
  if (dim == shape.size()) {
    f(base);
    return;
  }
  std::uint64_t stride = 1;
  for (std::size_t d = dim + 1; d < shape.size(); ++d) stride *= shape[d];
  for (std::uint64_t i : shown(shape[dim], summarise))
    for_each_shown(shape, summarise, dim + 1, base + i * stride, f);
}

// Appends the sub-array at `dim`, taking the shown elements' cells from `next` on.
void append_values(std::string& out, const Shape& shape, bool summarise, std::size_t dim,
                   const std::vector<std::string>& cells, std::size_t width, std::size_t& next) {
  if (dim == shape.size()) {
    out += std::string(width - cells[next].size(), ' ') + cells[next];
    ++next;
    return;
  }
  // numpy: between elements of the last dimension a blank; between sub-arrays one newline per
  // nesting level below, then an indent to the bracket depth.
  const std::string separator =
      dim + 1 == shape.size()
          ? std::string(" ")
          : std::string(shape.size() - dim - 1, '\n') + std::string(dim + 1, ' ');
  const std::vector<std::uint64_t> at = shown(shape[dim], summarise);
  const bool elided = at.size() < shape[dim];
  out += '[';
  for (std::size_t i = 0; i < at.size(); ++i) {
    if (i > 0) out += separator;
    if (elided && i == kEdgeItems) out += "..." + separator;
    append_values(out, shape, summarise, dim + 1, cells, width, next);
  }
  out += ']';
}

Json nested_json(const Tensor& t, std::size_t dim, std::size_t& offset) {
  const std::size_t esize = dtype_size(t.dtype());
  if (dim == t.shape().size()) return element_json(t.dtype(), t.data().data() + esize * offset++);
  Json arr = Json::array();
  for (std::uint64_t i = 0; i < t.shape()[dim]; ++i) arr.push_back(nested_json(t, dim + 1, offset));
  return arr;
}

}  // namespace

std::string describe_tensor(const Tensor& tensor) {
  std::string out = std::string(dtype_name(tensor.dtype())) + ' ' +
                    shape_to_string(tensor.shape()) + " (" + plural(tensor.nbytes(), "byte") +
                    ")\n";
  const bool summarise = tensor.element_count() > kSummaryThreshold;
  const std::size_t esize = dtype_size(tensor.dtype());
  std::vector<std::string> cells;
  for_each_shown(tensor.shape(), summarise, 0, 0, [&](std::uint64_t i) {
    cells.push_back(element_text(tensor.dtype(), tensor.data().data() + i * esize));
  });
  if (is_float(tensor.dtype())) align_decimal_points(cells);
  std::size_t width = 0;
  for (const auto& c : cells) width = std::max(width, c.size());
  std::size_t next = 0;
  append_values(out, tensor.shape(), summarise, 0, cells, width, next);
  out += '\n';
  return out;
}

Json tensor_values_json(const Tensor& tensor) {
  std::size_t offset = 0;
  return nested_json(tensor, 0, offset);
}

}  // namespace hangar::cli
