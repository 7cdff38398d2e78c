#include "scheduler/journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "google/protobuf/util/delimited_message_util.h"
#include "google/protobuf/wire_format_lite.h"
#include "spdlog/spdlog.h"

namespace brisk {
namespace {

uint32_t Crc32(const std::string& bytes) {
  return static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

// One record framed as a delimited JournalEntry (a varint length, then the entry: the serialized
// record and its CRC), appended to `out`, as ParseDelimitedFromZeroCopyStream reads it back. The
// entry's two fields are written with protobuf's wire-format helpers so that the record is
// serialized once, straight into `out` (a big job's record is megabytes: serializing it into an
// entry and then the entry into `out` copied it twice).
void Frame(const v1::JournalRecord& record, std::string& out) {
  using google::protobuf::internal::WireFormatLite;
  using google::protobuf::io::CodedOutputStream;
  const size_t record_size = record.ByteSizeLong();
  const size_t entry_size =
      WireFormatLite::TagSize(v1::JournalEntry::kRecordFieldNumber, WireFormatLite::TYPE_BYTES) +
      CodedOutputStream::VarintSize32(static_cast<uint32_t>(record_size)) + record_size +
      WireFormatLite::TagSize(v1::JournalEntry::kCrc32FieldNumber, WireFormatLite::TYPE_FIXED32) +
      WireFormatLite::kFixed32Size;
  const size_t at = out.size();
  out.resize(at + CodedOutputStream::VarintSize32(static_cast<uint32_t>(entry_size)) + entry_size);
  auto* p = reinterpret_cast<uint8_t*>(out.data() + at);
  p = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(entry_size), p);
  p = WireFormatLite::WriteTagToArray(v1::JournalEntry::kRecordFieldNumber,
                                      WireFormatLite::WIRETYPE_LENGTH_DELIMITED, p);
  p = CodedOutputStream::WriteVarint32ToArray(static_cast<uint32_t>(record_size), p);
  uint8_t* body = p;
  p = record.SerializeWithCachedSizesToArray(p);
  const uint32_t crc = static_cast<uint32_t>(crc32(0, body, static_cast<uInt>(record_size)));
  p = WireFormatLite::WriteFixed32ToArray(v1::JournalEntry::kCrc32FieldNumber, crc, p);
}

std::string ErrnoText(int err) { return std::strerror(err); }

absl::StatusOr<std::string> ReadAll(int fd, const std::string& path) {
  std::string content;
  char buffer[1 << 16];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n == 0) return content;
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::InternalError(absl::StrCat("journal ", path, ": ", ErrnoText(errno)));
    }
    content.append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Journal>> Journal::Open(const std::string& path,
                                                       const Replay& replay,
                                                       JournalOptions options) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code ec;
  if (!parent.empty() && !std::filesystem::is_directory(parent, ec)) {
    return absl::NotFoundError(
        absl::StrCat("journal ", path, ": its directory ", parent.string(), " does not exist"));
  }
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("journal ", path, ": cannot open: ", ErrnoText(errno)));
  }
  // One scheduler per journal: a second one would interleave records.
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    close(fd);
    return absl::FailedPreconditionError(absl::StrCat(
        "journal ", path, ": ",
        err == EWOULDBLOCK ? "in use by another scheduler" : "cannot lock: " + ErrnoText(err)));
  }
  absl::StatusOr<std::string> content = ReadAll(fd, path);
  if (!content.ok()) {
    close(fd);
    return content.status();
  }
  std::unique_ptr<Journal> journal(new Journal(path, fd, options));

  google::protobuf::io::ArrayInputStream array(content->data(), static_cast<int>(content->size()));
  google::protobuf::io::CodedInputStream coded(&array);
  v1::JournalEntry entry;
  v1::JournalRecord record;
  uint64_t good = 0;
  std::string problem;
  while (good < content->size()) {
    bool clean_eof = false;
    if (!google::protobuf::util::ParseDelimitedFromCodedStream(&entry, &coded, &clean_eof)) {
      problem = "cut short";
      break;
    }
    if (Crc32(entry.record()) != entry.crc32()) {
      problem = "corrupt (checksum mismatch)";
      break;
    }
    if (!record.ParseFromString(entry.record())) {
      problem = "not a journal record";
      break;
    }
    replay(record);
    ++journal->replayed_;
    good = static_cast<uint64_t>(coded.CurrentPosition());
  }
  if (good < content->size()) {
    journal->truncated_ = content->size() - good;
    spdlog::warn("journal {}: the record at offset {} is {}; dropped the last {} bytes", path, good,
                 problem, journal->truncated_);
    if (ftruncate(fd, static_cast<off_t>(good)) != 0) {
      return absl::InternalError(
          absl::StrCat("journal ", path, ": cannot truncate the torn tail: ", ErrnoText(errno)));
    }
  }
  if (lseek(fd, 0, SEEK_END) < 0) {
    return absl::InternalError(absl::StrCat("journal ", path, ": ", ErrnoText(errno)));
  }
  journal->size_ = good;
  journal->snapshot_size_ = good;
  return journal;
}

