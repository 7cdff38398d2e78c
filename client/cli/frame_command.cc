#include "client/cli/frame_command.h"

#include <cmath>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "client/cli/cli_common.h"
#include "client/cli/table_output.h"
#include "common/value_text.h"
#include "nlohmann/json.hpp"

namespace brisk {
namespace {

constexpr char kVerbs[] =
    "read GLOB, filter EXPR, select COLS, drop COLS, rename OLD=NEW,..., assign NAME=EXPR, "
    "groupby COLS agg 'AGG(COL) [as NAME], ...', agg 'AGG(COL), ...', "
    "join FILE on COLS [how inner|left] [broadcast|shuffle [N]], "
    "sort [-]COL,..., head N, value_counts COL, describe, write DIR";

std::vector<std::string> Columns(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    out.emplace_back(absl::StripAsciiWhitespace(part));
  }
  return out;
}

// "count(), mean(latency) as lat" -> aggregates and their names (empty when none is given).
absl::Status ParseAggs(const std::string& text, std::vector<std::string>& aggs,
                       std::vector<std::string>& names) {
  std::vector<std::string> parts;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || (text[i] == ',' && depth == 0)) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    } else if (text[i] == '(') {
      ++depth;
    } else if (text[i] == ')') {
      --depth;
    }
  }
  bool any_named = false;
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const std::string& raw : parts) {
    std::string part(absl::StripAsciiWhitespace(raw));
    if (part.empty()) continue;
    std::string name;
    const size_t close = part.rfind(')');
    if (close != std::string::npos && close + 1 < part.size()) {
      std::vector<std::string> rest =
          absl::StrSplit(part.substr(close + 1), ' ', absl::SkipWhitespace());
      if (rest.size() != 2 || rest[0] != "as") {
        return absl::InvalidArgumentError(absl::StrCat(
            "agg: after \"", part.substr(0, close + 1), "\" expected \"as NAME\", got \"",
            absl::StripAsciiWhitespace(part.substr(close + 1)), "\""));
      }
      name = rest[1];
      any_named = true;
      part = part.substr(0, close + 1);
    }
    pairs.emplace_back(part, name);
  }
  if (pairs.empty()) return absl::InvalidArgumentError("agg needs at least one aggregate");
  for (const auto& [agg, name] : pairs) {
    aggs.push_back(agg);
    if (any_named) {
      if (name.empty()) {
        // The default name of an unnamed one, as the worker would give it.
        const size_t open = agg.find('(');
        const std::string fn(absl::StripAsciiWhitespace(agg.substr(0, open)));
        const std::string col(
            absl::StripAsciiWhitespace(agg.substr(open + 1, agg.size() - open - 2)));
        names.push_back(col.empty() ? "count" : absl::StrCat(fn, "_", col));
      } else {
        names.push_back(name);
      }
    }
  }
  return absl::OkStatus();
}

bool IsJsonPath(const std::string& glob) {
  return absl::EndsWith(glob, ".jsonl") || absl::EndsWith(glob, ".json") ||
         absl::EndsWith(glob, ".ndjson");
}

Frame Read(const std::string& glob, uint64_t blocksize) {
  if (IsJsonPath(glob)) return Frame::ReadJson(glob, blocksize);
  CsvReadOptions options;
  options.blocksize = blocksize;
  return Frame::ReadCsv(glob, options);
}

}  // namespace

CLI::App* AddFrameCommand(CLI::App& app, FrameCommandOptions& options) {
  CLI::App* frame = app.add_subcommand(
      "frame",
      "Run a pipeline of verbs over CSV or JSON-lines files and print the table:\n"
      "  brisk frame read 'logs/*.csv' filter 'status >= 500' groupby host agg 'count()'\n"
      "Verbs: " +
          std::string(kVerbs) + ".\nOutput: an aligned table, or -o csv, or -o json (records).");
  frame
      ->add_option("--blocksize", options.blocksize,
                   "Read files larger than this many bytes as several partitions (0: one per "
                   "file); give it before `read`")
      ->capture_default_str();
  frame
      ->add_option("--split-out", options.split_out,
                   "A groupby's result in this many partitions, its groups spread by a hash of "
                   "the keys, for groups too many for one task; give it before `read`")
      ->check(CLI::Range(1, 1 << 16))
      ->capture_default_str();
  // Every word from the first verb on is left to the pipeline ("-count" too), not to `brisk`.
  frame->fallthrough(false);
  frame->prefix_command();
  return frame;
}

