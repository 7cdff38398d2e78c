#include "common/value_json.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/type_resolver_util.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <type_traits>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "brisk/value.h"
#include "common/dtype_switch.h"
#include "common/utf8.h"

namespace brisk {
namespace {

using JsonValue = google::protobuf::Value;
using google::protobuf::ListValue;
using google::protobuf::Struct;

// Integers up to 2^53 - 1 in magnitude (JavaScript's safe integers) are exact as doubles, which
// is what most JSON readers, protobuf's google.protobuf.Value among them, turn a number into;
// 2^53 + 1 already reads as 2^53, so a number read as 2^53 or more may not be what was written.
constexpr double kMaxExactInteger = 9007199254740991.0;

JsonValue Number(double x) {
  JsonValue v;
  v.set_number_value(x);
  return v;
}

JsonValue String(std::string s) {
  JsonValue v;
  v.set_string_value(std::move(s));
  return v;
}

JsonValue Null() {
  JsonValue v;
  v.set_null_value(google::protobuf::NULL_VALUE);
  return v;
}

std::string DoubleText(double x) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), x);
  return std::string(buf, end);
}

// The double whose shortest text is the float's shortest text, so that 0.1f prints as 0.1 (not
// 0.10000000149011612) and reads back as 0.1f.
double FloatAsDouble(float f) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), f);
  double d = 0;
  std::from_chars(buf, end, d);
  return d;
}

// A float as protobuf writes one: a number, or "NaN", "Infinity", "-Infinity".
JsonValue FloatJson(double x) {
  if (std::isnan(x)) return String("NaN");
  if (std::isinf(x)) return String(x > 0 ? "Infinity" : "-Infinity");
  return Number(x);
}

// One element. An integer beyond ±(2^53 - 1) becomes a decimal string, and `exact` is cleared.
template <typename T>
JsonValue ElementJson(T x, bool& exact) {
  if constexpr (std::is_same_v<T, bool>) {
    JsonValue v;
    v.set_bool_value(x);
    return v;
  } else if constexpr (std::is_same_v<T, float>) {
    return std::isfinite(x) ? Number(FloatAsDouble(x)) : FloatJson(x);
  } else if constexpr (std::is_floating_point_v<T>) {
    return FloatJson(x);
  } else {
    if constexpr (sizeof(T) == 8) {
      if (x > static_cast<T>(kMaxExactInteger) ||
          (std::is_signed_v<T> && x < -static_cast<T>(kMaxExactInteger))) {
        exact = false;
        return String(absl::StrCat(x));
      }
    }
    return Number(static_cast<double>(x));
  }
}

template <typename T>
T Load(absl::string_view bytes, uint64_t i) {
  T x;
  std::memcpy(&x, bytes.data() + i * sizeof(T), sizeof(T));
  return x;
}

JsonValue Invalid(const char* kind, const absl::Status& why) {
  JsonValue out;
  auto& inner = *(*out.mutable_struct_value()->mutable_fields())[kind]
                     .mutable_struct_value()
                     ->mutable_fields();
  inner["invalid"] = String(std::string(why.message()));
  return out;
}

JsonValue ArrayJson(const v1::Value& value) {
  absl::StatusOr<ArrayView> view = ArrayView::Of(value);
  if (!view.ok()) return Invalid("ndarray", view.status());
  JsonValue out;
  auto& f = *(*out.mutable_struct_value()->mutable_fields())["ndarray"]
                 .mutable_struct_value()
                 ->mutable_fields();
  f["dtype"] = String(std::string(DTypeName(view->dtype())));
  ListValue* shape = f["shape"].mutable_list_value();
  for (uint64_t d : view->shape()) *shape->add_values() = Number(static_cast<double>(d));
  bool exact = view->size() <= kJsonListLimit;
  if (exact) {
    ListValue data;
    DTypeSwitch(
        view->dtype(),
        [&](auto zero) {
          using T = decltype(zero);
          for (uint64_t i = 0; i < view->size() && exact; ++i) {
            *data.add_values() = ElementJson(Load<T>(view->bytes(), i), exact);
          }
        },
        [] {});
    if (exact) *f["data"].mutable_list_value() = std::move(data);
  }
  if (!exact) f["base64"] = String(absl::Base64Escape(view->bytes()));
  return out;
}

