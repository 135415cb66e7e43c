// hangar::Error -> the matching class of hangar.errors (python/hangar/errors.py), with the
// CLI's message text.
#pragma once

#include <pybind11/pybind11.h>

#include <string>

namespace hangar::python {

namespace py = pybind11;

// Registers the translator; call once from the module init.
void register_error_translator();

// Raises hangar.errors.Conflict(message, report) (throws py::error_already_set).
[[noreturn]] void raise_conflict(const std::string& message, py::object report);

}  // namespace hangar::python
