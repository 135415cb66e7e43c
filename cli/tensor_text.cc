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

// Appends the sub-array at `dim` starting at flat element `offset`; advances `offset`.
void append_values(std::string& out, const Shape& shape, std::size_t dim,
                   const std::vector<std::string>& cells, std::size_t width, std::size_t& offset) {
  if (dim == shape.size()) {
    out += std::string(width - cells[offset].size(), ' ') + cells[offset];
    ++offset;
    return;
  }
  out += '[';
  for (std::uint64_t i = 0; i < shape[dim]; ++i) {
    if (i > 0) {
      if (dim + 1 == shape.size()) {
        out += ' ';
      } else {
        // numpy: one newline per nesting level below, then indent to the bracket depth.
        out += std::string(shape.size() - dim - 1, '\n') + std::string(dim + 1, ' ');
      }
    }
    append_values(out, shape, dim + 1, cells, width, offset);
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
                    shape_to_string(tensor.shape()) + " (" + std::to_string(tensor.nbytes()) +
                    (tensor.nbytes() == 1 ? " byte)\n" : " bytes)\n");
  const std::uint64_t n = tensor.element_count();
  if (n > kMaxPrintedElements) return out;
  const std::size_t esize = dtype_size(tensor.dtype());
  std::vector<std::string> cells;
  cells.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    cells.push_back(element_text(tensor.dtype(), tensor.data().data() + i * esize));
  }
  if (is_float(tensor.dtype())) align_decimal_points(cells);
  std::size_t width = 0;
  for (const auto& c : cells) width = std::max(width, c.size());
  std::size_t offset = 0;
  append_values(out, tensor.shape(), 0, cells, width, offset);
  out += '\n';
  return out;
}

Json tensor_values_json(const Tensor& tensor) {
  std::size_t offset = 0;
  return nested_json(tensor, 0, offset);
}

}  // namespace hangar::cli
