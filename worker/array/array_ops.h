// The chunk kernels of brisk::Array (client/include/brisk/array.h): ops named "array.*" over
// ndarray values, registered with the built-in ops of every worker. Each group lives in its own
// file.
#pragma once

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

}  // namespace brisk
