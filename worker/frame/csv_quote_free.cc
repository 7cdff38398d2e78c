#include "worker/frame/csv_quote_free.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "common/utf8.h"
#include "worker/frame/table_assembly.h"
#include "worker/frame/text_columns.h"

namespace brisk {
namespace {

// A column's fixed-width values, written in place into the bytes its table buffer is made of (no
// copy from a vector at the end).
template <typename T>
class ValueBuffer {
 public:
  void Reserve(size_t n) {
    if (n * sizeof(T) > bytes_.size()) bytes_.resize(n * sizeof(T));
  }
  void Assign(size_t n, T value) {
    Reserve(n);
    size_ = 0;
    while (size_ < n) Push(value);
  }
  void Push(T value) {
    if ((size_ + 1) * sizeof(T) > bytes_.size()) {
      bytes_.resize(std::max<size_t>(64 * sizeof(T), 2 * bytes_.size()));
    }
    std::memcpy(bytes_.data() + size_ * sizeof(T), &value, sizeof(T));
    ++size_;
  }
  std::string Take() && {
    bytes_.resize(size_ * sizeof(T));
    return std::move(bytes_);
  }

 private:
  std::string bytes_;
  size_t size_ = 0;
};

// What a column's values have been so far: kUnknown until its first value (nulls only).
enum class Kind : uint8_t { kUnknown, kInt, kFloat, kBool, kString };

struct Column {
  std::string name;
  Kind kind = Kind::kUnknown;
  size_t expected_rows = 0;  // what the buffers are reserved for
  ValueBuffer<int64_t> ints;
  ValueBuffer<double> floats;
  ValueBuffer<uint8_t> bools;
  std::string text;              // kString: every row's text, back to back
  ValueBuffer<int32_t> offsets;  // kString: row i is text[offsets[i], offsets[i+1])
  std::vector<uint8_t> valid;    // 1: the row has a value; one entry per row
  uint64_t values = 0;
};

// Placeholders for the rows (all null) added before the column's kind was known.
void Begin(Column& c, Kind kind) {
  c.kind = kind;
  const size_t rows = c.valid.size();
  const size_t reserve = std::max(rows, c.expected_rows);
  switch (kind) {
    case Kind::kInt:
      c.ints.Reserve(reserve);
      c.ints.Assign(rows, 0);
      break;
    case Kind::kFloat:
      c.floats.Reserve(reserve);
      c.floats.Assign(rows, 0);
      break;
    case Kind::kBool:
      c.bools.Reserve(reserve);
      c.bools.Assign(rows, 0);
      break;
    case Kind::kString:
      c.offsets.Reserve(reserve + 1);
      c.offsets.Assign(rows + 1, 0);
      break;
    case Kind::kUnknown:
      break;
  }
}

void AddNull(Column& c) {
  switch (c.kind) {
    case Kind::kInt:
      c.ints.Push(0);
      break;
    case Kind::kFloat:
      c.floats.Push(0);
      break;
    case Kind::kBool:
      c.bools.Push(0);
      break;
    case Kind::kString:
      c.offsets.Push(static_cast<int32_t>(c.text.size()));
      break;
    case Kind::kUnknown:
      break;
  }
  c.valid.push_back(0);
}

// False when the full parser must decide: the value is not of the column's kind so far (the
// column's dtype is then another, or the text an error), or the column outgrows 2 GiB of text.
bool AddValue(Column& c, absl::string_view f) {
  if (c.kind == Kind::kUnknown) {
    int64_t i;
    double d;
    bool b;
    Begin(c, ParseIntField(f, &i)     ? Kind::kInt
             : ParseFloatField(f, &d) ? Kind::kFloat
             : ParseBoolField(f, &b)  ? Kind::kBool
                                      : Kind::kString);
  }
  switch (c.kind) {
    case Kind::kInt: {
      int64_t v;
      if (!ParseIntField(f, &v)) return false;
      c.ints.Push(v);
      break;
    }
    case Kind::kFloat: {
      double v;
      if (!ParseFloatField(f, &v)) return false;
      c.floats.Push(v);
      break;
    }
    case Kind::kBool: {
      bool v;
      if (!ParseBoolField(f, &v)) return false;
      c.bools.Push(v ? 1 : 0);
      break;
    }
    case Kind::kString:
      if (IsUtf8(f)) {
        c.text.append(f.data(), f.size());
      } else {
        AppendValidUtf8(f, c.text);
      }
      if (c.text.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) return false;
      c.offsets.Push(static_cast<int32_t>(c.text.size()));
      break;
    case Kind::kUnknown:
      return false;
  }
  c.valid.push_back(1);
  ++c.values;
  return true;
}

// Every CR in `text` is part of a CRLF line end.
bool OnlyCrlf(absl::string_view text) {
  const char* p = text.data();
  const char* end = p + text.size();
  while (p < end) {
    const void* cr = std::memchr(p, '\r', static_cast<size_t>(end - p));
    if (cr == nullptr) return true;
    const char* at = static_cast<const char*>(cr);
    if (at + 1 == end || at[1] != '\n') return false;
    p = at + 2;
  }
  return true;
}

// The fields of the line [p, end), split on `delimiter`, to on_field(string_view); stops at
// the first false.
template <typename OnField>
bool SplitLine(const char* p, const char* end, char delimiter, OnField&& on_field) {
  while (true) {
    const char* q = p;
    while (q < end && *q != delimiter) ++q;
    if (!on_field(absl::string_view(p, static_cast<size_t>(q - p)))) return false;
    if (q == end) return true;
    p = q + 1;
  }
}

}  // namespace

std::optional<v1::Value> ReadQuoteFreeCsv(absl::string_view text, const CsvOptions& options,
                                          bool names_given) {
  const char delimiter = options.delimiter;
  if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') return std::nullopt;
  if (std::memchr(text.data(), '"', text.size()) != nullptr) return std::nullopt;
  if (std::memchr(text.data(), '\r', text.size()) != nullptr && !OnlyCrlf(text)) {
    return std::nullopt;
  }

  const char* p = text.data();
  const char* const end = p + text.size();
  // The next non-blank line [line, line_end), or false at the end of the text.
  const char* line = nullptr;
  const char* line_end = nullptr;
  auto next_line = [&] {
    while (p < end) {
      const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
      line = p;
      line_end = nl == nullptr ? end : static_cast<const char*>(nl);
      p = nl == nullptr ? end : line_end + 1;
      if (line_end > line && line_end[-1] == '\r') --line_end;
      if (line_end > line) return true;
    }
    return false;
  };

  std::vector<std::string> names;
  if (options.header && !names_given) {
    if (next_line()) {
      SplitLine(line, line_end, delimiter, [&](absl::string_view f) {
        std::string repaired;
        AppendValidUtf8(f, repaired);
        names.push_back(std::move(repaired));
        return true;
      });
    }
    names = UniqueColumnNames(std::move(names));
  } else {
    names = UniqueColumnNames(options.names);
  }

  // The rows to expect, from the line ends in the first 64 KiB of the records.
  const size_t sample = std::min<size_t>(static_cast<size_t>(end - p), 64 << 10);
  size_t sample_lines = 0;
  for (const char* q = p; q < p + sample; ++sample_lines) {
    const void* nl = std::memchr(q, '\n', static_cast<size_t>(p + sample - q));
    if (nl == nullptr) break;
    q = static_cast<const char*>(nl) + 1;
  }
  const size_t expected_rows =
      sample == 0 ? 0
                  : static_cast<size_t>(static_cast<double>(end - p) / static_cast<double>(sample) *
                                        static_cast<double>(sample_lines + 1) * 1.05) +
                        16;

  std::vector<Column> columns(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    Column& c = columns[i];
    c.name = std::move(names[i]);
    c.expected_rows = expected_rows;
    c.valid.reserve(expected_rows);
    const auto given = options.dtypes.find(c.name);
    if (given == options.dtypes.end()) continue;
    switch (given->second) {
      case v1::DTYPE_INT64:
        Begin(c, Kind::kInt);
        break;
      case v1::DTYPE_FLOAT64:
        Begin(c, Kind::kFloat);
        break;
      case v1::DTYPE_BOOL:
        Begin(c, Kind::kBool);
        break;
      case v1::DTYPE_STRING:
        Begin(c, Kind::kString);
        break;
      default:
        return std::nullopt;  // the full parser names the dtype it does not read
    }
  }

  uint64_t rows = 0;
  while (next_line()) {
    size_t column = 0;
    const bool read = SplitLine(line, line_end, delimiter, [&](absl::string_view f) {
      if (column == columns.size()) return false;  // more fields than the header: an error
      Column& c = columns[column++];
      if (IsNullToken(f)) {
        AddNull(c);
        return true;
      }
      return AddValue(c, f);
    });
    if (!read) return std::nullopt;
    for (; column < columns.size(); ++column) AddNull(columns[column]);
    ++rows;
  }

  std::vector<ColumnBuffers> out;
  out.reserve(columns.size());
  for (Column& c : columns) {
    ColumnBuffers b;
    b.name = std::move(c.name);
    if (c.kind == Kind::kUnknown) Begin(c, rows == 0 ? Kind::kString : Kind::kFloat);
    switch (c.kind) {
      case Kind::kInt:
        b.dtype = v1::DTYPE_INT64;
        b.data = std::move(c.ints).Take();
        break;
      case Kind::kFloat:
        b.dtype = v1::DTYPE_FLOAT64;
        b.data = std::move(c.floats).Take();
        break;
      case Kind::kBool:
        b.dtype = v1::DTYPE_BOOL;
        b.data = std::move(c.bools).Take();
        break;
      case Kind::kString:
        b.dtype = v1::DTYPE_STRING;
        b.offsets = std::move(c.offsets).Take();
        b.data = std::move(c.text);
        break;
      case Kind::kUnknown:
        return std::nullopt;
    }
    b.validity = ValidityBits(c.valid);
    out.push_back(std::move(b));
    c = Column{};
  }
  absl::StatusOr<v1::Value> table = AssembleTable(rows, std::move(out));
  if (!table.ok()) return std::nullopt;
  return *std::move(table);
}

}  // namespace brisk
