#include "common/value_text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "brisk/value.h"
#include "common/dtype_switch.h"
#include "common/utf8.h"
#include "common/value_json.h"

namespace brisk {
namespace {

// NumPy's print options: threshold, edgeitems, linewidth; its float precision.
constexpr uint64_t kSummaryThreshold = 1000;
constexpr uint64_t kEdgeItems = 3;
constexpr size_t kLineWidth = 75;
constexpr int kFloatPrecision = 8;
// pandas' display: more rows than this show only the first and last kTableEdgeRows.
constexpr uint64_t kMaxTableRows = 20;
constexpr uint64_t kTableEdgeRows = 5;
constexpr size_t kMaxCellWidth = 50;

// Marks the place of the elided elements in a list of indices.
constexpr uint64_t kEllipsis = UINT64_MAX;

template <typename T>
T Load(absl::string_view bytes, uint64_t i) {
  T x;
  std::memcpy(&x, bytes.data() + i * sizeof(T), sizeof(T));
  return x;
}

// Characters on screen: UTF-8 lead bytes (a fair count for all but the widest scripts).
size_t Width(absl::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string PadLeft(const std::string& s, size_t width) {
  const size_t w = Width(s);
  return w >= width ? s : std::string(width - w, ' ') + s;
}

std::string PadRight(const std::string& s, size_t width) {
  const size_t w = Width(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

template <typename T>
std::string ToChars(T x) {
  char buf[128];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), x);
  return std::string(buf, end);
}

template <typename T>
std::string ToChars(T x, std::chars_format format) {
  char buf[128];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), x, format);
  return std::string(buf, end);
}

template <typename T>
std::string ToChars(T x, std::chars_format format, int precision) {
  char buf[512];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), x, format, precision);
  return std::string(buf, end);
}

// Floats as NumPy prints one array of them: positional ("0.25", "1.") unless the magnitudes ask
// for scientific notation (as NumPy decides it), at most 8 digits after the point, the points
// aligned; "nan", "inf", "-inf".
template <typename T>
std::vector<std::string> FormatFloats(const std::vector<T>& values) {
  T max_abs = 0, min_abs = 0;
  bool any = false;
  for (T x : values) {
    if (!std::isfinite(x) || x == 0) continue;
    const T a = std::fabs(x);
    if (!any || a > max_abs) max_abs = a;
    if (!any || a < min_abs) min_abs = a;
    any = true;
  }
  const bool scientific =
      any && (max_abs >= T(1e8) || min_abs < T(1e-4) || max_abs / min_abs > T(1e3));
  std::vector<std::string> out;
  out.reserve(values.size());
  if (scientific) {
    int precision = 0;
    for (T x : values) {
      if (!std::isfinite(x)) continue;
      const std::string shortest = ToChars(x, std::chars_format::scientific);
      const size_t dot = shortest.find('.');
      if (dot != std::string::npos) {
        precision = std::max(precision, static_cast<int>(shortest.find('e') - dot - 1));
      }
    }
    precision = std::min(precision, kFloatPrecision);
    size_t width = 0;
    for (T x : values) {
      std::string s;
      if (std::isnan(x)) {
        s = "nan";
      } else if (std::isinf(x)) {
        s = x > 0 ? "inf" : "-inf";
      } else {
        s = ToChars(x, std::chars_format::scientific, precision);
        if (precision == 0) s.insert(s.find('e'), ".");
      }
      width = std::max(width, s.size());
      out.push_back(std::move(s));
    }
    for (std::string& s : out) s = PadLeft(s, width);
    return out;
  }
  // Positional: the integer part right-aligned, the fraction left-aligned.
  std::vector<std::pair<std::string, std::string>> parts;
  size_t left = 0, right = 0;
  for (T x : values) {
    if (!std::isfinite(x)) {
      parts.emplace_back();
      continue;
    }
    std::string s = ToChars(x, std::chars_format::fixed);
    size_t dot = s.find('.');
    if (dot != std::string::npos && s.size() - dot - 1 > static_cast<size_t>(kFloatPrecision)) {
      s = ToChars(x, std::chars_format::fixed, kFloatPrecision);
      while (s.back() == '0') s.pop_back();
    }
    dot = s.find('.');
    if (dot == std::string::npos) {
      dot = s.size();
      s.push_back('.');
    }
    parts.emplace_back(s.substr(0, dot), s.substr(dot + 1));
    left = std::max(left, dot);
    right = std::max(right, s.size() - dot - 1);
  }
  for (size_t i = 0; i < values.size(); ++i) {
    const T x = values[i];
    if (std::isnan(x)) {
      out.push_back(PadLeft("nan", left + 1 + right));
    } else if (std::isinf(x)) {
      out.push_back(PadLeft(x > 0 ? "inf" : "-inf", left + 1 + right));
    } else {
      out.push_back(PadLeft(parts[i].first, left) + "." + PadRight(parts[i].second, right));
    }
  }
  return out;
}

