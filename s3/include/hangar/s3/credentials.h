// S3 credentials, found the way the AWS CLI and SDKs find them, and nowhere else: never from a
// command line (visible in `ps` and shell history), never written to a log or a message (only
// the access key id may appear in messages; AWS's own errors show it too).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace hangar::s3 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;  // secret: never print
  std::string session_token;      // empty when not temporary credentials; secret
  // Where they came from, for messages: "environment" or "profile 'dev' in
  // /home/u/.aws/credentials".
  std::string source;
};

// Reads an environment variable; nullopt when unset. Tests pass a fake.
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
// The process environment (std::getenv).
EnvLookup process_env();

// The credentials AWS tools would use, in their order:
//  1. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN) from the environment;
//  2. profile AWS_PROFILE (else "default") of the shared credentials file
//  AWS_SHARED_CREDENTIALS_FILE
//     (else $HOME/.aws/credentials): aws_access_key_id, aws_secret_access_key,
//     aws_session_token.
// Throws: InvalidArgument when none are found (saying what to set), when only one of the two
// variables is set, when AWS_PROFILE names a profile the file lacks, or the profile lacks a key;
// Io when the file exists but cannot be read.
Credentials find_credentials(const EnvLookup& env = process_env());

// One profile of a credentials file in the AWS INI format ("[name]" sections, "key = value"
// lines, '#' or ';' comments). nullopt when the file has no such profile.
// Throws: InvalidArgument (profile without both keys), Io (unreadable file).
std::optional<Credentials> read_profile(const std::filesystem::path& file,
                                        const std::string& profile);

// The region AWS tools would use: AWS_REGION, else AWS_DEFAULT_REGION, else "us-east-1".
std::string find_region(const EnvLookup& env = process_env());

// The endpoint from AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL; nullopt when neither is set.
std::optional<std::string> find_endpoint(const EnvLookup& env = process_env());

}  // namespace hangar::s3
