// hangar._hangar: the Python types over libhangar (see python/hangar/_hangar.pyi for the API
// and docs; objects.h for the C++ side).
#include <hangar/hangar.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include "convert.h"
#include "errors.h"
#include "objects.h"

namespace py = pybind11;
using namespace hangar::python;
using py::arg;

namespace {

// Paths arrive as str or os.PathLike.
std::string path_arg(py::handle p) { return py::str(py::module_::import("os").attr("fspath")(p)); }

void bind_repository(py::module_& m) {
  py::class_<PyRepository>(m, "Repository", R"(A hangar repository on disk.

Repository(path=".") opens the repository holding `path` (any folder inside it). Opening
takes no lock; writing calls and write checkouts take the writer lock while they run.
Reports (log, diff, show, status, summary, merge) are the CLI's --json documents as dicts.
See hangar/_hangar.pyi for every signature.)")
      .def(py::init([](py::handle path) { return PyRepository(path_arg(path)); }),
           arg("path") = ".")
      .def_property_readonly("path", &PyRepository::path)
      .def_property_readonly("current_branch", &PyRepository::current_branch)
      .def_property_readonly("head", &PyRepository::head)
      .def_property_readonly("branches", &PyRepository::branches)
      .def("resolve", &PyRepository::resolve, arg("ref") = "HEAD")
      .def("create_branch", &PyRepository::create_branch, arg("name"), arg("start") = py::none())
      .def("delete_branch", &PyRepository::delete_branch, arg("name"), arg("force") = false)
      .def("log", &PyRepository::log, arg("ref") = "HEAD", arg("n") = py::none())
      .def("diff", &PyRepository::diff, arg("a") = py::none(), arg("b") = py::none(), py::kw_only(),
           arg("detail") = "keys")
      .def("show", &PyRepository::show, arg("ref") = "HEAD")
      .def("merge", &PyRepository::merge, arg("ref"), py::kw_only(), arg("message") = py::none(),
           arg("strategy") = py::none())
      .def("status", &PyRepository::status)
      .def("summary", &PyRepository::summary, arg("ref") = py::none())
      .def_property_readonly("config", &PyRepository::config)
      .def("set_config", &PyRepository::set_config, arg("key"), arg("value"))
      .def_property_readonly("lazy_fetch", &PyRepository::lazy_fetch)
      .def("checkout", &PyRepository::checkout, arg("ref") = py::none(), py::kw_only(),
           arg("write") = false)
      .def("close", &PyRepository::close)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyRepository& self, py::args) { self.close(); })
      .def("__repr__", &PyRepository::repr);

  m.def(
      "init",
      [](py::handle path, const std::optional<std::string>& user,
         const std::optional<std::string>& email) {
        return PyRepository::init(path_arg(path), user, email);
      },
      arg("path") = ".", arg("user") = py::none(), arg("email") = py::none());
}

void bind_checkouts(py::module_& m) {
  py::class_<PyCheckout>(m, "Checkout", R"(A read-only view of one commit, pinned to its digest.

co["images"] is a Column; co.columns maps every name to its Column. Use it as a context
manager or call close() when done.)")
      .def_property_readonly("commit", &PyCheckout::commit)
      .def_property_readonly("columns", &PyCheckout::columns)
      .def_property_readonly("writable", &PyCheckout::writable)
      .def("__getitem__", &PyCheckout::column)
      .def("__contains__",
           [](const PyCheckout& c, py::handle name) {
             return py::isinstance<py::str>(name) && c.has_column(name.cast<std::string>());
           })
      .def("__iter__", [](const PyCheckout& c) { return py::iter(py::cast(c.column_names())); })
      .def("__len__", [](const PyCheckout& c) { return c.column_names().size(); })
      .def("close", &PyCheckout::close)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyCheckout& self, py::args) { self.close(); })
      .def("__repr__", &PyCheckout::repr);

  py::class_<PyWriteCheckout, PyCheckout> write(m, "WriteCheckout",
                                                R"(The staging area of the current branch.

Holds the writer lock until close() or the end of its `with` block (also on an exception).
col[key] = array stages a sample, del col[key] its removal, commit(message) records them.)");
  // commit(message) replaces the read checkout's `commit` property (pybind11's def() refuses
  // to shadow an inherited attribute, so it is set directly).
  write.attr("commit") =
      py::cpp_function(&PyWriteCheckout::commit_staged, py::name("commit"), py::is_method(write),
                       py::sibling(py::none()), arg("message"));
  write.def_property_readonly("branch", &PyWriteCheckout::branch)
      .def("create_column", &PyWriteCheckout::create_column, arg("name"), py::kw_only(),
           arg("dtype") = py::none(), arg("shape") = py::none(), arg("prototype") = py::none(),
           arg("variable_shape") = false, arg("nested") = false, arg("backend") = "auto",
           arg("compression_level") = 3)
      .def(
          "add_ndarray_column",
          [](PyWriteCheckout& co, const std::string& name, py::object shape, py::object dtype,
             py::object prototype, bool variable_shape) {
            return co.create_column(name, dtype, shape, prototype, variable_shape, false, "auto",
                                    3);
          },
          arg("name"), arg("shape") = py::none(), arg("dtype") = py::none(),
          arg("prototype") = py::none(), arg("variable_shape") = false)
      .def("delete_column", &PyWriteCheckout::delete_column, arg("name"))
      .def("reset", &PyWriteCheckout::reset)
      .def("status", &PyWriteCheckout::status)
      .def("__enter__", [](py::object self) { return self; });
}

