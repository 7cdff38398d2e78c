// Moving values over the data plane: a value's bytes are cut into brisk.v1.DataChunk messages under
// gRPC's message limit and put together again on the other side, with as few copies as the
// socket allows. The sender's chunks point into the stored value (gRPC writes them to the socket
// from there); the receiver copies each chunk's data once, from gRPC's buffers into the value.
// Bytes values, arrays and tables travel raw: their one buffer is the content, never encoded
// (an array's or a table's small header, its encoding without the buffer, goes along as
// DataChunk.raw_header); every other value travels as its encoding.
#pragma once

#include <grpcpp/support/byte_buffer.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "brisk/v1/value.pb.h"
#include "brisk/v1/worker.pb.h"

namespace brisk {

// The most data one chunk carries: large chunks cost fewer round trips through gRPC (1 MiB
// chunks moved 100 MB about a third slower), and this leaves room for the header under gRPC's
// default 4 MiB message limit, so any gRPC client can read them.
inline constexpr size_t kDataChunkBytes = (4 << 20) - (64 << 10);

using ValuePtr = std::shared_ptr<const v1::Value>;

// The most a raw header (an array's or a table's encoding without its buffer) may take; a
// larger one is refused from a peer, and not sent raw.
inline constexpr size_t kMaxRawHeaderBytes = 64 << 20;

// The bytes of one value as they go out: the buffer of a bytes value, an array or a table as it
// is (`raw`), or any other value's encoding. `header` is empty for bytes and for encodings; for
// an array or a table it is the value's encoding with the buffer left empty. `owner` keeps `data`
// alive while gRPC still sends from it.
struct OutgoingValue {
  std::shared_ptr<const void> owner;
  std::string_view data;
  bool raw = false;
  std::string header;
};
OutgoingValue PrepareOutgoing(ValuePtr value);

// The inverse of PrepareOutgoing: the value `key` from its bytes, `raw` and `header` as
// OutgoingValue has them. An error naming `key` when they do not make a well-formed value
// (CheckValue).
absl::StatusOr<ValuePtr> RebuildValue(const std::string& key, bool raw, const std::string& header,
                                      std::string bytes);

// Encodes the chunk of `value` that starts at `offset` (at most kDataChunkBytes) as one
// DataChunk message: the header fields, then the `data` field as a slice of `value`'s own
// memory. Returns the chunk's length. A zero-length value is one empty chunk.
size_t EncodeChunk(const std::string& key, const OutgoingValue& value, size_t offset,
                   grpc::ByteBuffer& message);
// A DataChunk saying the sender does not hold `key`.
grpc::ByteBuffer EncodeMissing(const std::string& key);
// A DataChunk offering `value` on the bulk port `port` under `ticket` (common/bulk_transfer.h).
grpc::ByteBuffer EncodeBulkOffer(const std::string& key, const OutgoingValue& value, uint32_t port,
                                 const std::string& ticket);

// Reserves room in `bytes` for a value of `size` bytes. A large one asks for transparent huge
// pages: filling it would otherwise take a page fault (and a page clear) every 4 KiB, which
// costs about as much as the copy itself.
void ReserveForValue(std::string& bytes, size_t size);

// A value the sender offered on its bulk port rather than in chunks.
struct BulkOffer {
  std::string key;
  uint32_t port = 0;
  std::string ticket;
  uint64_t size = 0;
  bool raw = false;
  std::string header;  // DataChunk.raw_header: set for an array or a table
};

// Puts chunks back together into values. Not thread-safe: one per response stream.
class ValueAssembler {
 public:
  // Takes one DataChunk message (any valid encoding of one); an error when it is malformed, does
  // not continue the value it belongs to, or completes a value that is malformed (an array whose
  // buffer does not match its shape, say: CheckValue), which is then not kept.
  absl::Status Add(const grpc::ByteBuffer& message);

  // Completes an offered value with its bytes, read from the sender's bulk port.
  absl::Status CompleteBulk(const BulkOffer& offer, std::string bytes);

  // Values offered on the sender's bulk port, to be read and completed with CompleteBulk.
  const std::vector<BulkOffer>& bulk_offers() const { return bulk_offers_; }
  // Values complete so far, by key.
  absl::flat_hash_map<std::string, ValuePtr>& values() { return values_; }
  // Keys the sender said it does not hold.
  const std::vector<std::string>& missing() const { return missing_; }

 private:
  struct Partial {
    uint64_t total = 0;
    bool raw = false;
    std::string header;
    std::string bytes;
  };
  absl::Status Finish(const std::string& key, bool raw, const std::string& header,
                      std::string bytes);

  absl::flat_hash_map<std::string, Partial> partial_;
  std::vector<BulkOffer> bulk_offers_;
  absl::flat_hash_map<std::string, ValuePtr> values_;
  std::vector<std::string> missing_;
};

}  // namespace brisk
