// Conversions between Python objects and libhangar values: keys, dtypes, tensors, slices,
// report documents. Every function here needs the GIL.
#pragma once

#include <hangar/base/digest.h>
#include <hangar/dtype.h>
#include <hangar/key.h>
#include <hangar/report/json.h>
#include <hangar/slice.h>
#include <hangar/tensor.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <optional>
#include <string>

namespace hangar::python {

namespace py = pybind11;

// A key from a Python int (>= 0; numpy integers too, not bool) or str. Throws: TypeError
// (py::type_error) for other types, InvalidArgument for a negative int or a bad string key.
Key key_from_py(py::handle obj);
std::optional<Key> optional_key_from_py(py::handle obj);  // None -> nullopt
py::object key_to_py(const Key& key);

py::dtype dtype_to_numpy(DType t);
// Throws InvalidArgument for dtypes hangar does not store (object, complex, big-endian, ...).
DType dtype_from_numpy(const py::dtype& dt);
// numpy.dtype(obj) first: accepts "uint8", np.float32, ...
DType dtype_from_py(py::handle obj);

py::tuple shape_to_py(const Shape& s);

// True for a torch.Tensor (checked by its type's module: torch is never imported here).
bool is_torch_tensor(py::handle obj);

// A numpy array that owns `t`'s bytes (no copy).
py::array tensor_to_array(Tensor t);

// A read-only view of a C-contiguous numpy array, valid while `array` lives.
TensorView view_of(const py::array& array);

// A numpy basic index (an int, a slice, Ellipsis, or a tuple of them) as a hangar Slice.
// Throws: TypeError for other index kinds (arrays, None/newaxis).
Slice slice_from_py(py::handle index);

// JSON documents (hangar_report) as Python dicts, lists, str, int, float, bool, None.
py::object json_to_py(const report::Json& j);

py::object digest_to_py(const std::optional<Digest>& d);  // hex str or None

}  // namespace hangar::python
