#include "worker/frame/csv_table.h"

#include <csv.h>

#include <charconv>
#include <cmath>
#include <optional>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/utf8.h"
#include "worker/frame/csv_quote_free.h"
#include "worker/frame/line_range.h"
#include "worker/frame/text_columns.h"

namespace brisk {
namespace {

int NoSpace(unsigned char) { return 0; }

// libcsv's parser state when a quoted field has begun and its closing quote not yet come.
constexpr int kFieldBegun = 2;

// Runs libcsv over `text`, calling on_field(field) and on_record() (C callbacks into lambdas).
template <typename OnField, typename OnRecord>
absl::Status ParseCsv(absl::string_view text, char delimiter, OnField& on_field,
                      OnRecord& on_record) {
  struct Sink {
    OnField* field;
    OnRecord* record;
  } sink{&on_field, &on_record};
  csv_parser p;
  if (csv_init(&p, CSV_APPEND_NULL) != 0) return absl::ResourceExhaustedError("csv_init failed");
  csv_set_space_func(&p, NoSpace);
  csv_set_delim(&p, static_cast<unsigned char>(delimiter));
  auto field_cb = [](void* s, size_t n, void* data) {
    Sink* k = static_cast<Sink*>(data);
    (*k->field)(absl::string_view(s == nullptr ? "" : static_cast<const char*>(s), n));
  };
  auto record_cb = [](int, void* data) { (*static_cast<Sink*>(data)->record)(); };
  const size_t parsed = csv_parse(&p, text.data(), text.size(), field_cb, record_cb, &sink);
  absl::Status status;
  if (parsed != text.size()) {
    status = absl::InvalidArgumentError(absl::StrCat("CSV: ", csv_strerror(csv_error(&p))));
  } else if (p.quoted && p.pstate == kFieldBegun) {
    status = absl::InvalidArgumentError("CSV: a quoted field is not closed at the end of the text");
  } else {
    csv_fini(&p, field_cb, record_cb, &sink);
  }
  csv_free(&p);
  return status;
}

absl::string_view DropBom(absl::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return text;
}

bool NeedsQuotes(absl::string_view s, char delimiter) {
  for (char c : s) {
    if (c == delimiter || c == '"' || c == '\n' || c == '\r') return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> UniqueColumnNames(std::vector<std::string> names) {
  absl::flat_hash_set<std::string> taken;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) names[i] = absl::StrCat("Unnamed: ", i);
  }
  for (std::string& name : names) {
    if (taken.insert(name).second) continue;
    for (int k = 1;; ++k) {
      std::string candidate = absl::StrCat(name, ".", k);
      if (taken.insert(candidate).second) {
        name = std::move(candidate);
        break;
      }
    }
  }
  return names;
}

absl::StatusOr<std::vector<std::string>> FirstCsvRecord(absl::string_view text, char delimiter) {
  text = DropBom(text);
  std::vector<std::string> fields;
  bool done = false;
  // Parse up to the first line end outside quotes: grow the window until a record ends.
  size_t window = std::min<size_t>(text.size(), 4096);
  while (true) {
    fields.clear();
    done = false;
    auto on_field = [&](absl::string_view f) {
      if (!done) {
        std::string repaired;
        AppendValidUtf8(f, repaired);
        fields.push_back(std::move(repaired));
      }
    };
    auto on_record = [&] { done = true; };
    absl::Status s = ParseCsv(text.substr(0, window), delimiter, on_field, on_record);
    if (done || window == text.size()) {
      if (!s.ok() && !done) return s;
      return fields;
    }
    window = std::min(text.size(), window * 4);
  }
}

absl::StatusOr<v1::Value> CsvToTable(absl::string_view text, const CsvOptions& options,
                                     bool names_given) {
  text = DropBom(text);
  if (std::optional<v1::Value> table = ReadQuoteFreeCsv(text, options, names_given)) {
    return *std::move(table);
  }
  return ParseCsvTable(text, options, names_given);
}

absl::StatusOr<v1::Value> ParseCsvTable(absl::string_view text, const CsvOptions& options,
                                        bool names_given) {
  text = DropBom(text);
  const bool header_here = options.header && !names_given;
  std::vector<std::string> names;
  if (!header_here) names = UniqueColumnNames(options.names);
  TextColumns columns(names);
  std::vector<std::string> header_fields;
  bool in_header = header_here;
  size_t column = 0;
  uint64_t record = 0;
  std::string error;
  auto on_field = [&](absl::string_view f) {
    if (in_header) {
      std::string repaired;
      AppendValidUtf8(f, repaired);
      header_fields.push_back(std::move(repaired));
      return;
    }
    if (column < columns.num_columns()) {
      columns.Add(column, f);
    } else if (error.empty()) {
      error = absl::StrCat("CSV record ", record + 1, " has more than the ", columns.num_columns(),
                           " fields of the header");
    }
    ++column;
  };
  auto on_record = [&] {
    if (in_header) {
      in_header = false;
      TextColumns named(UniqueColumnNames(std::move(header_fields)));
      columns = std::move(named);
    } else {
      columns.EndRow();
    }
    column = 0;
    ++record;
  };
  if (absl::Status s = ParseCsv(text, options.delimiter, on_field, on_record); !s.ok()) return s;
  if (!error.empty()) return absl::InvalidArgumentError(error);
  return std::move(columns).Finish(options.dtypes);
}

absl::StatusOr<v1::Value> ReadCsvRange(const std::string& path, uint64_t start, uint64_t end,
                                       const CsvOptions& options) {
  absl::StatusOr<LineRange> range = ReadLineRange(path, start, end);
  if (!range.ok()) return range.status();
  auto with_path = [&](const absl::Status& s) {
    return absl::Status(s.code(), absl::StrCat(path, ": ", s.message()));
  };
  if (range->whole) {
    absl::StatusOr<v1::Value> table = CsvToTable(range->text, options);
    if (!table.ok()) return with_path(table.status());
    return table;
  }

  CsvOptions ranged = options;
  if (options.header) {
    // The header is the file's first record.
    constexpr uint64_t kHeadBytes = 1 << 20;
    absl::StatusOr<std::string> head =
        range->begin == 0 ? range->text.substr(0, kHeadBytes) : ReadFilePrefix(path, kHeadBytes);
    if (!head.ok()) return head.status();
    absl::StatusOr<std::vector<std::string>> names = FirstCsvRecord(*head, options.delimiter);
    if (!names.ok()) return with_path(names.status());
    ranged.names = std::move(*names);
  }
  // The records starting in [start, end): ReadLineRange cut the range at line starts.
  absl::StatusOr<v1::Value> table =
      CsvToTable(range->text, ranged,
                 /*names_given=*/range->begin > 0 || range->text.empty() || !options.header);
  if (!table.ok()) return with_path(table.status());
  return table;
}

std::string FloatText(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), x);
  std::string s(buf, end);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string TableToCsv(const TableView& table, bool header, char delimiter) {
  std::string out;
  auto put = [&](absl::string_view s) {
    if (NeedsQuotes(s, delimiter)) {
      out.push_back('"');
      for (char c : s) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
      }
      out.push_back('"');
    } else {
      out.append(s.data(), s.size());
    }
  };
  if (header) {
    for (size_t c = 0; c < table.num_columns(); ++c) {
      if (c > 0) out.push_back(delimiter);
      put(table.column(c).name());
    }
    out.push_back('\n');
  }
  char buf[32];
  for (uint64_t r = 0; r < table.num_rows(); ++r) {
    for (size_t c = 0; c < table.num_columns(); ++c) {
      if (c > 0) out.push_back(delimiter);
      const ColumnView& col = table.column(c);
      if (col.IsNull(r)) continue;
      switch (col.dtype()) {
        case v1::DTYPE_STRING:
          put(col.String(r));
          break;
        case v1::DTYPE_BOOL:
          out.append(col.values<bool>().value()[r] ? "True" : "False");
          break;
        case v1::DTYPE_FLOAT32:
        case v1::DTYPE_FLOAT64:
          out.append(FloatText(col.AsDouble(r)));
          break;
        case v1::DTYPE_INT64: {
          const auto [end, ec] =
              std::to_chars(buf, buf + sizeof(buf), col.values<int64_t>().value()[r]);
          out.append(buf, end);
          break;
        }
        case v1::DTYPE_UINT64: {
          const auto [end, ec] =
              std::to_chars(buf, buf + sizeof(buf), col.values<uint64_t>().value()[r]);
          out.append(buf, end);
          break;
        }
        default: {
          // The narrower integers, which a double holds exactly.
          const auto [end, ec] =
              std::to_chars(buf, buf + sizeof(buf), static_cast<int64_t>(col.AsDouble(r)));
          out.append(buf, end);
          break;
        }
      }
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace brisk
