// hangar.Checkout and hangar.WriteCheckout.
#include <hangar/error.h>
#include <hangar/report/json.h>

#include "convert.h"
#include "objects.h"

namespace hangar::python {

const std::shared_ptr<CheckoutCore>& PyCheckout::core() const {
  if (!core_) throw py::value_error("the checkout is closed");
  return core_;
}

py::object PyCheckout::commit() const {
  if (!core()->staged()) return digest_to_py(core()->commit());
  return digest_to_py(core()->use()->commit());
}

std::vector<std::string> PyCheckout::column_names() const { return core()->use()->column_names(); }

bool PyCheckout::has_column(const std::string& name) const {
  return core()->use()->has_column(name);
}

PyColumn PyCheckout::column(const std::string& name) const {
  return PyColumn(core(), session_, core()->use()->schema(name));
}

py::dict PyCheckout::columns() const {
  auto use = core()->use();
  py::dict out;
  for (const std::string& name : use->column_names())
    out[py::str(name)] = py::cast(PyColumn(core_, session_, use->schema(name)));
  return out;
}

void PyCheckout::close() noexcept {
  if (session_) session_->close();
  core_.reset();
}

std::string PyCheckout::repr() const {
  if (session_)
    return "<hangar.WriteCheckout branch '" + session_->branch() + "'" +
           (session_->open() && core_ ? "" : " (closed)") + ">";
  if (!core_) return "<hangar.Checkout (closed)>";
  return "<hangar.Checkout commit " + core_->commit()->short_hex() + ">";
}

namespace {
Shape shape_from_py(py::handle obj) {
  Shape shape;
  if (PyIndex_Check(obj.ptr())) {
    shape.push_back(py::cast<std::uint64_t>(obj));
    return shape;
  }
  for (py::handle d : py::reinterpret_borrow<py::iterable>(obj)) {
    const auto v = py::reinterpret_steal<py::int_>(PyNumber_Index(d.ptr()));
    if (!v) throw py::error_already_set();
    if (v.cast<std::int64_t>() < 0)
      fail(ErrorCode::InvalidArgument,
           "shape " + py::str(obj).cast<std::string>() + " has a negative dimension");
    shape.push_back(v.cast<std::uint64_t>());
  }
  return shape;
}
}  // namespace

PyColumn PyWriteCheckout::create_column(const std::string& name, py::object dtype, py::object shape,
                                        py::object prototype, bool variable_shape, bool nested,
                                        const std::string& backend, int compression_level) {
  ColumnSchema schema;
  schema.name = name;
  if (!prototype.is_none()) {
    if (!dtype.is_none() || !shape.is_none())
      throw py::type_error("give either prototype or dtype and shape, not both");
    py::array proto = py::module_::import("numpy").attr("asarray")(prototype);
    schema.dtype = dtype_from_numpy(proto.dtype());
    schema.shape.assign(proto.shape(), proto.shape() + proto.ndim());
  } else {
    if (dtype.is_none() || shape.is_none())
      throw py::type_error("create_column needs dtype and shape (or a prototype array)");
    schema.dtype = dtype_from_py(dtype);
    schema.shape = shape_from_py(shape);
  }
  schema.variable_shape = variable_shape;
  schema.layout = nested ? Layout::Nested : Layout::Flat;
  const std::optional<BackendChoice> b = parse_backend(backend);
  if (!b) throw py::value_error("backend must be 'auto', 'lmdb' or 'hdf5', not '" + backend + "'");
  schema.backend = *b;
  schema.compression_level = compression_level;
  {
    auto lease = session_->lease();
    lease.repo().create_column(schema);
  }
  core()->invalidate();
  return column(name);
}

void PyWriteCheckout::delete_column(const std::string& name) {
  {
    auto lease = session_->lease();
    lease.repo().delete_column(name);
  }
  core()->invalidate();
}

std::string PyWriteCheckout::commit_staged(const std::string& message) {
  std::string digest;
  {
    auto lease = session_->lease();
    digest = lease.repo().commit(message).hex();
  }
  core()->invalidate();
  return digest;
}

void PyWriteCheckout::reset() {
  {
    auto lease = session_->lease();
    lease.repo().reset();
  }
  core()->invalidate();
}

py::object PyWriteCheckout::status() const {
  auto lease = session_->lease();
  return json_to_py(report::status_json(lease.repo(), lease.repo().status()));
}

}  // namespace hangar::python
