// hangar::Error helpers.
#include <hangar/error.h>

#include <cerrno>
#include <cstring>

namespace hangar {

std::string_view error_code_name(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::InvalidArgument:
      return "invalid-argument";
    case ErrorCode::NotFound:
      return "not-found";
    case ErrorCode::NotLocal:
      return "not-local";
    case ErrorCode::AlreadyExists:
      return "already-exists";
    case ErrorCode::Ambiguous:
      return "ambiguous";
    case ErrorCode::Locked:
      return "locked";
    case ErrorCode::Corrupt:
      return "corrupt";
    case ErrorCode::Io:
      return "io";
    case ErrorCode::NoSpace:
      return "no-space";
    case ErrorCode::Remote:
      return "remote";
    case ErrorCode::Unsupported:
      return "unsupported";
    case ErrorCode::Interrupted:
      return "interrupted";
    case ErrorCode::Internal:
      return "internal";
  }
  return "unknown";
}

Error Error::with_context(std::string_view prefix) const {
  std::string message(prefix);
  message += ": ";
  message += what();
  return Error(code_, message);
}

void fail(ErrorCode code, std::string message) { throw Error(code, message); }

void fail_errno(int err, std::string_view what, std::string_view path) {
  std::string message(what);
  message += " '";
  message += path;
  message += "': ";
  message += std::strerror(err);
  const bool full = err == ENOSPC || err == EDQUOT;
  if (full) message += "; free some disk space and retry";
  throw Error(full ? ErrorCode::NoSpace : ErrorCode::Io, message);
}

}  // namespace hangar
