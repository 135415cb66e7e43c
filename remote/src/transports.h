// The transport implementations behind open_transport() (transport.cc). Private to remote.
#pragma once

#include <hangar/remote/transport.h>

#include <memory>
#include <string>

namespace hangar::remote {

// Another repository on disk, served in-process by a RepoService: same negotiation and pack
// verification as HTTP, no sockets. `path` may be relative to the working directory.
std::unique_ptr<Transport> make_local_transport(const std::string& path,
                                                const TransportOptions& options);
// cpp-httplib client for "http[s]://HOST[:PORT][/PREFIX]" (https: TLS, verified unless
// options.insecure). Throws: InvalidArgument (bad URL).
std::unique_ptr<Transport> make_http_transport(const std::string& url,
                                               const TransportOptions& options);

// A bucket an S3-backed server writes to, read with the user's own S3 credentials (AWS_*
// variables, ~/.aws/credentials) at the endpoint AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL:
// "s3://BUCKET[/PREFIX]". Read-only. Throws: InvalidArgument (bad URL, no credentials).
std::unique_ptr<Transport> make_store_transport(const std::string& url,
                                                const TransportOptions& options);

// Moves every piece of `source` into `sink`; returns the bytes moved.
std::uint64_t pump(PackSource& source, PackSink& sink);

}  // namespace hangar::remote
