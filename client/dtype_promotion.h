// NumPy's type promotion for brisk::Array: np.promote_types between dtypes, and NumPy 1.24's
// value-based rule for a C++ scalar (a literal) meeting an array.
#pragma once

#include "brisk/array.h"

namespace brisk {

// np.promote_types(a, b) (int64 with uint64 gives float64, as NumPy's).
DType PromoteTypes(DType a, DType b);
// np.result_type of two operands under NumPy 1.24: a scalar literal (ArrayData::scalar) meeting an
// array of the same or a higher kind (bool < integer < float) counts as its np.min_scalar_type
// (float32 standing for float16; a positive int next to a signed array as the signed type it
// fits), a scalar of a higher kind as int64 or float64; two scalars or two arrays promote by dtype.
DType ResultType(const Array& a, const Array& b);
bool IsFloat(DType d);
bool IsInteger(DType d);  // signed or unsigned
bool IsSigned(DType d);
// The dtype NumPy gives a math function (exp, sqrt, floor ...) of `d`: float32 for bool and 8-
// and 16-bit integers (where NumPy gives float16, which Brisk lacks), float64 for wider ones.
DType MathType(DType d);

}  // namespace brisk
