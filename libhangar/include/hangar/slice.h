// Sub-array selection with numpy's basic-indexing rules: "0:10,:,5", "::-2", "-1", "...,0".
// Used by Checkout::read_slice, which reads only the chunks a slice touches.
#pragma once

#include <hangar/tensor.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hangar {

// One comma-separated item of a slice.
struct SliceItem {
  enum class Kind : std::uint8_t {
    Index,     // "5", "-1": picks one position and drops the dimension
    Range,     // "start:stop[:step]", any part may be omitted; negatives count from the end
    Ellipsis,  // "...": as many full ranges as needed (at most one per slice)
  };
  Kind kind = Kind::Range;
  std::int64_t index = 0;             // Index
  std::optional<std::int64_t> start;  // Range
  std::optional<std::int64_t> stop;   // Range
  std::optional<std::int64_t> step;   // Range; never 0

  bool operator==(const SliceItem&) const = default;
};

// A whole slice. Fewer items than dimensions leave the trailing dimensions whole (numpy).
struct Slice {
  std::vector<SliceItem> items;

  // "i", "start:stop:step" ... joined by ","; parse_slice(s.to_string()) == s.
  std::string to_string() const;
  bool operator==(const Slice&) const = default;
};

// Parses "0:10,:,5"; spaces around items are ignored; "" selects everything.
// Throws: InvalidArgument naming the bad item (not an integer, a step of 0, more than two ':'
// or more than one '...').
Slice parse_slice(std::string_view spec);

// A slice resolved against a shape: per dimension of the tensor, the selected positions
// start + k * step for k in [0, count). Every dimension is listed, dropped ones too.
struct SliceDim {
  std::int64_t start = 0;
  std::int64_t step = 1;  // never 0; negative walks backwards
  std::uint64_t count = 0;
  bool keep = true;  // false for an Index item: the dimension is dropped from the result
};

struct ResolvedSlice {
  std::vector<SliceDim> dims;  // one per tensor dimension
  Shape out_shape;             // counts of the kept dimensions
};

// numpy semantics: ranges clip to the dimension, an index must lie in [-n, n).
// Throws: InvalidArgument "index 7 is out of bounds for dimension 1 of size 5 in slice '...'"
// and "too many indices: slice '...' has 4 for a tensor of 3 dimensions".
ResolvedSlice resolve_slice(const Slice& slice, const Shape& shape);

}  // namespace hangar
