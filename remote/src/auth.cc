// Bearer tokens (auth.h).
#include "auth.h"

#include <hangar/base/file_lock.h>
#include <hangar/error.h>

#include <algorithm>
#include <cctype>

#include "protocol.h"

namespace hangar::remote {
namespace {

constexpr std::size_t kMaxTokensFile = 1u << 20;

// Compares without an early exit on the first differing byte (no timing oracle on the prefix).
bool same_token(std::string_view a, std::string_view b) noexcept {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const char x = i < a.size() ? a[i] : 0;
    const char y = i < b.size() ? b[i] : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

}  // namespace

Auth Auth::load(const std::optional<std::filesystem::path>& tokens_file, bool anonymous_read) {
  Auth auth;
  auth.anonymous_read_ = anonymous_read;
  if (!tokens_file) return auth;
  const Bytes raw = storage::read_file(*tokens_file, kMaxTokensFile);
  return parse(as_string_view(raw), tokens_file->string(), anonymous_read);
}

Auth Auth::parse(std::string_view text, const std::string& file, bool anonymous_read) {
  Auth auth;
  auth.anonymous_read_ = anonymous_read;
  auth.has_tokens_ = true;
  std::size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == text.npos ? std::string_view{} : text.substr(nl + 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (line.empty() || line.front() == '#') continue;
    auto bad = [&](const std::string& why) {
      fail(ErrorCode::InvalidArgument, "tokens file '" + file + "' line " +
                                           std::to_string(line_no) + ": " + why +
                                           "; expected 'read TOKEN' or 'write TOKEN'");
    };
    const auto space = line.find_first_of(" \t");
    if (space == line.npos) bad("no token");
    const std::string_view kind = line.substr(0, space);
    std::string_view token = line.substr(space + 1);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t'))
      token.remove_prefix(1);
    Access access;
    if (kind == "read") {
      access = Access::Read;
    } else if (kind == "write") {
      access = Access::Write;
    } else {
      bad("unknown access '" + std::string(kind) + "'");
    }
    if (token.empty()) bad("no token");
    if (token.size() > protocol::kMaxTokenBytes)
      bad("a token must be at most " + std::to_string(protocol::kMaxTokenBytes) + " bytes");
    for (char c : token)
      if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
        bad("a token must be printable ASCII without spaces");
    auth.tokens_.emplace_back(std::string(token), access);
  }
  if (auth.tokens_.empty())
    fail(ErrorCode::InvalidArgument,
         "tokens file '" + file + "' holds no token; add 'read TOKEN' or 'write TOKEN' lines");
  return auth;
}

AuthDecision Auth::check(Access need, const Credentials& credentials) const {
  AuthDecision d = check_token(need, credentials.token);
  // Another scheme counts as no token; when that is refused, say why rather than "send one".
  if (d.status == 401 && credentials.present && !credentials.is_bearer)
    d.message = "unsupported Authorization scheme '" + std::string(credentials.scheme) +
                "': this server takes 'Authorization: Bearer TOKEN' (what hangar sends when " +
                "HANGAR_TOKEN is set)";
  return d;
}

AuthDecision Auth::check_token(Access need, std::string_view token) const {
  if (!has_tokens_) {
    if (need == Access::Read) return {};
    return {403,
            "this server is read-only: it was started without --tokens; restart it with "
            "--tokens FILE holding a 'write TOKEN' line to accept pushes"};
  }
  if (token.empty()) {
    if (need == Access::Read && anonymous_read_) return {};
    return {401, std::string("this server needs a ") + (need == Access::Write ? "write" : "read") +
                     " token; set HANGAR_TOKEN to one from its tokens file"};
  }
  std::optional<Access> granted;
  for (const auto& [t, access] : tokens_)
    if (same_token(t, token) && (!granted || access == Access::Write)) granted = access;
  if (!granted)
    return {401, "the token in HANGAR_TOKEN is not valid for this server; check its value"};
  if (need == Access::Write && *granted != Access::Write)
    return {403, "the token in HANGAR_TOKEN is read-only; pushing needs a 'write' token"};
  return {};
}

Credentials bearer_token(std::string_view authorization) {
  Credentials c;
  c.present = !authorization.empty();
  const auto space = authorization.find(' ');
  c.scheme = authorization.substr(0, space);
  constexpr std::string_view kBearer = "bearer";
  c.is_bearer =
      std::equal(c.scheme.begin(), c.scheme.end(), kBearer.begin(), kBearer.end(),
                 [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  if (!c.is_bearer || space == authorization.npos) return c;
  std::string_view rest = authorization.substr(space + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  c.token = rest;
  return c;
}

}  // namespace hangar::remote
