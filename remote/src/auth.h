// Bearer-token access control for `hangar server --tokens FILE` (docs/format/protocol.md#auth).
// Private to the remote module.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hangar::remote {

enum class Access { Read, Write };

// The access decision for one request: allowed (status 0), or an HTTP status (401, 403) and a
// one-line message with a hint.
struct AuthDecision {
  int status = 0;
  std::string message;
};

// An Authorization header value, split (RFC 9110 11.4: scheme, one or more spaces, credentials).
struct Credentials {
  bool present = false;     // the header was sent
  std::string_view scheme;  // as sent, e.g. "Bearer", "bearer", "Basic"
  bool is_bearer = false;   // the scheme is Bearer, in any case
  std::string_view token;   // the bearer token; empty unless is_bearer
};
// Views into `authorization`.
Credentials bearer_token(std::string_view authorization);

// Immutable after load(); thread-safe.
class Auth {
 public:
  // No tokens file: everyone may read, nobody may push. With one: each line is "read TOKEN" or
  // "write TOKEN" (write implies read); blank lines and '#' comments are skipped.
  // Throws: NotFound, Io, InvalidArgument naming the file and line.
  static Auth load(const std::optional<std::filesystem::path>& tokens_file, bool anonymous_read);
  // The checks of load() on a tokens file's text; `file` names it in messages.
  static Auth parse(std::string_view text, const std::string& file, bool anonymous_read);

  bool has_tokens() const noexcept { return has_tokens_; }
  bool has_write_tokens() const noexcept {
    for (const auto& t : tokens_)
      if (t.second == Access::Write) return true;
    return false;
  }
  // `credentials` is what the request's Authorization header holds.
  AuthDecision check(Access need, const Credentials& credentials) const;

 private:
  AuthDecision check_token(Access need, std::string_view token) const;
  bool has_tokens_ = false;
  bool anonymous_read_ = false;
  std::vector<std::pair<std::string, Access>> tokens_;
};

}  // namespace hangar::remote
