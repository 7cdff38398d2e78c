// ValueStore: the values a worker holds — task results and dependencies fetched from peers —
// immutable and reference-counted, with exact byte accounting (bytes of each value's encoding).
// Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/data_chunks.h"

namespace brisk {

class ValueStore {
 public:
  // Stores a task's result; returns its size in bytes.
  uint64_t Put(const std::string& key, ValuePtr value);
  // nullptr when absent.
  ValuePtr Get(const std::string& key) const;
  bool Contains(const std::string& key) const;
  void Erase(const std::string& key);
  // Every value's key and size in bytes (what a worker offers when it registers again).
  std::vector<std::pair<std::string, uint64_t>> Held() const;
  uint64_t bytes() const;
  size_t size() const;

 private:
  struct Entry {
    ValuePtr value;
    uint64_t nbytes = 0;
  };
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  uint64_t bytes_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace brisk
