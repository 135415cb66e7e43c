// The server's tokens file (Auth::parse, the checks of Auth::load for 'hangar server --tokens')
// and the Authorization header of a request (bearer_token), decided together by Auth::check.
// The input is the file, a NUL byte, then the header value. Oracle: a token the header carries
// never holds a space at either end (the server compares tokens byte for byte).
#include <string_view>

#include "auth.h"
#include "fuzz_support.h"

using namespace hangar;
using namespace hangar::remote;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto nul = in.find('\0');
  const std::string_view file = in.substr(0, nul);
  const std::string_view header = nul == in.npos ? std::string_view{} : in.substr(nul + 1);
  const Credentials credentials = bearer_token(header);
  if (!credentials.token.empty() &&
      (credentials.token.front() == ' ' || credentials.token.back() == ' '))
    fuzz::finding("the bearer token keeps a space at one end");
  fuzz::refuse_or_accept([&] {
    const Auth auth = Auth::parse(file, "fuzz-tokens", header.size() % 2 == 0);
    auth.check(Access::Read, credentials);
    auth.check(Access::Write, credentials);
  });
  return 0;
}