JsonValue TableJson(const v1::Value& value) {
  absl::StatusOr<TableView> view = TableView::Of(value);
  if (!view.ok()) return Invalid("table", view.status());
  JsonValue out;
  auto& f = *(*out.mutable_struct_value()->mutable_fields())["table"]
                 .mutable_struct_value()
                 ->mutable_fields();
  f["num_rows"] = Number(static_cast<double>(view->num_rows()));
  ListValue* columns = f["columns"].mutable_list_value();
  for (const ColumnView& column : view->columns()) {
    auto& c = *columns->add_values()->mutable_struct_value()->mutable_fields();
    c["name"] = String(column.name());
    c["dtype"] = String(std::string(DTypeName(column.dtype())));
    ListValue* data = c["data"].mutable_list_value();
    bool exact = true;  // big integers print as strings here: a table has no base64 form
    for (uint64_t i = 0; i < column.size(); ++i) {
      if (column.IsNull(i)) {
        *data->add_values() = Null();
      } else if (column.dtype() == v1::DTYPE_STRING) {
        *data->add_values() = String(ValidUtf8(column.String(i)));
      } else {
        *data->add_values() = DTypeSwitch(
            column.dtype(),
            [&](auto zero) {
              using T = decltype(zero);
              return ElementJson(Load<T>(column.data(), i), exact);
            },
            [] { return Null(); });
      }
    }
  }
  return out;
}

// ---- Reading the readable forms back.

absl::Status Error(absl::string_view where, absl::string_view what) {
  return absl::InvalidArgumentError(where.empty() ? std::string(what)
                                                  : absl::StrCat(where, ": ", what));
}

// How a JSON value shows in an error message.
std::string Shown(const JsonValue& v) {
  switch (v.kind_case()) {
    case JsonValue::kNumberValue:
      return DoubleText(v.number_value());
    case JsonValue::kStringValue:
      return absl::StrCat("\"", absl::CHexEscape(v.string_value()), "\"");
    case JsonValue::kBoolValue:
      return v.bool_value() ? "true" : "false";
    case JsonValue::kListValue:
      return "a list";
    case JsonValue::kStructValue:
      return "an object";
    default:
      return "null";
  }
}

// One element of dtype T from its JSON form; the message says what is wrong, without the place.
template <typename T>
absl::StatusOr<T> ElementFromJson(const JsonValue& v) {
  const absl::string_view kType = DTypeName(DTypeOf<T>());
  if constexpr (std::is_same_v<T, bool>) {
    if (v.kind_case() == JsonValue::kBoolValue) return v.bool_value();
    if (v.kind_case() == JsonValue::kNumberValue &&
        (v.number_value() == 0 || v.number_value() == 1)) {
      return v.number_value() == 1;
    }
    return absl::InvalidArgumentError(absl::StrCat(Shown(v), " is not true, false, 0 or 1"));
  } else if constexpr (std::is_floating_point_v<T>) {
    if (v.kind_case() == JsonValue::kNumberValue) {
      const double x = v.number_value();
      if (std::is_same_v<T, float> && std::isfinite(x) &&
          std::fabs(x) > std::numeric_limits<float>::max()) {
        return absl::InvalidArgumentError(absl::StrCat(Shown(v), " is out of float32's range"));
      }
      return static_cast<T>(x);
    }
    if (v.kind_case() == JsonValue::kStringValue) {
      const std::string& s = v.string_value();
      if (s == "NaN") return std::numeric_limits<T>::quiet_NaN();
      if (s == "Infinity") return std::numeric_limits<T>::infinity();
      if (s == "-Infinity") return -std::numeric_limits<T>::infinity();
    }
    return absl::InvalidArgumentError(
        absl::StrCat(Shown(v), " is not a number, \"NaN\", \"Infinity\" or \"-Infinity\""));
  } else {
    using Wide = std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>;
    Wide wide = 0;
    if (v.kind_case() == JsonValue::kNumberValue) {
      const double x = v.number_value();
      if (!std::isfinite(x) || std::trunc(x) != x) {
        return absl::InvalidArgumentError(
            absl::StrCat(Shown(v), " is not an integer (", kType, ")"));
      }
      // Limits as doubles: min is a power of two (exact); max + 1 is one too.
      const double lo = static_cast<double>(std::numeric_limits<T>::min());
      const double hi_excl = static_cast<double>(std::numeric_limits<T>::max() / 2 + 1) * 2;
      if (x < lo || x >= hi_excl) {
        return absl::InvalidArgumentError(absl::StrCat(Shown(v), " is out of ", kType, "'s range"));
      }
      if (std::fabs(x) > kMaxExactInteger) {
        return absl::InvalidArgumentError(absl::StrCat(
            Shown(v),
            " is beyond ±(2^53 - 1), where a JSON number may not be exact: write it as a "
            "string, or give the array as \"base64\""));
      }
      wide = static_cast<Wide>(x);
    } else if (v.kind_case() == JsonValue::kStringValue) {
      if (!absl::SimpleAtoi(v.string_value(), &wide)) {
        return absl::InvalidArgumentError(
            absl::StrCat(Shown(v), " is not an integer (", kType, ")"));
      }
      if (wide < static_cast<Wide>(std::numeric_limits<T>::min()) ||
          wide > static_cast<Wide>(std::numeric_limits<T>::max())) {
        return absl::InvalidArgumentError(absl::StrCat(Shown(v), " is out of ", kType, "'s range"));
      }
    } else {
      return absl::InvalidArgumentError(absl::StrCat(Shown(v), " is not an integer (", kType, ")"));
    }
    return static_cast<T>(wide);
  }
}

