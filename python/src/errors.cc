#include "errors.h"

#include <hangar/error.h>
#include <hangar/report/hint.h>

namespace hangar::python {

namespace {

py::object errors_module() { return py::module_::import("hangar.errors"); }

// The hint as HangarError.hint: {"action": name, ...its non-empty arguments}.
py::dict hint_dict(const Hint& h) {
  py::dict d;
  d["action"] = std::string(hint_action_name(h.action));
  auto text = [&](const char* name, const std::string& value) {
    if (!value.empty()) d[name] = value;
  };
  text("remote", h.remote);
  text("revision", h.revision);
  if (!h.keys.empty()) {
    py::list keys;
    for (const auto& k : h.keys) keys.append(k);
    d["keys"] = keys;
  }
  text("column", h.column);
  text("dtype", h.dtype);
  text("name", h.name);
  text("path", h.path);
  text("url", h.url);
  if (h.all_history) d["all_history"] = true;
  return d;
}

// The hint in this API's terms where this API has the call (creating or finding a repository,
// staged work, a detached HEAD, the author identity, columns, branches, history); the CLI's
// words otherwise: the `hangar` command is installed with the module and is how fsck,
// fetch-data, upgrade, tags and remotes are done. python/tests compare each message with the
// CLI's, hint for hint.
std::string hint_suffix(const Hint& h) {
  switch (h.action) {
    case HintAction::SetIdentity: {
      std::string calls;
      for (const auto& key : h.keys)
        calls += (calls.empty() ? "" : " and ") + std::string("Repository.set_config('") + key +
                 "', " + (key == "user.name" ? "'Your Name'" : "'you@example.org'") + ")";
      return "; call " + calls + " or pass user= and email= to hangar.init()";
    }
    case HintAction::Init:
      return "; create it with hangar.init(PATH)";
    case HintAction::InitOrLocate:
      return "; create one with hangar.init(PATH), or open the folder that holds one";
    case HintAction::ColumnList:
      return "; see Checkout.columns";
    case HintAction::CreateColumn:
      return "; create it with WriteCheckout.create_column()";
    case HintAction::BranchList:
      return "; see Repository.branches";
    case HintAction::RevisionList:
      return "; see Repository.branches, Repository.log() and 'hangar tag'";
    case HintAction::Log:
      return "; see Repository.log('" + h.revision + "')";
    case HintAction::CommitOrReset:
      return "; commit them with WriteCheckout.commit() or drop them with WriteCheckout.reset()";
    case HintAction::CheckoutNewBranch:
      return "; create a branch there with Repository.create_branch() and check it out with "
             "write=True";
    case HintAction::Stage:
      return "; stage changes with Column.put(), Column.update() or Column.remove()";
    default:
      return report::hint_suffix(h);
  }
}

void set_error(const Error& e) {
  py::object cls = errors_module().attr("BY_CODE").attr("get")(
      std::string(error_code_name(e.code())), errors_module().attr("HangarError"));
  const Hint* hint = e.hint();
  py::object err = cls(std::string(e.what()) + (hint ? hint_suffix(*hint) : ""));
  err.attr("hint") = hint ? py::object(hint_dict(*hint)) : py::object(py::none());
  PyErr_SetObject(cls.ptr(), err.ptr());
}

}  // namespace

void register_error_translator() {
  // pybind11 takes a function of std::exception_ptr by value.
  py::register_exception_translator(
      [](std::exception_ptr p) {  // NOLINT(performance-unnecessary-value-param)
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
