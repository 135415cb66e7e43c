// Human and JSON renderings of a tensor's values, numpy style, for 'hangar get'.
#pragma once

#include <hangar/tensor.h>

#include <cstddef>
#include <string>

#include "output.h"

namespace hangar::cli {

// Tensors with at most this many elements have their values printed.
constexpr std::uint64_t kMaxPrintedElements = 100;

// "uint8 [2,3] (6 bytes)" and, for small tensors, the values as numpy prints them:
// "[[1 2 3]\n [4 5 6]]". Always ends with a newline.
std::string describe_tensor(const Tensor& tensor);
// The values as nested JSON arrays (a bare number for a scalar). REQUIRES: small tensor.
Json tensor_values_json(const Tensor& tensor);

}  // namespace hangar::cli