// The fields of a JSON object, or an error when `v` is not one or has a field not in `allowed`.
absl::StatusOr<const google::protobuf::Map<std::string, JsonValue>*> Fields(
    const JsonValue& v, absl::string_view where, std::initializer_list<absl::string_view> allowed) {
  if (v.kind_case() != JsonValue::kStructValue) {
    return Error(where, absl::StrCat("expected an object with ", absl::StrJoin(allowed, ", "),
                                     ", got ", Shown(v)));
  }
  for (const auto& [name, unused] : v.struct_value().fields()) {
    bool known = false;
    for (absl::string_view a : allowed) known = known || name == a;
    if (!known) {
      return Error(where, absl::StrCat("unknown field \"", name, "\" (expected ",
                                       absl::StrJoin(allowed, ", "), ")"));
    }
  }
  return &v.struct_value().fields();
}

const JsonValue* Find(const google::protobuf::Map<std::string, JsonValue>& fields,
                      absl::string_view name) {
  auto it = fields.find(std::string(name));
  return it == fields.end() ? nullptr : &it->second;
}

absl::StatusOr<DType> DTypeFromJson(const JsonValue* v, absl::string_view where) {
  if (v == nullptr) return Error(where, "\"dtype\" is missing");
  if (v->kind_case() != JsonValue::kStringValue) {
    return Error(where, absl::StrCat("\"dtype\" is ", Shown(*v), ", not a name"));
  }
  DType dtype;
  if (v1::DType_Parse(v->string_value(), &dtype) && dtype != v1::DTYPE_UNSPECIFIED) return dtype;
  absl::StatusOr<DType> parsed = ParseDType(v->string_value());
  if (!parsed.ok()) return Error(where, parsed.status().message());
  return *parsed;
}

// A count from JSON: a non-negative integer number, or a decimal string (as protobuf writes
// uint64).
absl::StatusOr<uint64_t> CountFromJson(const JsonValue& v, absl::string_view where) {
  uint64_t n = 0;
  if (v.kind_case() == JsonValue::kNumberValue) {
    const double x = v.number_value();
    if (x >= 0 && x <= kMaxExactInteger && std::trunc(x) == x) return static_cast<uint64_t>(x);
  } else if (v.kind_case() == JsonValue::kStringValue && absl::SimpleAtoi(v.string_value(), &n)) {
    return n;
  }
  return Error(where, absl::StrCat(Shown(v), " is not a non-negative integer"));
}

std::string ShapeText(absl::Span<const uint64_t> shape) {
  if (shape.size() == 1) return absl::StrCat("(", shape[0], ",)");
  return absl::StrCat("(", absl::StrJoin(shape, ", "), ")");
}

// The leaves of `data` in C order and the shape its nesting gives: a scalar is 0-d, a list of
// scalars 1-d, a list of equal-length lists 2-d, and so on. Ragged nesting is an error.
struct Flat {
  std::vector<const JsonValue*> leaves;
  std::vector<uint64_t> shape;
};

