#include "common/auth.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace brisk {
namespace {

constexpr char kHeader[] = "authorization";
constexpr char kScheme[] = "Bearer ";

// Compares without an early exit, so the time taken does not tell how much of a guess matched.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

absl::StatusOr<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read the auth token file ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string token(absl::StripAsciiWhitespace(buffer.str()));
  if (token.empty())
    return absl::InvalidArgumentError(absl::StrCat("auth token file ", path, " is empty"));
  return token;
}

bool IsLoopbackHost(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || absl::StartsWith(host, "127.");
}

absl::Status CheckListenAllowed(const std::string& host, const std::string& token) {
  if (IsLoopbackHost(host) || !token.empty()) return absl::OkStatus();
  return absl::PermissionDeniedError(
      absl::StrCat("refusing to listen on ", host,
                   " without --auth-token-file: anyone who can connect could run commands here"));
}

grpc::Status CheckAuth(const grpc::ServerContextBase& context, const std::string& token) {
  if (token.empty()) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kHeader);
  if (it == metadata.end()) {
    return grpc::Status(
        grpc::StatusCode::UNAUTHENTICATED,
        "this cluster needs an auth token (--auth-token-file or BRISK_AUTH_TOKEN_FILE)");
  }
  absl::string_view value(it->second.data(), it->second.size());
  if (!absl::ConsumePrefix(&value, kScheme) || !ConstantTimeEquals(value, token)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "wrong auth token");
  }
  return grpc::Status::OK;
}

void AddAuth(grpc::ClientContext& context, const std::string& token) {
  if (!token.empty()) context.AddMetadata(kHeader, absl::StrCat(kScheme, token));
}

}  // namespace brisk
