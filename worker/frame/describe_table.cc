#include "worker/frame/describe_table.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "worker/frame/group_aggregate.h"

namespace brisk {
namespace {

constexpr char kStatistic[] = "statistic";
constexpr int kAggsPerColumn = 5;  // count, mean, std, min, max
constexpr double kQuartiles[] = {0.25, 0.5, 0.75};

bool IsMissing(const ColumnView& c, uint64_t r) { return c.IsNull(r) || std::isnan(c.AsDouble(r)); }

v1::Value Str(absl::string_view s) {
  v1::Value v;
  v.set_str(std::string(s));
  return v;
}

// NumPy's linear interpolation between a and b (its _lerp), so that the quartiles of a
// partition's values are pandas' to the bit.
double Lerp(double a, double b, double t) {
  const double d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

struct Point {
  double value, weight;
};

// Quantile q of the values the points stand for (`count` of them), as NumPy's linear method: the
// value of virtual rank q * (count - 1), between the values at the ranks around it; a point
// stands for the ranks its weight covers.
double Quantile(const std::vector<Point>& points, double count, double q) {
  const double rank = q * (count - 1);
  const double lower = std::floor(rank);
  auto at = [&](double r) {
    double so_far = 0;
    for (const Point& p : points) {
      so_far += p.weight;
      if (so_far > r) return p.value;
    }
    return points.back().value;
  };
  const double a = at(lower);
  const double b = lower + 1 <= count - 1 ? at(lower + 1) : a;
  return Lerp(a, b, rank - lower);
}

}  // namespace

v1::Value DescribeColumnKinds(const TableView& table) {
  v1::Value out;
  out.mutable_list();
  for (const ColumnView& c : table.columns()) {
    absl::string_view kind = "empty";
    if (c.null_count() < c.size()) {
      kind = c.dtype() == v1::DTYPE_STRING ? "text"
             : c.dtype() == v1::DTYPE_BOOL ? "bool"
                                           : "number";
    }
    v1::Value* pair = out.mutable_list()->add_items();
    *pair->mutable_list()->add_items() = Str(c.name());
    *pair->mutable_list()->add_items() = Str(kind);
  }
  return out;
}

absl::StatusOr<v1::Value> DescribePlan(absl::Span<const v1::Value* const> kinds) {
  std::vector<std::string> order;
  absl::flat_hash_map<std::string, bool> numeric;
  for (const v1::Value* list : kinds) {
    if (list->kind_case() != v1::Value::kList) {
      return absl::InvalidArgumentError("column kinds must be a list of [name, kind]");
    }
    for (const v1::Value& pair : list->list().items()) {
      if (pair.kind_case() != v1::Value::kList || pair.list().items_size() != 2 ||
          pair.list().items(0).kind_case() != v1::Value::kStr ||
          pair.list().items(1).kind_case() != v1::Value::kStr) {
        return absl::InvalidArgumentError("column kinds must be a list of [name, kind]");
      }
      const std::string& name = pair.list().items(0).str();
      const std::string& kind = pair.list().items(1).str();
      auto [it, added] = numeric.try_emplace(name, true);
      if (added) order.push_back(name);
      if (kind == "text" || kind == "bool") it->second = false;
    }
  }
  v1::Value out;
  v1::ValueList* columns = out.mutable_list()->add_items()->mutable_list();
  v1::ValueList* aggs = out.mutable_list()->add_items()->mutable_list();
  for (const std::string& name : order) {
    if (!numeric[name]) continue;
    if (name == kStatistic) {
      return absl::InvalidArgumentError(
          absl::StrCat("describe: a numeric column is named \"", kStatistic,
                       "\", the name of the result's first column (rename it)"));
    }
    *columns->add_items() = Str(name);
    for (const char* fn : {"count", "mean", "std", "min", "max"}) {
      *aggs->add_items() = Str(absl::StrCat(fn, "(", name, ")"));
    }
  }
  if (columns->items().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("describe: no numeric column (columns: ", absl::StrJoin(order, ", "), ")"));
  }
  return out;
}

absl::StatusOr<v1::Value> QuantileSketch(const TableView& table,
                                         absl::Span<const std::string> columns, uint64_t points) {
  if (points < 2) return absl::InvalidArgumentError("a sketch needs at least 2 points");
  v1::Value out;
  out.mutable_list();
  for (const std::string& name : columns) {
    absl::StatusOr<ColumnView> c = table.column(name);
    if (!c.ok()) return c.status();
    if (c->dtype() == v1::DTYPE_STRING && c->null_count() < c->size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("describe: column \"", name, "\" holds strings, not numbers"));
    }
    std::vector<double> values;
    if (c->dtype() != v1::DTYPE_STRING) {
      for (uint64_t r = 0; r < c->size(); ++r) {
        if (!IsMissing(*c, r)) values.push_back(c->AsDouble(r));
      }
    }
    std::sort(values.begin(), values.end());
    const uint64_t n = values.size();
    std::vector<double> kept, weights;
    if (n <= points) {
      kept = std::move(values);
      weights.assign(n, 1.0);
    } else {
      // Order statistics 0, ..., n - 1 at even steps, each standing for n / points values.
      for (uint64_t k = 0; k < points; ++k) {
        const uint64_t at = static_cast<uint64_t>(
            std::llround(static_cast<double>(k) * static_cast<double>(n - 1) / (points - 1)));
        kept.push_back(values[std::min(at, n - 1)]);
      }
      weights.assign(points, static_cast<double>(n) / static_cast<double>(points));
    }
    TableBuilder builder;
    builder.Add<double>("value", kept).Add<double>("weight", weights);
    absl::StatusOr<v1::Value> sketch = std::move(builder).Finish();
    if (!sketch.ok()) return sketch.status();
    *out.mutable_list()->add_items() = *std::move(sketch);
  }
  return out;
}

