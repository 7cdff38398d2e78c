#include "worker/bag/text_reader.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "worker/frame/line_range.h"

namespace brisk {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

absl::Status IoError(absl::string_view op, const std::string& path, absl::string_view what) {
  return absl::DataLossError(absl::StrCat("op \"", op, "\": ", path, ": ", what));
}

absl::StatusOr<std::string> ReadGzip(absl::string_view op, const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return IoError(op, path, std::strerror(errno));
  gzbuffer(file, 1 << 17);
  std::string out;
  constexpr size_t kStep = 1 << 20;
  while (true) {
    const size_t at = out.size();
    out.resize(at + kStep);
    const int got = gzread(file, out.data() + at, kStep);
    if (got < 0) {
      int code = 0;
      const std::string what = gzerror(file, &code);
      gzclose(file);
      return IoError(op, path, absl::StrCat("gzip: ", what));
    }
    out.resize(at + static_cast<size_t>(got));
    if (got == 0) break;
  }
  gzclose(file);
  return out;
}

}  // namespace

bool IsGzipFile(const std::string& path) {
  Fd fd{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) return false;
  unsigned char magic[2] = {0, 0};
  return pread(fd.fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

absl::StatusOr<std::string> ReadTextRange(absl::string_view op, const std::string& path,
                                          int64_t offset, int64_t length) {
  if (IsGzipFile(path)) {
    if (offset != 0 || length >= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "op \"", op, "\": ", path, " is gzip-compressed: it is read whole, not by byte range"));
    }
    return ReadGzip(op, path);
  }
  if (offset < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("op \"", op, "\": offset ", offset, " is negative"));
  }
  const uint64_t begin = static_cast<uint64_t>(offset);
  const uint64_t end = length < 0 || static_cast<uint64_t>(length) > UINT64_MAX - begin
                           ? UINT64_MAX
                           : begin + static_cast<uint64_t>(length);
  absl::StatusOr<LineRange> range = ReadLineRange(path, begin, end);
  if (!range.ok()) {
    return absl::Status(range.status().code(),
                        absl::StrCat("op \"", op, "\": ", range.status().message()));
  }
  return std::move(range->text);
}

void ForEachLine(absl::string_view text, absl::FunctionRef<void(absl::string_view)> line) {
  size_t at = 0;
  while (at < text.size()) {
    const void* found = std::memchr(text.data() + at, '\n', text.size() - at);
    const size_t end =
        found == nullptr ? text.size() : static_cast<const char*>(found) - text.data();
    size_t stop = end;
    if (stop > at && text[stop - 1] == '\r') --stop;
    line(text.substr(at, stop - at));
    at = end + 1;
  }
}

}  // namespace brisk