void bind_column(py::module_& m) {
  using What = SampleIterator::What;
  py::class_<SampleIterator>(m, "_SampleIterator")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", &SampleIterator::next);

  py::class_<PyColumn>(m, "Column",
                       R"(One column of a checkout: a mapping key -> numpy.ndarray, in key order.

Keys are int (>= 0) or str. col[key] reads a sample, col[key, 0:10, :, 5] part of one,
col.get_batch(keys) a stacked batch on every core, col.read_into(key, out) into an array
or tensor of yours. In a write checkout: col[key] = array, col.update(mapping), del col[key].)")
      .def_property_readonly("name", &PyColumn::name)
      .def_property_readonly("dtype", &PyColumn::dtype)
      .def_property_readonly("shape", &PyColumn::shape)
      .def_property_readonly("variable_shape",
                             [](const PyColumn& c) { return c.schema().variable_shape; })
      .def_property_readonly("nested", &PyColumn::nested)
      .def_property_readonly("nbytes", &PyColumn::nbytes)
      .def_property_readonly("attributes", [](const PyColumn& c) { return c.schema().attributes; })
      .def_property_readonly("writable", &PyColumn::writable)
      .def("__len__", &PyColumn::size)
      .def("__contains__", &PyColumn::contains)
      .def("__iter__", [](const PyColumn& c) { return SampleIterator(c, What::Keys); })
      .def("keys", &PyColumn::keys)
      .def("values", [](const PyColumn& c) { return SampleIterator(c, What::Values); })
      .def("items", [](const PyColumn& c) { return SampleIterator(c, What::Items); })
      .def(
          "get",
          [](const PyColumn& c, py::handle key, py::object fallback) -> py::object {
            return c.contains(key) ? c.getitem(key) : fallback;
          },
          arg("key"), arg("default") = py::none())
      .def("__getitem__", &PyColumn::getitem)
      .def("read", &PyColumn::read, arg("key"), arg("subkey") = py::none())
      .def("read_into", &PyColumn::read_into, arg("key"), arg("out"), arg("subkey") = py::none())
      .def("read_slice", &PyColumn::read_slice, arg("key"), arg("index"))
      .def("get_batch", &PyColumn::get_batch, arg("keys"))
      .def("is_local", &PyColumn::is_local, arg("key"), arg("subkey") = py::none())
      .def("subkeys", &PyColumn::subkeys, arg("key"))
      .def("__setitem__",
           [](PyColumn& c, py::handle key, py::handle value) { c.put(key, value, py::none()); })
      .def("__delitem__", [](PyColumn& c, py::handle key) { c.remove(key, py::none()); })
      .def("put", &PyColumn::put, arg("key"), arg("value"), arg("subkey") = py::none())
      .def("remove", &PyColumn::remove, arg("key"), arg("subkey") = py::none())
      .def("update", &PyColumn::update, arg("values"))
      .def("_get_batch_at", &PyColumn::get_batch_at, arg("keys"), arg("indices"))
      .def("prefetch", &PyColumn::prefetch, arg("keys"))
      .def("_prefetch_at", &PyColumn::prefetch_at, arg("keys"), arg("indices"))
      .def("_read_at", &PyColumn::read_at, arg("keys"), arg("index"))
      .def("_checkout_identity",
           [](const PyColumn& c) {
             // (repository root, commit digest or None for a staged view): what a dataset pickles
             py::object commit = py::none();
             if (!c.core()->staged()) commit = py::str(c.core()->commit()->hex());
             return py::make_tuple(c.core()->handle().root().string(), commit);
           })
      .def("__repr__", &PyColumn::repr);

  py::class_<KeyList>(m, "KeyList", "Sample keys held in C++, as datasets index them.")
      .def(py::init(&KeyList::from_py), arg("keys"))
      .def_static("of_columns", &KeyList::of_columns, arg("columns"), arg("local_only") = false)
      .def("__len__", &KeyList::size)
      .def("__getitem__", [](const KeyList& k, std::int64_t i) { return key_to_py(k.at(i)); })
      .def("to_list", &KeyList::to_list);
}

}  // namespace

PYBIND11_MODULE(_hangar, m) {
  m.doc() = "hangar: version control for tensor datasets (C++ core; see the hangar package)";
  m.attr("__version__") = std::string(hangar::version());
  register_error_translator();
  bind_repository(m);
  bind_checkouts(m);
  bind_column(m);
}
