// Human and JSON renderings of a tensor's values, numpy style, for 'hangar get'.
#pragma once

#include <hangar/tensor.h>

#include <cstddef>
#include <string>

#include "output.h"

namespace hangar::cli {

// Tensors with at most this many elements have their values in 'get --json'.
constexpr std::uint64_t kMaxPrintedElements = 100;
// numpy's print options: a tensor of more than kSummaryThreshold elements is summarised, each
// dimension longer than 2 * kEdgeItems showing its first and last kEdgeItems around "...".
constexpr std::uint64_t kSummaryThreshold = 1000;
constexpr std::uint64_t kEdgeItems = 3;

// "uint8 [2,3] (6 bytes)" and the values as numpy prints them: "[[1 2 3]\n [4 5 6]]", or
// summarised for a large tensor: "[[   0    1    2 ... 1997 1998 1999]\n ...]". Always ends with
// a newline.
std::string describe_tensor(const Tensor& tensor);
// The values as nested JSON arrays (a bare number for a scalar). REQUIRES: small tensor.
Json tensor_values_json(const Tensor& tensor);

}  // namespace hangar::cli
