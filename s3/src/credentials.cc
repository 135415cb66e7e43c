// Finding S3 credentials like the AWS tools (credentials.h).
#include <hangar/error.h>
#include <hangar/s3/credentials.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace hangar::s3 {
namespace {

std::string trim(std::string_view s) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

std::optional<std::string> non_empty(const EnvLookup& env, const char* name) {
  auto v = env(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

constexpr const char* kWhatToSet =
    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary "
    "keys), or put a profile in ~/.aws/credentials and name it with AWS_PROFILE";

}  // namespace

EnvLookup process_env() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

std::optional<Credentials> read_profile(const std::filesystem::path& file,
                                        const std::string& profile) {
  std::ifstream in(file);
  if (!in) {
    const int err = errno;
    std::error_code ec;
    if (!std::filesystem::exists(file, ec)) return std::nullopt;
    fail_errno(err, "cannot read the S3 credentials file", file.string());
  }
  Credentials c;
  bool in_profile = false, found = false;
  std::string line;
  while (std::getline(in, line)) {
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t.front() == '[' && t.back() == ']') {
      in_profile = trim(std::string_view(t).substr(1, t.size() - 2)) == profile;
      found = found || in_profile;
      continue;
    }
    if (!in_profile) continue;
    const auto eq = t.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = trim(std::string_view(t).substr(0, eq));
    const std::string value = trim(std::string_view(t).substr(eq + 1));
    if (key == "aws_access_key_id")
      c.access_key_id = value;
    else if (key == "aws_secret_access_key")
      c.secret_access_key = value;
    else if (key == "aws_session_token")
      c.session_token = value;
  }
  if (!found) return std::nullopt;
  if (c.access_key_id.empty() || c.secret_access_key.empty())
    fail(ErrorCode::InvalidArgument, "profile '" + profile + "' in " + file.string() +
                                         " lacks aws_access_key_id or aws_secret_access_key; "
                                         "add both lines to that section");
  c.source = "profile '" + profile + "' in " + file.string();
  return c;
}

Credentials find_credentials(const EnvLookup& env) {
  const auto key = non_empty(env, "AWS_ACCESS_KEY_ID");
  const auto secret = non_empty(env, "AWS_SECRET_ACCESS_KEY");
  if (key && secret) {
    Credentials c{*key, *secret, non_empty(env, "AWS_SESSION_TOKEN").value_or(""), "environment"};
    return c;
  }
  if (key || secret)
    fail(ErrorCode::InvalidArgument,
         std::string("S3 credentials: ") + (key ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") +
             " is set but " + (key ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") +
             " is not; set both");
  std::filesystem::path file;
  if (auto f = non_empty(env, "AWS_SHARED_CREDENTIALS_FILE"))
    file = *f;
  else if (auto home = non_empty(env, "HOME"))
    file = std::filesystem::path(*home) / ".aws" / "credentials";
  const auto named = non_empty(env, "AWS_PROFILE");
  const std::string profile = named.value_or("default");
  if (!file.empty()) {
    if (auto c = read_profile(file, profile)) return *c;
    if (named)
      fail(ErrorCode::InvalidArgument, "S3 credentials: AWS_PROFILE names profile '" + profile +
                                           "', which " + file.string() +
                                           " does not have; add it or change AWS_PROFILE");
  }
  fail(ErrorCode::InvalidArgument, std::string("no S3 credentials found: ") + kWhatToSet);
}

std::string find_region(const EnvLookup& env) {
  if (auto r = non_empty(env, "AWS_REGION")) return *r;
  if (auto r = non_empty(env, "AWS_DEFAULT_REGION")) return *r;
  return "us-east-1";
}

std::optional<std::string> find_endpoint(const EnvLookup& env) {
  if (auto e = non_empty(env, "AWS_ENDPOINT_URL_S3")) return e;
  return non_empty(env, "AWS_ENDPOINT_URL");
}

}  // namespace hangar::s3
