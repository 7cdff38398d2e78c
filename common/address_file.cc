#include "common/address_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace brisk {

absl::Status WriteAddressFile(const std::string& path, const std::string& address) {
  const std::string tmp = absl::StrCat(path, ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return absl::UnavailableError(absl::StrCat("cannot write address file ", tmp));
    out << address << "\n";
    if (!out.flush())
      return absl::UnavailableError(absl::StrCat("cannot write address file ", tmp));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot rename ", tmp, " to ", path, ": ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadAddressFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("no address file at ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  absl::string_view view = absl::StripAsciiWhitespace(text);
  if (view.empty()) return absl::NotFoundError(absl::StrCat("address file ", path, " is empty"));
  return std::string(view);
}

}  // namespace brisk
