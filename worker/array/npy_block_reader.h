// Reading blocks of .npy files on a worker (array.read_npy and the ops fused with it): one block
// as a value, or, the fast path, the rows of a block slab by slab into one reused buffer.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "brisk/v1/value.pb.h"
#include "worker/array/ml_kernels.h"

namespace brisk {

// Block [offset, offset + shape) of the file at `path` (empty offset and shape: the whole
// file), in C order and little-endian whatever the file's order; errors name `op` and the path.
absl::StatusOr<v1::Value> ReadNpyBlock(absl::string_view op, const std::string& path,
                                       std::vector<uint64_t> offset, std::vector<uint64_t> shape);

// For a C-order, little-endian float64 2-D file and a block of whole rows: calls `fn` with
// consecutive slabs of about `slab_bytes` of the block's rows, read into one buffer reused for
// every slab (no allocation of the whole block). False when the file or the block is not of that
// kind (read it with ReadNpyBlock instead).
absl::StatusOr<bool> ForEachRowSlab(absl::string_view op, const std::string& path,
                                    const std::vector<uint64_t>& offset,
                                    const std::vector<uint64_t>& shape, uint64_t slab_bytes,
                                    const std::function<void(const ml_kernels::Rows&)>& fn);

}  // namespace brisk
