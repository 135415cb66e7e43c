#include "errors.h"

#include <hangar/error.h>

namespace hangar::python {

namespace {

py::object errors_module() { return py::module_::import("hangar.errors"); }

void set_error(const Error& e) {
  py::object cls = errors_module().attr("BY_CODE").attr("get")(
      std::string(error_code_name(e.code())), errors_module().attr("HangarError"));
  PyErr_SetObject(cls.ptr(), cls(e.what()).ptr());
}

}  // namespace

void register_error_translator() {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      set_error(e);
    }
  });
}

void raise_conflict(const std::string& message, py::object report) {
  py::object cls = errors_module().attr("Conflict");
  PyErr_SetObject(cls.ptr(), cls(message, std::move(report)).ptr());
  throw py::error_already_set();
}

}  // namespace hangar::python
