#include "common/data_chunks.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace brisk {

size_t FillChunk(const std::string& key, const char* data, size_t size, size_t offset, bool raw,
                 v1::DataChunk& chunk) {
  const size_t len = std::min(kDataChunkBytes, size - offset);
  chunk.Clear();
  chunk.set_key(key);
  chunk.set_total_size(size);
  chunk.set_offset(offset);
  chunk.set_raw_bytes(raw);
  chunk.set_data(data + offset, len);
  return len;
}

absl::Status ValueAssembler::Add(v1::DataChunk& chunk) {
  if (chunk.missing()) {
    missing_.push_back(chunk.key());
    return absl::OkStatus();
  }
  Partial* partial;
  auto it = partial_.find(chunk.key());
  if (it == partial_.end()) {
    if (chunk.offset() != 0) {
      return absl::DataLossError(
          absl::StrCat("value \"", chunk.key(), "\" started at offset ", chunk.offset()));
    }
    partial = &partial_[chunk.key()];
    partial->total = chunk.total_size();
    partial->raw = chunk.raw_bytes();
    if (chunk.data().size() == chunk.total_size()) {
      partial->bytes = std::move(*chunk.mutable_data());
    } else {
      // Capped (protobuf's own 2 GiB limit): an absurd announced size must not throw from
      // reserve(); up to it, one allocation, no regrowth.
      partial->bytes.reserve(std::min<uint64_t>(chunk.total_size(), uint64_t{1} << 31));
      partial->bytes.append(chunk.data());
    }
  } else {
    partial = &it->second;
    if (chunk.offset() != partial->bytes.size() || chunk.total_size() != partial->total ||
        chunk.raw_bytes() != partial->raw) {
      return absl::DataLossError(absl::StrCat("value \"", chunk.key(), "\" chunk out of order"));
    }
    partial->bytes.append(chunk.data());
  }
  if (partial->bytes.size() > partial->total) {
    return absl::DataLossError(absl::StrCat("value \"", chunk.key(), "\" longer than announced"));
  }
  if (partial->bytes.size() == partial->total) {
    auto value = std::make_shared<v1::Value>();
    if (partial->raw) {
      value->set_bytes(std::move(partial->bytes));
    } else if (!value->ParseFromString(partial->bytes)) {
      return absl::DataLossError(absl::StrCat("value \"", chunk.key(), "\" does not decode"));
    }
    values_[chunk.key()] = std::move(value);
    partial_.erase(chunk.key());
  }
  return absl::OkStatus();
}

}  // namespace brisk