// The elements as NumPy prints one array of them, each padded to the same width.
template <typename T>
std::vector<std::string> FormatElements(const std::vector<T>& values) {
  if constexpr (std::is_floating_point_v<T>) {
    return FormatFloats(values);
  } else {
    std::vector<std::string> out;
    out.reserve(values.size());
    size_t width = 0;
    for (T x : values) {
      if constexpr (std::is_same_v<T, bool>) {
        out.push_back(x ? "True" : "False");
      } else {
        out.push_back(absl::StrCat(x));
      }
      width = std::max(width, out.back().size());
    }
    for (std::string& s : out) s = PadLeft(s, width);
    return out;
  }
}

// The indices shown along an axis of length n: all, or the first and last few around kEllipsis.
std::vector<uint64_t> Shown(uint64_t n, bool summarize, uint64_t edge) {
  std::vector<uint64_t> out;
  if (summarize && n > 2 * edge) {
    for (uint64_t i = 0; i < edge; ++i) out.push_back(i);
    out.push_back(kEllipsis);
    for (uint64_t i = n - edge; i < n; ++i) out.push_back(i);
  } else {
    for (uint64_t i = 0; i < n; ++i) out.push_back(i);
  }
  return out;
}

std::string ShapeText(absl::Span<const uint64_t> shape) {
  if (shape.size() == 1) return absl::StrCat("(", shape[0], ",)");
  return absl::StrCat("(", absl::StrJoin(shape, ", "), ")");
}

// Lays out an array's formatted elements (in C order) in NumPy's nested brackets.
class ArrayLayout {
 public:
  ArrayLayout(const std::vector<std::vector<uint64_t>>& shown,
              const std::vector<std::string>& cells)
      : shown_(shown), cells_(cells) {}

  std::string Text() {
    std::string out;
    Block(0, out);
    return out;
  }

 private:
  void Block(size_t axis, std::string& out) {
    const size_t ndim = shown_.size();
    out += "[";
    if (axis + 1 == ndim) {
      // The innermost axis: elements separated by spaces, wrapped under the first one.
      size_t column = axis + 1;
      bool first = true;
      for (uint64_t i : shown_[axis]) {
        const std::string& word = i == kEllipsis ? kDots : cells_[next_++];
        const size_t width = Width(word);
        if (!first && column + 1 + width + 1 > kLineWidth) {
          while (out.back() == ' ') out.pop_back();
          out += "\n";
          out.append(axis + 1, ' ');
          column = axis + 1;
        } else if (!first) {
          out += " ";
          ++column;
        }
        out += word;
        column += width;
        first = false;
      }
    } else {
      const std::string separator = std::string(ndim - axis - 1, '\n') + std::string(axis + 1, ' ');
      bool first = true;
      for (uint64_t i : shown_[axis]) {
        if (!first) out += separator;
        if (i == kEllipsis) {
          out += kDots;
        } else {
          Block(axis + 1, out);
        }
        first = false;
      }
    }
    out += "]";
  }

  inline static const std::string kDots = "...";
  const std::vector<std::vector<uint64_t>>& shown_;
  const std::vector<std::string>& cells_;
  size_t next_ = 0;
};

std::string ArrayText(const v1::Value& value) {
  absl::StatusOr<ArrayView> view = ArrayView::Of(value);
  if (!view.ok()) return absl::StrCat("<invalid ndarray: ", view.status().message(), ">");
  const std::string header =
      absl::StrCat("array ", DTypeName(view->dtype()), " ", ShapeText(view->shape()));
  if (view->size() == 0) return absl::StrCat(header, "\n[]");
  const bool summarize = view->size() > kSummaryThreshold;
  std::vector<std::vector<uint64_t>> shown;
  for (uint64_t d : view->shape()) shown.push_back(Shown(d, summarize, kEdgeItems));
  // The flat indices of the shown elements, in C order.
  std::vector<uint64_t> flat = {0};
  for (size_t axis = 0; axis < shown.size(); ++axis) {
    std::vector<uint64_t> next;
    for (uint64_t base : flat) {
      for (uint64_t i : shown[axis]) {
        if (i != kEllipsis) next.push_back(base * view->shape()[axis] + i);
      }
    }
    flat = std::move(next);
  }
  std::vector<std::string> cells = DTypeSwitch(
      view->dtype(),
      [&](auto zero) {
        using T = decltype(zero);
        std::vector<T> values;
        values.reserve(flat.size());
        for (uint64_t i : flat) values.push_back(Load<T>(view->bytes(), i));
        return FormatElements(values);
      },
      [] { return std::vector<std::string>(); });
  if (shown.empty()) return absl::StrCat(header, "\n", cells.empty() ? "" : cells[0]);
  return absl::StrCat(header, "\n", ArrayLayout(shown, cells).Text());
}

