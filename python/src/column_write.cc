// hangar.Column of a write checkout: staging samples.
#include <hangar/error.h>

#include "convert.h"
#include "objects.h"

namespace hangar::python {

namespace {

// A C-contiguous numpy array of `value`. Arrays (numpy, torch, buffers) keep their dtype, which
// the schema then checks exactly, as the CLI does; Python scalars and lists are converted to
// the column's dtype only when that loses nothing (3 -> uint8 yes, 3.5 -> uint8 no).
py::array value_array(const ColumnSchema& schema, py::handle value, const Key& key) {
  py::module_ np = py::module_::import("numpy");
  py::object arr;
  if (is_torch_tensor(value)) {
    arr = value.attr("detach")().attr("cpu")().attr("numpy")();
  } else if (py::isinstance<py::array>(value) || py::hasattr(value, "__array__") ||
             py::hasattr(value, "__array_interface__") || PyObject_CheckBuffer(value.ptr())) {
    arr = np.attr("asarray")(value);
  } else {
    py::object natural = np.attr("asarray")(value);
    const std::string kind = natural.attr("dtype").attr("kind").cast<std::string>();
    const std::string what =
        "value for key '" + key.to_string() + "' of column '" + schema.name + "'";
    if (kind == "O" && PyLong_Check(value.ptr()))  // an int beyond 64 bits
      fail(ErrorCode::InvalidArgument,
           what + " does not fit " + std::string(dtype_name(schema.dtype)));
    if (kind != "b" && kind != "i" && kind != "u" && kind != "f")
      throw py::type_error(what + " is not numeric: " +
                           py::str(py::type::of(value).attr("__name__")).cast<std::string>());
    arr = natural.attr("astype")(dtype_to_numpy(schema.dtype));
    if (!np.attr("array_equal")(arr, natural).cast<bool>())
      fail(ErrorCode::InvalidArgument, what + " does not fit dtype " +
                                           std::string(dtype_name(schema.dtype)) +
                                           " exactly; convert it first");
  }
  py::array contiguous = py::array::ensure(arr, py::array::c_style);  // keeps 0-d arrays 0-d
  if (!contiguous) throw py::error_already_set();
  return contiguous;
}

}  // namespace

WriteSession& PyColumn::session() const {
  if (!session_)
    throw py::type_error("column '" + schema_.name +
                         "' is read-only; write through "
                         "repo.checkout(write=True)");
  return *session_;
}

void PyColumn::put(py::handle key, py::handle value, py::handle subkey) {
  const Key k = key_from_py(key);
  const std::optional<Key> sub = optional_key_from_py(subkey);
  py::array arr = value_array(schema_, value, k);
  {
    auto lease = session().lease();
    lease.repo().put(schema_.name, k, sub, view_of(arr));
  }
  core_->invalidate();
}

void PyColumn::update(py::handle values) {
  py::object items = py::reinterpret_borrow<py::object>(values);
  if (py::hasattr(values, "items")) items = values.attr("items")();
  std::vector<py::array> arrays;  // keep the data alive until put_many returns
  std::vector<SampleWrite> samples;
  for (py::handle pair : py::reinterpret_borrow<py::iterable>(items)) {
    py::tuple kv = py::reinterpret_borrow<py::object>(pair).cast<py::tuple>();
    if (kv.size() != 2) throw py::type_error("update() takes a mapping or (key, value) pairs");
    const Key k = key_from_py(kv[0]);
    arrays.push_back(value_array(schema_, kv[1], k));
    samples.push_back(SampleWrite{k, std::nullopt, view_of(arrays.back())});
  }
  {
    auto lease = session().lease();
    lease.repo().put_many(schema_.name, samples);
  }
  core_->invalidate();
}

void PyColumn::remove(py::handle key, py::handle subkey) {
  const Key k = key_from_py(key);
  const std::optional<Key> sub = optional_key_from_py(subkey);
  {
    auto lease = session().lease();
    lease.repo().remove(schema_.name, {{k, sub}});
  }
  core_->invalidate();
}

}  // namespace hangar::python