absl::Status Flatten(const JsonValue& node, size_t depth, std::string& path, Flat& flat) {
  const bool is_list = node.kind_case() == JsonValue::kListValue;
  if (depth == flat.shape.size()) {
    if (is_list) return Error(path, "a list where a number was expected (the lists are ragged)");
    flat.leaves.push_back(&node);
    return absl::OkStatus();
  }
  if (!is_list) {
    return Error(path, absl::StrCat(Shown(node), " where a list of ", flat.shape[depth],
                                    " was expected (the lists are ragged)"));
  }
  if (static_cast<uint64_t>(node.list_value().values_size()) != flat.shape[depth]) {
    return Error(path, absl::StrCat("a list of ", node.list_value().values_size(), " where ",
                                    flat.shape[depth], " were expected (the lists are ragged)"));
  }
  const size_t length = path.size();
  for (int i = 0; i < node.list_value().values_size(); ++i) {
    absl::StrAppend(&path, "[", i, "]");
    absl::Status status = Flatten(node.list_value().values(i), depth + 1, path, flat);
    if (!status.ok()) return status;
    path.resize(length);
  }
  return absl::OkStatus();
}

absl::StatusOr<Flat> FlattenData(const JsonValue& data) {
  Flat flat;
  for (const JsonValue* v = &data; v->kind_case() == JsonValue::kListValue;) {
    flat.shape.push_back(static_cast<uint64_t>(v->list_value().values_size()));
    if (v->list_value().values_size() == 0) break;
    v = &v->list_value().values(0);
  }
  std::string path = "data";
  absl::Status status = Flatten(data, 0, path, flat);
  if (!status.ok()) return status;
  return flat;
}

// "data[1][2]": the place of flat element i of an array nested as `nested`.
std::string ElementPlace(uint64_t i, absl::Span<const uint64_t> nested) {
  std::vector<uint64_t> index(nested.size());
  for (size_t k = nested.size(); k-- > 0;) {
    index[k] = i % nested[k];
    i /= nested[k];
  }
  std::string place = "data";
  for (uint64_t x : index) absl::StrAppend(&place, "[", x, "]");
  return place;
}

}  // namespace

google::protobuf::Value ValueToJson(const v1::Value& value) {
  google::protobuf::Value out;
  switch (value.kind_case()) {
    case v1::Value::KIND_NOT_SET:
      out.set_null_value(google::protobuf::NULL_VALUE);
      break;
    case v1::Value::kBool:
      out.set_bool_value(value.bool_());
      break;
    case v1::Value::kInt:
      out.set_number_value(static_cast<double>(value.int_()));
      break;
    case v1::Value::kFloat:
      out.set_number_value(value.float_());
      break;
    case v1::Value::kStr:
      out.set_string_value(value.str());
      break;
    case v1::Value::kBytes:
      if (IsPrintableText(value.bytes())) {
        out.set_string_value(value.bytes());
      } else {
        (*out.mutable_struct_value()->mutable_fields())["base64"].set_string_value(
            absl::Base64Escape(value.bytes()));
      }
      break;
    case v1::Value::kList: {
      auto* list = out.mutable_list_value();
      for (const v1::Value& item : value.list().items()) *list->add_values() = ValueToJson(item);
      break;
    }
    case v1::Value::kMap: {
      auto* fields = out.mutable_struct_value()->mutable_fields();
      for (const auto& [k, v] : value.map().entries()) (*fields)[k] = ValueToJson(v);
      break;
    }
    case v1::Value::kNdarray:
      return ArrayJson(value);
    case v1::Value::kTable:
      return TableJson(value);
  }
  return out;
}