// A table cell's text: control characters escaped, invalid UTF-8 replaced, long text cut.
std::string CellText(absl::string_view s) {
  std::string escaped;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      escaped += "\\n";
    } else if (c == '\t') {
      escaped += "\\t";
    } else if (c == '\r') {
      escaped += "\\r";
    } else if (u < 0x20 || u == 0x7F) {
      absl::StrAppend(&escaped, "\\x", absl::Hex(u, absl::kZeroPad2));
    } else {
      escaped += c;
    }
  }
  std::string text = ValidUtf8(escaped);
  if (Width(text) <= kMaxCellWidth) return text;
  size_t keep = 0, chars = 0;
  while (keep < text.size() && chars < kMaxCellWidth - 3) {
    ++keep;
    while (keep < text.size() && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) ++keep;
    ++chars;
  }
  return text.substr(0, keep) + "...";
}

// `all_rows`: every row and no header line (TableRowsText); else as ValueText says.
std::string TableText(const v1::Value& value, bool all_rows = false) {
  absl::StatusOr<TableView> view = TableView::Of(value);
  if (!view.ok()) return absl::StrCat("<invalid table: ", view.status().message(), ">");
  std::string header =
      absl::StrCat("table: ", view->num_rows(), view->num_rows() == 1 ? " row" : " rows");
  if (view->num_columns() == 0) return absl::StrCat(header, ", no columns");
  absl::StrAppend(&header, "; ",
                  absl::StrJoin(view->columns(), ", ", [](std::string* out, const ColumnView& c) {
                    absl::StrAppend(out, c.name(), " ", DTypeName(c.dtype()));
                  }));
  const std::vector<uint64_t> rows =
      Shown(view->num_rows(), !all_rows && view->num_rows() > kMaxTableRows, kTableEdgeRows);
  // One column of text per table column: its name, then a cell per shown row.
  std::vector<std::vector<std::string>> grid;
  std::vector<bool> right_aligned;
  for (const ColumnView& column : view->columns()) {
    std::vector<std::string>& cells = grid.emplace_back();
    cells.push_back(CellText(column.name()));
    right_aligned.push_back(column.dtype() != v1::DTYPE_STRING);
    std::vector<std::string> formatted;
    if (column.dtype() != v1::DTYPE_STRING) {
      formatted = DTypeSwitch(
          column.dtype(),
          [&](auto zero) {
            using T = decltype(zero);
            std::vector<T> values;
            for (uint64_t i : rows) {
              if (i != kEllipsis && !column.IsNull(i)) values.push_back(Load<T>(column.data(), i));
            }
            return FormatElements(values);
          },
          [] { return std::vector<std::string>(); });
    }
    size_t next = 0;
    for (uint64_t i : rows) {
      if (i == kEllipsis) {
        cells.push_back("...");
      } else if (column.IsNull(i)) {
        cells.push_back("null");
      } else if (column.dtype() == v1::DTYPE_STRING) {
        cells.push_back(CellText(column.String(i)));
      } else {
        cells.push_back(formatted[next++]);
      }
    }
  }
  std::string out = all_rows ? "" : header;
  for (size_t r = 0; r < rows.size() + 1; ++r) {
    std::string line;
    for (size_t c = 0; c < grid.size(); ++c) {
      size_t width = 0;
      for (const std::string& cell : grid[c]) width = std::max(width, Width(cell));
      if (c > 0) line += "  ";
      line += right_aligned[c] ? PadLeft(grid[c][r], width) : PadRight(grid[c][r], width);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    absl::StrAppend(&out, out.empty() && r == 0 ? "" : "\n", line);
  }
  return out;
}

}  // namespace

std::string TableRowsText(const v1::Value& table) { return TableText(table, /*all_rows=*/true); }

std::string ValueText(const v1::Value& value) {
  switch (value.kind_case()) {
    case v1::Value::KIND_NOT_SET:
      return "null";
    case v1::Value::kBool:
      return value.bool_() ? "true" : "false";
    case v1::Value::kInt:
      return absl::StrCat(value.int_());
    case v1::Value::kFloat:
      return ToChars(value.float_());
    case v1::Value::kStr:
      return value.str();
    case v1::Value::kBytes:
      if (IsUtf8(value.bytes())) return value.bytes();
      return absl::StrCat("<", value.bytes().size(), " bytes>");
    case v1::Value::kList:
      return absl::StrCat("[",
                          absl::StrJoin(value.list().items(), ", ",
                                        [](std::string* out, const v1::Value& item) {
                                          out->append(ValueText(item));
                                        }),
                          "]");
    case v1::Value::kMap:
      return JsonText(ValueToJson(value));
    case v1::Value::kNdarray:
      return ArrayText(value);
    case v1::Value::kTable:
      return TableText(value);
  }
  return "";
}

}  // namespace brisk
