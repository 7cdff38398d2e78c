// Shared-token authentication. A cluster that runs commands for whoever connects is remote code
// execution, so daemons listen on loopback unless given a token, and then every call from clients,
// workers and peers must carry it ("authorization: Bearer TOKEN" metadata).
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/statusor.h"

namespace brisk {

// The token in `path` (surrounding whitespace removed); an error when unreadable or empty.
absl::StatusOr<std::string> ReadTokenFile(const std::string& path);

// Whether `host` names a loopback address (127.0.0.0/8, ::1, localhost).
bool IsLoopbackHost(const std::string& host);

// An error unless a daemon may listen on `host`: any host with a token, only loopback without.
absl::Status CheckListenAllowed(const std::string& host, const std::string& token);

// OK when `token` is empty or the call carries it; UNAUTHENTICATED with a message otherwise.
grpc::Status CheckAuth(const grpc::ServerContextBase& context, const std::string& token);

// Adds the token to an outgoing call (nothing when empty).
void AddAuth(grpc::ClientContext& context, const std::string& token);

}  // namespace brisk
