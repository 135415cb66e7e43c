// hangar.Column: reading one sample at a time.
#include <hangar/error.h>

#include "convert.h"
#include "objects.h"

namespace hangar::python {

std::string sample_text(const std::string& column, const Key& key, const std::optional<Key>& sub) {
  std::string s = "'" + column + "'/'" + key.to_string() + "'";
  if (sub) s += "/'" + sub->to_string() + "'";
  return s;
}

void fail_not_found(const CheckoutCore& core, const std::string& column, const Key& key,
                    const std::optional<Key>& sub) {
  fail(ErrorCode::NotFound, "no sample " + sample_text(column, key, sub) + " at " + core.where());
}

namespace {

// `out` as a numpy array sharing its memory (numpy arrays, torch CPU tensors, buffers).
py::array out_array(py::handle out) {
  py::object arr;
  if (is_torch_tensor(out)) {
    arr = out.attr("detach")().attr("numpy")();  // TypeError for a tensor not on the CPU
  } else if (py::isinstance<py::array>(out) || PyObject_CheckBuffer(out.ptr())) {
    arr = py::module_::import("numpy").attr("asarray")(out);
  } else {
    throw py::type_error(
        "read_into fills a numpy array, a torch.Tensor or a writable buffer, not " +
        py::str(py::type::of(out).attr("__name__")).cast<std::string>());
  }
  py::array a = py::reinterpret_borrow<py::array>(arr);
  if (!(a.flags() & py::array::c_style))
    throw py::value_error("read_into needs a C-contiguous output; use numpy.ascontiguousarray");
  if (!a.writeable()) throw py::value_error("read_into needs a writable output");
  return a;
}

}  // namespace

std::string PyColumn::repr() const {
  return "<hangar.Column '" + schema_.name + "' " + std::string(dtype_name(schema_.dtype)) + " " +
         (schema_.variable_shape ? "<=" : "") + shape_to_string(schema_.shape) + ">";
}

py::dtype PyColumn::dtype() const { return dtype_to_numpy(schema_.dtype); }
py::tuple PyColumn::shape() const { return shape_to_py(schema_.shape); }

std::uint64_t PyColumn::size() const { return core_->use()->count(schema_.name); }
std::uint64_t PyColumn::nbytes() const { return core_->use()->nbytes(schema_.name); }

bool PyColumn::contains(py::handle key) const {
  std::optional<Key> k;
  try {
    k = key_from_py(key);
  } catch (const Error&) {
    return false;  // a negative int or an invalid string names no sample
  } catch (const py::type_error&) {
    return false;  // nor does anything but an int or a str (`in` never raises for a type)
  }
  if (nested()) return !subkeys(key).empty();
  return core_->use()->find(schema_.name, *k).has_value();
}

std::vector<Key> PyColumn::key_vector() const {
  std::vector<Key> out;
  auto use = core_->use();
  out.reserve(use->count(schema_.name));
  use->for_each(schema_.name, [&](const SampleRef& ref) {
    if (!nested() || out.empty() || out.back() != ref.key) out.push_back(ref.key);
    return true;
  });
  return out;
}

py::list PyColumn::keys() const {
  py::list out;
  for (const Key& k : key_vector()) out.append(key_to_py(k));
  return out;
}

py::list PyColumn::subkeys(py::handle key) const {
  if (!nested()) throw py::type_error("column '" + schema_.name + "' is flat: it has no subkeys");
  const Key k = key_from_py(key);
  py::list out;
  core_->use()->for_each(schema_.name, [&](const SampleRef& ref) {
    if (ref.key == k) out.append(key_to_py(*ref.subkey));
    return !(k < ref.key);  // key order: stop once past `k`
  });
  return out;
}

py::array PyColumn::read(py::handle key, py::handle subkey) const {
  const Key k = key_from_py(key);
  const std::optional<Key> sub = optional_key_from_py(subkey);
  auto use = core_->use();
  Tensor t;
  {
    py::gil_scoped_release unlocked;  // a lazy read may wait on the network
    t = use->get(schema_.name, k, sub);
  }
  return tensor_to_array(std::move(t));
}

py::object PyColumn::getitem(py::handle index) const {
  if (py::isinstance<py::tuple>(index)) {
    py::tuple t = py::reinterpret_borrow<py::tuple>(index);
    if (t.empty()) throw py::type_error("col[key, ...] needs a key");
    return read_slice(t[0], t[py::slice(1, static_cast<py::ssize_t>(t.size()), 1)]);
  }
  if (!nested()) return read(index, py::none());
  const Key k = key_from_py(index);
  auto use = core_->use();
  std::vector<SampleRef> refs;
  std::vector<Tensor> values;
  {
    py::gil_scoped_release unlocked;  // a lazy read may wait on the network
    use->for_each(schema_.name, [&](const SampleRef& ref) {
      if (ref.key == k) refs.push_back(ref);
      return !(k < ref.key);
    });
    for (const SampleRef& ref : refs) values.push_back(use->read(ref));
  }
  if (refs.empty()) fail_not_found(*core_, schema_.name, k, std::nullopt);
  py::dict out;
  for (std::size_t i = 0; i < refs.size(); ++i)
    out[key_to_py(*refs[i].subkey)] = tensor_to_array(std::move(values[i]));
  return out;
}

void PyColumn::read_into(py::handle key, py::handle out, py::handle subkey) const {
  const Key k = key_from_py(key);
  const std::optional<Key> sub = optional_key_from_py(subkey);
  py::array a = out_array(out);
  auto use = core_->use();
  const std::optional<SampleRef> ref = use->find(schema_.name, k, sub);
  if (!ref) fail_not_found(*core_, schema_.name, k, sub);
  const DType want = schema_.dtype;
  const DType got = dtype_from_numpy(a.dtype());
  const Shape shape = use->sample_shape(*ref);
  const Shape out_shape(a.shape(), a.shape() + a.ndim());
  if (got != want || out_shape != shape)
    throw py::value_error("read_into: sample " + sample_text(schema_.name, k, sub) + " is " +
                          std::string(dtype_name(want)) + " " + shape_to_string(shape) +
                          ", the output is " + std::string(dtype_name(got)) + " " +
                          shape_to_string(out_shape));
  MutableByteView dst(static_cast<std::byte*>(a.mutable_data()),
                      static_cast<std::size_t>(a.nbytes()));
  py::gil_scoped_release unlocked;
  use->read_into(*ref, dst);
}

py::array PyColumn::read_slice(py::handle key, py::handle index) const {
  if (nested())
    throw py::type_error("slicing reads flat columns; column '" + schema_.name + "' is nested");
  const Key k = key_from_py(key);
  const Slice slice = slice_from_py(index);
  auto use = core_->use();
  Tensor t;
  {
    py::gil_scoped_release unlocked;  // a lazy read may wait on the network
    t = use->get_slice(schema_.name, k, std::nullopt, slice);
  }
  return tensor_to_array(std::move(t));
}

bool PyColumn::is_local(py::handle key, py::handle subkey) const {
  const Key k = key_from_py(key);
  const std::optional<Key> sub = optional_key_from_py(subkey);
  auto use = core_->use();
  const std::optional<SampleRef> ref = use->find(schema_.name, k, sub);
  if (!ref) fail_not_found(*core_, schema_.name, k, sub);
  return use->is_local(*ref);
}

// ---- iteration ----

SampleIterator::SampleIterator(PyColumn column, What what)
    : column_(std::move(column)), what_(what), keys_(column_.key_vector()) {}

py::object SampleIterator::next() {
  if (next_ >= keys_.size()) throw py::stop_iteration();
  const Key& k = keys_[next_++];
  if (what_ == What::Keys) return key_to_py(k);
  py::object value = column_.getitem(key_to_py(k));
  if (what_ == What::Values) return value;
  return py::make_tuple(key_to_py(k), value);
}

}  // namespace hangar::python
