// Reductions as trees: "array.reduce" evaluates one block's element-wise program (so the
// expression is never materialised) and reduces it along `axes` to a partial aggregate;
// "array.reduce_combine" merges partials of the same output block; either finishes the result when
// `final` is set. A partial is a list of ndarrays of the block's shape with the reduced axes of
// length 1:
//   sum, prod: [acc] (float64 for float inputs, int64 for bool and signed, uint64 for unsigned)
//   any, all: [acc (bool)]      min, max: [count, value]      mean: [count, sum (float64)]
//   var, std: [count, mean, m2] (Chan et al.'s combine)      argmin, argmax: [count, value, index]
#include <cmath>
#include <cstring>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "common/dtype_switch.h"
#include "worker/array/array_ops.h"
#include "worker/array/array_program.h"

namespace brisk {
namespace {

enum class Kind2 { kSum, kProd, kMean, kMin, kMax, kVar, kStd, kAny, kAll, kArgmin, kArgmax };

absl::StatusOr<Kind2> ParseKind(absl::string_view s) {
  static const std::pair<const char*, Kind2> kNames[] = {
      {"sum", Kind2::kSum},       {"prod", Kind2::kProd},    {"mean", Kind2::kMean},
      {"min", Kind2::kMin},       {"max", Kind2::kMax},      {"var", Kind2::kVar},
      {"std", Kind2::kStd},       {"any", Kind2::kAny},      {"all", Kind2::kAll},
      {"argmin", Kind2::kArgmin}, {"argmax", Kind2::kArgmax}};
  for (const auto& [name, kind] : kNames) {
    if (s == name) return kind;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown reduction \"", s, "\""));
}

bool IsMin(Kind2 k) { return k == Kind2::kMin || k == Kind2::kArgmin; }

template <typename T>
bool IsNan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  return false;
}

// Whether `x` replaces `v` as the min (or max), NaN winning.
template <typename T>
bool Better(T x, T v, bool min) {
  if (IsNan(v)) return false;
  if (IsNan(x)) return true;
  return min ? x < v : x > v;
}

template <typename T>
using SumType = std::conditional_t<
    std::is_floating_point_v<T>, double,
    std::conditional_t<std::is_unsigned_v<T> && !std::is_same_v<T, bool>, uint64_t, int64_t>>;

// Wrapping integer arithmetic (as NumPy's), exact for doubles.
template <typename A>
A Add(A a, A b) {
  if constexpr (std::is_integral_v<A>) return A(uint64_t(a) + uint64_t(b));
  return a + b;
}
template <typename A>
A Mul(A a, A b) {
  if constexpr (std::is_integral_v<A>) return A(uint64_t(a) * uint64_t(b));
  return a * b;
}

template <typename Out, typename In>
v1::Value ToValue(const std::vector<In>& v, const std::vector<uint64_t>& shape) {
  ArrayBuilder<Out> b(shape);
  for (size_t i = 0; i < v.size(); ++i) b.values()[i] = static_cast<Out>(v[i]);
  return std::move(b).Finish();
}

template <typename T>
absl::StatusOr<std::vector<T>> FromValue(const v1::Value& value, size_t n) {
  absl::StatusOr<ArrayView> view = ArrayView::Of(value);
  if (!view.ok()) return view.status();
  absl::StatusOr<absl::Span<const T>> values = view->values<T>();
  if (!values.ok()) return values.status();
  if (values->size() != n) return absl::InvalidArgumentError("partials of different shapes");
  return std::vector<T>(values->begin(), values->end());
}

// The partial aggregate of one output block, over input elements of type T.
template <typename T>
struct Partial {
  using A = SumType<T>;
  Kind2 kind;
  std::vector<uint64_t> shape;  // the block's shape with the reduced axes of length 1
  size_t n = 0;
  std::vector<int64_t> count;
  std::vector<A> acc;  // sum, prod
  // Bools are held as uint8_t (std::vector<bool> has no element references).
  using V = std::conditional_t<std::is_same_v<T, bool>, uint8_t, T>;
  std::vector<uint8_t> flag;     // any, all
  std::vector<V> value;          // min, max, arg*
  std::vector<int64_t> index;    // arg*
  std::vector<double> mean, m2;  // mean (sum in mean), var, std

