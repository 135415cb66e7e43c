// The one error hierarchy for every hangar module (lowest layer; used by all).
// Expected outcomes are values (std::optional, result structs); failures throw hangar::Error.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace hangar {

// Small and stable; each code maps to one CLI exit code (see cli/main.cc).
enum class ErrorCode {
  InvalidArgument,  // bad user input: schema mismatch, bad key, bad file     -> 3
  NotFound,         // no such column/key/branch/commit/remote                 -> 3
  NotLocal,         // known digest, data not fetched (partial clone)          -> 3
  AlreadyExists,    // branch/column/remote exists                             -> 3
  Ambiguous,        // commit prefix matches several                           -> 3
  Locked,           // another writer holds the repository                     -> 3
  Corrupt,          // on-disk or received bytes fail validation               -> 3
  Io,               // OS error (errno text included)                          -> 3
  NoSpace,          // disk or map full                                        -> 3
  Remote,           // server refused / stream broke / auth                    -> 3
  Unsupported,      // newer format, extension or protocol                     -> 3
  Interrupted,      // Ctrl-C etc. (hangar/base/interrupt.h); the work was undone -> 128+sig
  Internal          // a bug: a broken invariant                               -> 4
};

// Lowercase name of a code, e.g. "not-found"; for messages and tests.
std::string_view error_code_name(ErrorCode code) noexcept;

// An error with a code and a one-line message: what, where, what to do.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }
  // Returns a copy whose message is "<prefix>: <message>". Use at a few boundaries only.
  Error with_context(std::string_view prefix) const;

 private:
  ErrorCode code_;
};

[[noreturn]] void fail(ErrorCode code, std::string message);

// Throws Io with "<what> '<path>': <strerror(err)>" (NoSpace for ENOSPC/EDQUOT).
[[noreturn]] void fail_errno(int err, std::string_view what, std::string_view path);

}  // namespace hangar