absl::StatusOr<FramePlan> ParseFramePipeline(const std::vector<std::string>& words,
                                             const FrameCommandOptions& command) {
  const uint64_t blocksize = command.blocksize;
  FramePlan plan;
  size_t i = 0;
  auto next = [&](const std::string& verb, const std::string& what) -> absl::StatusOr<std::string> {
    if (i >= words.size()) {
      return absl::InvalidArgumentError(absl::StrCat(verb, " needs ", what));
    }
    return words[i++];
  };
  if (words.empty() || words[0] != "read") {
    return absl::InvalidArgumentError(
        absl::StrCat("frame: the pipeline starts with `read GLOB` (verbs: ", kVerbs, ")"));
  }
  bool have_frame = false;
  while (i < words.size()) {
    if (plan.write_dir) {
      return absl::InvalidArgumentError(
          absl::StrCat("frame: `write DIR` ends the pipeline; \"", words[i], "\" follows it"));
    }
    const std::string verb = words[i++];
    absl::StatusOr<std::string> arg;
    if (verb == "read") {
      if (have_frame) return absl::InvalidArgumentError("frame: `read` comes once, first");
      if (!(arg = next(verb, "a file or glob")).ok()) return arg.status();
      plan.frame = Read(*arg, blocksize);
      have_frame = true;
    } else if (verb == "filter") {
      if (!(arg = next(verb, "an expression, e.g. 'status >= 500'")).ok()) return arg.status();
      plan.frame = plan.frame.Filter(*arg);
    } else if (verb == "select" || verb == "drop") {
      if (!(arg = next(verb, "columns, e.g. a,b")).ok()) return arg.status();
      plan.frame =
          verb == "select" ? plan.frame.Select(Columns(*arg)) : plan.frame.Drop(Columns(*arg));
    } else if (verb == "rename") {
      if (!(arg = next(verb, "OLD=NEW[,OLD=NEW...]")).ok()) return arg.status();
      std::vector<std::pair<std::string, std::string>> pairs;
      for (const std::string& pair : Columns(*arg)) {
        const size_t eq = pair.find('=');
        if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size()) {
          return absl::InvalidArgumentError(
              absl::StrCat("rename: \"", pair, "\" is not of the form OLD=NEW"));
        }
        pairs.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
      }
      plan.frame = plan.frame.Rename(pairs);
    } else if (verb == "assign") {
      if (!(arg = next(verb, "NAME=EXPR, e.g. 'ms=latency * 1000'")).ok()) return arg.status();
      const size_t eq = arg->find('=');
      // `a==b` is not an assignment: the first '=' must not start "==".
      if (eq == std::string::npos || eq == 0 || (eq + 1 < arg->size() && (*arg)[eq + 1] == '=')) {
        return absl::InvalidArgumentError(
            absl::StrCat("assign: \"", *arg, "\" is not of the form NAME=EXPR"));
      }
      plan.frame = plan.frame.Assign(std::string(absl::StripAsciiWhitespace(arg->substr(0, eq))),
                                     arg->substr(eq + 1));
    } else if (verb == "groupby") {
      if (!(arg = next(verb, "key columns, e.g. host")).ok()) return arg.status();
      const std::vector<std::string> keys = Columns(*arg);
      if (keys.empty()) {
        return absl::InvalidArgumentError(
            "groupby needs key columns (the frame's own aggregates: `agg 'FN(COL), ...'`)");
      }
      absl::StatusOr<std::string> agg_word = next(verb, "`agg 'AGG(COL), ...'` after its keys");
      if (!agg_word.ok()) return agg_word.status();
      if (*agg_word != "agg") {
        return absl::InvalidArgumentError(
            absl::StrCat("groupby ", *arg, ": expected `agg`, got \"", *agg_word, "\""));
      }
      if (!(arg = next("agg", "aggregates, e.g. 'count(), mean(x)'")).ok()) return arg.status();
      AggregateOptions options;
      options.split_out = command.split_out;
      std::vector<std::string> aggs;
      if (absl::Status s = ParseAggs(*arg, aggs, options.names); !s.ok()) return s;
      plan.frame = plan.frame.GroupBy(keys).Agg(aggs, options);
    } else if (verb == "agg") {
      if (!(arg = next(verb, "aggregates, e.g. 'count(), sum(x)'")).ok()) return arg.status();
      AggregateOptions options;
      std::vector<std::string> aggs;
      if (absl::Status s = ParseAggs(*arg, aggs, options.names); !s.ok()) return s;
      plan.frame = plan.frame.Agg(aggs, options);
    } else if (verb == "join") {
      if (!(arg = next(verb, "a file or glob")).ok()) return arg.status();
      const Frame right = Read(*arg, blocksize);
      absl::StatusOr<std::string> on = next(verb, "`on COLS` after its file");
      if (!on.ok()) return on.status();
      if (*on != "on") {
        return absl::InvalidArgumentError(
            absl::StrCat("join ", *arg, ": expected `on`, got \"", *on, "\""));
      }
      absl::StatusOr<std::string> keys = next("join", "key columns after `on`");
      if (!keys.ok()) return keys.status();
      JoinOptions options;
      // `how inner|left` and `broadcast` or `shuffle [N]`, in either order.
      while (i < words.size()) {
        if (words[i] == "how" && i + 1 < words.size()) {
          options.how = words[i + 1];
          i += 2;
        } else if (words[i] == "broadcast") {
          options.strategy = JoinStrategy::kBroadcast;
          ++i;
        } else if (words[i] == "shuffle") {
          options.strategy = JoinStrategy::kShuffle;
          ++i;
          int n = 0;
          if (i < words.size() && absl::SimpleAtoi(words[i], &n)) {
            if (n < 1) {
              return absl::InvalidArgumentError(
                  absl::StrCat("join: shuffle \"", words[i], "\": need at least 1 partition"));
            }
            options.npartitions = n;
            ++i;
          }
        } else {
          break;
        }
      }
      plan.frame = plan.frame.Join(right, Columns(*keys), options);
    } else if (verb == "sort") {
      if (!(arg = next(verb, "columns, e.g. -count,host")).ok()) return arg.status();
      std::vector<std::string> by;
      std::vector<bool> ascending;
      for (std::string c : Columns(*arg)) {
        const bool descending = !c.empty() && c[0] == '-';
        if (descending || (!c.empty() && c[0] == '+')) c = c.substr(1);
        by.push_back(c);
        ascending.push_back(!descending);
      }
      plan.frame = plan.frame.SortValues(by, ascending);
    } else if (verb == "head") {
      if (!(arg = next(verb, "a number of rows")).ok()) return arg.status();
      int64_t n = 0;
      if (!absl::SimpleAtoi(*arg, &n) || n < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("head: \"", *arg, "\" is not a number of rows"));
      }
      plan.frame = plan.frame.Head(n);
    } else if (verb == "value_counts") {
      if (!(arg = next(verb, "a column")).ok()) return arg.status();
      plan.frame = plan.frame.ValueCounts(*arg);
    } else if (verb == "describe") {
      plan.frame = plan.frame.Describe();
    } else if (verb == "write") {
      if (!(arg = next(verb, "a directory")).ok()) return arg.status();
      plan.write_dir = *arg;
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("frame: unknown verb \"", verb, "\" (verbs: ", kVerbs, ")"));
    }
    if (!plan.frame.ok()) {
      return absl::Status(plan.frame.status().code(),
                          absl::StrCat(verb, ": ", plan.frame.status().message()));
    }
  }
  return plan;
}

int FrameCommand(Client& client, const FramePlan& plan, const std::string& format) {
  if (plan.write_dir) {
    absl::StatusOr<int64_t> rows = plan.frame.ToCsv(client, *plan.write_dir);
    if (!rows.ok()) return Fail(rows.status());
    if (format == "json") {
      nlohmann::ordered_json out = {
          {"rows", *rows}, {"dir", *plan.write_dir}, {"files", plan.frame.num_partitions()}};
      std::cout << out.dump() << "\n";
    } else {
      std::cout << *rows << " rows written to " << *plan.write_dir << " ("
                << plan.frame.num_partitions() << " files)\n";
    }
    return kExitOk;
  }
  absl::StatusOr<v1::Value> table = plan.frame.Compute(client);
  if (!table.ok()) return Fail(table.status());
  absl::StatusOr<TableView> view = TableView::Of(*table);
  if (!view.ok()) return Fail(view.status());
  if (format == "csv") {
    PrintTableCsv(*view);
  } else if (format == "json") {
    PrintTableJson(*view);
  } else {
    std::cout << TableRowsText(*table) << "\n";
  }
  return kExitOk;
}

}  // namespace brisk