  void Init(Kind2 k, std::vector<uint64_t> s) {
    kind = k;
    shape = std::move(s);
    n = 1;
    for (uint64_t d : shape) n *= d;
    switch (kind) {
      case Kind2::kSum:
        acc.assign(n, A(0));
        break;
      case Kind2::kProd:
        acc.assign(n, A(1));
        break;
      case Kind2::kAny:
      case Kind2::kAll:
        flag.assign(n, kind == Kind2::kAll);
        break;
      case Kind2::kMin:
      case Kind2::kMax:
      case Kind2::kArgmin:
      case Kind2::kArgmax:
        count.assign(n, 0);
        value.assign(n, V{});
        if (kind == Kind2::kArgmin || kind == Kind2::kArgmax) index.assign(n, 0);
        break;
      case Kind2::kMean:
        count.assign(n, 0);
        mean.assign(n, 0);
        break;
      case Kind2::kVar:
      case Kind2::kStd:
        count.assign(n, 0);
        mean.assign(n, 0);
        m2.assign(n, 0);
        break;
    }
  }

  // Adds x[0, len) to aggregate `at` (together = true) or x[j] to aggregate at + j; `position` is
  // the arg* position of x[0] and `step` how it advances along the run.
  void AddRun(const T* x, uint64_t len, size_t at, bool together, int64_t position, int64_t step) {
    switch (kind) {
      case Kind2::kSum:
      case Kind2::kProd: {
        const bool sum = kind == Kind2::kSum;
        if (together) {
          A a = acc[at];
          if (sum && std::is_floating_point_v<A>) {
            // Eight running sums: no chain of dependent additions, and a sounder sum.
            A lanes[8] = {};
            uint64_t j = 0;
            for (; j + 8 <= len; j += 8) {
              for (int l = 0; l < 8; ++l) lanes[l] += A(x[j + l]);
            }
            for (; j < len; ++j) lanes[0] += A(x[j]);
            a += ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
                 ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
          } else if (sum) {
            for (uint64_t j = 0; j < len; ++j) a = Add(a, A(x[j]));
          } else {
            for (uint64_t j = 0; j < len; ++j) a = Mul(a, A(x[j]));
          }
          acc[at] = a;
        } else {
          for (uint64_t j = 0; j < len; ++j) {
            acc[at + j] = sum ? Add(acc[at + j], A(x[j])) : Mul(acc[at + j], A(x[j]));
          }
        }
        return;
      }
      case Kind2::kAny:
      case Kind2::kAll:
        for (uint64_t j = 0; j < len; ++j) {
          const size_t i = together ? at : at + j;
          flag[i] = kind == Kind2::kAny ? (flag[i] || x[j] != 0) : (flag[i] && x[j] != 0);
        }
        return;
      case Kind2::kMin:
      case Kind2::kMax:
      case Kind2::kArgmin:
      case Kind2::kArgmax: {
        const bool min = IsMin(kind);
        const bool arg = !index.empty();
        for (uint64_t j = 0; j < len; ++j) {
          const size_t i = together ? at : at + j;
          if (count[i] == 0 || Better(V(x[j]), value[i], min)) {
            value[i] = V(x[j]);
            if (arg) index[i] = position + static_cast<int64_t>(j) * step;
          }
          ++count[i];
        }
        return;
      }
      case Kind2::kMean:
        if (together) {
          double s = 0;
          for (uint64_t j = 0; j < len; ++j) s += static_cast<double>(x[j]);
          mean[at] += s;
          count[at] += static_cast<int64_t>(len);
        } else {
          for (uint64_t j = 0; j < len; ++j) {
            mean[at + j] += static_cast<double>(x[j]);
            ++count[at + j];
          }
        }
        return;
      case Kind2::kVar:
      case Kind2::kStd:
        if (together) {
          if (len == 0) return;
          double s = 0;
          for (uint64_t j = 0; j < len; ++j) s += static_cast<double>(x[j]);
          const double m = s / static_cast<double>(len);
          double q = 0;
          for (uint64_t j = 0; j < len; ++j) {
            const double d = static_cast<double>(x[j]) - m;
            q += d * d;
          }
          Merge(at, static_cast<int64_t>(len), m, q);
        } else {
          for (uint64_t j = 0; j < len; ++j) Merge(at + j, 1, static_cast<double>(x[j]), 0);
        }
        return;
    }
  }

