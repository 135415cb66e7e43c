// HDF5 error translation (HighFive's HDF5ErrMapper idea): walk the error stack into one line.
#include "hdf5_handle.h"

#include <cstdlib>

namespace hangar::storage::h5 {
namespace {

constexpr std::size_t kMaxMessage = 400;

struct Walk {
  std::string text;
  std::string outermost;
  std::string os_message;  // "No space left on device (errno 28)" from the sec2 driver
  bool os_error = false;   // the sec2 driver reports "errno = N" for failed system calls
  bool no_space = false;
};

herr_t visit(unsigned /*n*/, const H5E_error2_t* e, void* data) {
  auto* w = static_cast<Walk*>(data);
  std::string desc = e->desc != nullptr ? e->desc : "";
  if (desc.empty() && e->func_name != nullptr) desc = std::string(e->func_name) + " failed";
  for (char& c : desc)
    if (c == '\n' || c == '\r') c = ' ';
  const auto at = desc.find("errno = ");
  if (at != std::string::npos && !w->os_error) {
    w->os_error = true;
    const long err = std::strtol(desc.c_str() + at + 8, nullptr, 10);
    if (err == 28 || err == 122) w->no_space = true;  // ENOSPC, EDQUOT
    const auto m = desc.find("error message = '");
    const auto end = m == std::string::npos ? m : desc.find('\'', m + 17);
    if (end != std::string::npos)
      w->os_message = desc.substr(m + 17, end - m - 17) + " (errno " + std::to_string(err) + ")";
  }
  if (w->outermost.empty()) w->outermost = desc;
  if (desc.empty() || w->text.find(desc) != std::string::npos) return 0;
  if (!w->text.empty()) w->text += ": ";
  w->text += desc;
  return 0;
}

// Walks and then clears the current thread's error stack.
Walk walk_stack() {
  Walk w;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, visit, &w);
  H5Eclear2(H5E_DEFAULT);
  if (!w.os_message.empty())  // the OS said why: that and where HDF5 was, not the whole stack
    w.text = w.outermost.empty() ? w.os_message : w.outermost + ": " + w.os_message;
  if (w.text.empty()) w.text = "no details from HDF5";
  if (w.text.size() > kMaxMessage) w.text = w.text.substr(0, kMaxMessage) + "...";
  return w;
}

}  // namespace

QuietErrors::QuietErrors() noexcept {
  if (H5Eget_auto2(H5E_DEFAULT, &old_func_, &old_data_) < 0) {
    old_func_ = nullptr;
    old_data_ = nullptr;
  }
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

QuietErrors::~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, old_func_, old_data_); }

std::recursive_mutex& library_mutex() noexcept {
  static std::recursive_mutex mutex;
  return mutex;
}

std::string take_error_stack() { return walk_stack().text; }

void fail_call(const char* call, std::string_view context, ErrorCode otherwise) {
  const Walk w = walk_stack();
  ErrorCode code = otherwise;
  if (w.no_space)
    code = ErrorCode::NoSpace;
  else if (w.os_error)
    code = ErrorCode::Io;
  fail(code, std::string(call) + " failed for " + std::string(context) + ": " + w.text);
}

}  // namespace hangar::storage::h5
