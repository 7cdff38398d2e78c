#include "client/dtype_promotion.h"

#include <cmath>

#include "client/array_data.h"

namespace brisk {
namespace {

int Bits(DType d) { return static_cast<int>(ItemSize(d)) * 8; }

DType SignedOf(int bits) {
  switch (bits) {
    case 8:
      return v1::DTYPE_INT8;
    case 16:
      return v1::DTYPE_INT16;
    case 32:
      return v1::DTYPE_INT32;
    default:
      return v1::DTYPE_INT64;
  }
}

// 0 bool, 1 integer, 2 float: NumPy's kinds as its value-based casting orders them.
int Category(DType d) { return d == v1::DTYPE_BOOL ? 0 : IsFloat(d) ? 2 : 1; }

// np.min_scalar_type of a literal.
DType MinScalarType(const v1::Value& v) {
  if (v.kind_case() == v1::Value::kBool) return v1::DTYPE_BOOL;
  if (v.kind_case() == v1::Value::kInt) {
    const int64_t x = v.int_();
    if (x >= 0) {
      if (x < 256) return v1::DTYPE_UINT8;
      if (x < 65536) return v1::DTYPE_UINT16;
      if (x <= 4294967295LL) return v1::DTYPE_UINT32;
      return v1::DTYPE_UINT64;
    }
    if (x >= -128) return v1::DTYPE_INT8;
    if (x >= -32768) return v1::DTYPE_INT16;
    if (x >= -2147483648LL) return v1::DTYPE_INT32;
    return v1::DTYPE_INT64;
  }
  const double x = v.float_();
  // float16 fits too where NumPy says float16: float32 is Brisk's smallest float.
  if (std::isnan(x) || std::isinf(x) || std::fabs(x) <= 3.4028234663852886e38) {
    return v1::DTYPE_FLOAT32;
  }
  return v1::DTYPE_FLOAT64;
}

DType WithScalar(DType array, const v1::Value& scalar, DType scalar_dtype) {
  if (Category(scalar_dtype) > Category(array)) return PromoteTypes(array, scalar_dtype);
  DType m = MinScalarType(scalar);
  // NumPy's "small unsigned" rule: a positive integer that also fits the signed type of the same
  // size counts as that signed type next to a signed array (int8 + 1 stays int8).
  if (IsSigned(array) && IsInteger(m) && !IsSigned(m) && scalar.kind_case() == v1::Value::kInt &&
      (Bits(m) == 64 ? scalar.int_() >= 0 : scalar.int_() < (int64_t{1} << (Bits(m) - 1)))) {
    m = SignedOf(Bits(m));
  }
  return PromoteTypes(array, m);
}

}  // namespace

bool IsFloat(DType d) { return d == v1::DTYPE_FLOAT32 || d == v1::DTYPE_FLOAT64; }
bool IsSigned(DType d) {
  return d == v1::DTYPE_INT8 || d == v1::DTYPE_INT16 || d == v1::DTYPE_INT32 ||
         d == v1::DTYPE_INT64;
}
bool IsInteger(DType d) { return d != v1::DTYPE_BOOL && !IsFloat(d); }

DType PromoteTypes(DType a, DType b) {
  if (a == b) return a;
  if (a == v1::DTYPE_BOOL) return b;
  if (b == v1::DTYPE_BOOL) return a;
  if (IsFloat(a) || IsFloat(b)) {
    if (a == v1::DTYPE_FLOAT64 || b == v1::DTYPE_FLOAT64) return v1::DTYPE_FLOAT64;
    const DType other = IsFloat(a) ? b : a;  // float32 with an integer (or float32)
    return IsFloat(other) || Bits(other) <= 16 ? v1::DTYPE_FLOAT32 : v1::DTYPE_FLOAT64;
  }
  if (IsSigned(a) == IsSigned(b)) return Bits(a) >= Bits(b) ? a : b;
  const DType s = IsSigned(a) ? a : b, u = IsSigned(a) ? b : a;
  if (Bits(s) > Bits(u)) return s;
  if (Bits(u) == 64) return v1::DTYPE_FLOAT64;
  return SignedOf(2 * Bits(u));
}

DType ResultType(const Array& a, const Array& b) {
  const auto& sa = a.data()->scalar;
  const auto& sb = b.data()->scalar;
  if (sa && !sb) return WithScalar(b.dtype(), *sa, a.dtype());
  if (sb && !sa) return WithScalar(a.dtype(), *sb, b.dtype());
  return PromoteTypes(a.dtype(), b.dtype());
}

DType MathType(DType d) {
  if (IsFloat(d)) return d;
  if (d == v1::DTYPE_BOOL || Bits(d) <= 16) return v1::DTYPE_FLOAT32;
  return v1::DTYPE_FLOAT64;
}

}  // namespace brisk
