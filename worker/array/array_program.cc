#include "worker/array/array_program.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "common/dtype_switch.h"

namespace brisk {

struct ArrayProgram::Reg {
  DType dtype = v1::DTYPE_UNSPECIFIED;
  std::unique_ptr<uint64_t[]> storage{new uint64_t[kPieceElements]};
  char* buf = reinterpret_cast<char*>(storage.get());
  const char* ptr = buf;           // where the values are: buf, or straight into an input block
  std::optional<double> constant;  // a "const" instruction's value
};

namespace {

using Kernel = std::function<void(uint64_t, uint64_t)>;

void ForEachRunImpl(absl::Span<const uint64_t> shape, uint64_t start, uint64_t count,
                    const RunFn& fn) {
  if (count == 0) return;
  if (shape.empty()) {
    fn({}, 0, 1);
    return;
  }
  const size_t nd = shape.size();
  std::vector<uint64_t> index(nd, 0);
  uint64_t rest = start;
  for (size_t d = nd; d-- > 0;) {
    index[d] = rest % shape[d];
    rest /= shape[d];
  }
  uint64_t at = start;
  const uint64_t end = start + count;
  while (at < end) {
    const uint64_t run = std::min(end - at, shape[nd - 1] - index[nd - 1]);
    fn(index, at, run);
    at += run;
    index[nd - 1] += run;
    for (size_t d = nd - 1; d > 0 && index[d] >= shape[d]; --d) {
      index[d] = 0;
      ++index[d - 1];
    }
  }
}

// Where a leaf's values come from: a region (start, len per axis) of a source of `source_shape`,
// right-aligned with the output block; an axis of len 1 broadcasts.
struct Region {
  std::vector<uint64_t> start, len, stride;
  size_t offset = 0;       // output axes before the leaf's first axis
  bool last_runs = false;  // the last axis is not broadcast: runs are contiguous in the source