Journal::Journal(std::string path, int fd, JournalOptions options)
    : path_(std::move(path)), options_(options), fd_(fd) {
  sync_thread_ = std::thread([this] { SyncLoop(); });
}

Journal::~Journal() {
  Sync();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  sync_thread_.join();
  absl::MutexLock lock(&mu_);
  close(fd_);
}

void Journal::Record(const v1::JournalRecord& record) { Frame(record, batch_); }

void Journal::Commit() {
  if (batch_.empty()) return;
  int fd;
  {
    absl::MutexLock lock(&mu_);
    fd = fd_;
  }
  // Only this thread replaces fd_ (Rewrite), so it stays valid while unlocked.
  if (WriteAll(fd, batch_)) {
    size_ += batch_.size();
    absl::MutexLock lock(&mu_);
    dirty_ = true;
  }
  batch_.clear();
}

bool Journal::WriteAll(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (!write_failed_) {
        spdlog::error("journal {}: write failed ({}); a restart may lose recent work", path_,
                      ErrnoText(errno));
      }
      write_failed_ = true;
      // A partial record would end the journal when read back: cut it off.
      if (done > 0 && ftruncate(fd, static_cast<off_t>(size_)) == 0) lseek(fd, 0, SEEK_END);
      return false;
    }
    done += static_cast<size_t>(n);
  }
  return true;
}

bool Journal::WantsCompaction() const {
  return size_ > options_.compact_bytes && size_ > 4 * snapshot_size_;
}

absl::Status Journal::Rewrite(const std::vector<v1::JournalRecord>& snapshot) {
  batch_.clear();
  std::string bytes;
  for (const v1::JournalRecord& record : snapshot) Frame(record, bytes);
  const std::string tmp = path_ + ".tmp";
  const int fd = open(tmp.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("journal ", tmp, ": cannot create: ", ErrnoText(errno)));
  }
  auto fail = [&](const char* what) {
    const int err = errno;
    close(fd);
    unlink(tmp.c_str());
    return absl::InternalError(absl::StrCat("journal ", tmp, ": ", what, ": ", ErrnoText(err)));
  };
  const bool failed_before = write_failed_;
  if (!WriteAll(fd, bytes)) {
    write_failed_ = failed_before;
    return fail("write failed");
  }
  if (fsync(fd) != 0) return fail("fsync failed");
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) return fail("cannot lock");
  if (rename(tmp.c_str(), path_.c_str()) != 0) return fail("cannot rename over the journal");
  // The rename itself is durable once the directory is synced.
  const std::string dir = std::filesystem::path(path_).parent_path().string();
  if (const int dfd = open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  int old;
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* syncing) { return *syncing == 0; }, &syncing_));
    old = fd_;
    fd_ = fd;
    dirty_ = false;
  }
  close(old);
  size_ = bytes.size();
  snapshot_size_ = size_;
  return absl::OkStatus();
}

void Journal::Sync() {
  Commit();
  absl::MutexLock lock(&mu_);
  if (!dirty_) return;
  dirty_ = false;
  fdatasync(fd_);
}

void Journal::SyncLoop() {
  mu_.Lock();
  while (true) {
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), options_.sync_interval);
    if (stopping_) break;
    if (!dirty_) continue;
    dirty_ = false;
    const int fd = fd_;
    ++syncing_;
    mu_.Unlock();
    fdatasync(fd);  // not under the lock: Commit() never waits for the disk
    mu_.Lock();
    --syncing_;
  }
  mu_.Unlock();
}

}  // namespace brisk
