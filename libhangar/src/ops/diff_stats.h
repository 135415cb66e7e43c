// Element-level comparison of two tensors, for `diff --stat` (ElementDiff in diff.h).
#pragma once

#include <hangar/diff.h>
#include <hangar/tensor.h>

#include <cstdint>
#include <optional>

namespace hangar {

// IEEE 754 binary16 bits -> float (exact: every half is a float), incl. subnormals, inf, NaN.
float half_to_float(std::uint16_t bits) noexcept;

// Changed elements and largest absolute difference (rules in diff.h); nullopt when the
// tensors differ in dtype or shape (nothing to compare element by element).
std::optional<ElementDiff> element_diff(const TensorView& from, const TensorView& to);

}  // namespace hangar
