#include "scheduler/dashboard_auth.h"

#include <openssl/evp.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace brisk {
namespace {

// Compares without an early exit, so the time taken does not tell how much of a guess matched.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

std::string Sha256Hex(absl::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  return absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(digest), size));
}

}  // namespace

DashboardAuth::DashboardAuth(std::string token) : token_(std::move(token)) {
  if (!token_.empty()) cookie_value_ = Sha256Hex(absl::StrCat("brisk-dashboard\n", token_));
}

DashboardAuth::Decision DashboardAuth::Check(absl::string_view authorization,
                                             absl::string_view cookie,
                                             absl::string_view query_token) const {
  Decision d;
  if (token_.empty()) {
    d.allowed = true;
    return d;
  }
  if (absl::string_view bearer = authorization; absl::ConsumePrefix(&bearer, "Bearer ")) {
    d.allowed = ConstantTimeEquals(absl::StripAsciiWhitespace(bearer), token_);
    if (!d.allowed) d.why = "wrong auth token";
    return d;
  }
  if (!query_token.empty()) {
    d.allowed = ConstantTimeEquals(query_token, token_);
    if (d.allowed) {
      d.set_cookie =
          absl::StrCat(kCookieName, "=", cookie_value_, "; Path=/; HttpOnly; SameSite=Strict");
    } else {
      d.why = "wrong auth token";
    }
    return d;
  }
  for (absl::string_view pair : absl::StrSplit(cookie, ';')) {
    pair = absl::StripAsciiWhitespace(pair);
    if (absl::ConsumePrefix(&pair, kCookieName) && absl::ConsumePrefix(&pair, "=") &&
        ConstantTimeEquals(pair, cookie_value_)) {
      d.allowed = true;
      return d;
    }
  }
  d.why =
      "this scheduler needs its auth token: open the dashboard once as /?token=TOKEN, or send "
      "\"Authorization: Bearer TOKEN\"";
  return d;
}

}  // namespace brisk
