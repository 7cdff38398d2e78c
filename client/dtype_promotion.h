// NumPy's type promotion for brisk::Array: np.promote_types between dtypes, and NumPy 1.24's
// value-based rule for a C++ scalar (a literal) meeting an array.
#pragma once

#include "brisk/array.h"

namespace brisk {

// np.promote_types(a, b) (int64 with uint64 gives float64, as NumPy's).
DType PromoteTypes(DType a, DType b);
// np.result_type of two operands: a scalar literal (ArrayData::scalar) meeting an array keeps the
// array's dtype when its value fits the array's kind (np.min_scalar_type); two scalars or two
// arrays promote by dtype.
DType ResultType(const Array& a, const Array& b);
bool IsFloat(DType d);
bool IsInteger(DType d);  // signed or unsigned
bool IsSigned(DType d);
// The dtype NumPy gives a math function (exp, sqrt, floor ...) of `d`: float32 for bool and 8-
// and 16-bit integers (where NumPy gives float16, which Brisk lacks), float64 for wider ones.
DType MathType(DType d);

}  // namespace brisk
