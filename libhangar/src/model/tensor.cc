// Tensor construction and size checks.
#include <hangar/error.h>
#include <hangar/tensor.h>

namespace hangar {

std::string shape_to_string(const Shape& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) out += ",";
    out += std::to_string(s[i]);
  }
  return out + "]";
}

std::uint64_t checked_element_count(const Shape& s, DType t, const std::string& what) {
  if (s.size() > kMaxDims)
    fail(ErrorCode::InvalidArgument,
         what + " has " + std::to_string(s.size()) + " dimensions; at most 31 are supported");
  for (std::uint64_t d : s)
    if (d == 0) return 0;  // empty: any other dims are fine (numpy allows (2**63-1, 0))
  std::uint64_t n = 1;
  const std::uint64_t limit = kMaxTensorBytes / dtype_size(t);
  for (std::uint64_t d : s) {
    if (d != 0 && n > limit / d)
      fail(ErrorCode::InvalidArgument,
           what + " shape " + shape_to_string(s) + " is too large (over 1 TiB)");
    n *= d;
  }
  return n;
}

Tensor::Tensor(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  data_.resize(checked_element_count(shape_, dtype_, "tensor") * dtype_size(dtype_));
}

Tensor::Tensor(DType dtype, Shape shape, Bytes data)
    : dtype_(dtype), shape_(std::move(shape)), data_(std::move(data)) {
  const std::uint64_t want = checked_element_count(shape_, dtype_, "tensor") * dtype_size(dtype_);
  if (data_.size() != want)
    fail(ErrorCode::InvalidArgument,
         "tensor " + std::string(dtype_name(dtype_)) + " " + shape_to_string(shape_) + " needs " +
             std::to_string(want) + " bytes, got " + std::to_string(data_.size()));
}

}  // namespace hangar
