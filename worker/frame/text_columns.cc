#include "worker/frame/text_columns.h"

#include <charconv>
#include <cstring>
#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/utf8.h"
#include "worker/frame/table_assembly.h"

namespace brisk {
namespace {

template <typename T>
std::string Bytes(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

}  // namespace

bool ParseIntField(absl::string_view s, int64_t* out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

bool ParseFloatField(absl::string_view s, double* out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (ec == std::errc::result_out_of_range) {
    // from_chars refuses values beyond double's range; strtod gives inf or 0 as pandas does.
    *out = std::strtod(std::string(s).c_str(), nullptr);
    return true;
  }
  return ec == std::errc() && end == s.data() + s.size();
}

bool ParseBoolField(absl::string_view s, bool* out) {
  if (s == "True" || s == "TRUE" || s == "true") {
    *out = true;
    return true;
  }
  if (s == "False" || s == "FALSE" || s == "false") {
    *out = false;
    return true;
  }
  return false;
}

bool IsNullToken(absl::string_view field) {
  if (field.empty()) return true;
  if (field.size() > 8) return false;
  // Every token starts with one of these, and a number or a word seldom does: most fields are
  // decided here, without the lookup.
  switch (field[0]) {
    case '#':
    case '<':
    case 'N':
    case 'n':
      break;
    case '-':  // -1.#IND, -1.#QNAN, -NaN, -nan
      if (field.size() < 4 || !(field[1] == 'N' || field[1] == 'n' ||
                                (field[1] == '1' && field.size() >= 7 && field[3] == '#'))) {
        return false;
      }
      break;
    case '1':  // 1.#IND, 1.#QNAN
      if (field.size() < 6 || field[2] != '#') return false;
      break;
    default:
      return false;
  }
  static const auto* tokens = new absl::flat_hash_set<absl::string_view>{
      "",        "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
      "1.#QNAN", "<NA>", "N/A",      "NA",  "NULL",    "NaN",      "n/a",  "nan",  "null"};
  return tokens->contains(field);
}

TextColumns::TextColumns(std::vector<std::string> names) {
  columns_.reserve(names.size());
  for (std::string& name : names) {
    columns_.emplace_back();
    columns_.back().name = std::move(name);
  }
}

size_t TextColumns::AddColumn(std::string name) {
  columns_.emplace_back();
  columns_.back().name = std::move(name);
  Fill(columns_.back());
  return columns_.size() - 1;
}

void TextColumns::Fill(Column& c) {
  while (c.filled < rows_) {
    c.ends.push_back(static_cast<uint32_t>(c.text.size()));
    c.valid.push_back(0);
    ++c.filled;
  }
}

void TextColumns::Add(size_t column, absl::string_view field) {
  if (IsNullToken(field)) {
    AddNull(column);
    return;
  }
  Column& c = columns_[column];
  if (IsUtf8(field)) {
    c.text.append(field.data(), field.size());
  } else {
    AppendValidUtf8(field, c.text);
  }
  if (c.text.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()) && error_.empty()) {
    error_ = absl::StrCat("column \"", c.name, "\" holds more than 2 GiB of text in one partition");
  }
  c.ends.push_back(static_cast<uint32_t>(c.text.size()));
  c.valid.push_back(1);
  ++c.filled;
}

void TextColumns::AddNull(size_t column) {
  Column& c = columns_[column];
  c.ends.push_back(static_cast<uint32_t>(c.text.size()));
  c.valid.push_back(0);
  ++c.filled;
}

void TextColumns::EndRow() {
  ++rows_;
  for (Column& c : columns_) Fill(c);
}

absl::StatusOr<v1::Value> TextColumns::Finish(
    const absl::flat_hash_map<std::string, DType>& given) && {
  if (!error_.empty()) return absl::InvalidArgumentError(error_);
  std::vector<ColumnBuffers> out;
  out.reserve(columns_.size());
  for (Column& c : columns_) {
    const uint64_t n = c.ends.size();
    auto field = [&](uint64_t i) {
      const uint32_t begin = i == 0 ? 0 : c.ends[i - 1];
      return absl::string_view(c.text).substr(begin, c.ends[i] - begin);
    };
    uint64_t values = 0;
    for (uint8_t v : c.valid) values += v;

    DType dtype;
    const auto it = given.find(c.name);
    if (it != given.end()) {
      dtype = it->second;
      if (dtype != v1::DTYPE_INT64 && dtype != v1::DTYPE_FLOAT64 && dtype != v1::DTYPE_BOOL &&
          dtype != v1::DTYPE_STRING) {
        return absl::InvalidArgumentError(
            absl::StrCat("column \"", c.name, "\": dtype ", DTypeName(dtype),
                         " is not one of int64, float64, bool, string"));
      }
    } else if (n == 0) {
      dtype = v1::DTYPE_STRING;
    } else if (values == 0) {
      dtype = v1::DTYPE_FLOAT64;
    } else if (c.forced_string) {
      dtype = v1::DTYPE_STRING;
    } else {
      bool is_int = true, is_float = true, is_bool = true;
      for (uint64_t i = 0; i < n && (is_int || is_float || is_bool); ++i) {
        if (!c.valid[i]) continue;
        const absl::string_view f = field(i);
        int64_t iv;
        double dv;
        bool bv;
        if (is_int && !ParseIntField(f, &iv)) is_int = false;
        if (!is_int && is_float && !ParseFloatField(f, &dv)) is_float = false;
        if (is_bool && !ParseBoolField(f, &bv)) is_bool = false;
      }
      dtype = is_int     ? v1::DTYPE_INT64
              : is_float ? v1::DTYPE_FLOAT64
              : is_bool  ? v1::DTYPE_BOOL
                         : v1::DTYPE_STRING;
    }

    ColumnBuffers b;
    b.name = c.name;
    b.dtype = dtype;
    auto bad = [&](uint64_t i) {
      return absl::InvalidArgumentError(absl::StrCat("column \"", c.name, "\", row ", i, ": \"",
                                                     field(i), "\" is not ", DTypeName(dtype)));
    };
    if (dtype == v1::DTYPE_STRING) {
      std::vector<int32_t> offsets(n + 1, 0);
      for (uint64_t i = 0; i < n; ++i) offsets[i + 1] = static_cast<int32_t>(c.ends[i]);
      b.offsets = Bytes(offsets);
      b.data = std::move(c.text);
    } else if (dtype == v1::DTYPE_INT64) {
      std::vector<int64_t> v(n, 0);
      for (uint64_t i = 0; i < n; ++i) {
        if (c.valid[i] && !ParseIntField(field(i), &v[i])) return bad(i);
      }
      b.data = Bytes(v);
    } else if (dtype == v1::DTYPE_FLOAT64) {
      std::vector<double> v(n, 0);
      for (uint64_t i = 0; i < n; ++i) {
        if (c.valid[i] && !ParseFloatField(field(i), &v[i])) return bad(i);
      }
      b.data = Bytes(v);
    } else {
      std::vector<uint8_t> v(n, 0);
      for (uint64_t i = 0; i < n; ++i) {
        bool x = false;
        if (c.valid[i] && !ParseBoolField(field(i), &x)) return bad(i);
        v[i] = x ? 1 : 0;
      }
      b.data = Bytes(v);
    }
    b.validity = ValidityBits(c.valid);
    out.push_back(std::move(b));
    c = Column{};
  }
  return AssembleTable(rows_, std::move(out));
}

}  // namespace brisk
