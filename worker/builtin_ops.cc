#include "worker/builtin_ops.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "brisk/value.h"
#include "worker/array/array_ops.h"
#include "worker/bag/bag_ops.h"
#include "worker/frame/frame_ops.h"
#include "worker/shell_op.h"

namespace brisk {
namespace {

using v1::Value;
using Result = absl::StatusOr<Value>;
using Code = absl::StatusCode;

constexpr uint64_t kMaxRangeItems = 100'000'000;
constexpr int64_t kMaxBytes = int64_t{64} << 30;
constexpr int64_t kMaxPartitions = 1'000'000;
constexpr size_t kAnyCount = std::numeric_limits<size_t>::max();

// The text of a str or bytes value; nullptr for other kinds.
const std::string* StrOrBytes(const Value& v) {
  if (v.kind_case() == Value::kStr) return &v.str();
  if (v.kind_case() == Value::kBytes) return &v.bytes();
  return nullptr;
}

Value IntValue(int64_t i) {
  Value v;
  v.set_int_(i);
  return v;
}

// One call of an op: its name and inputs, with checks whose errors name the op and the argument.
class Call {
 public:
  Call(absl::string_view op, const OpArgs& in) : op_(op), in_(in) {}

  size_t size() const { return in_.args.size(); }
  // Argument i; null when absent.
  const Value& operator[](size_t i) const {
    static const Value* const kNull = new Value();
    return i < size() && in_.args[i] != nullptr ? *in_.args[i] : *kNull;
  }
  std::vector<const Value*> All() const {
    std::vector<const Value*> all;
    for (size_t i = 0; i < size(); ++i) all.push_back(&(*this)[i]);
    return all;
  }

  template <typename... T>
  absl::Status Error(Code code, const T&... parts) const {
    return absl::Status(code, absl::StrCat(op_, ": ", parts...));
  }
  template <typename... T>
  absl::Status Invalid(const T&... parts) const {
    return Error(Code::kInvalidArgument, parts...);
  }
  // `what` is "argument" or "list item".
  absl::Status WrongKind(absl::string_view what, size_t i, absl::string_view want,
                         const Value& got) const {
    return Invalid(what, " ", i, " must be ", want, ", got ", KindName(got));
  }

  // Ok when there are min..max positional arguments and no keyword arguments.
  absl::Status Arity(size_t min, size_t max) const {
    if (!in_.kwargs.empty()) {
      std::vector<std::string> names;
      for (const auto& [name, value] : in_.kwargs) names.push_back(absl::StrCat("\"", name, "\""));
      std::sort(names.begin(), names.end());
      return Invalid("takes no keyword arguments, got ", absl::StrJoin(names, ", "));
    }
    if (size() >= min && size() <= max) return absl::OkStatus();
    const std::string takes =
        min == max ? absl::StrCat(min, min == 1 ? " argument" : " arguments")
                   : absl::StrCat(min, max == min + 1 ? " or " : " to ", max, " arguments");
    return Invalid("takes ", takes, ", got ", size());
  }

  absl::StatusOr<int64_t> Int(size_t i) const {
    if ((*this)[i].kind_case() != Value::kInt) {
      return WrongKind("argument", i, "an int", (*this)[i]);
    }
    return (*this)[i].int_();
  }
  absl::StatusOr<double> Number(size_t i) const {
    const Value& x = (*this)[i];
    if (x.kind_case() == Value::kInt) return static_cast<double>(x.int_());
    if (x.kind_case() == Value::kFloat) return x.float_();
    return WrongKind("argument", i, "a number", x);
  }
  // The items of list argument i.
  absl::StatusOr<std::vector<const Value*>> ListItems(size_t i) const {
    if ((*this)[i].kind_case() != Value::kList) {
      return WrongKind("argument", i, "a list", (*this)[i]);
    }
    std::vector<const Value*> items;
    for (const Value& item : (*this)[i].list().items()) items.push_back(&item);
    return items;
  }

