// Moving values over the data plane: a value's encoding is cut into DataChunks under gRPC's
// message limit and put together again on the other side.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "brisk/v1/value.pb.h"
#include "brisk/v1/worker.pb.h"

namespace brisk {

inline constexpr size_t kDataChunkBytes = 1 << 20;

using ValuePtr = std::shared_ptr<const v1::Value>;

// Fills `chunk` with the piece of `data` (`size` bytes: a value's encoding, or with `raw` the
// content of a bytes value) that starts at `offset`; returns the piece's length.
size_t FillChunk(const std::string& key, const char* data, size_t size, size_t offset, bool raw,
                 v1::DataChunk& chunk);

// Puts chunks back together into values. Not thread-safe: one per response stream.
class ValueAssembler {
 public:
  // Takes one chunk; an error when it does not continue the value it belongs to.
  absl::Status Add(v1::DataChunk& chunk);

  // Values complete so far, by key.
  absl::flat_hash_map<std::string, ValuePtr>& values() { return values_; }
  // Keys the sender said it does not hold.
  const std::vector<std::string>& missing() const { return missing_; }

 private:
  struct Partial {
    uint64_t total = 0;
    bool raw = false;
    std::string bytes;
  };
  absl::flat_hash_map<std::string, Partial> partial_;
  absl::flat_hash_map<std::string, ValuePtr> values_;
  std::vector<std::string> missing_;
};

}  // namespace brisk
