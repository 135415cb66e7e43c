// RAII over HDF5 ids and HDF5 error translation (STYLE 8.6), private to the hdf5 backend.
// Every HDF5 call the backend makes runs under an h5::Session: the process-wide HDF5 lock
// (Debian's HDF5 serialises calls anyway; ours also guards the backend's caches) plus
// QuietErrors, so HDF5 never prints to the user's terminal on any thread.
#pragma once

#include <hangar/error.h>
#include <hdf5.h>

#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace hangar::storage::h5 {

// A move-only owner of one HDF5 id; the destructor calls Close and ignores its result.
template <herr_t (*Close)(hid_t)>
class Handle {
 public:
  Handle() noexcept = default;
  explicit Handle(hid_t id) noexcept : id_(id) {}
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }

  hid_t get() const noexcept { return id_; }
  explicit operator bool() const noexcept { return id_ >= 0; }
  // Gives up ownership (e.g. to close explicitly and check the result).
  hid_t release() noexcept { return std::exchange(id_, H5I_INVALID_HID); }
  void reset() noexcept {
    if (id_ >= 0) (void)Close(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

using File = Handle<H5Fclose>;
using Group = Handle<H5Gclose>;
using Dataset = Handle<H5Dclose>;
using Dataspace = Handle<H5Sclose>;
using Datatype = Handle<H5Tclose>;
using Attribute = Handle<H5Aclose>;
using Plist = Handle<H5Pclose>;

// Turns off HDF5's automatic error printing for the current thread's default error stack (the
// setting is per thread in a threadsafe build) and restores it on destruction.
class QuietErrors {
 public:
  QuietErrors() noexcept;
  ~QuietErrors();
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;

 private:
  H5E_auto2_t old_func_ = nullptr;
  void* old_data_ = nullptr;
};

// The lock every HDF5 call sequence of hangar holds (recursive: helpers may nest).
std::recursive_mutex& library_mutex() noexcept;

// Hold one for every sequence of HDF5 calls.
class Session {
 public:
  Session() : lock_(library_mutex()) {}

 private:
  std::lock_guard<std::recursive_mutex> lock_;
  QuietErrors quiet_;
};

// The current thread's HDF5 error stack as one line ("outer: ...: innermost"), then cleared.
std::string take_error_stack();

// Throws when `value` is negative: "<call> failed for <context>: <error stack>". The code is
// NoSpace when the stack reports ENOSPC, Io for other read/write/seek/close errors from the OS,
// and `otherwise` for everything else (Corrupt when reading existing packs, Io when writing).
[[noreturn]] void fail_call(const char* call, std::string_view context, ErrorCode otherwise);

template <typename T>
T check(T value, const char* call, std::string_view context, ErrorCode otherwise = ErrorCode::Io) {
  if (value < 0) fail_call(call, context, otherwise);
  return value;
}

}  // namespace hangar::storage::h5
