#include "worker/frame/line_range.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace brisk {
namespace {

// Closes a file descriptor when it goes out of scope.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

absl::Status PreadAll(int fd, char* out, uint64_t count, uint64_t at, const std::string& path) {
  while (count > 0) {
    const ssize_t got = pread(fd, out, count, static_cast<off_t>(at));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
    if (got == 0) return absl::DataLossError(absl::StrCat(path, ": the file ends early"));
    out += got;
    count -= static_cast<uint64_t>(got);
    at += static_cast<uint64_t>(got);
  }
  return absl::OkStatus();
}

// Opens a regular file; its size in *size.
absl::Status OpenRegular(const std::string& path, Fd& fd, uint64_t* size) {
  fd.fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd.fd < 0) return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  struct stat st;
  if (fstat(fd.fd, &st) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode))
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  *size = static_cast<uint64_t>(st.st_size);
  return absl::OkStatus();
}

// The first line start at or after `at` (one past a '\n'), or `size`.
absl::StatusOr<uint64_t> NextLineStart(int fd, uint64_t at, uint64_t size,
                                       const std::string& path) {
  std::string buf;
  while (at < size) {
    buf.resize(std::min<uint64_t>(64 << 10, size - at));
    if (absl::Status s = PreadAll(fd, buf.data(), buf.size(), at, path); !s.ok()) return s;
    const size_t nl = buf.find('\n');
    if (nl != std::string::npos) return at + nl + 1;
    at += buf.size();
  }
  return size;
}

}  // namespace

absl::StatusOr<LineRange> ReadLineRange(const std::string& path, uint64_t start, uint64_t end) {
  Fd fd;
  uint64_t size = 0;
  if (absl::Status s = OpenRegular(path, fd, &size); !s.ok()) return s;
  end = std::min(end, size);
  if (start > end) start = end;
  LineRange range;
  range.whole = start == 0 && end == size;
  uint64_t stop = size;
  if (!range.whole) {
    if (start > 0) {
      absl::StatusOr<uint64_t> b = NextLineStart(fd.fd, start - 1, size, path);
      if (!b.ok()) return b.status();
      range.begin = *b;
    }
    if (end == 0) {
      stop = 0;
    } else if (end < size) {
      absl::StatusOr<uint64_t> e = NextLineStart(fd.fd, end - 1, size, path);
      if (!e.ok()) return e.status();
      stop = *e;
    }
    stop = std::max(stop, range.begin);
  }
  range.text.resize(stop - range.begin);
  if (absl::Status s = PreadAll(fd.fd, range.text.data(), range.text.size(), range.begin, path);
      !s.ok()) {
    return s;
  }
  return range;
}

absl::StatusOr<std::string> ReadFilePrefix(const std::string& path, uint64_t max_bytes) {
  Fd fd;
  uint64_t size = 0;
  if (absl::Status s = OpenRegular(path, fd, &size); !s.ok()) return s;
  std::string text(std::min(size, max_bytes), '\0');
  if (absl::Status s = PreadAll(fd.fd, text.data(), text.size(), 0, path); !s.ok()) return s;
  return text;
}

}  // namespace brisk
