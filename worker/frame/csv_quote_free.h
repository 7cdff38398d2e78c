// The fast path of the CSV reader: text with no quote character and no line end but LF or CRLF
// is split on line ends and the delimiter (memchr), and each field is typed into its column as it
// is read, by TextColumns' rules (one pass; no staging of numeric fields as text). Anything this
// path does not decide exactly as the full parser (csv_table.h, libcsv) would — a quote, a lone
// CR, a record with more fields than the header, a column whose values change kind (an integer
// column meeting a float, a number column meeting a word), a field that does not parse as a given
// dtype — makes it give up, and the caller parses the text with the full parser, which decides
// it and words any error.
#pragma once

#include <optional>

#include "absl/strings/string_view.h"
#include "brisk/v1/value.pb.h"
#include "worker/frame/csv_table.h"

namespace brisk {

// CsvToTable's table for `text` (with its BOM already dropped), or nullopt when the full parser
// must read it.
std::optional<v1::Value> ReadQuoteFreeCsv(absl::string_view text, const CsvOptions& options,
                                          bool names_given);

}  // namespace brisk
