// Tensors: dtype + shape (0..31 dims, C order) + bytes.
// TensorView does not own its bytes; Tensor does.
#pragma once

#include <hangar/base/bytes.h>
#include <hangar/dtype.h>

#include <cstdint>
#include <string>
#include <vector>

namespace hangar {

constexpr std::size_t kMaxDims = 31;
// No tensor may hold more bytes than this (1 TiB); guards every size computed from untrusted input.
constexpr std::uint64_t kMaxTensorBytes = std::uint64_t{1} << 40;

using Shape = std::vector<std::uint64_t>;

// "[64,64,3]"; "[]" for a scalar.
std::string shape_to_string(const Shape& s);
// Product of dims, or nullopt-like failure: throws InvalidArgument when the product overflows
// or the byte size exceeds kMaxTensorBytes, or when there are more than kMaxDims dims.
// `what` names the tensor in the message.
std::uint64_t checked_element_count(const Shape& s, DType t, const std::string& what);

struct TensorView {
  DType dtype = DType::UInt8;
  Shape shape;
  ByteView data;  // exactly element_count * dtype_size bytes
};

class Tensor {
 public:
  Tensor() = default;
  // Zero-filled tensor. Throws: InvalidArgument (too many dims or bytes).
  Tensor(DType dtype, Shape shape);
  // Takes `data`. Throws: InvalidArgument when data.size() does not match dtype and shape.
  Tensor(DType dtype, Shape shape, Bytes data);

  DType dtype() const noexcept { return dtype_; }
  const Shape& shape() const noexcept { return shape_; }
  std::uint64_t element_count() const noexcept { return data_.size() / dtype_size(dtype_); }
  std::size_t nbytes() const noexcept { return data_.size(); }
  ByteView data() const noexcept { return data_; }
  MutableByteView mutable_data() noexcept { return data_; }
  Bytes take_data() noexcept { return std::move(data_); }
  TensorView view() const { return {dtype_, shape_, data_}; }

  // Typed access; REQUIRES: sizeof(T) == dtype_size(dtype()).
  template <typename T>
  const T* as() const noexcept {
    return reinterpret_cast<const T*>(data_.data());
  }
  template <typename T>
  T* as() noexcept {
    return reinterpret_cast<T*>(data_.data());
  }

  bool operator==(const Tensor& o) const = default;

 private:
  DType dtype_ = DType::UInt8;
  Shape shape_;
  Bytes data_;
};

}  // namespace hangar
