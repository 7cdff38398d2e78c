// SpillStore: the files under a worker's --local-dir that hold values spilled out of memory. A
// value is written in the layout it travels in (common/data_chunks.h): a bytes value, an array or
// a table as its raw buffer after its small header, anything else as its encoding, the buffer
// compressed where that pays (common/compression.h). What a file holds (its codec and sizes) is
// kept in memory by the caller as a SpillRecord: spill files are private to the running worker
// and removed when it exits. Thread-safe: each call touches only its own file.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/compression.h"
#include "common/data_chunks.h"

namespace brisk {

// Where one spilled value is and how to read it back.
struct SpillRecord {
  std::string path;
  Codec codec = Codec::kNone;
  bool raw = false;
  uint64_t header_bytes = 0;  // the raw header at the start of the file (arrays, tables)
  uint64_t data_bytes = 0;    // the buffer or encoding, uncompressed
  uint64_t file_bytes = 0;    // the whole file: header and the (compressed) buffer
};

class SpillStore {
 public:
  // Spills into a fresh directory brisk-worker-XXXXXX inside `dir` (created when missing; empty:
  // $TMPDIR, or /tmp without it), so that workers sharing a --local-dir never see each other's
  // files. That directory is removed with the store.
  static absl::StatusOr<std::unique_ptr<SpillStore>> Open(const std::string& dir, Codec codec);
  ~SpillStore();
  SpillStore(const SpillStore&) = delete;
  SpillStore& operator=(const SpillStore&) = delete;

  // Writes `value` (stored under `key`) to a new file. An error (naming the key and the file)
  // when the disk refuses it; then no file is left.
  absl::StatusOr<SpillRecord> Write(const std::string& key, const ValuePtr& value);
  // Reads a value written by Write() back. An error naming the key when its file is missing,
  // shorter or longer than written (torn), or does not decode.
  absl::StatusOr<ValuePtr> Read(const std::string& key, const SpillRecord& record) const;
  // Deletes the file of a value that is dropped or back in memory.
  void Remove(const SpillRecord& record);

  const std::string& dir() const { return dir_; }
  Codec codec() const { return codec_; }

 private:
  SpillStore(std::string dir, Codec codec) : dir_(std::move(dir)), codec_(codec) {}

  const std::string dir_;
  const Codec codec_;
  std::atomic<uint64_t> next_file_{1};
};

}  // namespace brisk
