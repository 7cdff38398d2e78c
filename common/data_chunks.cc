#include "common/data_chunks.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/support/proto_buffer_reader.h>
#include <grpcpp/support/slice.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "absl/strings/str_cat.h"
#include "brisk/value.h"

namespace brisk {
namespace {

using google::protobuf::internal::WireFormatLite;

constexpr int kDataField = v1::DataChunk::kDataFieldNumber;
// Protobuf's own limit on a message, so on any value's encoding (a bytes value's raw content,
// sent as is, has no such limit).
constexpr uint64_t kMaxEncodingBytes = std::numeric_limits<int32_t>::max();

// A slice over `data` that keeps `owner` alive until gRPC drops its last reference.
grpc::Slice SharedSlice(const std::shared_ptr<const void>& owner, std::string_view data) {
  return grpc::Slice(
      const_cast<char*>(data.data()), data.size(),
      [](void* holder) { delete static_cast<std::shared_ptr<const void>*>(holder); },
      new std::shared_ptr<const void>(owner));
}

grpc::ByteBuffer Message(const std::string& header) {
  grpc::Slice slice(header);
  return grpc::ByteBuffer(&slice, 1);
}

// The header fields of one chunk, in the order they are read.
struct ChunkHeader {
  std::string key;
  uint64_t total = 0;
  uint64_t offset = 0;
  bool missing = false;
  bool raw = false;
  uint32_t bulk_port = 0;
  std::string ticket;
  std::string raw_header;
};

// Appends `len` bytes from `in` to `out`: one copy, straight from gRPC's buffers.
bool AppendFrom(google::protobuf::io::CodedInputStream& in, uint32_t len, std::string& out) {
  while (len > 0) {
    const void* data;
    int size;
    if (!in.GetDirectBufferPointer(&data, &size) || size <= 0) return false;
    const uint32_t n = std::min<uint32_t>(len, static_cast<uint32_t>(size));
    out.append(static_cast<const char*>(data), n);
    in.Skip(static_cast<int>(n));
    len -= n;
  }
  return true;
}

// An array's or a table's encoding without its buffer: what DataChunk.raw_header carries.
std::string RawHeader(const v1::Value& value) {
  v1::Value header;
  if (value.kind_case() == v1::Value::kNdarray) {
    v1::NDArray* array = header.mutable_ndarray();
    array->set_dtype(value.ndarray().dtype());
    *array->mutable_shape() = value.ndarray().shape();
  } else {
    v1::Table* table = header.mutable_table();
    table->set_num_rows(value.table().num_rows());
    *table->mutable_columns() = value.table().columns();
  }
  return header.SerializeAsString();
}

}  // namespace

OutgoingValue PrepareOutgoing(ValuePtr value) {
  // A bytes value, an array or a table goes as it is; anything else as its encoding, made once
  // per request.
  switch (value->kind_case()) {
    case v1::Value::kBytes: {
      std::string_view data = value->bytes();
      return {std::move(value), data, true, {}};
    }
    case v1::Value::kNdarray:
    case v1::Value::kTable: {
      std::string header = RawHeader(*value);
      if (header.size() > kMaxRawHeaderBytes) break;  // millions of columns: encoded instead
      std::string_view data = value->kind_case() == v1::Value::kNdarray ? value->ndarray().data()
                                                                        : value->table().body();
      return {std::move(value), data, true, std::move(header)};
    }
    default:
      break;
  }
  auto encoded = std::make_shared<std::string>(value->SerializeAsString());
  std::string_view data = *encoded;
  return {std::move(encoded), data, false, {}};
}

size_t EncodeChunk(const std::string& key, const OutgoingValue& value, size_t offset,
                   grpc::ByteBuffer& message) {
  const size_t len = std::min(kDataChunkBytes, value.data.size() - offset);
  v1::DataChunk header;
  header.set_key(key);
  header.set_total_size(value.data.size());
  header.set_offset(offset);
  header.set_raw_bytes(value.raw);
  if (offset == 0) header.set_raw_header(value.header);
  std::string head = header.SerializeAsString();
  if (len == 0) {
    message = Message(head);
    return 0;
  }
  // The data field last, after the fields that say where it goes: a valid DataChunk encoding
  // (fields may come in any order), which lets the receiver copy it straight into place.
  {
    google::protobuf::io::StringOutputStream out(&head);  // appends
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.WriteTag(WireFormatLite::MakeTag(kDataField, WireFormatLite::WIRETYPE_LENGTH_DELIMITED));
    coded.WriteVarint32(static_cast<uint32_t>(len));
  }
  grpc::Slice slices[2] = {grpc::Slice(head),
                           SharedSlice(value.owner, value.data.substr(offset, len))};
  message = grpc::ByteBuffer(slices, 2);
  return len;
}

void ReserveForValue(std::string& bytes, size_t size) {
  bytes.reserve(size);
  constexpr uintptr_t kHugePage = 2 << 20;
  if (size < 4 * kHugePage) return;
  const auto begin = reinterpret_cast<uintptr_t>(bytes.data());
  const uintptr_t first = (begin + kHugePage - 1) & ~(kHugePage - 1);
  const uintptr_t last = (begin + size) & ~(kHugePage - 1);
  // Advice only: where the kernel has no huge pages to give, nothing changes.
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
}

grpc::ByteBuffer EncodeBulkOffer(const std::string& key, const OutgoingValue& value, uint32_t port,
                                 const std::string& ticket) {
  v1::DataChunk chunk;
  chunk.set_key(key);
  chunk.set_total_size(value.data.size());
  chunk.set_raw_bytes(value.raw);
  chunk.set_bulk_port(port);
  chunk.set_bulk_ticket(ticket);
  chunk.set_raw_header(value.header);
  return Message(chunk.SerializeAsString());
}

grpc::ByteBuffer EncodeMissing(const std::string& key) {
  v1::DataChunk chunk;
  chunk.set_key(key);
  chunk.set_missing(true);
  return Message(chunk.SerializeAsString());
}

absl::Status ValueAssembler::Add(const grpc::ByteBuffer& message) {
  grpc::ByteBuffer shared(message);  // the same slices, not a copy
  grpc::ProtoBufferReader reader(&shared);
  google::protobuf::io::CodedInputStream in(&reader);
  ChunkHeader h;
  Partial* partial = nullptr;
  bool fresh = false;  // this chunk started the value
  bool placed = false;
  const auto malformed = [] { return absl::DataLossError("malformed data chunk"); };

  // Checks that a chunk of `len` bytes continues its value; finds or starts that value.
  const auto place = [&](uint64_t len) -> absl::Status {
    placed = true;
    auto it = partial_.find(h.key);
    if (it == partial_.end()) {
      if (h.offset != 0) {
        return absl::DataLossError(
            absl::StrCat("value \"", h.key, "\" started at offset ", h.offset));
      }
      partial = &partial_[h.key];
      partial->total = h.total;
      // Capped (protobuf's own 2 GiB limit): an absurd announced size must not throw from
      // reserve(); up to it, one allocation, no regrowth.
      ReserveForValue(partial->bytes, std::min(h.total, kMaxEncodingBytes));
      fresh = true;
    } else {
      partial = &it->second;
      if (h.offset != partial->bytes.size() || h.total != partial->total) {
        return absl::DataLossError(absl::StrCat("value \"", h.key, "\" chunk out of order"));
      }
    }
    if (partial->bytes.size() + len > partial->total) {
      return absl::DataLossError(absl::StrCat("value \"", h.key, "\" longer than announced"));
    }
    return absl::OkStatus();
  };

  while (uint32_t tag = in.ReadTag()) {
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    const auto type = WireFormatLite::GetTagWireType(tag);
    const bool varint = type == WireFormatLite::WIRETYPE_VARINT;
    const bool delimited = type == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
    // The fields that say where the data goes must come before it.
    if (placed && field != kDataField && field <= v1::DataChunk::kOffsetFieldNumber) {
      return malformed();
    }
    uint64_t number = 0;
    uint32_t len = 0;
    if (field == v1::DataChunk::kKeyFieldNumber && delimited) {
      if (!in.ReadVarint32(&len) || !in.ReadString(&h.key, static_cast<int>(len))) {
        return malformed();
      }
    } else if (field == v1::DataChunk::kTotalSizeFieldNumber && varint) {
      if (!in.ReadVarint64(&h.total)) return malformed();
    } else if (field == v1::DataChunk::kOffsetFieldNumber && varint) {
      if (!in.ReadVarint64(&h.offset)) return malformed();
    } else if (field == v1::DataChunk::kMissingFieldNumber && varint) {
      if (!in.ReadVarint64(&number)) return malformed();
      h.missing = number != 0;
    } else if (field == v1::DataChunk::kRawBytesFieldNumber && varint) {
      if (!in.ReadVarint64(&number)) return malformed();
      h.raw = number != 0;
    } else if (field == v1::DataChunk::kBulkPortFieldNumber && varint) {
      if (!in.ReadVarint64(&number) || number == 0 || number > 65535) return malformed();
      h.bulk_port = static_cast<uint32_t>(number);
    } else if (field == v1::DataChunk::kBulkTicketFieldNumber && delimited) {
      if (!in.ReadVarint32(&len) || len > 64 || !in.ReadString(&h.ticket, static_cast<int>(len))) {
        return malformed();
      }
    } else if (field == v1::DataChunk::kRawHeaderFieldNumber && delimited) {
      if (!in.ReadVarint32(&len) || len > kMaxRawHeaderBytes ||
          !in.ReadString(&h.raw_header, static_cast<int>(len))) {
        return malformed();
      }
    } else if (field == kDataField && delimited) {
      if (placed || !in.ReadVarint32(&len)) return malformed();
      if (absl::Status status = place(len); !status.ok()) return status;
      if (!AppendFrom(in, len, partial->bytes)) return malformed();
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      return malformed();
    }
  }
  if (!in.ConsumedEntireMessage()) return malformed();
  // A raw header goes with raw content, once per value: on its offer or its first chunk.
  if (!h.raw_header.empty() && (!h.raw || h.offset != 0 || h.missing)) return malformed();

  if (!h.ticket.empty()) {
    // An offer instead of data: one per value, ahead of any chunk of it.
    if (placed || h.missing || h.bulk_port == 0 || h.offset != 0 || partial_.contains(h.key) ||
        (!h.raw && h.total > kMaxEncodingBytes)) {
      return malformed();
    }
    bulk_offers_.push_back(
        {h.key, h.bulk_port, std::move(h.ticket), h.total, h.raw, std::move(h.raw_header)});
    return absl::OkStatus();
  }
  if (h.missing) {
    if (placed) return malformed();
    missing_.push_back(h.key);
    return absl::OkStatus();
  }
  if (!placed) {
    if (absl::Status status = place(0); !status.ok()) return status;
  }
  if (fresh) {
    partial->raw = h.raw;
    partial->header = std::move(h.raw_header);
  } else if (partial->raw != h.raw || !h.raw_header.empty()) {
    return absl::DataLossError(absl::StrCat("value \"", h.key, "\" chunk out of order"));
  }
  if (partial->bytes.size() == partial->total) {
    std::string bytes = std::move(partial->bytes);
    const bool raw = partial->raw;
    const std::string header = std::move(partial->header);
    partial_.erase(h.key);
    return Finish(h.key, raw, header, std::move(bytes));
  }
  return absl::OkStatus();
}

absl::Status ValueAssembler::CompleteBulk(const BulkOffer& offer, std::string bytes) {
  if (bytes.size() != offer.size) {
    return absl::DataLossError(absl::StrCat("value \"", offer.key, "\": ", bytes.size(),
                                            " bytes arrived of ", offer.size));
  }
  return Finish(offer.key, offer.raw, offer.header, std::move(bytes));
}

absl::StatusOr<ValuePtr> RebuildValue(const std::string& key, bool raw, const std::string& header,
                                      std::string bytes) {
  auto value = std::make_shared<v1::Value>();
  if (raw && header.empty()) {
    value->set_bytes(std::move(bytes));
  } else if (raw) {
    // The buffer of an array or a table, moved (not copied) into the header's value.
    if (!value->ParseFromString(header)) {
      return absl::DataLossError(
          absl::StrCat("value \"", key, "\": its raw header does not decode"));
    }
    if (value->kind_case() == v1::Value::kNdarray && value->ndarray().data().empty()) {
      value->mutable_ndarray()->set_data(std::move(bytes));
    } else if (value->kind_case() == v1::Value::kTable && value->table().body().empty()) {
      value->mutable_table()->set_body(std::move(bytes));
    } else {
      return absl::DataLossError(absl::StrCat(
          "value \"", key, "\": its raw header must be an ndarray or a table without its buffer, ",
          "not ", KindName(*value)));
    }
  } else if (!value->ParseFromString(bytes)) {
    return absl::DataLossError(absl::StrCat("value \"", key, "\" does not decode"));
  }
  // An array or a table (also inside a list or a map) whose buffers do not match what it says
  // is refused here, before anyone reads it.
  if (absl::Status check = CheckValue(*value); !check.ok()) {
    return absl::DataLossError(absl::StrCat("value \"", key, "\": ", check.message()));
  }
  return ValuePtr(std::move(value));
}

absl::Status ValueAssembler::Finish(const std::string& key, bool raw, const std::string& header,
                                    std::string bytes) {
  absl::StatusOr<ValuePtr> value = RebuildValue(key, raw, header, std::move(bytes));
  if (!value.ok()) return value.status();
  values_[key] = *std::move(value);
  return absl::OkStatus();
}

}  // namespace brisk
