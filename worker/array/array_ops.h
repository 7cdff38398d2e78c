// The chunk kernels of brisk::Array (client/include/brisk/array.h): ops named "array.*" over
// ndarray values, registered with the built-in ops of every worker. Each group lives in its own
// file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "brisk/op.h"

namespace brisk {

// Every array op.
void RegisterArrayOps(OpRegistry& registry);

// The groups (worker/array/*.cc).
void RegisterArrayCreationOps(OpRegistry& registry);     // array_creation.cc
void RegisterArrayElementwiseOps(OpRegistry& registry);  // array_elementwise.cc
void RegisterArrayReductionOps(OpRegistry& registry);    // array_reduction.cc
void RegisterArrayLayoutOps(OpRegistry& registry);       // array_layout.cc
void RegisterArrayMatmulOps(OpRegistry& registry);       // array_matmul.cc
void RegisterArrayIoOps(OpRegistry& registry);           // array_io.cc
void RegisterArrayNpyReadOps(OpRegistry& registry);      // array_npy_read.cc
void RegisterArrayMlOps(OpRegistry& registry);           // array_ml_ops.cc

// Keyword argument `name` as a list of non-negative ints (a shape); InvalidArgument naming the op
// and the argument otherwise. With `optional`, an absent one is an empty list
// (array_elementwise.cc).
absl::StatusOr<std::vector<uint64_t>> ArrayShapeKwarg(const OpArgs& args, absl::string_view name,
                                                      bool optional = false);

// `fn` with its errors in the built-in ops' form: "NAME: what is wrong" (the op's name first
// whether or not it is called through OpRegistry::Call).
OpFn ArrayOpNamed(std::string name, OpFn fn);

}  // namespace brisk