absl::StatusOr<v1::NDArray> NDArrayFromJson(const google::protobuf::Value& json) {
  auto fields = Fields(json, "", {"dtype", "shape", "data", "base64"});
  if (!fields.ok()) return fields.status();
  absl::StatusOr<DType> dtype = DTypeFromJson(Find(**fields, "dtype"), "");
  if (!dtype.ok()) return dtype.status();
  if (*dtype == v1::DTYPE_STRING) {
    return Error("", "\"dtype\" string is for table columns; an array holds numbers or bools");
  }
  const size_t itemsize = ItemSize(*dtype);

  std::optional<std::vector<uint64_t>> shape;
  if (const JsonValue* s = Find(**fields, "shape"); s != nullptr) {
    if (s->kind_case() != JsonValue::kListValue) {
      return Error("shape", absl::StrCat(Shown(*s), " is not a list"));
    }
    shape.emplace();
    for (int i = 0; i < s->list_value().values_size(); ++i) {
      absl::StatusOr<uint64_t> d =
          CountFromJson(s->list_value().values(i), absl::StrCat("shape[", i, "]"));
      if (!d.ok()) return d.status();
      shape->push_back(*d);
    }
  }

  const JsonValue* data = Find(**fields, "data");
  const JsonValue* base64 = Find(**fields, "base64");
  if ((data == nullptr) == (base64 == nullptr)) {
    return Error("", "give exactly one of \"data\" (a list) and \"base64\"");
  }
  if (data != nullptr && data->kind_case() == JsonValue::kStringValue) std::swap(data, base64);

  v1::NDArray array;
  array.set_dtype(*dtype);
  if (base64 != nullptr) {
    if (base64->kind_case() != JsonValue::kStringValue) {
      return Error("base64", absl::StrCat(Shown(*base64), " is not a string"));
    }
    std::string bytes;
    if (!absl::Base64Unescape(base64->string_value(), &bytes)) {
      return Error("base64", "not valid base64");
    }
    if (!shape.has_value()) {
      if (bytes.size() % itemsize != 0) {
        return Error("base64", absl::StrCat(bytes.size(), " bytes are not a whole number of ",
                                            DTypeName(*dtype), " elements"));
      }
      shape = std::vector<uint64_t>{bytes.size() / itemsize};
    }
    absl::StatusOr<uint64_t> expected = ArrayByteCount(*dtype, *shape);
    if (!expected.ok()) return Error("shape", expected.status().message());
    if (*expected != bytes.size()) {
      return Error("base64", absl::StrCat(bytes.size(), " bytes where shape ", ShapeText(*shape),
                                          " of ", DTypeName(*dtype), " needs ", *expected));
    }
    for (uint64_t d : *shape) array.add_shape(d);
    array.set_data(std::move(bytes));
    return array;
  }

  absl::StatusOr<Flat> flat = FlattenData(*data);
  if (!flat.ok()) return flat.status();
  if (!shape.has_value()) shape = flat->shape;
  absl::StatusOr<uint64_t> count = NumElements(*shape);
  if (!count.ok()) return Error("shape", count.status().message());
  // The nesting must be the shape's, or a flat list of as many elements.
  const bool flat_list = flat->shape.size() == 1 && flat->leaves.size() == *count;
  if (flat->shape != *shape && !flat_list) {
    return Error("data", absl::StrCat(flat->shape.size() <= 1
                                          ? absl::StrCat(flat->leaves.size(), " elements")
                                          : absl::StrCat("nested as ", ShapeText(flat->shape)),
                                      " where shape ", ShapeText(*shape), " holds ", *count));
  }
  std::string bytes(flat->leaves.size() * itemsize, '\0');
  absl::Status filled = DTypeSwitch(
      *dtype,
      [&](auto zero) -> absl::Status {
        using T = decltype(zero);
        for (size_t i = 0; i < flat->leaves.size(); ++i) {
          absl::StatusOr<T> x = ElementFromJson<T>(*flat->leaves[i]);
          if (!x.ok()) {
            return Error(flat_list || flat->shape.empty() ? absl::StrCat("data[", i, "]")
                                                          : ElementPlace(i, flat->shape),
                         x.status().message());
          }
          std::memcpy(bytes.data() + i * sizeof(T), &*x, sizeof(T));
        }
        return absl::OkStatus();
      },
      [] { return absl::InvalidArgumentError("no such dtype"); });
  if (!filled.ok()) return filled;
  for (uint64_t d : *shape) array.add_shape(d);
  array.set_data(std::move(bytes));
  return array;
}

