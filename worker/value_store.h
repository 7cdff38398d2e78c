// ValueStore: the values a worker holds — task results and dependencies fetched from peers —
// immutable and reference-counted. Each value is in memory or, once spilled (SpillStore), on
// disk; Get() reads a spilled value back transparently, for tasks, peers and clients alike.
// Accounting: `managed` is the in-memory size of the values in memory (MemoryBytes below), and
// the values in memory are kept in least-recently-used order for spilling. Thread-safe; disk I/O
// happens outside the lock.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/data_chunks.h"
#include "worker/spill_store.h"

namespace brisk {

// What a value takes in this process's memory. A bytes value, an array or a table is its one
// buffer (plus the message around it); any other value is measured by protobuf's SpaceUsedLong,
// not its encoding: a list of a million ints encodes in about 3 MB but takes about 50 MB as
// messages (one per item), and counting the encoding would let such values overrun the limit.
uint64_t MemoryBytes(const v1::Value& value);

class ValueStore {
 public:
  struct Stats {
    uint64_t managed = 0;        // in-memory bytes of the values in memory
    uint64_t spilled = 0;        // bytes of spill files now on disk
    uint64_t spilled_total = 0;  // bytes written to spill files since start
    uint64_t in_memory = 0;      // values in memory
    uint64_t on_disk = 0;        // values spilled
  };

  // Spilling needs a SpillStore (Worker sets one when it has a memory limit); without one,
  // every value stays in memory.
  void SetSpillStore(std::unique_ptr<SpillStore> spill);
  const SpillStore* spill_store() const { return spill_.get(); }

  // Stores a task's result; returns its size in bytes (its encoding: what moving it costs).
  uint64_t Put(const std::string& key, ValuePtr value);
  // nullptr when absent. A spilled value is read back from disk (and stays spilled: the caller's
  // reference is what keeps it in memory); a failed read is logged and the value is dropped, so
  // that its key is reported missing and computed again rather than served broken. With
  // `from_disk`: whether it was read back from its spill file.
  ValuePtr Get(const std::string& key, bool* from_disk = nullptr);
  // Like Get(), with the reason: NotFound when absent, DataLoss naming the key when its spill
  // file is missing, torn or does not decode.
  absl::StatusOr<ValuePtr> Load(const std::string& key, bool* from_disk = nullptr);
  bool Contains(const std::string& key) const;
  void Erase(const std::string& key);
  // Every value's key and size in bytes (what a worker offers when it registers again).
  std::vector<std::pair<std::string, uint64_t>> Held() const;
  // Bytes of the values in memory (Stats::managed).
  uint64_t bytes() const;
  size_t size() const;
  Stats stats() const;

  // Spills the least recently used value in memory that nobody else holds (a running task or a
  // transfer holding a ValuePtr keeps it in memory anyway). False when there is none, or no
  // SpillStore; an error writing its file is logged, and the value stays in memory.
  bool SpillOne();
  // Spills until `managed` is at most `target`; returns the bytes taken out of memory.
  uint64_t SpillUntil(uint64_t target);

 private:
  struct Entry {
    ValuePtr value;                        // null while spilled
    uint64_t nbytes = 0;                   // encoding size (what Put returned)
    uint64_t mem_bytes = 0;                // MemoryBytes(*value)
    uint64_t generation = 0;               // changes on each Put of the key
    bool spilling = false;                 // a SpillOne is writing it out
    std::list<std::string>::iterator lru;  // in lru_ while in memory
    std::unique_ptr<SpillRecord> spilled;  // set while on disk
  };
  // Drops the entry `it` (its file too); under the lock.
  void EraseLocked(absl::flat_hash_map<std::string, Entry>::iterator it)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  std::unique_ptr<SpillStore> spill_;  // set before the store is shared
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  // Keys of the values in memory, most recently used first.
  std::list<std::string> lru_ ABSL_GUARDED_BY(mu_);
  uint64_t next_generation_ ABSL_GUARDED_BY(mu_) = 1;
  Stats stats_ ABSL_GUARDED_BY(mu_);
};

}  // namespace brisk
