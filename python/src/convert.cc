#include "convert.h"

#include <hangar/error.h>

#include <cstring>
#include <limits>

namespace hangar::python {

Key key_from_py(py::handle obj) {
  if (py::isinstance<py::str>(obj)) return Key(obj.cast<std::string>());
  if (PyBool_Check(obj.ptr())) throw py::type_error("sample keys are int or str, not bool");
  if (PyLong_Check(obj.ptr()) ||
      py::isinstance(obj, py::module_::import("numpy").attr("integer"))) {
    py::int_ value = py::reinterpret_steal<py::int_>(PyNumber_Index(obj.ptr()));
    if (!value) throw py::error_already_set();
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
    if (overflow < 0 || (overflow == 0 && v < 0))
      fail(ErrorCode::InvalidArgument,
           "key " + py::str(obj).cast<std::string>() + " is negative; integer keys are >= 0");
    if (overflow > 0) {
      const unsigned long long u = PyLong_AsUnsignedLongLong(value.ptr());
      if (PyErr_Occurred()) {
        PyErr_Clear();
        fail(ErrorCode::InvalidArgument,
             "key " + py::str(obj).cast<std::string>() + " does not fit 64 bits");
      }
      return Key(static_cast<std::uint64_t>(u));
    }
    return Key(static_cast<std::uint64_t>(v));
  }
  throw py::type_error("sample keys are int (>= 0) or str, not " +
                       py::str(py::type::of(obj).attr("__name__")).cast<std::string>());
}

std::optional<Key> optional_key_from_py(py::handle obj) {
  if (obj.is_none()) return std::nullopt;
  return key_from_py(obj);
}

py::object key_to_py(const Key& key) {
  if (key.is_int()) return py::int_(key.as_int());
  return py::str(key.as_string());
}

namespace {
// numpy's type numbers (NPY_TYPES); int64/uint64 are NPY_LONG/NPY_ULONG on LP64 Linux.
int type_number(DType t) {
  switch (t) {
    case DType::Bool:
      return 0;
    case DType::Int8:
      return 1;
    case DType::UInt8:
      return 2;
    case DType::Int16:
      return 3;
    case DType::UInt16:
      return 4;
    case DType::Int32:
      return 5;
    case DType::UInt32:
      return 6;
    case DType::Int64:
      return 7;
    case DType::UInt64:
      return 8;
    case DType::Float32:
      return 11;
    case DType::Float64:
      return 12;
    case DType::Float16:
      return 23;
  }
  fail(ErrorCode::Internal, "unknown dtype code " + std::to_string(static_cast<int>(t)));
}
}  // namespace

py::dtype dtype_to_numpy(DType t) {
  static_assert(sizeof(long) == 8, "NPY_LONG is int64 on this platform");
  return py::dtype(type_number(t));
}

DType dtype_from_numpy(const py::dtype& dt) {
  const char kind = dt.kind();
  const auto size = static_cast<std::size_t>(dt.itemsize());
  const char order = dt.attr("byteorder").cast<std::string>()[0];
  const bool native =
      order == '=' || order == '|' || (order == '<' && std::endian::native == std::endian::little);
  std::optional<DType> t;
  if (kind == 'b' && size == 1) t = DType::Bool;
  if (kind == 'i')
    t = size == 1   ? DType::Int8
        : size == 2 ? DType::Int16
        : size == 4 ? DType::Int32
        : size == 8 ? std::optional(DType::Int64)
                    : std::nullopt;
  if (kind == 'u')
    t = size == 1   ? DType::UInt8
        : size == 2 ? DType::UInt16
        : size == 4 ? DType::UInt32
        : size == 8 ? std::optional(DType::UInt64)
                    : std::nullopt;
  if (kind == 'f')
    t = size == 2   ? DType::Float16
        : size == 4 ? DType::Float32
        : size == 8 ? std::optional(DType::Float64)
                    : std::nullopt;
  const std::string name = py::str(static_cast<const py::handle&>(dt)).cast<std::string>();
  if (!t)
    fail(ErrorCode::InvalidArgument,
         "dtype " + name + " is not stored by hangar; use bool, (u)int8..64 or float16/32/64");
  if (!native)
    fail(ErrorCode::InvalidArgument, "dtype " + name +
                                         " is not in native byte order; convert with .astype(" +
                                         std::string(dtype_name(*t)) + ")");
  return *t;
}

DType dtype_from_py(py::handle obj) {
  py::dtype dt =
      py::reinterpret_steal<py::dtype>(py::module_::import("numpy").attr("dtype")(obj).release());
  return dtype_from_numpy(dt);
}

py::tuple shape_to_py(const Shape& s) {
  py::tuple out(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) out[i] = py::int_(s[i]);
  return out;
}

bool is_torch_tensor(py::handle obj) {
  py::object module = py::type::of(obj).attr("__module__");
  return py::isinstance<py::str>(module) && module.cast<std::string>() == "torch" &&
         py::hasattr(obj, "numpy");
}

py::array tensor_to_array(Tensor t) {
  auto* owned = new Tensor(std::move(t));
  py::capsule base(owned, [](void* p) { delete static_cast<Tensor*>(p); });
  std::vector<py::ssize_t> shape(owned->shape().begin(), owned->shape().end());
  return py::array(dtype_to_numpy(owned->dtype()), std::move(shape), {},
                   owned->mutable_data().data(), base);
}

TensorView view_of(const py::array& array) {
  TensorView v;
  v.dtype = dtype_from_numpy(array.dtype());
  v.shape.assign(array.shape(), array.shape() + array.ndim());
  v.data = ByteView(static_cast<const std::byte*>(array.data()),
                    static_cast<std::size_t>(array.nbytes()));
  return v;
}

namespace {
std::optional<std::int64_t> optional_int(py::handle obj) {
  if (obj.is_none()) return std::nullopt;
  return py::reinterpret_steal<py::int_>(PyNumber_Index(obj.ptr())).cast<std::int64_t>();
}

SliceItem slice_item(py::handle obj) {
  SliceItem item;
  if (obj.ptr() == Py_Ellipsis) {
    item.kind = SliceItem::Kind::Ellipsis;
  } else if (PySlice_Check(obj.ptr())) {
    item.kind = SliceItem::Kind::Range;
    item.start = optional_int(obj.attr("start"));
    item.stop = optional_int(obj.attr("stop"));
    item.step = optional_int(obj.attr("step"));
    if (item.step && *item.step == 0) throw py::value_error("slice step cannot be zero");
  } else if (PyIndex_Check(obj.ptr()) && !PyBool_Check(obj.ptr())) {
    item.kind = SliceItem::Kind::Index;
    item.index = py::reinterpret_steal<py::int_>(PyNumber_Index(obj.ptr())).cast<std::int64_t>();
  } else {
    throw py::type_error("only integers, slices (':') and Ellipsis ('...') index a sample, not " +
                         py::str(py::type::of(obj).attr("__name__")).cast<std::string>());
  }
  return item;
}
}  // namespace

Slice slice_from_py(py::handle index) {
  Slice s;
  if (py::isinstance<py::tuple>(index)) {
    for (py::handle item : py::reinterpret_borrow<py::tuple>(index))
      s.items.push_back(slice_item(item));
  } else {
    s.items.push_back(slice_item(index));
  }
  return s;
}

py::object json_to_py(const report::Json& j) {
  switch (j.type()) {
    case report::Json::value_t::null:
      return py::none();
    case report::Json::value_t::boolean:
      return py::bool_(j.get<bool>());
    case report::Json::value_t::number_integer:
      return py::int_(j.get<std::int64_t>());
    case report::Json::value_t::number_unsigned:
      return py::int_(j.get<std::uint64_t>());
    case report::Json::value_t::number_float:
      return py::float_(j.get<double>());
    case report::Json::value_t::string:
      return py::str(j.get_ref<const std::string&>());
    case report::Json::value_t::array: {
      py::list out;
      for (const auto& e : j) out.append(json_to_py(e));
      return out;
    }
    case report::Json::value_t::object: {
      py::dict out;
      for (const auto& [k, v] : j.items()) out[py::str(k)] = json_to_py(v);
      return out;
    }
    case report::Json::value_t::binary:
    case report::Json::value_t::discarded:
      break;
  }
  fail(ErrorCode::Internal, "unexpected JSON value in a report");
}

py::object digest_to_py(const std::optional<Digest>& d) {
  if (!d) return py::none();
  return py::str(d->hex());
}

}  // namespace hangar::python
