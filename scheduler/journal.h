// Journal: the scheduler's journal file (brisk-scheduler --journal PATH), an append-only log of
// v1::JournalEntry messages (journal.proto), each holding one JournalRecord and its CRC-32.
//
// Open() reads every intact record back and cuts off a torn or corrupt tail (a crash in the
// middle of a write), with a warning naming the offset. Records are batched: the event loop's
// thread appends a Flush()'s worth with one write(); a background thread calls fdatasync() at
// most every `sync_interval`, so no write waits for the disk. Rewrite() replaces the file with a
// snapshot (PATH.tmp, fsync, rename over PATH), which is how it is compacted.
//
// Thread-safety: Record, Commit, Rewrite and Sync are called by one thread (the event loop);
// the sync thread shares only the file descriptor, under mu_.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "brisk/v1/journal.pb.h"
#include "scheduler/journal_sink.h"

namespace brisk {

struct JournalOptions {
  // Compact once the file is past this size and 4x the last snapshot.
  uint64_t compact_bytes = uint64_t{64} << 20;
  // How often written records are made durable (fdatasync), at most.
  absl::Duration sync_interval = absl::Milliseconds(100);
};

class Journal : public JournalSink {
 public:
  using Replay = std::function<void(const v1::JournalRecord&)>;

  // Opens PATH (created if missing; its directory must exist) and calls `replay` with each
  // intact record in order. An error names the path and what is wrong (no such directory, in
  // use by another scheduler, unreadable).
  static absl::StatusOr<std::unique_ptr<Journal>> Open(const std::string& path,
                                                       const Replay& replay,
                                                       JournalOptions options = {});
  ~Journal() override;  // writes what is pending and syncs

  void Record(const v1::JournalRecord& record) override;
  void Commit() override;

  // Whether the file has grown enough to be worth compacting.
  bool WantsCompaction() const override;
  // Replaces the file's content with `snapshot` (what is pending is dropped: the snapshot
  // supersedes it). On failure the old file stays as it was, still in use.
  absl::Status Rewrite(const std::vector<v1::JournalRecord>& snapshot) override;
  // Writes what is pending and makes the file durable now (on SIGTERM, before exit).
  void Sync();

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }
  // Records read by Open(), and bytes cut off as a torn tail.
  uint64_t replayed() const { return replayed_; }
  uint64_t truncated() const { return truncated_; }

 private:
  Journal(std::string path, int fd, JournalOptions options);
  void SyncLoop();
  // Appends `bytes` to the file at its end; false (logged) on an error.
  bool WriteAll(int fd, const std::string& bytes);

  const std::string path_;
  const JournalOptions options_;
  std::string batch_;  // framed entries not yet written
  uint64_t size_ = 0;
  uint64_t snapshot_size_ = 0;
  uint64_t replayed_ = 0;
  uint64_t truncated_ = 0;
  bool write_failed_ = false;  // logged once

  mutable absl::Mutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_) = -1;
  bool dirty_ ABSL_GUARDED_BY(mu_) = false;  // written since the last fdatasync
  int syncing_ ABSL_GUARDED_BY(mu_) = 0;     // fdatasync calls under way on fd_
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread sync_thread_;
};

}  // namespace brisk