absl::StatusOr<v1::Value> DescribeFinish(const TableView& stats,
                                         absl::Span<const std::string> columns,
                                         absl::Span<const v1::Value* const> sketches) {
  if (stats.num_columns() != kAggsPerColumn * columns.size() || stats.num_rows() > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "describe: the aggregates are ", stats.num_columns(), " columns of ", stats.num_rows(),
        " rows, want ", kAggsPerColumn * columns.size(), " of one row"));
  }
  std::vector<TableView> parts;  // sketch i's table of column j at i * columns + j
  for (size_t i = 0; i < sketches.size(); ++i) {
    const v1::Value& s = *sketches[i];
    if (s.kind_case() != v1::Value::kList ||
        s.list().items_size() != static_cast<int>(columns.size())) {
      return absl::InvalidArgumentError(
          absl::StrCat("describe: sketch ", i, " is not a list of ", columns.size(), " tables"));
    }
    for (const v1::Value& t : s.list().items()) {
      absl::StatusOr<TableView> view = TableView::Of(t);
      if (!view.ok()) return view.status();
      parts.push_back(*view);
    }
  }
  TableBuilder builder;
  builder.AddStrings(kStatistic, {"count", "mean", "std", "min", "25%", "50%", "75%", "max"});
  for (size_t j = 0; j < columns.size(); ++j) {
    // The aggregate's value, or nothing (null, or no row).
    auto stat = [&](int s) -> std::optional<double> {
      const ColumnView& c = stats.column(kAggsPerColumn * j + s);
      if (stats.num_rows() == 0 || IsMissing(c, 0)) return std::nullopt;
      return c.AsDouble(0);
    };
    const double count = stat(0).value_or(0);
    std::vector<std::optional<double>> cells = {count, stat(1), stat(2), stat(3)};
    std::vector<Point> points;
    for (size_t i = 0; i < sketches.size(); ++i) {
      const TableView& t = parts[i * columns.size() + j];
      absl::StatusOr<ColumnView> value = t.column("value"), weight = t.column("weight");
      if (!value.ok() || !weight.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("describe: sketch ", i, " of \"", columns[j], "\" lacks value or weight"));
      }
      for (uint64_t r = 0; r < t.num_rows(); ++r) {
        points.push_back({value->AsDouble(r), weight->AsDouble(r)});
      }
    }
    std::stable_sort(points.begin(), points.end(),
                     [](const Point& a, const Point& b) { return a.value < b.value; });
    for (double q : kQuartiles) {
      if (count > 0 && !points.empty()) {
        cells.push_back(Quantile(points, count, q));
      } else {
        cells.push_back(std::nullopt);
      }
    }
    cells.push_back(stat(4));
    std::vector<double> values;
    std::vector<bool> valid;
    for (const std::optional<double>& cell : cells) {
      values.push_back(cell.value_or(0));
      valid.push_back(cell.has_value());
    }
    builder.Add<double>(columns[j], values, valid);
  }
  return std::move(builder).Finish();
}

absl::StatusOr<v1::Value> DescribeTable(const TableView& table) {
  const v1::Value kinds = DescribeColumnKinds(table);
  const v1::Value* all[] = {&kinds};
  absl::StatusOr<v1::Value> plan = DescribePlan(all);
  if (!plan.ok()) return plan.status();
  std::vector<std::string> columns;
  GroupSpec spec;
  for (const v1::Value& c : plan->list().items(0).list().items()) columns.push_back(c.str());
  for (const v1::Value& a : plan->list().items(1).list().items()) {
    absl::StatusOr<Aggregate> agg = ParseAggregate(a.str());
    if (!agg.ok()) return agg.status();
    spec.aggs.push_back(*std::move(agg));
  }
  absl::StatusOr<v1::Value> partial = PartialAggregate(table, spec);
  if (!partial.ok()) return partial.status();
  absl::StatusOr<TableView> partial_view = TableView::Of(*partial);
  if (!partial_view.ok()) return partial_view.status();
  absl::StatusOr<v1::Value> stats = FinishAggregate(*partial_view, spec, {});
  if (!stats.ok()) return stats.status();
  absl::StatusOr<TableView> stats_view = TableView::Of(*stats);
  if (!stats_view.ok()) return stats_view.status();
  absl::StatusOr<v1::Value> sketch = QuantileSketch(table, columns, UINT64_MAX);
  if (!sketch.ok()) return sketch.status();
  const v1::Value* sketches[] = {&*sketch};
  return DescribeFinish(*stats_view, columns, sketches);
}

}  // namespace brisk
