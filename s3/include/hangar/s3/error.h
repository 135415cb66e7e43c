// S3 failures as hangar errors (STYLE 8.5): one S3Error type, a hangar::Error whose Problem says
// which thing went wrong, so that callers and tests can tell "wrong credentials" from "missing
// bucket" from "endpoint down" without reading the message. Messages name the endpoint, the
// bucket (and key), the S3 error code, and what to do; never a secret.
#pragma once

#include <hangar/error.h>

#include <string>
#include <string_view>

namespace hangar::s3 {

enum class Problem {
  Credentials,   // unknown access key, signature mismatch (wrong secret), bad session token
  AccessDenied,  // the keys are valid but may not do this (policy, ACL)
  Expired,       // a presigned URL or a session token past its expiry; the clock is off
  NoSuchBucket,  // the bucket does not exist
  NoSuchKey,     // the object does not exist (where its absence is an error)
  EndpointDown,  // cannot connect: nothing listens at the endpoint (after retries)
  Timeout,       // connected, but no progress for too long (after retries)
  Tls,           // https://: the certificate cannot be verified, the CA file cannot be read, or
                 // the TLS handshake failed (never retried)
  Throttled,     // 429 / 503 SlowDown (after retries)
  ServerError,   // other 5xx (after retries)
  BadReply,      // a reply we cannot parse, or one that contradicts the request
  Other,         // any other refusal (4xx)
};

// "credentials", "no-such-bucket", ... for messages and tests.
std::string_view problem_name(Problem problem) noexcept;

// ErrorCode: NotFound for NoSuchBucket/NoSuchKey, Corrupt for BadReply, Remote otherwise; all
// exit 3 in the CLI.
class S3Error : public Error {
 public:
  S3Error(Problem problem, const std::string& message);
  Problem problem() const noexcept { return problem_; }

 private:
  Problem problem_;
};

}  // namespace hangar::s3