absl::StatusOr<v1::Table> TableFromJson(const google::protobuf::Value& json) {
  auto fields = Fields(json, "", {"columns", "num_rows"});
  if (!fields.ok()) return fields.status();
  std::optional<uint64_t> num_rows;
  if (const JsonValue* n = Find(**fields, "num_rows"); n != nullptr) {
    absl::StatusOr<uint64_t> parsed = CountFromJson(*n, "num_rows");
    if (!parsed.ok()) return parsed.status();
    num_rows = *parsed;
  }
  const JsonValue* columns = Find(**fields, "columns");
  if (columns == nullptr || columns->kind_case() != JsonValue::kListValue) {
    return Error("columns", "expected a list of {\"name\", \"dtype\", \"data\"}");
  }
  TableBuilder builder;
  for (int c = 0; c < columns->list_value().values_size(); ++c) {
    std::string where = absl::StrCat("columns[", c, "]");
    auto column = Fields(columns->list_value().values(c), where, {"name", "dtype", "data"});
    if (!column.ok()) return column.status();
    const JsonValue* name = Find(**column, "name");
    if (name == nullptr || name->kind_case() != JsonValue::kStringValue) {
      return Error(where, "\"name\" is missing or not a string");
    }
    where = absl::StrCat(where, " (\"", name->string_value(), "\")");
    absl::StatusOr<DType> dtype = DTypeFromJson(Find(**column, "dtype"), where);
    if (!dtype.ok()) return dtype.status();
    const JsonValue* data = Find(**column, "data");
    if (data == nullptr || data->kind_case() != JsonValue::kListValue) {
      return Error(where, "\"data\" is missing or not a list");
    }
    const auto& rows = data->list_value().values();
    const uint64_t n = static_cast<uint64_t>(rows.size());
    if (num_rows.has_value() && n != *num_rows) {
      return Error(where, absl::StrCat(n, " rows where num_rows is ", *num_rows));
    }
    num_rows = n;
    std::vector<bool> valid(n, true);
    bool any_null = false;
    for (uint64_t i = 0; i < n; ++i) {
      if (rows[static_cast<int>(i)].kind_case() == JsonValue::kNullValue) {
        valid[i] = false;
        any_null = true;
      }
    }
    if (!any_null) valid.clear();
    if (*dtype == v1::DTYPE_STRING) {
      std::vector<std::optional<std::string>> strings(n);
      for (uint64_t i = 0; i < n; ++i) {
        const JsonValue& row = rows[static_cast<int>(i)];
        if (row.kind_case() == JsonValue::kStringValue) {
          strings[i] = row.string_value();
        } else if (row.kind_case() != JsonValue::kNullValue) {
          return Error(where, absl::StrCat("data[", i, "]: ", Shown(row), " is not a string"));
        }
      }
      builder.AddStrings(name->string_value(), strings);
      continue;
    }
    absl::Status added = DTypeSwitch(
        *dtype,
        [&](auto zero) -> absl::Status {
          using T = decltype(zero);
          // Not std::vector<T>: std::vector<bool> has no contiguous storage to view.
          std::unique_ptr<T[]> values(new T[n]());
          for (uint64_t i = 0; i < n; ++i) {
            const JsonValue& row = rows[static_cast<int>(i)];
            if (row.kind_case() == JsonValue::kNullValue) continue;
            absl::StatusOr<T> x = ElementFromJson<T>(row);
            if (!x.ok()) {
              return Error(where, absl::StrCat("data[", i, "]: ", x.status().message()));
            }
            values[i] = *x;
          }
          builder.Add<T>(name->string_value(), absl::Span<const T>(values.get(), n), valid);
          return absl::OkStatus();
        },
        [] { return absl::InvalidArgumentError("no such dtype"); });
    if (!added.ok()) return added;
  }
  absl::StatusOr<v1::Value> table = std::move(builder).Finish();
  if (!table.ok()) return Error("table", table.status().message());
  v1::Table out = std::move(*table->mutable_table());
  if (num_rows.has_value()) out.set_num_rows(*num_rows);
  return out;
}

std::string JsonText(const google::protobuf::Value& json) {
  // MessageToJsonString prints an object's keys in the order of its hash map; serialized
  // deterministically first, they come out sorted, so the same value always prints the same.
  static google::protobuf::util::TypeResolver* const resolver =
      google::protobuf::util::NewTypeResolverForDescriptorPool(
          "type.googleapis.com", google::protobuf::DescriptorPool::generated_pool());
  std::string binary;
  {
    google::protobuf::io::StringOutputStream stream(&binary);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    json.SerializeToCodedStream(&coded);
  }
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  (void)google::protobuf::util::BinaryToJsonString(
      resolver, "type.googleapis.com/google.protobuf.Value", binary, &text, options);
  return text;
}

}  // namespace brisk
