// Compression of byte buffers with lz4 or zstd (the Debian-packaged libraries), for values a
// worker spills to disk. A buffer compresses only "where it pays": a sample of it is tried first,
// and data that does not shrink (random bytes, already compressed data) is stored as it is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace brisk {

enum class Codec : uint8_t { kNone = 0, kLz4 = 1, kZstd = 2 };

// "none", "lz4" or "zstd" (the --spill-compression flag).
absl::StatusOr<Codec> ParseCodec(std::string_view name);
const char* CodecName(Codec codec);

// `data` compressed with `codec` when it pays, else `data` as it is; `used` says which.
struct Compressed {
  Codec used = Codec::kNone;
  std::string bytes;
};
// Compressing pays when the result is at most `max_ratio` of the input; a sample (the first
// 256 KiB) decides first, so data that does not compress costs little time. Empty or tiny
// inputs (under 4 KiB) are not compressed.
Compressed Compress(Codec codec, std::string_view data, double max_ratio = 0.9);

// The inverse of Compress: `size` is the uncompressed size. An error when `data` is not a
// valid `codec` buffer of that size.
absl::StatusOr<std::string> Decompress(Codec codec, std::string_view data, uint64_t size);

}  // namespace brisk
