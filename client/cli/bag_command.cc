#include "client/cli/bag_command.h"

#include <algorithm>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "brisk/bag.h"
#include "client/cli/cli_common.h"
#include "client/cli/table_output.h"
#include "common/utf8.h"

namespace brisk {
namespace {

// A result: named columns of text, the last one a count when `counts`.
struct ResultTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  std::vector<int64_t> counts;  // the last column's numbers, when it is a count
};

// Characters (UTF-8 code points) of `s`, for aligning columns.
size_t Width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Prints `t` in `format`; the exit status.
int Print(const ResultTable& t, const std::string& format) {
  const bool with_counts = t.columns.back() == "count";
  const size_t ncols = t.columns.size();
  auto cell = [&](size_t r, size_t c) -> std::string {
    if (with_counts && c == ncols - 1) return absl::StrCat(t.counts[r]);
    return ValidUtf8(t.rows[r][c]);
  };
  if (format == "json" || format == "csv") {
    TableBuilder builder;
    for (size_t c = 0; c < ncols; ++c) {
      if (with_counts && c == ncols - 1) {
        builder.Add<int64_t>(t.columns[c], t.counts);
      } else {
        std::vector<std::optional<std::string>> cells;
        for (size_t r = 0; r < t.rows.size(); ++r) cells.push_back(cell(r, c));
        builder.AddStrings(t.columns[c], cells);
      }
    }
    absl::StatusOr<v1::Value> table = std::move(builder).Finish();
    absl::StatusOr<TableView> view =
        table.ok() ? TableView::Of(*table) : absl::StatusOr<TableView>(table.status());
    if (!view.ok()) return Fail(view.status());
    if (format == "json") {
      PrintTableJson(*view);
    } else {
      PrintTableCsv(*view);
    }
    return kExitOk;
  }
  // A table: columns separated by two spaces, counts right-aligned, no trailing spaces; unlike
  // TableRowsText (brisk frame's), a cell is never cut short: grep prints whole lines.
  std::vector<size_t> width(ncols);
  for (size_t c = 0; c < ncols; ++c) width[c] = Width(t.columns[c]);
  for (size_t r = 0; r < t.rows.size(); ++r) {
    for (size_t c = 0; c < ncols; ++c) width[c] = std::max(width[c], Width(cell(r, c)));
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t c = 0; c < ncols; ++c) {
      const std::string pad(width[c] - Width(cells[c]), ' ');
      const bool right = with_counts && c == ncols - 1;
      if (c > 0) out += "  ";
      out += right ? pad + cells[c] : (c + 1 < ncols ? cells[c] + pad : cells[c]);
    }
    std::cout << out << "\n";
  };
  line(t.columns);
  for (size_t r = 0; r < t.rows.size(); ++r) {
    std::vector<std::string> cells;
    for (size_t c = 0; c < ncols; ++c) cells.push_back(cell(r, c));
    line(cells);
  }
  return kExitOk;
}

// The records the options name: lines of the files, or a field of their JSON lines.
Bag Records(const BagCommandOptions& o) {
  BagReadOptions read;
  read.blocksize = o.blocksize;
  if (!o.json_field.empty()) return Bag::ReadJsonLines(o.glob, read).Pluck(o.json_field);
  return Bag::ReadText(o.glob, read);
}

int Counted(Client& client, const Bag& bag, const BagCommandOptions& o, const std::string& name,
            ResultTable& t) {
  Bag counts = bag.Frequencies();
  if (o.top > 0) counts = counts.TopK(o.top);
  absl::StatusOr<std::vector<ValueCount>> got = counts.ComputeCounts(client);
  if (!got.ok()) return Fail(got.status());
  t.columns = {name, "count"};
  for (ValueCount& vc : *got) {
    t.rows.push_back({std::move(vc.value), ""});
    t.counts.push_back(vc.count);
  }
  return kExitOk;
}

int Listed(Client& client, const Bag& bag, const BagCommandOptions& o, const std::string& name,
           ResultTable& t) {
  absl::StatusOr<std::vector<std::string>> got = bag.ComputeStrings(client);
  if (!got.ok()) return Fail(got.status());
  t.columns = {name};
  for (std::string& s : *got) {
    if (o.top > 0 && t.rows.size() >= static_cast<size_t>(o.top)) break;
    t.rows.push_back({std::move(s)});
  }
  return kExitOk;
}