 private:
  absl::string_view op_;
  const OpArgs& in_;
};

// Folds numbers from `init`: in int64 when all are ints (an error on overflow), else in double.
template <typename IntOp, typename FloatOp>
Result Fold(const Call& c, absl::Span<const Value* const> xs, absl::string_view what, int64_t init,
            IntOp int_op, FloatOp float_op) {
  bool any_float = false;
  for (size_t i = 0; i < xs.size(); ++i) {
    any_float |= xs[i]->kind_case() == Value::kFloat;
    if (xs[i]->kind_case() != Value::kFloat && xs[i]->kind_case() != Value::kInt) {
      return c.WrongKind(what, i, "a number", *xs[i]);
    }
  }
  Value out;
  if (any_float) {
    double acc = static_cast<double>(init);
    for (const Value* x : xs) {
      acc = float_op(acc,
                     x->kind_case() == Value::kInt ? static_cast<double>(x->int_()) : x->float_());
    }
    out.set_float_(acc);
  } else {
    int64_t acc = init;
    for (const Value* x : xs) {
      if (int_op(acc, x->int_(), &acc)) return c.Error(Code::kOutOfRange, "integer overflow");
    }
    out.set_int_(acc);
  }
  return out;
}

Result FoldAdd(const Call& c, absl::Span<const Value* const> xs, absl::string_view what) {
  return Fold(
      c, xs, what, 0,
      [](int64_t a, int64_t b, int64_t* r) { return __builtin_add_overflow(a, b, r); },
      std::plus<double>());
}

Result FoldMul(const Call& c, absl::Span<const Value* const> xs, absl::string_view what) {
  return Fold(
      c, xs, what, 1,
      [](int64_t a, int64_t b, int64_t* r) { return __builtin_mul_overflow(a, b, r); },
      std::multiplies<double>());
}

// A hash that is the same in every process and run.
uint64_t StableHash(const Value& v) {
  if (v.kind_case() == Value::kInt) {  // splitmix64
    uint64_t x = static_cast<uint64_t>(v.int_()) + 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
  }
  std::string encoded;
  {
    google::protobuf::io::StringOutputStream stream(&encoded);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    v.SerializeToCodedStream(&coded);
  }
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64
  for (char ch : encoded) h = (h ^ static_cast<unsigned char>(ch)) * 0x100000001b3ULL;
  return h;
}

Result OpNoop(OpContext&, const Call&) { return Value(); }

Result OpIdentity(OpContext&, const Call& c) {
  if (auto s = c.Arity(1, 1); !s.ok()) return s;
  return c[0];
}

Result OpInc(OpContext&, const Call& c) {
  if (auto s = c.Arity(1, 1); !s.ok()) return s;
  static const Value* const kOne = new Value(IntValue(1));
  const Value* xs[] = {&c[0], kOne};
  return FoldAdd(c, xs, "argument");
}

Result OpAdd(OpContext&, const Call& c) {
  if (auto s = c.Arity(0, kAnyCount); !s.ok()) return s;
  return FoldAdd(c, c.All(), "argument");
}

Result OpMul(OpContext&, const Call& c) {
  if (auto s = c.Arity(0, kAnyCount); !s.ok()) return s;
  return FoldMul(c, c.All(), "argument");
}

Result OpSum(OpContext&, const Call& c) {
  if (auto s = c.Arity(1, 1); !s.ok()) return s;
  auto items = c.ListItems(0);
  if (!items.ok()) return items.status();
  return FoldAdd(c, *items, "list item");
}

// range(stop) or range(start, stop[, step]), as in Python.
Result OpRange(OpContext&, const Call& c) {
  if (auto s = c.Arity(1, 3); !s.ok()) return s;
  int64_t bounds[3] = {0, 0, 1};  // start, stop, step
  for (size_t i = 0; i < c.size(); ++i) {
    auto bound = c.Int(i);
    if (!bound.ok()) return bound.status();
    bounds[c.size() == 1 ? 1 : i] = *bound;
  }
  const auto [start, stop, step] = bounds;
  if (step == 0) return c.Invalid("argument 2 (step) must not be zero");
  const __int128 span = step > 0 ? __int128{stop} - start : __int128{start} - stop;
  const __int128 stride = step > 0 ? __int128{step} : -__int128{step};
  const uint64_t count = span <= 0 ? 0 : static_cast<uint64_t>((span + stride - 1) / stride);
  if (count > kMaxRangeItems) {
    return c.Error(Code::kOutOfRange, count, " items is too large (limit ", kMaxRangeItems, ")");
  }
  Value out;
  auto* items = out.mutable_list()->mutable_items();
  items->Reserve(static_cast<int>(count));
  for (uint64_t k = 0; k < count; ++k) {
    items->Add()->set_int_(static_cast<int64_t>(start + __int128{step} * k));
  }
  return out;
}

Result OpLen(OpContext&, const Call& c) {
  if (auto s = c.Arity(1, 1); !s.ok()) return s;
  const Value& x = c[0];
  if (const std::string* text = StrOrBytes(x)) return IntValue(text->size());
  if (x.kind_case() == Value::kList) return IntValue(x.list().items_size());
  if (x.kind_case() == Value::kMap) return IntValue(x.map().entries_size());
  if (x.kind_case() == Value::kTable) return IntValue(static_cast<int64_t>(x.table().num_rows()));
  if (x.kind_case() == Value::kNdarray) {
    // As NumPy's len: the length of the first axis.
    if (x.ndarray().shape_size() == 0)
      return c.Invalid("argument 0 is a 0-d ndarray, with no length");
    return IntValue(static_cast<int64_t>(x.ndarray().shape(0)));
  }
  return c.WrongKind("argument", 0, "a list, str, bytes, map, ndarray or table", x);
}

// concat([a, b, ...]) or concat(a, b, ...): lists flattened into one, or strs or bytes joined.
Result OpConcat(OpContext&, const Call& c) {
  if (auto s = c.Arity(0, kAnyCount); !s.ok()) return s;
  const bool one_list = c.size() == 1 && c[0].kind_case() == Value::kList;
  const absl::string_view what = one_list ? "list item" : "argument";
  const std::vector<const Value*> xs = one_list ? *c.ListItems(0) : c.All();
  Value out;
  out.mutable_list();
  if (xs.empty()) return out;
  const Value::KindCase kind = xs[0]->kind_case();
  if (kind != Value::kList && kind != Value::kStr && kind != Value::kBytes) {
    return c.WrongKind(what, 0, "a list, str or bytes", *xs[0]);
  }
  for (size_t i = 0; i < xs.size(); ++i) {
    const Value& x = *xs[i];
    if (x.kind_case() != kind) {
      return c.Invalid(what, " ", i, " is ", KindName(x), ", but ", what, " 0 is ",
                       KindName(*xs[0]), "; cannot mix kinds");
    }
    if (kind == Value::kList) {
      out.mutable_list()->mutable_items()->MergeFrom(x.list().items());
    } else if (kind == Value::kStr) {
      out.mutable_str()->append(x.str());
    } else {
      out.mutable_bytes()->append(x.bytes());
    }
  }
  return out;
}

// getitem(list|str|bytes, index) with Python's negative indexes; getitem(map, key).
Result OpGetitem(OpContext&, const Call& c) {
  if (auto s = c.Arity(2, 2); !s.ok()) return s;
  const Value& x = c[0];
  if (x.kind_case() == Value::kMap) {
    if (c[1].kind_case() != Value::kStr) return c.WrongKind("argument", 1, "a str key", c[1]);
    auto it = x.map().entries().find(c[1].str());
    if (it == x.map().entries().end()) {
      return c.Error(Code::kNotFound, "key \"", c[1].str(), "\" is not in the map");
    }
    return it->second;
  }
  const std::string* text = StrOrBytes(x);
  if (text == nullptr && x.kind_case() != Value::kList) {
    return c.WrongKind("argument", 0, "a list, map, str or bytes", x);
  }
  const int64_t length = text != nullptr ? text->size() : x.list().items_size();
  auto index = c.Int(1);
  if (!index.ok()) return index.status();
  const int64_t at = *index < 0 ? *index + length : *index;
  if (at < 0 || at >= length) {
    return c.Error(Code::kOutOfRange, "index ", *index, " out of range for length ", length);
  }
  if (text != nullptr) return IntValue(static_cast<unsigned char>((*text)[at]));
  return x.list().items(at);
}

// partition(list, n): n lists; each item goes to list StableHash(item) % n, keeping its order.
Result OpPartition(OpContext&, const Call& c) {
  if (auto s = c.Arity(2, 2); !s.ok()) return s;
  auto items = c.ListItems(0);
  if (!items.ok()) return items.status();
  auto n = c.Int(1);
  if (!n.ok()) return n.status();
  if (*n < 1 || *n > kMaxPartitions) {
    return c.Invalid("argument 1 must be between 1 and ", kMaxPartitions, ", got ", *n);
  }
  Value out;
  auto* parts = out.mutable_list();
  for (int64_t i = 0; i < *n; ++i) parts->add_items()->mutable_list();
  for (const Value* item : *items) {
    const int part = static_cast<int>(StableHash(*item) % static_cast<uint64_t>(*n));
    *parts->mutable_items(part)->mutable_list()->add_items() = *item;
  }
  return out;
}

// sleep(seconds[, value]): returns value (or null) after the time passed.
Result OpSleep(OpContext& ctx, const Call& c) {
  if (auto s = c.Arity(1, 2); !s.ok()) return s;
  auto seconds = c.Number(0);
  if (!seconds.ok()) return seconds.status();
  if (!(*seconds >= 0)) return c.Invalid("argument 0 must not be negative, got ", *seconds);
  if (!ctx.SleepFor(absl::Seconds(*seconds))) return c.Error(Code::kCancelled, "stopped");
  return c[1];
}

// fail([message]): an error whose text is exactly the message.
Result OpFail(OpContext&, const Call& c) {
  if (auto s = c.Arity(0, 1); !s.ok()) return s;
  if (c.size() == 0) return absl::UnknownError("fail");
  if (c[0].kind_case() != Value::kStr) return c.WrongKind("argument", 0, "a str", c[0]);
  return absl::UnknownError(c[0].str());
}

// bytes(n): n zero bytes.
Result OpBytes(OpContext&, const Call& c) {
  if (auto s = c.Arity(1, 1); !s.ok()) return s;
  auto n = c.Int(0);
  if (!n.ok()) return n.status();
  if (*n < 0) return c.Invalid("argument 0 must not be negative, got ", *n);
  if (*n > kMaxBytes) {
    return c.Error(Code::kOutOfRange, *n, " bytes is too large (limit ", kMaxBytes, ")");
  }
  Value out;
  out.mutable_bytes()->resize(static_cast<size_t>(*n));
  return out;
}

// nbytes(x): the size of bytes or str, of an array's buffer or a table's body, else of x's
// encoding.
Result OpNbytes(OpContext&, const Call& c) {
  if (auto s = c.Arity(1, 1); !s.ok()) return s;
  const Value& x = c[0];
  if (const std::string* text = StrOrBytes(x)) return IntValue(text->size());
  if (x.kind_case() == Value::kNdarray) return IntValue(x.ndarray().data().size());
  if (x.kind_case() == Value::kTable) return IntValue(x.table().body().size());
  return IntValue(static_cast<int64_t>(x.ByteSizeLong()));
}

// `fill` as a T, or an error when it is not a number of that kind or does not fit in T.
template <typename T>
absl::StatusOr<T> FillAs(const Call& c, const Value& fill) {
  const DType dtype = DTypeOf<T>();
  if (fill.kind_case() != Value::kInt && fill.kind_case() != Value::kFloat &&
      fill.kind_case() != Value::kBool) {
    return c.WrongKind("argument", 1, "an int, a float or a bool", fill);
  }
  if constexpr (std::is_floating_point_v<T>) {
    if (fill.kind_case() == Value::kFloat) return static_cast<T>(fill.float_());
    if (fill.kind_case() == Value::kInt) return static_cast<T>(fill.int_());
    return static_cast<T>(fill.bool_() ? 1 : 0);
  } else {
    if (fill.kind_case() == Value::kBool) return static_cast<T>(fill.bool_() ? 1 : 0);
    if (fill.kind_case() == Value::kFloat) {
      return c.Invalid("argument 1 must be an int or a bool for dtype ", DTypeName(dtype),
                       ", got float ", fill.float_());
    }
    const int64_t x = fill.int_();
    const bool fits =
        std::is_same_v<T, bool> ? (x == 0 || x == 1)
        : x < 0 ? std::is_signed_v<T> && x >= static_cast<int64_t>(std::numeric_limits<T>::min())
                : static_cast<uint64_t>(x) <= static_cast<uint64_t>(std::numeric_limits<T>::max());
    if (!fits) return c.Invalid("argument 1 (", x, ") does not fit in ", DTypeName(dtype));
    return static_cast<T>(x);
  }
}

template <typename T>
Result FullOf(const Call& c, std::vector<uint64_t> shape, const Value& fill) {
  absl::StatusOr<T> x = FillAs<T>(c, fill);
  if (!x.ok()) return x.status();
  ArrayBuilder<T> builder(std::move(shape));
  // The buffer starts zeroed: a zero fill is done already (-0.0 is not zero bits).
  T zero{};
  if (std::memcmp(&*x, &zero, sizeof(T)) != 0) {
    absl::Span<T> values = builder.values();
    std::fill(values.begin(), values.end(), *x);
  }
  return std::move(builder).Finish();
}

// full(shape, fill[, dtype]): an ndarray of that shape (a list of ints), every element `fill`,
// of dtype "float64" unless named.
Result OpFull(OpContext&, const Call& c) {
  if (auto s = c.Arity(2, 3); !s.ok()) return s;
  auto dims = c.ListItems(0);
  if (!dims.ok()) return dims.status();
  std::vector<uint64_t> shape;
  for (size_t i = 0; i < dims->size(); ++i) {
    const Value& d = *(*dims)[i];
    if (d.kind_case() != Value::kInt) return c.WrongKind("shape item", i, "an int", d);
    if (d.int_() < 0) return c.Invalid("shape item ", i, " must not be negative, got ", d.int_());
    shape.push_back(static_cast<uint64_t>(d.int_()));
  }
  DType dtype = v1::DTYPE_FLOAT64;
  if (c.size() == 3) {
    if (c[2].kind_case() != Value::kStr) return c.WrongKind("argument", 2, "a dtype str", c[2]);
    absl::StatusOr<DType> parsed = ParseDType(c[2].str());
    if (!parsed.ok()) return c.Invalid(parsed.status().message());
    dtype = *parsed;
  }
  absl::StatusOr<uint64_t> bytes = ArrayByteCount(dtype, shape);
  if (!bytes.ok()) return c.Invalid(bytes.status().message());
  if (*bytes > static_cast<uint64_t>(kMaxBytes)) {
    return c.Error(Code::kOutOfRange, *bytes, " bytes is too large (limit ", kMaxBytes, ")");
  }
  const Value& fill = c[1];
  switch (dtype) {
    case v1::DTYPE_BOOL:
      return FullOf<bool>(c, std::move(shape), fill);
    case v1::DTYPE_INT8:
      return FullOf<int8_t>(c, std::move(shape), fill);
    case v1::DTYPE_INT16:
      return FullOf<int16_t>(c, std::move(shape), fill);
    case v1::DTYPE_INT32:
      return FullOf<int32_t>(c, std::move(shape), fill);
    case v1::DTYPE_INT64:
      return FullOf<int64_t>(c, std::move(shape), fill);
    case v1::DTYPE_UINT8:
      return FullOf<uint8_t>(c, std::move(shape), fill);
    case v1::DTYPE_UINT16:
      return FullOf<uint16_t>(c, std::move(shape), fill);
    case v1::DTYPE_UINT32:
      return FullOf<uint32_t>(c, std::move(shape), fill);
    case v1::DTYPE_UINT64:
      return FullOf<uint64_t>(c, std::move(shape), fill);
    case v1::DTYPE_FLOAT32:
      return FullOf<float>(c, std::move(shape), fill);
    case v1::DTYPE_FLOAT64:
      return FullOf<double>(c, std::move(shape), fill);
    default:
      // ArrayByteCount refused every other dtype.
      return c.Error(Code::kInternal, "no array of dtype ", DTypeName(dtype));
  }
}

}  // namespace

void RegisterBuiltinOps(OpRegistry& registry) {
  using Body = Result (*)(OpContext&, const Call&);
  static constexpr std::pair<const char*, Body> kOps[] = {
      {"noop", OpNoop},
      {"identity", OpIdentity},
      {"inc", OpInc},
      {"add", OpAdd},
      {"mul", OpMul},
      {"sum", OpSum},
      {"range", OpRange},
      {"len", OpLen},
      {"concat", OpConcat},
      {"getitem", OpGetitem},
      {"partition", OpPartition},
      {"sleep", OpSleep},
      {"fail", OpFail},
      {"bytes", OpBytes},
      {"nbytes", OpNbytes},
      {"full", OpFull},
  };
  for (const auto& op : kOps) {
    // Named copies: a lambda cannot capture structured bindings before C++20 in clang 14.
    const char* name = op.first;
    const Body body = op.second;
    registry.Register(name, [name, body](OpContext& ctx, const OpArgs& args) -> Result {
      const Call call(name, args);
      try {
        return body(ctx, call);
      } catch (const std::bad_alloc&) {
        return call.Error(Code::kResourceExhausted, "out of memory");
      }
    });
  }
  RegisterShellOp(registry);
  RegisterArrayOps(registry);
  RegisterFrameOps(registry);
  RegisterBagOps(registry);
}

}  // namespace brisk