  uint64_t PositionOf(absl::Span<const uint64_t> index) const {
    uint64_t p = 0;
    for (size_t d = 0; d < start.size(); ++d) {
      p += (start[d] + (len[d] == 1 ? 0 : index[d + offset])) * stride[d];
    }
    return p;
  }
};

absl::StatusOr<std::vector<uint64_t>> IntList(const v1::Value& v) {
  if (v.kind_case() != v1::Value::kList)
    return absl::InvalidArgumentError("expected a list of ints");
  std::vector<uint64_t> out;
  for (const v1::Value& item : v.list().items()) {
    if (item.kind_case() != v1::Value::kInt || item.int_() < 0) {
      return absl::InvalidArgumentError("expected a list of non-negative ints");
    }
    out.push_back(static_cast<uint64_t>(item.int_()));
  }
  return out;
}

absl::StatusOr<double> Number(const v1::Value& v) {
  if (v.kind_case() == v1::Value::kFloat) return v.float_();
  if (v.kind_case() == v1::Value::kInt) return static_cast<double>(v.int_());
  if (v.kind_case() == v1::Value::kBool) return v.bool_() ? 1.0 : 0.0;
  return absl::InvalidArgumentError(absl::StrCat("expected a number, got ", KindName(v)));
}

absl::StatusOr<int64_t> Int(const v1::Value& v) {
  if (v.kind_case() == v1::Value::kInt) return v.int_();
  return absl::InvalidArgumentError(absl::StrCat("expected an int, got ", KindName(v)));
}

absl::StatusOr<DType> DTypeArg(const v1::Value& v) {
  if (v.kind_case() != v1::Value::kStr) return absl::InvalidArgumentError("expected a dtype name");
  absl::StatusOr<DType> d = ParseDType(v.str());
  if (!d.ok()) return d.status();
  if (ItemSize(*d) == 0) return absl::InvalidArgumentError("expected a numeric dtype");
  return *d;
}

template <typename T>
constexpr bool kIsFloat = std::is_floating_point_v<T>;
template <typename T>
using Wide = std::common_type_t<
    std::make_unsigned_t<std::conditional_t<kIsFloat<T> || std::is_same_v<T, bool>, int, T>>,
    unsigned>;

// Converts with NumPy's results where C++ defines them; a float that is NaN or outside the
// target's range becomes the target's lowest value (C++ leaves it undefined).
template <typename R, typename T>
inline R Convert(T v) {
  if constexpr (std::is_same_v<R, bool>) {
    return v != 0;
  } else if constexpr (kIsFloat<T> && !kIsFloat<R>) {
    if (!(v >= static_cast<T>(std::numeric_limits<R>::min()) &&
          v < static_cast<T>(std::numeric_limits<R>::max()))) {
      if (std::is_unsigned_v<R> && v < 0 && v > -static_cast<T>(9.2e18)) {
        return static_cast<R>(static_cast<int64_t>(v));  // wraps, as NumPy's C cast does
      }
      return std::numeric_limits<R>::min();
    }
    return static_cast<R>(v);
  } else {
    return static_cast<R>(v);
  }
}

template <typename T, typename R, typename F>
Kernel Map1(const char* const* a, char* out, F f) {
  return [a, out, f](uint64_t, uint64_t n) {
    const T* __restrict x = reinterpret_cast<const T*>(*a);
    R* __restrict y = reinterpret_cast<R*>(out);
    for (uint64_t i = 0; i < n; ++i) y[i] = f(x[i]);
  };
}

template <typename T, typename R, typename F>
Kernel Map2(const char* const* a, const char* const* b, char* out, F f) {
  return [a, b, out, f](uint64_t, uint64_t n) {
    const T* __restrict x = reinterpret_cast<const T*>(*a);
    const T* __restrict y = reinterpret_cast<const T*>(*b);
    R* __restrict z = reinterpret_cast<R*>(out);
    for (uint64_t i = 0; i < n; ++i) z[i] = f(x[i], y[i]);
  };
}

template <typename T>
T IntPow(T base, T exp, bool* negative) {
  if constexpr (std::is_signed_v<T>) {
    if (exp < 0) {
      *negative = true;
      return 0;
    }
  }
  using U = Wide<T>;
  U result = 1, b = static_cast<U>(base);
  auto e = static_cast<std::make_unsigned_t<T>>(exp);
  while (e != 0) {
    if (e & 1) result = static_cast<U>(result * b);
    b = static_cast<U>(b * b);
    e >>= 1;
  }
  return static_cast<T>(result);
}

const char* const kUnary[] = {"neg", "not", "exp",  "log",   "sqrt", "abs",
                              "sin", "cos", "tanh", "floor", "ceil", "isnan"};
const char* const kBinary[] = {"add", "sub", "mul", "div", "pow", "max", "min", "eq",
                               "ne",  "lt",  "le",  "gt",  "ge",  "and", "or"};

bool IsOneOf(absl::string_view code, absl::Span<const char* const> names) {
  for (const char* n : names) {
    if (code == n) return true;
  }
  return false;
}

bool IsComparison(absl::string_view c) {
  return c == "eq" || c == "ne" || c == "lt" || c == "le" || c == "gt" || c == "ge";
}

// The kernel of a unary instruction over T; an error for a dtype it does not take.
template <typename T>
absl::StatusOr<Kernel> UnaryKernel(absl::string_view code, const char* const* a, char* out) {
  using U = Wide<T>;
  if (code == "not") return Map1<T, bool>(a, out, [](T x) { return x == 0; });
  if (code == "isnan") {
    return Map1<T, bool>(a, out, [](T x) {
      if constexpr (kIsFloat<T>) return std::isnan(x);
      return false;
    });
  }
  if (code == "abs") {
    return Map1<T, T>(a, out, [](T x) -> T {
      if constexpr (kIsFloat<T>) return std::fabs(x);
      if constexpr (std::is_signed_v<T>) return x < 0 ? static_cast<T>(U(0) - U(x)) : x;
      return x;
    });
  }
  if (code == "neg") {
    if constexpr (std::is_same_v<T, bool>) {
      return absl::InvalidArgumentError("neg of bool (NumPy refuses it too)");
    } else if constexpr (kIsFloat<T>) {
      return Map1<T, T>(a, out, [](T x) { return -x; });
    } else {
      return Map1<T, T>(a, out, [](T x) { return static_cast<T>(U(0) - U(x)); });
    }
  }
  if constexpr (kIsFloat<T>) {
    if (code == "exp") return Map1<T, T>(a, out, [](T x) { return std::exp(x); });
    if (code == "log") return Map1<T, T>(a, out, [](T x) { return std::log(x); });
    if (code == "sqrt") return Map1<T, T>(a, out, [](T x) { return std::sqrt(x); });
    if (code == "sin") return Map1<T, T>(a, out, [](T x) { return std::sin(x); });
    if (code == "cos") return Map1<T, T>(a, out, [](T x) { return std::cos(x); });
    if (code == "tanh") return Map1<T, T>(a, out, [](T x) { return std::tanh(x); });
    if (code == "floor") return Map1<T, T>(a, out, [](T x) { return std::floor(x); });
    if (code == "ceil") return Map1<T, T>(a, out, [](T x) { return std::ceil(x); });
  }
  return absl::InvalidArgumentError(
      absl::StrCat(code, " needs a float operand, got ", DTypeName(DTypeOf<T>())));
}

template <typename T>
absl::StatusOr<Kernel> BinaryKernel(absl::string_view code, const char* const* a,
                                    const char* const* b, char* out, std::optional<double> b_const,
                                    bool* negative_power) {
  using U = Wide<T>;
  if (code == "eq") return Map2<T, bool>(a, b, out, [](T x, T y) { return x == y; });
  if (code == "ne") return Map2<T, bool>(a, b, out, [](T x, T y) { return x != y; });
  if (code == "lt") return Map2<T, bool>(a, b, out, [](T x, T y) { return x < y; });
  if (code == "le") return Map2<T, bool>(a, b, out, [](T x, T y) { return x <= y; });
  if (code == "gt") return Map2<T, bool>(a, b, out, [](T x, T y) { return x > y; });
  if (code == "ge") return Map2<T, bool>(a, b, out, [](T x, T y) { return x >= y; });
  if (code == "max" || code == "min") {
    const bool max = code == "max";
    return Map2<T, T>(a, b, out, [max](T x, T y) -> T {
      if constexpr (kIsFloat<T>) {
        if (std::isnan(x)) return x;
        if (std::isnan(y)) return y;
      }
      return max ? (x < y ? y : x) : (y < x ? y : x);
    });
  }
  if constexpr (std::is_same_v<T, bool>) {
    if (code == "add" || code == "or") return Map2<T, T>(a, b, out, [](T x, T y) { return x | y; });
    if (code == "mul" || code == "and") {
      return Map2<T, T>(a, b, out, [](T x, T y) { return x & y; });
    }
    return absl::InvalidArgumentError(absl::StrCat(code, " of bool operands"));
  } else if constexpr (kIsFloat<T>) {
    if (code == "add") return Map2<T, T>(a, b, out, [](T x, T y) { return x + y; });
    if (code == "sub") return Map2<T, T>(a, b, out, [](T x, T y) { return x - y; });
    if (code == "mul") return Map2<T, T>(a, b, out, [](T x, T y) { return x * y; });
    if (code == "div") return Map2<T, T>(a, b, out, [](T x, T y) { return x / y; });
    if (code == "pow") {
      if (b_const == 2.0) return Map2<T, T>(a, b, out, [](T x, T) { return x * x; });
      if (b_const == 1.0) return Map2<T, T>(a, b, out, [](T x, T) { return x; });
      if (b_const == 0.5) return Map2<T, T>(a, b, out, [](T x, T) { return std::sqrt(x); });
      return Map2<T, T>(a, b, out, [](T x, T y) { return std::pow(x, y); });
    }
    return absl::InvalidArgumentError(
        absl::StrCat(code, " needs integer or bool operands, got ", DTypeName(DTypeOf<T>())));
  } else {
    if (code == "add") return Map2<T, T>(a, b, out, [](T x, T y) { return T(U(x) + U(y)); });
    if (code == "sub") return Map2<T, T>(a, b, out, [](T x, T y) { return T(U(x) - U(y)); });
    if (code == "mul") return Map2<T, T>(a, b, out, [](T x, T y) { return T(U(x) * U(y)); });
    if (code == "and") return Map2<T, T>(a, b, out, [](T x, T y) { return T(x & y); });
    if (code == "or") return Map2<T, T>(a, b, out, [](T x, T y) { return T(x | y); });
    if (code == "pow") {
      return Map2<T, T>(a, b, out,
                        [negative_power](T x, T y) { return IntPow(x, y, negative_power); });
    }
    return absl::InvalidArgumentError(
        absl::StrCat(code, " needs float operands, got ", DTypeName(DTypeOf<T>())));
  }
}

template <typename T>
Kernel WhereKernel(const char* const* c, const char* const* a, const char* const* b, char* out) {
  return [c, a, b, out](uint64_t, uint64_t n) {
    const bool* k = reinterpret_cast<const bool*>(*c);
    const T* x = reinterpret_cast<const T*>(*a);
    const T* y = reinterpret_cast<const T*>(*b);
    T* z = reinterpret_cast<T*>(out);
    for (uint64_t i = 0; i < n; ++i) z[i] = k[i] ? x[i] : y[i];
  };
}

Kernel CastKernel(DType from, DType to, const char* const* a, char* out) {
  return DTypeSwitch(
      from,
      [&](auto f) -> Kernel {
        using T = decltype(f);
        return DTypeSwitch(
            to,
            [&](auto t) -> Kernel {
              using R = decltype(t);
              return Map1<T, R>(a, out, [](T x) { return Convert<R>(x); });
            },
            [] { return Kernel(); });
      },
      [] { return Kernel(); });
}

template <typename T>
void FillRun(char* out, uint64_t at, uint64_t n, T value) {
  T* p = reinterpret_cast<T*>(out) + at;
  std::fill(p, p + n, value);
}

}  // namespace

void ForEachRun(absl::Span<const uint64_t> shape, uint64_t start, uint64_t count, const RunFn& fn) {
  ForEachRunImpl(shape, start, count, fn);
}

ArrayProgram::~ArrayProgram() = default;

DType ArrayProgram::dtype() const { return regs_.back()->dtype; }

absl::StatusOr<std::unique_ptr<ArrayProgram>> ArrayProgram::Parse(absl::string_view op,
                                                                  const v1::Value& program,
                                                                  std::vector<ArrayView> inputs,
                                                                  std::vector<uint64_t> shape) {
  auto p = std::unique_ptr<ArrayProgram>(new ArrayProgram());
  p->shape_ = std::move(shape);
  for (uint64_t d : p->shape_) p->size_ *= d;
  p->inputs_ = std::move(inputs);
  if (program.kind_case() != v1::Value::kList || program.list().items_size() == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(op, ": the program must be a non-empty list of instructions"));
  }
  const auto& items = program.list().items();
  const std::vector<uint64_t>& out_shape = p->shape_;
  bool* negative_power = &p->negative_power_;
  for (int n = 0; n < items.size(); ++n) {
    auto fail = [&](absl::string_view what) {
      return absl::InvalidArgumentError(absl::StrCat(op, ": program instruction ", n, ": ", what));
    };
    const v1::Value& instr = items[n];
    if (instr.kind_case() != v1::Value::kList || instr.list().items_size() == 0 ||
        instr.list().items(0).kind_case() != v1::Value::kStr) {
      return fail("must be a list starting with its name");
    }
    const auto& a = instr.list().items();
    const std::string& code = a[0].str();
    auto arg_count = [&](int count) -> absl::Status {
      if (a.size() != count + 1) {
        return fail(absl::StrCat(code, " takes ", count, " arguments, got ", a.size() - 1));
      }
      return absl::OkStatus();
    };
    auto reg_arg = [&](int i) -> absl::StatusOr<Reg*> {
      if (a[i].kind_case() != v1::Value::kInt || a[i].int_() < 0 || a[i].int_() >= n) {
        return fail(absl::StrCat("argument ", i, " must name an earlier instruction"));
      }
      return p->regs_[a[i].int_()].get();
    };
    // A leaf over a region of a source of `source_shape`.
    auto region_of = [&](const std::vector<uint64_t>& source_shape,
                         const std::vector<uint64_t>& start,
                         const std::vector<uint64_t>& len) -> absl::StatusOr<Region> {
      Region r;
      if (start.size() != source_shape.size() || len.size() != source_shape.size()) {
        return fail("the region's rank differs from its source's");
      }
      if (len.size() > out_shape.size()) return fail("a leaf of more axes than the block");
      r.start = start;
      r.len = len;
      r.offset = out_shape.size() - len.size();
      r.stride.assign(len.size(), 1);
      for (size_t d = len.size(); d-- > 0;) {
        if (start[d] + len[d] > source_shape[d]) return fail("the region passes its source's end");
        if (len[d] != 1 && len[d] != out_shape[d + r.offset]) {
          return fail(absl::StrCat("a leaf of ", len[d], " elements along axis ", d,
                                   " does not broadcast to the block's ", out_shape[d + r.offset]));
        }
        if (d + 1 < len.size()) r.stride[d] = r.stride[d + 1] * source_shape[d + 1];
      }
      r.last_runs = !len.empty() && (len.back() != 1 || out_shape.back() == 1);
      return r;
    };
    auto reg = std::make_unique<Reg>();
    Reg* out = reg.get();
    char* buf = out->buf;
    Kernel kernel;
    if (code == "input") {
      if (a.size() != 2 && a.size() != 4) return fail("input takes 1 or 3 arguments");
      absl::StatusOr<int64_t> k = Int(a[1]);
      if (!k.ok() || *k < 0 || static_cast<size_t>(*k) >= p->inputs_.size()) {
        return fail(absl::StrCat("input names block argument ",
                                 k.ok() ? absl::StrCat(*k) : std::string(KindName(a[1])), " of ",
                                 p->inputs_.size()));
      }
      const ArrayView view = p->inputs_[*k];
      std::vector<uint64_t> source(view.shape().begin(), view.shape().end());
      std::vector<uint64_t> start(source.size(), 0), len = source;
      if (a.size() == 4) {
        absl::StatusOr<std::vector<uint64_t>> s = IntList(a[2]), l = IntList(a[3]);
        if (!s.ok() || !l.ok()) return fail("the input's region must be two lists of ints");
        start = *s;
        len = *l;
      }
      absl::StatusOr<Region> r = region_of(source, start, len);
      if (!r.ok()) return r.status();
      out->dtype = view.dtype();
      const size_t item = ItemSize(view.dtype());
      const char* data = view.bytes().data();
      const bool direct = len == out_shape && source == out_shape;
      const std::vector<uint64_t> shp = out_shape;
      if (direct) {
        kernel = [out, data, item](uint64_t start, uint64_t) { out->ptr = data + start * item; };
      } else {
        kernel = [out, data, item, r = *r, shp](uint64_t start, uint64_t count) {
          ForEachRunImpl(shp, start, count,
                         [&](absl::Span<const uint64_t> index, uint64_t at, uint64_t run) {
                           const char* src = data + r.PositionOf(index) * item;
                           char* dst = out->buf + (at - start) * item;
                           if (r.last_runs) {
                             std::memcpy(dst, src, run * item);
                           } else {
                             for (uint64_t i = 0; i < run; ++i)
                               std::memcpy(dst + i * item, src, item);
                           }
                         });
        };
      }
    } else if (code == "const") {
      if (absl::Status s = arg_count(2); !s.ok()) return s;
      absl::StatusOr<double> v = Number(a[1]);
      absl::StatusOr<DType> d = DTypeArg(a[2]);
      if (!v.ok() || !d.ok()) return fail("const takes a number and a dtype");
      out->dtype = *d;
      out->constant = *v;
      const v1::Value value = a[1];
      DTypeSwitch(
          *d,
          [&](auto t) {
            using T = decltype(t);
            T x;
            if (value.kind_case() == v1::Value::kInt) {
              x = static_cast<T>(value.int_());
            } else {
              x = Convert<T>(*v);
            }
            FillRun<T>(buf, 0, kPieceElements, x);
          },
          [] {});
      kernel = [](uint64_t, uint64_t) {};
    } else if (code == "uniform" || code == "normal" || code == "integers") {
      const bool ints = code == "integers";
      if (absl::Status s = arg_count(ints ? 7 : 6); !s.ok()) return s;
      absl::StatusOr<int64_t> seed = Int(a[1]);
      absl::StatusOr<double> x = Number(a[2]), y = Number(a[3]);
      absl::StatusOr<int64_t> lo = Int(a[2]), hi = Int(a[3]);
      DType dtype = v1::DTYPE_FLOAT64;
      int at = 4;
      if (ints) {
        absl::StatusOr<DType> d = DTypeArg(a[4]);
        if (!d.ok()) return fail("integers: argument 4 must be a dtype");
        if (!lo.ok() || !hi.ok() || *lo >= *hi) return fail("integers needs ints low < high");
        dtype = *d;
        at = 5;
      }
      if (!seed.ok() || !x.ok() || !y.ok()) return fail(absl::StrCat(code, ": bad parameters"));
      absl::StatusOr<std::vector<uint64_t>> gshape = IntList(a[at]), start = IntList(a[at + 1]),
                                            len = IntList(a[at + 2]);
      if (!gshape.ok() || !start.ok() || !len.ok()) {
        return fail(absl::StrCat(code, ": the array shape and region must be lists of ints"));
      }
      absl::StatusOr<Region> r = region_of(*gshape, *start, *len);
      if (!r.ok()) return r.status();
      out->dtype = dtype;
      const std::vector<uint64_t> shp = out_shape;
      const uint64_t s = static_cast<uint64_t>(*seed);
      const double p1 = *x, p2 = *y;
      const int64_t i1 = lo.ok() ? *lo : 0, i2 = hi.ok() ? *hi : 0;
      const int which = code == "uniform" ? 0 : code == "normal" ? 1 : 2;
      kernel = [out, r = *r, shp, s, p1, p2, i1, i2, which, dtype](uint64_t start, uint64_t count) {
        ForEachRunImpl(shp, start, count,
                       [&](absl::Span<const uint64_t> index, uint64_t at, uint64_t run) {
                         const uint64_t pos = r.PositionOf(index);
                         const uint64_t n = r.last_runs ? run : 1;
                         const uint64_t o = at - start;
                         if (which == 2) {
                           int64_t tmp[kPieceElements];
                           IntegerValues(s, i1, i2, pos, n, tmp);
                           DTypeSwitch(
                               dtype,
                               [&](auto t) {
                                 using T = decltype(t);
                                 T* dst = reinterpret_cast<T*>(out->buf) + o;
                                 for (uint64_t i = 0; i < run; ++i)
                                   dst[i] = static_cast<T>(tmp[n == 1 ? 0 : i]);
                               },
                               [] {});
                           return;
                         }
                         double* dst = reinterpret_cast<double*>(out->buf) + o;
                         if (which == 0) {
                           UniformValues(s, p1, p2, pos, n, dst);
                         } else {
                           NormalValues(s, p1, p2, pos, n, dst);
                         }
                         if (n == 1) std::fill(dst + 1, dst + run, dst[0]);
                       });
      };
    } else if (code == "arange" || code == "linspace") {
      // ["arange", first, step, dtype, start, len]: value i is first + i * step.
      // ["linspace", first, last, num, endpoint, start, len]: NumPy's linspace values.
      const bool lin = code == "linspace";
      if (absl::Status s = arg_count(lin ? 6 : 5); !s.ok()) return s;
      absl::StatusOr<double> first = Number(a[1]), second = Number(a[2]);
      if (!first.ok() || !second.ok()) return fail(absl::StrCat(code, ": bad parameters"));
      DType dtype = v1::DTYPE_FLOAT64;
      int at = 4;
      uint64_t num = 0;
      bool endpoint = true;
      if (lin) {
        absl::StatusOr<int64_t> nn = Int(a[3]);
        if (!nn.ok() || *nn < 0 || a[4].kind_case() != v1::Value::kBool) {
          return fail("linspace: num must be an int and endpoint a bool");
        }
        num = static_cast<uint64_t>(*nn);
        endpoint = a[4].bool_();
        at = 5;
      } else {
        absl::StatusOr<DType> d = DTypeArg(a[3]);
        if (!d.ok()) return fail("arange: argument 3 must be a dtype");
        dtype = *d;
      }
      absl::StatusOr<int64_t> st = Int(a[at]), ln = Int(a[at + 1]);
      if (!st.ok() || !ln.ok() || *st < 0 || *ln < 0) {
        return fail(absl::StrCat(code, ": the region must be two ints"));
      }
      absl::StatusOr<Region> r =
          region_of({static_cast<uint64_t>(*st + *ln)}, {static_cast<uint64_t>(*st)},
                    {static_cast<uint64_t>(*ln)});
      if (!r.ok()) return r.status();
      out->dtype = dtype;
      const std::vector<uint64_t> shp = out_shape;
      const double f = *first;
      double step = *second;
      if (lin) {
        const double div = endpoint ? static_cast<double>(num) - 1 : static_cast<double>(num);
        step = div > 0 ? (*second - f) / div : 0;
      }
      const double last = *second;
      const bool int_exact =
          !lin && a[1].kind_case() == v1::Value::kInt && a[2].kind_case() == v1::Value::kInt;
      const int64_t fi = int_exact ? a[1].int_() : 0, si = int_exact ? a[2].int_() : 0;
      kernel = [out, r = *r, shp, f, step, last, lin, num, endpoint, int_exact, fi, si, dtype](
                   uint64_t start, uint64_t count) {
        ForEachRunImpl(shp, start, count,
                       [&](absl::Span<const uint64_t> index, uint64_t at, uint64_t run) {
                         const uint64_t pos = r.PositionOf(index);
                         const uint64_t n = r.last_runs ? run : 1;
                         DTypeSwitch(
                             dtype,
                             [&](auto t) {
                               using T = decltype(t);
                               T* dst = reinterpret_cast<T*>(out->buf) + (at - start);
                               for (uint64_t i = 0; i < run; ++i) {
                                 const uint64_t q = pos + (n == 1 ? 0 : i);
                                 if (int_exact) {
                                   dst[i] = static_cast<T>(fi + static_cast<int64_t>(q) * si);
                                 } else if (lin && endpoint && num > 1 && q == num - 1) {
                                   dst[i] = Convert<T>(last);
                                 } else {
                                   dst[i] = Convert<T>(f + static_cast<double>(q) * step);
                                 }
                               }
                             },
                             [] {});
                       });
      };
    } else if (code == "cast") {
      if (absl::Status s = arg_count(2); !s.ok()) return s;
      absl::StatusOr<Reg*> x = reg_arg(1);
      absl::StatusOr<DType> d = DTypeArg(a[2]);
      if (!x.ok()) return x.status();
      if (!d.ok()) return fail("cast: argument 2 must be a dtype");
      out->dtype = *d;
      kernel = CastKernel((*x)->dtype, *d, &(*x)->ptr, buf);
    } else if (code == "where") {
      if (absl::Status s = arg_count(3); !s.ok()) return s;
      absl::StatusOr<Reg*> c = reg_arg(1), x = reg_arg(2), y = reg_arg(3);
      if (!c.ok()) return c.status();
      if (!x.ok()) return x.status();
      if (!y.ok()) return y.status();
      if ((*c)->dtype != v1::DTYPE_BOOL) return fail("where: the condition must be bool");
      if ((*x)->dtype != (*y)->dtype) return fail("where: the operands' dtypes differ");
      out->dtype = (*x)->dtype;
      kernel = DTypeSwitch(
          out->dtype,
          [&](auto t) { return WhereKernel<decltype(t)>(&(*c)->ptr, &(*x)->ptr, &(*y)->ptr, buf); },
          [] { return Kernel(); });
    } else if (IsOneOf(code, kUnary)) {
      if (absl::Status s = arg_count(1); !s.ok()) return s;
      absl::StatusOr<Reg*> x = reg_arg(1);
      if (!x.ok()) return x.status();
      absl::StatusOr<Kernel> k = DTypeSwitch(
          (*x)->dtype, [&](auto t) { return UnaryKernel<decltype(t)>(code, &(*x)->ptr, buf); },
          [] { return absl::StatusOr<Kernel>(absl::InvalidArgumentError("no dtype")); });
      if (!k.ok()) return fail(k.status().message());
      kernel = *std::move(k);
      out->dtype = (code == "not" || code == "isnan") ? v1::DTYPE_BOOL : (*x)->dtype;
    } else if (IsOneOf(code, kBinary)) {
      if (absl::Status s = arg_count(2); !s.ok()) return s;
      absl::StatusOr<Reg*> x = reg_arg(1), y = reg_arg(2);
      if (!x.ok()) return x.status();
      if (!y.ok()) return y.status();
      if ((*x)->dtype != (*y)->dtype) {
        return fail(absl::StrCat(code, " of ", DTypeName((*x)->dtype), " and ",
                                 DTypeName((*y)->dtype), " (cast them to one dtype first)"));
      }
      absl::StatusOr<Kernel> k = DTypeSwitch(
          (*x)->dtype,
          [&](auto t) {
            return BinaryKernel<decltype(t)>(code, &(*x)->ptr, &(*y)->ptr, buf, (*y)->constant,
                                             negative_power);
          },
          [] { return absl::StatusOr<Kernel>(absl::InvalidArgumentError("no dtype")); });
      if (!k.ok()) return fail(k.status().message());
      kernel = *std::move(k);
      out->dtype = IsComparison(code) ? v1::DTYPE_BOOL : (*x)->dtype;
    } else {
      return fail(absl::StrCat("unknown instruction \"", code, "\""));
    }
    if (!kernel) return fail("unsupported dtype");
    p->regs_.push_back(std::move(reg));
    p->kernels_.push_back(std::move(kernel));
  }
  return p;
}

const void* ArrayProgram::Eval(uint64_t start, uint64_t count) {
  for (const auto& kernel : kernels_) kernel(start, count);
  if (negative_power_ && status_.ok()) {
    status_ = absl::InvalidArgumentError("integers to negative integer powers are not allowed");
  }
  return regs_.back()->ptr;
}

absl::StatusOr<v1::Value> ArrayProgram::EvalAll() {
  absl::StatusOr<uint64_t> bytes = ArrayByteCount(dtype(), shape_);
  if (!bytes.ok()) return bytes.status();
  std::string data(*bytes, '\0');
  const size_t item = ItemSize(dtype());
  for (uint64_t at = 0; at < size_; at += kPieceElements) {
    const uint64_t n = std::min(kPieceElements, size_ - at);
    std::memcpy(data.data() + at * item, Eval(at, n), n * item);
  }
  if (!status_.ok()) return status_;
  v1::Value value;
  v1::NDArray* array = value.mutable_ndarray();
  array->set_dtype(dtype());
  for (uint64_t d : shape_) array->add_shape(d);
  array->set_data(std::move(data));
  return value;
}

}  // namespace brisk
