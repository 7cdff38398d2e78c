// NumPy's type promotion of two array dtypes (numpy.result_type of two arrays): the smallest
// dtype both convert to without loss, bool < integers < floats; int64 with uint64 gives float64.
#pragma once

#include "brisk/value.h"

namespace brisk {

DType PromoteArrayDTypes(DType a, DType b);

}  // namespace brisk
