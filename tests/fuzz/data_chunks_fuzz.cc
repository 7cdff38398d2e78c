// libFuzzer target: the receiving side of the data plane, ValueAssembler, fed a stream of
// DataChunk messages as a peer could send them. The input is a sequence of records:
//
//   2 bytes  length L of the message (little endian)
//   1 byte   where the message is cut in two slices (gRPC hands over messages in slices)
//   L bytes  the message
//
// Seeds: corpus/data_chunks/ (chunks of real values, made by EncodeChunk; see make_seeds.py).
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/data_chunks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  brisk::ValueAssembler assembler;
  size_t at = 0;
  while (size - at >= 3) {
    size_t len = data[at] | (static_cast<size_t>(data[at + 1]) << 8);
    const size_t cut = data[at + 2];
    at += 3;
    len = std::min(len, size - at);
    const char* message = reinterpret_cast<const char*>(data + at);
    at += len;
    std::vector<grpc::Slice> slices;
    const size_t first = std::min(cut, len);
    if (first > 0) slices.emplace_back(message, first);
    if (len > first) slices.emplace_back(message + first, len - first);
    grpc::ByteBuffer buffer(slices.data(), slices.size());
    if (!assembler.Add(buffer).ok()) return 0;  // the receiver drops the stream
  }
  for (const brisk::BulkOffer& offer : assembler.bulk_offers()) {
    // The bytes from the bulk port: the announced size (when small), or short by one.
    const size_t n = offer.size <= (1 << 16) ? offer.size : 1;
    (void)assembler.CompleteBulk(offer, std::string(n, 'x'));
  }
  for (const auto& [key, value] : assembler.values()) (void)value->ByteSizeLong();
  return 0;
}
