// Label columns and per-class counts (labels.h).
#include <hangar/error.h>
#include <hangar/labels.h>

#include <cstring>
#include <map>
#include <sstream>

namespace hangar {
namespace {

bool is_integer(DType t) {
  switch (t) {
    case DType::Bool:
    case DType::Int8:
    case DType::Int16:
    case DType::Int32:
    case DType::Int64:
    case DType::UInt8:
    case DType::UInt16:
    case DType::UInt32:
    case DType::UInt64:
      return true;
    default:
      return false;
  }
}

std::int64_t value_of(const Tensor& t) {
  const std::byte* p = t.data().data();
  auto load = [p]<typename T>(T) {
    T v;
    std::memcpy(&v, p, sizeof(T));
    return v;
  };
  switch (t.dtype()) {
    case DType::Bool:
      return load(std::uint8_t{}) != 0;
    case DType::Int8:
      return load(std::int8_t{});
    case DType::Int16:
      return load(std::int16_t{});
    case DType::Int32:
      return load(std::int32_t{});
    case DType::Int64:
      return load(std::int64_t{});
    case DType::UInt8:
      return load(std::uint8_t{});
    case DType::UInt16:
      return load(std::uint16_t{});
    case DType::UInt32:
      return load(std::uint32_t{});
    case DType::UInt64:
      return static_cast<std::int64_t>(load(std::uint64_t{}));
    default:
      fail(ErrorCode::Internal, "label of a non-integer dtype");
  }
}

std::vector<std::string> class_names(const ColumnSchema& s) {
  std::vector<std::string> out;
  auto a = s.attributes.find("classes");
  if (a == s.attributes.end()) return out;
  std::istringstream in(a->second);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

void check_label_column(const ColumnSchema& s) {
  std::string why;
  std::uint64_t elements = 1;
  for (auto d : s.shape) elements *= d;
  if (s.layout != Layout::Flat)
    why = "it is nested";
  else if (s.variable_shape)
    why = "it has a variable shape";
  else if (elements != 1)
    why = "its samples hold " + std::to_string(elements) + " elements, not 1";
  else if (!is_integer(s.dtype))
    why = "its dtype is " + std::string(dtype_name(s.dtype)) + ", not an integer type";
  if (!why.empty())
    fail(ErrorCode::InvalidArgument,
         "column '" + s.name + "' cannot be a label column: " + why +
             "; a label column holds one integer per key (as an import of class folders makes)");
}

std::optional<LabelClass> read_label(const Checkout& view, const ColumnSchema& schema,
                                     const SampleRef& ref) {
  if (!view.is_local(ref)) return std::nullopt;
  const Tensor t = view.read(ref);
  if (t.element_count() != 1)
    fail(ErrorCode::InvalidArgument,
         "label of key '" + ref.key.to_string() + "' in column '" + schema.name + "' holds " +
             std::to_string(t.element_count()) + " elements, not 1; fix the label column");
  LabelClass c;
  c.value = value_of(t);
  const auto names = class_names(schema);
  if (c.value >= 0 && static_cast<std::uint64_t>(c.value) < names.size())
    c.name = names[static_cast<std::size_t>(c.value)];
  else
    c.name = std::to_string(c.value);
  return c;
}

ClassSummary summarize_by_label(const Checkout& view, std::string_view label_column) {
  const ColumnSchema& schema = view.schema(label_column);
  check_label_column(schema);
  std::map<Key, std::optional<LabelClass>> labels;
  view.for_each(label_column, [&](const SampleRef& ref) {
    labels[ref.key] = read_label(view, schema, ref);
    return true;
  });
  struct KeyAcc {
    std::uint64_t nbytes = 0, local_nbytes = 0;
    bool local = true;
  };
  std::map<Key, KeyAcc> keys;
  for (const auto& name : view.column_names()) {
    view.for_each(name, [&](const SampleRef& ref) {
      KeyAcc& k = keys[ref.key];
      k.nbytes += ref.nbytes;
      if (view.is_local(ref))
        k.local_nbytes += ref.nbytes;
      else
        k.local = false;
      return true;
    });
  }
  ClassSummary out;
  out.column = std::string(label_column);
  std::map<LabelClass, ClassCount> classes;
  for (const auto& [key, acc] : keys) {
    auto it = labels.find(key);
    if (it == labels.end()) {
      ++out.unlabelled;
      out.unlabelled_local += acc.local;
      continue;
    }
    ClassCount& c = it->second ? classes[*it->second] : out.unknown;
    if (it->second) c.label = *it->second;
    ++c.count;
    c.local_count += acc.local;
    c.nbytes += acc.nbytes;
    c.local_nbytes += acc.local_nbytes;
  }
  for (auto& [label, c] : classes) out.classes.push_back(std::move(c));
  return out;
}

}  // namespace hangar