  // Chan et al.: merges (nb, mb, qb) into aggregate i.
  void Merge(size_t i, int64_t nb, double mb, double qb) {
    if (nb == 0) return;
    const int64_t na = count[i];
    if (na == 0) {
      count[i] = nb;
      mean[i] = mb;
      m2[i] = qb;
      return;
    }
    const double n = static_cast<double>(na + nb);
    const double delta = mb - mean[i];
    mean[i] += delta * static_cast<double>(nb) / n;
    m2[i] += qb + delta * delta * static_cast<double>(na) * static_cast<double>(nb) / n;
    count[i] = na + nb;
  }

  v1::Value ToList() const {
    v1::Value out;
    auto* items = out.mutable_list();
    switch (kind) {
      case Kind2::kSum:
      case Kind2::kProd:
        *items->add_items() = ToValue<A>(acc, shape);
        break;
      case Kind2::kAny:
      case Kind2::kAll:
        *items->add_items() = ToValue<bool>(flag, shape);
        break;
      case Kind2::kMin:
      case Kind2::kMax:
      case Kind2::kArgmin:
      case Kind2::kArgmax:
        *items->add_items() = ToValue<int64_t>(count, shape);
        *items->add_items() = ToValue<V>(value, shape);
        if (!index.empty()) *items->add_items() = ToValue<int64_t>(index, shape);
        break;
      case Kind2::kMean:
        *items->add_items() = ToValue<int64_t>(count, shape);
        *items->add_items() = ToValue<double>(mean, shape);
        break;
      case Kind2::kVar:
      case Kind2::kStd:
        *items->add_items() = ToValue<int64_t>(count, shape);
        *items->add_items() = ToValue<double>(mean, shape);
        *items->add_items() = ToValue<double>(m2, shape);
        break;
    }
    return out;
  }

  // Merges a partial in list form.
  absl::Status MergeList(const v1::Value& list) {
    if (list.kind_case() != v1::Value::kList) return absl::InvalidArgumentError("not a partial");
    const auto& it = list.list().items();
    auto need = [&](int k) -> absl::Status {
      if (it.size() != k) return absl::InvalidArgumentError("a partial of another reduction");
      return absl::OkStatus();
    };
    switch (kind) {
      case Kind2::kSum:
      case Kind2::kProd: {
        if (absl::Status s = need(1); !s.ok()) return s;
        absl::StatusOr<std::vector<A>> b = FromValue<A>(it[0], n);
        if (!b.ok()) return b.status();
        for (size_t i = 0; i < n; ++i) {
          acc[i] = kind == Kind2::kSum ? Add(acc[i], (*b)[i]) : Mul(acc[i], (*b)[i]);
        }
        return absl::OkStatus();
      }
      case Kind2::kAny:
      case Kind2::kAll: {
        if (absl::Status s = need(1); !s.ok()) return s;
        absl::StatusOr<std::vector<bool>> b = FromValue<bool>(it[0], n);
        if (!b.ok()) return b.status();
        for (size_t i = 0; i < n; ++i) {
          flag[i] = kind == Kind2::kAny ? (flag[i] || (*b)[i]) : (flag[i] && (*b)[i]);
        }
        return absl::OkStatus();
      }
      case Kind2::kMin:
      case Kind2::kMax:
      case Kind2::kArgmin:
      case Kind2::kArgmax: {
        const bool arg = !index.empty();
        if (absl::Status s = need(arg ? 3 : 2); !s.ok()) return s;
        absl::StatusOr<std::vector<int64_t>> c = FromValue<int64_t>(it[0], n);
        absl::StatusOr<std::vector<V>> v = FromValue<V>(it[1], n);
        absl::StatusOr<std::vector<int64_t>> x =
            arg ? FromValue<int64_t>(it[2], n) : absl::StatusOr<std::vector<int64_t>>();
        if (!c.ok()) return c.status();
        if (!v.ok()) return v.status();
        if (arg && !x.ok()) return x.status();
        const bool min = IsMin(kind);
        for (size_t i = 0; i < n; ++i) {
          if ((*c)[i] == 0) continue;
          const V vb = (*v)[i];
          bool take = count[i] == 0 || Better(vb, value[i], min);
          if (arg && !take && count[i] != 0 && (*x)[i] < index[i]) {
            // Equal values, or both NaN: the first position wins.
            take = (IsNan(vb) && IsNan(value[i])) ||
                   (!IsNan(vb) && !IsNan(value[i]) && vb == value[i]);
          }
          if (take) {
            value[i] = vb;
            if (arg) index[i] = (*x)[i];
          }
          count[i] += (*c)[i];
        }
        return absl::OkStatus();
      }
      case Kind2::kMean: {
        if (absl::Status s = need(2); !s.ok()) return s;
        absl::StatusOr<std::vector<int64_t>> c = FromValue<int64_t>(it[0], n);
        absl::StatusOr<std::vector<double>> m = FromValue<double>(it[1], n);
        if (!c.ok()) return c.status();
        if (!m.ok()) return m.status();
        for (size_t i = 0; i < n; ++i) {
          count[i] += (*c)[i];
          mean[i] += (*m)[i];
        }
        return absl::OkStatus();
      }
      case Kind2::kVar:
      case Kind2::kStd: {
        if (absl::Status s = need(3); !s.ok()) return s;
        absl::StatusOr<std::vector<int64_t>> c = FromValue<int64_t>(it[0], n);
        absl::StatusOr<std::vector<double>> m = FromValue<double>(it[1], n);
        absl::StatusOr<std::vector<double>> q = FromValue<double>(it[2], n);
        if (!c.ok()) return c.status();
        if (!m.ok()) return m.status();
        if (!q.ok()) return q.status();
        for (size_t i = 0; i < n; ++i) Merge(i, (*c)[i], (*m)[i], (*q)[i]);
        return absl::OkStatus();
      }
    }
    return absl::OkStatus();
  }

