#include "worker/frame/frame_expression_eval.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/dtype_switch.h"
#include "worker/frame/text_lower.h"

namespace brisk {
namespace {

using Op = FrameExprOp;

// A node's value: a whole column (or one value broadcast to every row), dtype bool, int64,
// float64 or string.
struct Vec {
  DType dtype = v1::DTYPE_BOOL;
  bool scalar = false;
  std::vector<uint8_t> b;
  std::vector<int64_t> i;
  std::vector<double> f;
  std::vector<absl::string_view> s;
  std::shared_ptr<std::string> storage;  // the text `s` views when a function made it
  std::vector<uint8_t> valid;            // empty: every row has a value
  std::string what;                      // for messages: column "x", 5, 'abc', ...

  bool Valid(uint64_t r) const { return valid.empty() || valid[scalar ? 0 : r] != 0; }
  bool numeric() const { return dtype == v1::DTYPE_INT64 || dtype == v1::DTYPE_FLOAT64; }
};

std::string TypeOf(const Vec& v) { return absl::StrCat(DTypeName(v.dtype), " (", v.what, ")"); }

// out[r] = f(a[r], b[r]) over `rows` rows, a one-value side broadcast.
template <typename R, typename T, typename U, typename F>
std::vector<R> Zip(uint64_t rows, const std::vector<T>& a, bool a_scalar, const std::vector<U>& b,
                   bool b_scalar, F f) {
  std::vector<R> out(rows);
  if (rows == 0) return out;
  if (a_scalar && b_scalar) {
    out[0] = f(a[0], b[0]);
  } else if (a_scalar) {
    const T x = a[0];
    for (uint64_t r = 0; r < rows; ++r) out[r] = f(x, b[r]);
  } else if (b_scalar) {
    const U y = b[0];
    for (uint64_t r = 0; r < rows; ++r) out[r] = f(a[r], y);
  } else {
    for (uint64_t r = 0; r < rows; ++r) out[r] = f(a[r], b[r]);
  }
  return out;
}

// Wrapping int64 arithmetic, as NumPy's (no undefined behaviour on overflow).
int64_t Wrap(uint64_t v) { return static_cast<int64_t>(v); }
int64_t AddI(int64_t a, int64_t b) {
  return Wrap(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}
int64_t SubI(int64_t a, int64_t b) {
  return Wrap(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
}
int64_t MulI(int64_t a, int64_t b) {
  return Wrap(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}
// Python's modulo (the sign of the divisor); b != 0.
int64_t ModI(int64_t a, int64_t b) {
  if (b == -1) return 0;
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}
// NumPy's remainder for floats (the sign of the divisor); NaN for b == 0.
double ModF(double a, double b) {
  if (b == 0) return std::numeric_limits<double>::quiet_NaN();
  double r = std::fmod(a, b);
  if (r != 0) {
    if ((r < 0) != (b < 0)) r += b;
  } else {
    r = std::copysign(0.0, b);
  }
  return r;
}
// Python's floor division; b != 0 (INT64_MIN // -1 wraps, as NumPy's).
int64_t FloorDivI(int64_t a, int64_t b) {
  if (b == -1) return Wrap(0 - static_cast<uint64_t>(a));
  int64_t q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}
// NumPy's floor_divide for floats (npy_floor_divide and npy_divmod): a / b for b == 0.
double FloorDivF(double a, double b) {
  if (b == 0) return a / b;
  double mod = std::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0) {
    if ((b < 0) != (mod < 0)) div -= 1.0;
  }
  if (div != 0) {
    double floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
    return floordiv;
  }
  return std::copysign(0.0, a / b);
}

class Evaluator {
 public:
  explicit Evaluator(const FrameColumns& table) : table_(table), rows_(table.num_rows) {}

  absl::StatusOr<Vec> Eval(const FrameExpr& e) {
    switch (e.kind) {
      case FrameExpr::Kind::kColumn:
        return Load(e.text);
      case FrameExpr::Kind::kInt: {
        Vec v = Scalar(v1::DTYPE_INT64, absl::StrCat(e.int_value));
        v.i = {e.int_value};
        return v;
      }
      case FrameExpr::Kind::kFloat: {
        Vec v = Scalar(v1::DTYPE_FLOAT64, absl::StrCat(e.float_value));
        v.f = {e.float_value};
        return v;
      }
      case FrameExpr::Kind::kString: {
        Vec v = Scalar(v1::DTYPE_STRING, absl::StrCat("'", e.text, "'"));
        v.s = {e.text};
        return v;
      }
      case FrameExpr::Kind::kBool: {
        Vec v = Scalar(v1::DTYPE_BOOL, e.bool_value ? "true" : "false");
        v.b = {static_cast<uint8_t>(e.bool_value)};
        return v;
      }
      case FrameExpr::Kind::kOp:
        break;
    }
    std::vector<Vec> args;
    for (const FrameExpr& a : e.args) {
      absl::StatusOr<Vec> v = Eval(a);
      if (!v.ok()) return v.status();
      args.push_back(*std::move(v));
    }
    absl::StatusOr<Vec> out = Apply(e, args);
    if (out.ok()) {
      out->what =
          absl::StrCat("the result of \"", FrameExprOpName(e.op), "\" at column ", e.column);
    }
    return out;
  }

  absl::StatusOr<ColumnBuffers> ToBuffers(const Vec& v) const {
    ColumnBuffers out;
    out.dtype = v.dtype;
    const uint64_t n = rows_;
    auto at = [&](uint64_t r) { return v.scalar ? 0 : r; };
    std::vector<uint8_t> valid;
    if (!v.valid.empty()) {
      valid.resize(n);
      for (uint64_t r = 0; r < n; ++r) valid[r] = v.valid[at(r)];
    }
    switch (v.dtype) {
      case v1::DTYPE_BOOL:
        out.data.resize(n);
        for (uint64_t r = 0; r < n; ++r) out.data[r] = static_cast<char>(v.b[at(r)] != 0);
        break;
      case v1::DTYPE_INT64:
        out.data.resize(n * 8);
        if (v.scalar) {
          for (uint64_t r = 0; r < n; ++r) std::memcpy(out.data.data() + 8 * r, v.i.data(), 8);
        } else if (n > 0) {
          std::memcpy(out.data.data(), v.i.data(), n * 8);
        }
        break;
      case v1::DTYPE_FLOAT64:
        out.data.resize(n * 8);
        if (v.scalar) {
          for (uint64_t r = 0; r < n; ++r) std::memcpy(out.data.data() + 8 * r, v.f.data(), 8);
        } else if (n > 0) {
          std::memcpy(out.data.data(), v.f.data(), n * 8);
        }
        break;
      case v1::DTYPE_STRING: {
        uint64_t total = 0;
        for (uint64_t r = 0; r < n; ++r) {
          if (v.Valid(r)) total += v.s[at(r)].size();
        }
        if (total > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
          return absl::InvalidArgumentError("the result exceeds 2 GiB of text");
        }
        out.data.reserve(total);
        out.offsets.resize(4 * (n + 1));
        int32_t end = 0;
        std::memcpy(out.offsets.data(), &end, 4);
        for (uint64_t r = 0; r < n; ++r) {
          if (v.Valid(r)) out.data.append(v.s[at(r)].data(), v.s[at(r)].size());
          end = static_cast<int32_t>(out.data.size());
          std::memcpy(out.offsets.data() + 4 * (r + 1), &end, 4);
        }
        break;
      }
      default:
        return absl::InternalError("expression of no dtype");
    }
    out.validity = ValidityBits(valid);
    return out;
  }

 private:
  static Vec Scalar(DType dtype, std::string what) {
    Vec v;
    v.dtype = dtype;
    v.scalar = true;
    v.what = std::move(what);
    return v;
  }

  absl::StatusOr<Vec> Load(const std::string& name) const {
    const FrameColumn* c = table_.Find(name);
    if (c == nullptr) return table_.NoColumn(name);
    Vec v;
    v.what = absl::StrCat("column \"", name, "\"");
    const uint64_t n = rows_;
    if (!c->validity.empty()) {
      v.valid.resize(n);
      for (uint64_t r = 0; r < n; ++r) v.valid[r] = !c->IsNull(r);
    }
    if (c->dtype == v1::DTYPE_STRING) {
      v.dtype = v1::DTYPE_STRING;
      v.s.resize(n);
      for (uint64_t r = 0; r < n; ++r) v.s[r] = c->String(r);
      return v;
    }
    if (c->dtype == v1::DTYPE_BOOL) {
      v.dtype = v1::DTYPE_BOOL;
      v.b.assign(c->data.begin(), c->data.end());
      return v;
    }
    absl::Status status = DTypeSwitch(
        c->dtype,
        [&](auto t) {
          using T = decltype(t);
          const T* p = reinterpret_cast<const T*>(c->data.data());
          if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, uint64_t>) {
            v.dtype = v1::DTYPE_FLOAT64;
            v.f.resize(n);
            for (uint64_t r = 0; r < n; ++r) v.f[r] = static_cast<double>(p[r]);
          } else {
            v.dtype = v1::DTYPE_INT64;
            v.i.resize(n);
            for (uint64_t r = 0; r < n; ++r) v.i[r] = static_cast<int64_t>(p[r]);
          }
          return absl::OkStatus();
        },
        [&] {
          return absl::InvalidArgumentError(
              absl::StrCat("column \"", name, "\" has no dtype an expression can read"));
        });
    if (!status.ok()) return status;
    if (v.dtype == v1::DTYPE_FLOAT64) NullNaN(v);
    return v;
  }

  // A NaN is a missing value, as in pandas.
  static void NullNaN(Vec& v) {
    const size_t n = v.f.size();
    bool any = false;
    for (size_t r = 0; r < n && !any; ++r) any = std::isnan(v.f[r]);
    if (!any) return;
    if (v.valid.empty()) v.valid.assign(n, 1);
    for (size_t r = 0; r < n; ++r) {
      if (std::isnan(v.f[r])) v.valid[r] = 0;
    }
  }

  uint64_t Rows(const Vec& a, const Vec& b) const { return a.scalar && b.scalar ? 1 : rows_; }

  // The rows where both operands have a value (empty: every row).
  std::vector<uint8_t> BothValid(const Vec& a, const Vec& b) const {
    if (a.valid.empty() && b.valid.empty()) return {};
    const uint64_t n = Rows(a, b);
    std::vector<uint8_t> out(n);
    for (uint64_t r = 0; r < n; ++r) out[r] = a.Valid(r) && b.Valid(r);
    return out;
  }

  static absl::Status TypeError(const FrameExpr& e, const Vec& a) {
    return absl::InvalidArgumentError(absl::StrCat("\"", FrameExprOpName(e.op), "\" at column ",
                                                   e.column, " does not apply to ", TypeOf(a)));
  }
  static absl::Status TypeError(const FrameExpr& e, const Vec& a, const Vec& b) {
    return absl::InvalidArgumentError(absl::StrCat("\"", FrameExprOpName(e.op), "\" at column ",
                                                   e.column, " does not apply to ", TypeOf(a),
                                                   " and ", TypeOf(b)));
  }

  static Vec AsInt(Vec v) {
    if (v.dtype != v1::DTYPE_BOOL) return v;
    v.dtype = v1::DTYPE_INT64;
    v.i.assign(v.b.begin(), v.b.end());
    v.b.clear();
    return v;
  }
  static Vec AsFloat(Vec v) {
    v = AsInt(std::move(v));
    if (v.dtype != v1::DTYPE_INT64) return v;
    v.dtype = v1::DTYPE_FLOAT64;
    v.f.assign(v.i.begin(), v.i.end());
    v.i.clear();
    return v;
  }

  absl::StatusOr<Vec> Apply(const FrameExpr& e, std::vector<Vec>& args) const {
    switch (e.op) {
      case Op::kAdd:
      case Op::kSub:
      case Op::kMul:
      case Op::kDiv:
      case Op::kMod:
      case Op::kFloorDiv:
        return Arithmetic(e, std::move(args[0]), std::move(args[1]));
      case Op::kEq:
      case Op::kNe:
      case Op::kLt:
      case Op::kLe:
      case Op::kGt:
      case Op::kGe:
        return Compare(e, std::move(args[0]), std::move(args[1]));
      case Op::kAnd:
      case Op::kOr:
        return Logic(e, args[0], args[1]);
      case Op::kNot: {
        const Vec& a = args[0];
        if (a.dtype != v1::DTYPE_BOOL) return TypeError(e, a);
        Vec out;
        out.scalar = a.scalar;
        out.b.resize(a.b.size());
        for (size_t r = 0; r < a.b.size(); ++r) out.b[r] = !(a.b[r] && a.Valid(r));
        return out;
      }
      case Op::kNeg:
      case Op::kAbs:
        return Sign(e, std::move(args[0]));
      case Op::kIsNull:
      case Op::kNotNull: {
        const Vec& a = args[0];
        Vec out;
        out.scalar = a.scalar;
        const uint64_t n = a.scalar ? 1 : rows_;
        out.b.resize(n);
        const bool want = e.op == Op::kNotNull;
        for (uint64_t r = 0; r < n; ++r) out.b[r] = a.Valid(r) == want;
        return out;
      }
      case Op::kStartsWith:
      case Op::kEndsWith:
      case Op::kContains: {
        const Vec& a = args[0];
        if (a.dtype != v1::DTYPE_STRING) return TypeError(e, a);
        const absl::string_view text = args[1].s[0];
        Vec out;
        out.scalar = a.scalar;
        out.b.resize(a.s.size());
        for (size_t r = 0; r < a.s.size(); ++r) {
          if (!a.Valid(r)) continue;
          out.b[r] = e.op == Op::kStartsWith ? absl::StartsWith(a.s[r], text)
                     : e.op == Op::kEndsWith ? absl::EndsWith(a.s[r], text)
                                             : absl::StrContains(a.s[r], text);
        }
        return out;
      }
      case Op::kLower: {
        Vec a = std::move(args[0]);
        if (a.dtype != v1::DTYPE_STRING) return TypeError(e, a);
        auto storage = std::make_shared<std::string>();
        size_t total = 0;
        for (absl::string_view s : a.s) total += s.size();
        storage->reserve(total);
        std::vector<size_t> ends(a.s.size());
        for (size_t r = 0; r < a.s.size(); ++r) {
          AppendLowercase(a.s[r], *storage);
          ends[r] = storage->size();
        }
        size_t begin = 0;
        for (size_t r = 0; r < a.s.size(); ++r) {
          a.s[r] = absl::string_view(storage->data() + begin, ends[r] - begin);
          begin = ends[r];
        }
        a.storage = std::move(storage);
        return a;
      }
    }
    return absl::InternalError("unknown operator");
  }

  absl::StatusOr<Vec> Arithmetic(const FrameExpr& e, Vec a, Vec b) const {
    if (!a.numeric() && !b.numeric()) return TypeError(e, a, b);
    if (a.dtype == v1::DTYPE_STRING || b.dtype == v1::DTYPE_STRING) return TypeError(e, a, b);
    Vec out;
    out.scalar = a.scalar && b.scalar;
    out.valid = BothValid(a, b);
    const uint64_t n = Rows(a, b);
    a = AsInt(std::move(a));
    b = AsInt(std::move(b));
    if (e.op != Op::kDiv && a.dtype == v1::DTYPE_INT64 && b.dtype == v1::DTYPE_INT64) {
      out.dtype = v1::DTYPE_INT64;
      switch (e.op) {
        case Op::kAdd:
          out.i = Zip<int64_t>(n, a.i, a.scalar, b.i, b.scalar, AddI);
          return out;
        case Op::kSub:
          out.i = Zip<int64_t>(n, a.i, a.scalar, b.i, b.scalar, SubI);
          return out;
        case Op::kMul:
          out.i = Zip<int64_t>(n, a.i, a.scalar, b.i, b.scalar, MulI);
          return out;
        default:
          break;
      }
      // % and //: int64 unless a divisor with a value is 0; then float64, and in those rows what
      // pandas fills in: NaN (a null) for %, +-inf or (0 // 0) NaN for //.
      const bool floor = e.op == Op::kFloorDiv;
      bool zero = false;
      for (uint64_t r = 0; r < n && !zero; ++r) {
        zero = b.i[b.scalar ? 0 : r] == 0 && a.Valid(r) && b.Valid(r);
      }
      out.i = Zip<int64_t>(n, a.i, a.scalar, b.i, b.scalar, [floor](int64_t x, int64_t y) {
        return y == 0 ? 0 : floor ? FloorDivI(x, y) : ModI(x, y);
      });
      if (!zero) return out;
      out.dtype = v1::DTYPE_FLOAT64;
      out.f.assign(out.i.begin(), out.i.end());
      out.i.clear();
      for (uint64_t r = 0; r < n; ++r) {
        if (b.i[b.scalar ? 0 : r] != 0) continue;
        const int64_t x = a.i[a.scalar ? 0 : r];
        out.f[r] = !floor || x == 0 ? std::numeric_limits<double>::quiet_NaN()
                   : x > 0          ? std::numeric_limits<double>::infinity()
                                    : -std::numeric_limits<double>::infinity();
      }
      NullNaN(out);
      return out;
    }
    a = AsFloat(std::move(a));
    b = AsFloat(std::move(b));
    out.dtype = v1::DTYPE_FLOAT64;
    switch (e.op) {
      case Op::kAdd:
        out.f =
            Zip<double>(n, a.f, a.scalar, b.f, b.scalar, [](double x, double y) { return x + y; });
        break;
      case Op::kSub:
        out.f =
            Zip<double>(n, a.f, a.scalar, b.f, b.scalar, [](double x, double y) { return x - y; });
        break;
      case Op::kMul:
        out.f =
            Zip<double>(n, a.f, a.scalar, b.f, b.scalar, [](double x, double y) { return x * y; });
        break;
      case Op::kDiv:
        out.f =
            Zip<double>(n, a.f, a.scalar, b.f, b.scalar, [](double x, double y) { return x / y; });
        break;
      case Op::kFloorDiv:
        out.f = Zip<double>(n, a.f, a.scalar, b.f, b.scalar, FloorDivF);
        break;
      default:
        out.f = Zip<double>(n, a.f, a.scalar, b.f, b.scalar, ModF);
        break;
    }
    NullNaN(out);
    return out;
  }

  template <typename T>
  static bool Cmp(Op op, const T& x, const T& y) {
    switch (op) {
      case Op::kEq:
        return x == y;
      case Op::kNe:
        return x != y;
      case Op::kLt:
        return x < y;
      case Op::kLe:
        return x <= y;
      case Op::kGt:
        return x > y;
      default:
        return x >= y;
    }
  }

  absl::StatusOr<Vec> Compare(const FrameExpr& e, Vec a, Vec b) const {
    const bool a_str = a.dtype == v1::DTYPE_STRING, b_str = b.dtype == v1::DTYPE_STRING;
    if (a_str != b_str) return TypeError(e, a, b);
    Vec out;
    out.scalar = a.scalar && b.scalar;
    const uint64_t n = Rows(a, b);
    const Op op = e.op;
    if (a_str) {
      out.b =
          Zip<uint8_t>(n, a.s, a.scalar, b.s, b.scalar,
                       [op](absl::string_view x, absl::string_view y) { return Cmp(op, x, y); });
    } else if (a.dtype == v1::DTYPE_BOOL && b.dtype == v1::DTYPE_BOOL) {
      out.b = Zip<uint8_t>(n, a.b, a.scalar, b.b, b.scalar,
                           [op](uint8_t x, uint8_t y) { return Cmp(op, x != 0, y != 0); });
    } else {
      a = AsInt(std::move(a));
      b = AsInt(std::move(b));
      if (a.dtype == v1::DTYPE_INT64 && b.dtype == v1::DTYPE_INT64) {
        out.b = Zip<uint8_t>(n, a.i, a.scalar, b.i, b.scalar,
                             [op](int64_t x, int64_t y) { return Cmp(op, x, y); });
      } else {
        a = AsFloat(std::move(a));
        b = AsFloat(std::move(b));
        out.b = Zip<uint8_t>(n, a.f, a.scalar, b.f, b.scalar,
                             [op](double x, double y) { return Cmp(op, x, y); });
      }
    }
    if (!a.valid.empty() || !b.valid.empty()) {
      const uint8_t at_null = op == Op::kNe;
      for (uint64_t r = 0; r < n; ++r) {
        if (!a.Valid(r) || !b.Valid(r)) out.b[r] = at_null;
      }
    }
    return out;
  }

  absl::StatusOr<Vec> Logic(const FrameExpr& e, const Vec& a, const Vec& b) const {
    if (a.dtype != v1::DTYPE_BOOL || b.dtype != v1::DTYPE_BOOL) return TypeError(e, a, b);
    Vec out;
    out.scalar = a.scalar && b.scalar;
    const uint64_t n = Rows(a, b);
    out.b.resize(n);
    const bool is_and = e.op == Op::kAnd;
    for (uint64_t r = 0; r < n; ++r) {
      const bool x = a.b[a.scalar ? 0 : r] && a.Valid(r);
      const bool y = b.b[b.scalar ? 0 : r] && b.Valid(r);
      out.b[r] = is_and ? (x && y) : (x || y);
    }
    return out;
  }

  absl::StatusOr<Vec> Sign(const FrameExpr& e, Vec a) const {
    if (!a.numeric()) return TypeError(e, a);
    const bool neg = e.op == Op::kNeg;
    if (a.dtype == v1::DTYPE_INT64) {
      for (int64_t& x : a.i) {
        if (neg || x < 0) x = Wrap(0 - static_cast<uint64_t>(x));
      }
    } else {
      for (double& x : a.f) x = neg ? -x : std::fabs(x);
    }
    return a;
  }

  const FrameColumns& table_;
  const uint64_t rows_;
};

}  // namespace

absl::StatusOr<ColumnBuffers> EvaluateFrameExpression(const FrameExpr& expr,
                                                      const FrameColumns& table) {
  Evaluator evaluator(table);
  absl::StatusOr<Vec> v = evaluator.Eval(expr);
  if (!v.ok()) return v.status();
  return evaluator.ToBuffers(*v);
}

absl::StatusOr<ColumnBuffers> EvaluateFrameExpression(const FrameExpr& expr,
                                                      const TableView& table) {
  return EvaluateFrameExpression(expr, FrameColumns::Of(table));
}

}  // namespace brisk