int Words(Client& client, const BagCommandOptions& o, ResultTable& t) {
  Bag words = Records(o).Split(o.delimiter);
  if (!o.delimiter.empty()) words = words.NonEmpty();
  if (!o.case_sensitive) words = words.Lower();
  return Counted(client, words, o, "word", t);
}

int Distinct(Client& client, const BagCommandOptions& o, ResultTable& t) {
  Bag values = Records(o);
  if (o.words) values = values.Split();
  if (o.lower) values = values.Lower();
  if (o.count) return Counted(client, values, o, "value", t);
  return Listed(client, values.Distinct(), o, "value", t);
}

int Grep(Client& client, const BagCommandOptions& o, ResultTable& t) {
  if (o.invert && o.extract) {
    return Fail(absl::InvalidArgumentError(
        "brisk bag grep: --invert-match and --extract do not go together (nothing to extract "
        "from a line that does not match)"));
  }
  const std::string pattern = o.ignore_case ? absl::StrCat("(?i)", o.pattern) : o.pattern;
  const Bag lines = Records(o);
  const Bag found = o.extract  ? lines.Extract(pattern, o.group)
                    : o.invert ? lines.Exclude(pattern)
                               : lines.Match(pattern);
  const std::string name = o.extract ? "match" : "line";
  if (o.count) return Counted(client, found, o, name, t);
  return Listed(client, found, o, name, t);
}

}  // namespace

CLI::App* AddBagCommand(CLI::App& app, BagCommandOptions& o) {
  CLI::App* bag = app.add_subcommand(
      "bag",
      "Word counts, distinct values and grep over the lines of many text files (gzip read "
      "transparently), spread over the cluster");
  bag->require_subcommand(1);
  auto add_common = [&](CLI::App* cmd) {
    cmd->add_option("glob", o.glob,
                    "Files: a path or a glob (quote it), relative to this directory")
        ->required();
    cmd->add_option("--json-field", o.json_field,
                    "Read JSON lines and take this field of each record (text as it is, numbers "
                    "and others as JSON) instead of the lines");
    cmd->add_option("--blocksize", o.blocksize,
                    "Read files larger than this many bytes in parts of about this size")
        ->capture_default_str();
    cmd->add_option("--top", o.top, "At most N rows (counts: the N most frequent); 0: all")
        ->check(CLI::NonNegativeNumber);
  };
  CLI::App* words = bag->add_subcommand(
      "words", "Word counts, most frequent first (ties by word): words split on whitespace");
  add_common(words);
  words->add_flag("--case-sensitive", o.case_sensitive,
                  "Count words as they are (default: ASCII letters lowercased)");
  words->add_option("--delimiter,-d", o.delimiter,
                    "Split on this string instead of whitespace (empty pieces dropped)");
  CLI::App* distinct =
      bag->add_subcommand("distinct", "The distinct lines (or words, or fields), sorted");
  add_common(distinct);
  distinct->add_flag("--words", o.words, "The distinct words (split on whitespace), not lines");
  distinct->add_flag("--lower", o.lower, "Lowercase ASCII letters first");
  distinct->add_flag("--count,-c", o.count, "With their counts, most frequent first");
  CLI::App* grep = bag->add_subcommand(
      "grep", "The lines matching an RE2 regular expression, in file order (or the matches)");
  grep->add_option("pattern", o.pattern, "RE2 pattern, matched anywhere in the line")->required();
  add_common(grep);
  grep->add_flag("--invert-match,-v", o.invert, "The lines that do not match");
  grep->add_flag("--ignore-case,-i", o.ignore_case, "Match letters of either case");
  grep->add_flag("--extract,-x", o.extract,
                 "Print every match (group 1 when the pattern has groups), not the lines");
  grep->add_option("--group", o.group, "With --extract: this group (0: the whole match)");
  grep->add_flag("--count,-c", o.count, "Count each distinct line (or match), most frequent first");
  return bag;
}

int BagCommand(Client& client, const CLI::App& bag, const BagCommandOptions& options,
               const std::string& format) {
  ResultTable t;
  int status = kExitBadInput;
  if (bag.got_subcommand("words")) {
    status = Words(client, options, t);
  } else if (bag.got_subcommand("distinct")) {
    status = Distinct(client, options, t);
  } else if (bag.got_subcommand("grep")) {
    status = Grep(client, options, t);
  }
  if (status == kExitOk) status = Print(t, format);
  return status;
}

}  // namespace brisk