  // The result block, of `dtype` and `out_shape` (the same elements, with or without the reduced
  // axes).
  absl::StatusOr<v1::Value> Finish(DType dtype, const std::vector<uint64_t>& out_shape,
                                   int64_t ddof, absl::string_view name) const {
    absl::StatusOr<uint64_t> total = NumElements(out_shape);
    if (!total.ok() || *total != n) {
      return absl::InvalidArgumentError("the output shape does not hold the reduced block");
    }
    if (kind == Kind2::kMin || kind == Kind2::kMax || kind == Kind2::kArgmin ||
        kind == Kind2::kArgmax) {
      for (int64_t c : count) {
        if (c != 0) continue;
        if (kind == Kind2::kMin || kind == Kind2::kMax) {
          return absl::InvalidArgumentError(absl::StrCat("zero-size array to reduction operation ",
                                                         name, " which has no identity"));
        }
        return absl::InvalidArgumentError(
            absl::StrCat("attempt to get ", name, " of an empty sequence"));
      }
    }
    return DTypeSwitch(
        dtype,
        [&](auto t) -> absl::StatusOr<v1::Value> {
          using R = decltype(t);
          ArrayBuilder<R> b(out_shape);
          absl::Span<R> out = b.values();
          for (size_t i = 0; i < n; ++i) {
            switch (kind) {
              case Kind2::kSum:
              case Kind2::kProd:
                out[i] = static_cast<R>(acc[i]);
                break;
              case Kind2::kAny:
              case Kind2::kAll:
                out[i] = static_cast<R>(flag[i]);
                break;
              case Kind2::kMin:
              case Kind2::kMax:
                out[i] = static_cast<R>(value[i]);
                break;
              case Kind2::kArgmin:
              case Kind2::kArgmax:
                out[i] = static_cast<R>(index[i]);
                break;
              case Kind2::kMean:
                out[i] = static_cast<R>(mean[i] / static_cast<double>(count[i]));
                break;
              case Kind2::kVar:
              case Kind2::kStd: {
                const double div = static_cast<double>(std::max<int64_t>(count[i] - ddof, 0));
                const double var = count[i] == 0 ? NAN : m2[i] / div;
                out[i] = static_cast<R>(kind == Kind2::kStd ? std::sqrt(var) : var);
                break;
              }
            }
          }
          return std::move(b).Finish();
        },
        [] { return absl::StatusOr<v1::Value>(absl::InvalidArgumentError("bad result dtype")); });
  }
};

struct Common {
  Kind2 kind;
  std::string name;
  bool final = false;
  std::vector<uint64_t> out_shape;
  int64_t ddof = 0;
  DType dtype = v1::DTYPE_UNSPECIFIED;
};

