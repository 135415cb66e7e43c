// S3Error (error.h).
#include <hangar/s3/error.h>

namespace hangar::s3 {
namespace {

ErrorCode code_of(Problem problem) {
  switch (problem) {
    case Problem::NoSuchBucket:
    case Problem::NoSuchKey:
      return ErrorCode::NotFound;
    case Problem::BadReply:
      return ErrorCode::Corrupt;
    default:
      return ErrorCode::Remote;
  }
}

}  // namespace

std::string_view problem_name(Problem problem) noexcept {
  switch (problem) {
    case Problem::Credentials:
      return "credentials";
    case Problem::AccessDenied:
      return "access-denied";
    case Problem::Expired:
      return "expired";
    case Problem::NoSuchBucket:
      return "no-such-bucket";
    case Problem::NoSuchKey:
      return "no-such-key";
    case Problem::EndpointDown:
      return "endpoint-down";
    case Problem::Timeout:
      return "timeout";
    case Problem::Tls:
      return "tls";
    case Problem::Throttled:
      return "throttled";
    case Problem::ServerError:
      return "server-error";
    case Problem::BadReply:
      return "bad-reply";
    case Problem::Other:
      return "other";
  }
  return "unknown";
}

S3Error::S3Error(Problem problem, const std::string& message)
    : Error(code_of(problem), message), problem_(problem) {}

}  // namespace hangar::s3
