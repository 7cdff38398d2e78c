// DashboardAuth: whether an HTTP request to the scheduler's dashboard may be served. With no token
// (a loopback-only scheduler) everyone on the host may look. With a token, a request needs it, as
// every gRPC call does: in an `Authorization: Bearer TOKEN` header (scrapers, curl), as
// `?token=TOKEN` once (a browser), or in the cookie that such a request sets, so that the page's
// own requests carry it. The cookie holds a digest of the token, not the token.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace brisk {

class DashboardAuth {
 public:
  explicit DashboardAuth(std::string token);

  struct Decision {
    bool allowed = false;
    // Set this cookie (a Set-Cookie header's value) on the response: the token came in the query.
    std::string set_cookie;
    // Why it was refused, for the response's body.
    std::string why;
  };
  // `authorization`: the Authorization header ("" when absent); `cookie`: the Cookie header;
  // `query_token`: the `token` query parameter, URL-decoded.
  Decision Check(absl::string_view authorization, absl::string_view cookie,
                 absl::string_view query_token) const;

  static constexpr char kCookieName[] = "brisk_dashboard";

 private:
  std::string token_;
  std::string cookie_value_;  // hex SHA-256 of a fixed prefix and the token
};

}  // namespace brisk
