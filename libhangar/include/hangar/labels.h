// Class labels: reading a label column (one integer per key, e.g. what `import --labels` writes)
// and counting samples per class. Used by `summary --by` and by stratified selections
// (hangar/remote/selection.h). Core layer: reads a Checkout, never the network.
#pragma once

#include <hangar/checkout.h>
#include <hangar/schema.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hangar {

// A label column is flat, of fixed shape with exactly one element (0-d, [1], [1,1], ...), and
// of an integer or bool dtype. Its "classes" attribute (newline-separated names, as written by
// `import --labels`) names value i by line i; other values, or no attribute, are named by
// their decimal value.
// Throws: InvalidArgument "column 'x' cannot be a label column: <why>; a label column holds
// one integer per key (as an import of class folders makes)".
void check_label_column(const ColumnSchema& schema);

// The class of one label sample, from its value. REQUIRES check_label_column(schema).
struct LabelClass {
  std::int64_t value = 0;
  std::string name;  // the "classes" name of `value`, or its decimal text
  auto operator<=>(const LabelClass& o) const { return value <=> o.value; }
  bool operator==(const LabelClass& o) const { return value == o.value; }
};

// Reads the label of `ref` (a sample of label column `schema`). nullopt when its chunk is not
// local. Throws: Corrupt; InvalidArgument (a sample that does not hold one element).
std::optional<LabelClass> read_label(const Checkout& view, const ColumnSchema& schema,
                                     const SampleRef& ref);

// Per-class counts of a checkout: how many keys each class has and how many of them are whole
// locally (the key's sample in every column that has the key is local).
struct ClassCount {
  LabelClass label;
  std::uint64_t count = 0;
  std::uint64_t local_count = 0;
  std::uint64_t nbytes = 0;        // raw bytes of the keys' samples in every column
  std::uint64_t local_nbytes = 0;  // of those, the samples that are local
};

struct ClassSummary {
  std::string column;
  std::vector<ClassCount> classes;  // by label value
  ClassCount unknown;               // keys whose label sample is not local
  std::uint64_t unlabelled = 0;     // keys of other columns that have no label sample
  std::uint64_t unlabelled_local = 0;
};

// Walks every column of `view` once. Throws: NotFound (column), InvalidArgument (not a label
// column, see check_label_column), Corrupt.
ClassSummary summarize_by_label(const Checkout& view, std::string_view label_column);

}  // namespace hangar