absl::StatusOr<Common> ParseCommon(const OpArgs& args) {
  Common c;
  absl::StatusOr<absl::string_view> kind = args.Str("kind", "");
  if (!kind.ok()) return kind.status();
  absl::StatusOr<Kind2> k = ParseKind(*kind);
  if (!k.ok()) return args.Error(absl::StrCat(args.Describe("kind"), ": ", k.status().message()));
  c.kind = *k;
  c.name = std::string(*kind);
  absl::StatusOr<bool> final = args.Bool("final", false);
  if (!final.ok()) return final.status();
  c.final = *final;
  absl::StatusOr<int64_t> ddof = args.Int("ddof", 0);
  if (!ddof.ok()) return ddof.status();
  c.ddof = *ddof;
  if (c.final) {
    absl::StatusOr<std::vector<uint64_t>> out = ArrayShapeKwarg(args, "out_shape");
    if (!out.ok()) return out.status();
    c.out_shape = *out;
    absl::StatusOr<absl::string_view> dtype = args.Str("dtype", "");
    if (!dtype.ok()) return dtype.status();
    absl::StatusOr<DType> d = ParseDType(*dtype);
    if (!d.ok() || ItemSize(*d) == 0) {
      return args.Error(absl::StrCat(args.Describe("dtype"), " must name a numeric dtype"));
    }
    c.dtype = *d;
  }
  return c;
}

template <typename T>
absl::StatusOr<v1::Value> Done(const Partial<T>& p, const Common& c, const OpArgs& args) {
  if (!c.final) return p.ToList();
  absl::StatusOr<v1::Value> out = p.Finish(c.dtype, c.out_shape, c.ddof, c.name);
  if (!out.ok()) return args.Error(out.status().message());
  return out;
}

absl::StatusOr<v1::Value> Reduce(OpContext&, const OpArgs& args) {
  absl::StatusOr<Common> c = ParseCommon(args);
  if (!c.ok()) return c.status();
  absl::StatusOr<std::vector<uint64_t>> shape = ArrayShapeKwarg(args, "shape");
  if (!shape.ok()) return shape.status();
  absl::StatusOr<std::vector<uint64_t>> axes_list = ArrayShapeKwarg(args, "axes");
  if (!axes_list.ok()) return axes_list.status();
  const size_t nd = shape->size();
  std::vector<bool> reduced(nd, false);
  for (uint64_t a : *axes_list) {
    if (a >= nd) return args.Error(absl::StrCat("axis ", a, " out of range for ", nd, " axes"));
    reduced[a] = true;
  }
  const bool arg = c->kind == Kind2::kArgmin || c->kind == Kind2::kArgmax;
  std::vector<uint64_t> offset(nd, 0), array_shape = *shape;
  if (arg) {
    absl::StatusOr<std::vector<uint64_t>> o = ArrayShapeKwarg(args, "offset");
    absl::StatusOr<std::vector<uint64_t>> g = ArrayShapeKwarg(args, "array_shape");
    if (!o.ok()) return o.status();
    if (!g.ok()) return g.status();
    if (o->size() != nd || g->size() != nd)
      return args.Error("offset and array_shape need the block's rank");
    offset = *o;
    array_shape = *g;
  }
  absl::StatusOr<bool> flat = args.Bool("flat", false);
  if (!flat.ok()) return flat.status();
  if (arg && !*flat && axes_list->size() != 1) return args.Error("arg reductions take one axis");

  std::vector<ArrayView> inputs;
  for (size_t i = 1; i < args.size(); ++i) {
    absl::StatusOr<ArrayView> view = args.Array(i);
    if (!view.ok()) return view.status();
    inputs.push_back(*view);
  }
  absl::StatusOr<std::unique_ptr<ArrayProgram>> program =
      ArrayProgram::Parse(args.op, args[0], std::move(inputs), *shape);
  if (!program.ok()) return program.status();
  ArrayProgram& prog = **program;

  std::vector<uint64_t> pshape = *shape, pstride(nd, 0), gstride(nd, 1);
  for (size_t d = 0; d < nd; ++d) {
    if (reduced[d]) pshape[d] = 1;
  }
  for (size_t d = nd, s = 1; d-- > 0;) {
    pstride[d] = reduced[d] ? 0 : s;
    s *= pshape[d];
  }
  for (size_t d = nd; d-- > 1;) gstride[d - 1] = gstride[d] * array_shape[d];
  const bool last_reduced = nd == 0 || reduced[nd - 1];
  const size_t axis = arg && !*flat ? (*axes_list)[0] : 0;

  return DTypeSwitch(
      prog.dtype(),
      [&](auto t) -> absl::StatusOr<v1::Value> {
        using T = decltype(t);
        Partial<T> p;
        p.Init(c->kind, pshape);
        const uint64_t size = prog.size();
        for (uint64_t at = 0; at < size; at += kPieceElements) {
          const uint64_t n = std::min(kPieceElements, size - at);
          const T* values = static_cast<const T*>(prog.Eval(at, n));
          ForEachRun(*shape, at, n,
                     [&](absl::Span<const uint64_t> index, uint64_t pos, uint64_t len) {
                       size_t acc = 0;
                       for (size_t d = 0; d < nd; ++d) acc += index[d] * pstride[d];
                       int64_t position = 0, step = 0;
                       if (arg) {
                         if (*flat) {
                           for (size_t d = 0; d < nd; ++d)
                             position += (offset[d] + index[d]) * gstride[d];
                           step = 1;
                         } else {
                           position = static_cast<int64_t>(offset[axis] + index[axis]);
                           step = axis == nd - 1 ? 1 : 0;
                         }
                       }
                       p.AddRun(values + (pos - at), len, acc, last_reduced, position, step);
                     });
        }
        if (!prog.status().ok()) return args.Error(prog.status().message());
        return Done(p, *c, args);
      },
      [] { return absl::StatusOr<v1::Value>(absl::InvalidArgumentError("bad dtype")); });
}

