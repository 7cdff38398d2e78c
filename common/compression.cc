#include "common/compression.h"

#include <lz4.h>
#include <zstd.h>

#include <algorithm>
#include <limits>

#include "absl/strings/str_cat.h"

namespace brisk {
namespace {

constexpr size_t kMinCompressBytes = 4 << 10;
constexpr size_t kSampleBytes = 256 << 10;
// zstd's fastest standard level: spilling is on the critical path of a worker short of memory.
constexpr int kZstdLevel = 1;

// `data` compressed with `codec`; empty when the codec cannot take it (lz4: over ~2 GB).
std::string RunCodec(Codec codec, std::string_view data) {
  std::string out;
  if (codec == Codec::kLz4) {
    if (data.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) return out;
    const int bound = LZ4_compressBound(static_cast<int>(data.size()));
    out.resize(static_cast<size_t>(bound));
    const int n =
        LZ4_compress_default(data.data(), out.data(), static_cast<int>(data.size()), bound);
    out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  } else if (codec == Codec::kZstd) {
    out.resize(ZSTD_compressBound(data.size()));
    const size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), kZstdLevel);
    out.resize(ZSTD_isError(n) ? 0 : n);
  }
  return out;
}

}  // namespace

absl::StatusOr<Codec> ParseCodec(std::string_view name) {
  if (name == "none") return Codec::kNone;
  if (name == "lz4") return Codec::kLz4;
  if (name == "zstd") return Codec::kZstd;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown compression \"", std::string(name), "\": use lz4, zstd or none"));
}

const char* CodecName(Codec codec) {
  switch (codec) {
    case Codec::kNone:
      return "none";
    case Codec::kLz4:
      return "lz4";
    case Codec::kZstd:
      return "zstd";
  }
  return "unknown";
}

Compressed Compress(Codec codec, std::string_view data, double max_ratio) {
  Compressed result;
  if (codec == Codec::kNone || data.size() < kMinCompressBytes) return result;
  if (data.size() > 2 * kSampleBytes) {
    const std::string sample = RunCodec(codec, data.substr(0, kSampleBytes));
    if (sample.empty() || static_cast<double>(sample.size()) > max_ratio * kSampleBytes) {
      return result;
    }
  }
  std::string bytes = RunCodec(codec, data);
  if (bytes.empty() ||
      static_cast<double>(bytes.size()) > max_ratio * static_cast<double>(data.size())) {
    return result;
  }
  result.used = codec;
  result.bytes = std::move(bytes);
  return result;
}

absl::StatusOr<std::string> Decompress(Codec codec, std::string_view data, uint64_t size) {
  if (codec == Codec::kNone) {
    if (data.size() != size) {
      return absl::DataLossError(
          absl::StrCat("expected ", size, " uncompressed bytes, found ", data.size()));
    }
    return std::string(data);
  }
  std::string out;
  out.resize(size);
  if (codec == Codec::kLz4) {
    if (size > static_cast<uint64_t>(LZ4_MAX_INPUT_SIZE) ||
        data.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
      return absl::DataLossError(absl::StrCat("lz4 buffer of ", size, " bytes is too large"));
    }
    const int n = LZ4_decompress_safe(data.data(), out.data(), static_cast<int>(data.size()),
                                      static_cast<int>(size));
    if (n < 0 || static_cast<uint64_t>(n) != size) {
      return absl::DataLossError(absl::StrCat("corrupt lz4 data (expected ", size, " bytes)"));
    }
    return out;
  }
  if (codec == Codec::kZstd) {
    const size_t n = ZSTD_decompress(out.data(), out.size(), data.data(), data.size());
    if (ZSTD_isError(n) || n != size) {
      return absl::DataLossError(absl::StrCat("corrupt zstd data (expected ", size, " bytes",
                                              ZSTD_isError(n) ? ": " : "",
                                              ZSTD_isError(n) ? ZSTD_getErrorName(n) : "", ")"));
    }
    return out;
  }
  return absl::InvalidArgumentError("unknown codec");
}

}  // namespace brisk
