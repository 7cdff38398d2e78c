#include "common/data_chunks.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace brisk {

bool ForEachChunk(const std::string& key, const std::string& encoded,
                  const std::function<bool(v1::DataChunk&)>& emit) {
  v1::DataChunk chunk;
  size_t offset = 0;
  do {
    const size_t len = std::min(kDataChunkBytes, encoded.size() - offset);
    chunk.set_key(key);
    chunk.set_total_size(encoded.size());
    chunk.set_offset(offset);
    chunk.set_data(encoded.data() + offset, len);
    if (!emit(chunk)) return false;
    offset += len;
  } while (offset < encoded.size());
  return true;
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
    if (chunk.data().size() == chunk.total_size()) {
      partial->bytes = std::move(*chunk.mutable_data());
    } else {
      // Capped: an absurd announced size must not throw from reserve().
      partial->bytes.reserve(std::min<uint64_t>(chunk.total_size(), 64 * kDataChunkBytes));
      partial->bytes.append(chunk.data());
    }
  } else {
    partial = &it->second;
    if (chunk.offset() != partial->bytes.size() || chunk.total_size() != partial->total) {
      return absl::DataLossError(absl::StrCat("value \"", chunk.key(), "\" chunk out of order"));
    }
    partial->bytes.append(chunk.data());
  }
  if (partial->bytes.size() > partial->total) {
    return absl::DataLossError(absl::StrCat("value \"", chunk.key(), "\" longer than announced"));
  }
  if (partial->bytes.size() == partial->total) {
    auto value = std::make_shared<v1::Value>();
    if (!value->ParseFromString(partial->bytes)) {
      return absl::DataLossError(absl::StrCat("value \"", chunk.key(), "\" does not decode"));
    }
    values_[chunk.key()] = std::move(value);
    partial_.erase(chunk.key());
  }
  return absl::OkStatus();
}

}  // namespace brisk