absl::StatusOr<v1::Value> Combine(OpContext&, const OpArgs& args) {
  absl::StatusOr<Common> c = ParseCommon(args);
  if (!c.ok()) return c.status();
  if (args.size() == 0) return args.Error("no partials to combine");
  // The element type and the partial's shape, from the first partial's value array (min, max,
  // arg*) or its accumulator.
  const v1::Value& first = args[0];
  if (first.kind_case() != v1::Value::kList || first.list().items_size() == 0) {
    return args.Error(absl::StrCat(args.Describe(0), " is not a partial aggregate"));
  }
  const bool valued = c->kind == Kind2::kMin || c->kind == Kind2::kMax ||
                      c->kind == Kind2::kArgmin || c->kind == Kind2::kArgmax;
  const v1::Value& typed = first.list().items(valued && first.list().items_size() > 1 ? 1 : 0);
  absl::StatusOr<ArrayView> view = ArrayView::Of(typed);
  if (!view.ok()) return args.Error(view.status().message());
  std::vector<uint64_t> pshape(view->shape().begin(), view->shape().end());
  // Sums carry their accumulator type; any element type with that accumulator will do.
  DType t = view->dtype();
  if (!valued) {
    t = c->kind == Kind2::kSum || c->kind == Kind2::kProd ? view->dtype() : v1::DTYPE_FLOAT64;
  }
  return DTypeSwitch(
      t,
      [&](auto tag) -> absl::StatusOr<v1::Value> {
        using T = decltype(tag);
        Partial<T> p;
        p.Init(c->kind, pshape);
        for (size_t i = 0; i < args.size(); ++i) {
          absl::Status s = p.MergeList(args[i]);
          if (!s.ok()) return args.Error(absl::StrCat(args.Describe(i), ": ", s.message()));
        }
        return Done(p, *c, args);
      },
      [] { return absl::StatusOr<v1::Value>(absl::InvalidArgumentError("bad dtype")); });
}

}  // namespace

void RegisterArrayReductionOps(OpRegistry& registry) {
  registry.Register("array.reduce",
                    {.args = {{"program", Kind::kList}},
                     .kwargs = {},
                     .more_args = true,
                     .any_kwargs = true,
                     .result = std::nullopt},
                    ArrayOpNamed("array.reduce", Reduce));
  registry.Register(
      "array.reduce_combine",
      {.args = {}, .kwargs = {}, .more_args = true, .any_kwargs = true, .result = std::nullopt},
      ArrayOpNamed("array.reduce_combine", Combine));
}

}  // namespace brisk
