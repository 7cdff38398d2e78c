#include "worker/bag/text_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

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

// Reads up to `count` bytes at `at`; fewer only at the end of the file.
absl::StatusOr<std::string> Pread(absl::string_view op, int fd, uint64_t at, uint64_t count,
                                  const std::string& path) {
  std::string out(count, '\0');
  uint64_t done = 0;
  while (done < count) {
    const ssize_t got = pread(fd, out.data() + done, count - done, static_cast<off_t>(at + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return IoError(op, path, std::strerror(errno));
    if (got == 0) break;
    done += static_cast<uint64_t>(got);
  }
  out.resize(done);
  return out;
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
  Fd fd{open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (fd.fd < 0) return IoError(op, path, std::strerror(errno));
  struct stat st {};
  if (fstat(fd.fd, &st) != 0) return IoError(op, path, std::strerror(errno));
  if (S_ISDIR(st.st_mode)) return IoError(op, path, "is a directory");
  unsigned char magic[2] = {0, 0};
  if (pread(fd.fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
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
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  const uint64_t begin = static_cast<uint64_t>(offset);
  if (begin >= size) return std::string();
  const uint64_t end = length < 0 ? size : std::min(size, begin + static_cast<uint64_t>(length));
  // A range that does not start a line starts at the first line beginning inside it: read one
  // byte before it to know whether a line begins exactly at `begin`.
  const uint64_t read_from = begin == 0 ? 0 : begin - 1;
  absl::StatusOr<std::string> text = Pread(op, fd.fd, read_from, end - read_from, path);
  if (!text.ok()) return text.status();
  size_t start = 0;
  if (begin > 0) {
    const size_t newline = text->find('\n');
    if (newline == std::string::npos) return std::string();  // no line starts in the range
    start = newline + 1;
  }
  // Finish the last line past the range's end.
  if (end < size && (text->empty() || text->back() != '\n')) {
    uint64_t at = end;
    constexpr uint64_t kStep = 1 << 16;
    while (at < size) {
      absl::StatusOr<std::string> more = Pread(op, fd.fd, at, std::min(kStep, size - at), path);
      if (!more.ok()) return more.status();
      if (more->empty()) break;
      const size_t newline = more->find('\n');
      if (newline != std::string::npos) {
        text->append(*more, 0, newline + 1);
        break;
      }
      text->append(*more);
      at += more->size();
    }
  }
  if (start > 0) text->erase(0, start);
  return text;
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
