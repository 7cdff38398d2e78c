// libFuzzer target: the receiving side of the data plane, ValueAssembler, fed a stream of
// DataChunk messages as a peer could send them. The input is a sequence of records:
//
//   2 bytes  length L of the message (little endian)
//   1 byte   where the message is cut in two slices (gRPC hands over messages in slices)
//   L bytes  the message
//
// Seeds: corpus/data_chunks/ (chunks of real values, made by EncodeChunk; see make_seeds.py),
// among them raw arrays and tables with their DataChunk.raw_header. A value the assembler keeps
// is then read in full through the views of brisk/value.h.
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "brisk/value.h"
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
  // A value the assembler kept passed CheckValue: every element of its arrays and tables must be
  // readable through the views without reading out of bounds.
  double sink = 0;
  for (const auto& [key, value] : assembler.values()) {
    (void)value->ByteSizeLong();
    if (value->has_ndarray()) {
      absl::StatusOr<brisk::ArrayView> array = brisk::ArrayView::Of(*value);
      if (!array.ok()) __builtin_trap();
      for (uint64_t i = 0; i < array->size(); ++i) sink += array->AsDouble(i);
    } else if (value->has_table()) {
      absl::StatusOr<brisk::TableView> table = brisk::TableView::Of(*value);
      if (!table.ok()) __builtin_trap();
      for (const brisk::ColumnView& column : table->columns()) {
        sink += static_cast<double>(column.null_count());
        for (uint64_t i = 0; i < column.size(); ++i) {
          if (column.IsNull(i)) continue;
          sink += column.dtype() == brisk::v1::DTYPE_STRING
                      ? static_cast<double>(column.String(i).size())
                      : column.AsDouble(i);
        }
      }
    }
  }
  volatile double keep = sink;
  (void)keep;
  return 0;
}
