#include "worker/spill_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"

namespace brisk {
namespace {

std::string ErrnoText() { return std::strerror(errno); }

// Writes all of `data` at the file's current offset.
bool WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SpillStore>> SpillStore::Open(const std::string& parent,
                                                             Codec codec) {
  std::string dir = parent;
  if (dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    dir = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  }
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error || !std::filesystem::is_directory(dir)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--local-dir ", dir, " is not a directory this worker can create or use",
                     error ? absl::StrCat(": ", error.message()) : ""));
  }
  // Each worker spills into a directory of its own, so that workers sharing a --local-dir never
  // see each other's files; it is removed on exit.
  std::string pattern = absl::StrCat(dir, "/brisk-worker-XXXXXX");
  if (::mkdtemp(pattern.data()) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot make a spill directory in --local-dir ", dir, ": ", ErrnoText()));
  }
  return std::unique_ptr<SpillStore>(new SpillStore(pattern, codec));
}

SpillStore::~SpillStore() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

absl::StatusOr<SpillRecord> SpillStore::Write(const std::string& key, const ValuePtr& value) {
  const OutgoingValue out = PrepareOutgoing(value);
  Compressed compressed = Compress(codec_, out.data);
  const std::string_view body =
      compressed.used == Codec::kNone ? out.data : std::string_view(compressed.bytes);
  SpillRecord record;
  record.path = absl::StrCat(dir_, "/", next_file_.fetch_add(1), ".spill");
  record.codec = compressed.used;
  record.raw = out.raw;
  record.header_bytes = out.header.size();
  record.data_bytes = out.data.size();
  record.file_bytes = out.header.size() + body.size();
  const int fd = ::open(record.path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot spill \"", key, "\" to ", record.path, ": ", ErrnoText()));
  }
  const bool written = WriteAll(fd, out.header) && WriteAll(fd, body);
  const std::string why = written ? "" : ErrnoText();
  if (::close(fd) != 0 || !written) {
    ::unlink(record.path.c_str());
    return absl::UnavailableError(absl::StrCat("cannot spill \"", key, "\" to ", record.path, ": ",
                                               why.empty() ? ErrnoText() : why));
  }
  return record;
}

absl::StatusOr<ValuePtr> SpillStore::Read(const std::string& key, const SpillRecord& record) const {
  const std::string what = absl::StrCat("the spill file of \"", key, "\" (", record.path, ")");
  const int fd = ::open(record.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return absl::DataLossError(absl::StrCat(what, " cannot be read: ", ErrnoText()));
  absl::Cleanup closer = [fd] { ::close(fd); };
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    return absl::DataLossError(absl::StrCat(what, " cannot be read: ", ErrnoText()));
  }
  if (static_cast<uint64_t>(st.st_size) != record.file_bytes) {
    return absl::DataLossError(absl::StrCat(what, " is torn: ", st.st_size, " bytes, ",
                                            record.file_bytes, " were written"));
  }
  std::string header(record.header_bytes, '\0');
  std::string body;
  if (record.codec == Codec::kNone) {
    ReserveForValue(body, record.data_bytes);
  }
  body.resize(record.file_bytes - record.header_bytes);
  auto read_all = [fd](char* data, size_t size) {
    while (size > 0) {
      const ssize_t n = ::read(fd, data, size);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data += n;
      size -= static_cast<size_t>(n);
    }
    return true;
  };
  if (!read_all(header.data(), header.size()) || !read_all(body.data(), body.size())) {
    return absl::DataLossError(absl::StrCat(what, " cannot be read: ", ErrnoText()));
  }
  if (record.codec != Codec::kNone) {
    absl::StatusOr<std::string> plain = Decompress(record.codec, body, record.data_bytes);
    if (!plain.ok()) {
      return absl::DataLossError(
          absl::StrCat(what, " does not decompress: ", plain.status().message()));
    }
    body = *std::move(plain);
  }
  absl::StatusOr<ValuePtr> value = RebuildValue(key, record.raw, header, std::move(body));
  if (!value.ok()) {
    return absl::DataLossError(absl::StrCat(what, " does not decode: ", value.status().message()));
  }
  return value;
}

void SpillStore::Remove(const SpillRecord& record) { ::unlink(record.path.c_str()); }

}  // namespace brisk
