#include "worker/frame/group_aggregate.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/dtype_switch.h"
#include "worker/frame/canonical_value.h"
#include "worker/frame/column_take.h"
#include "worker/frame/group_index.h"
#include "worker/frame/row_order.h"
#include "worker/frame/table_assembly.h"
#include "worker/frame/table_concat.h"

namespace brisk {
namespace {

struct FnName {
  AggFn fn;
  absl::string_view name;
};
constexpr FnName kFnNames[] = {
    {AggFn::kCount, "count"}, {AggFn::kSum, "sum"},         {AggFn::kMean, "mean"},
    {AggFn::kMin, "min"},     {AggFn::kMax, "max"},         {AggFn::kVar, "var"},
    {AggFn::kStd, "std"},     {AggFn::kNunique, "nunique"}, {AggFn::kFirst, "first"},
    {AggFn::kLast, "last"},   {AggFn::kSize, "size"},
};

absl::string_view FnText(AggFn fn) {
  for (const FnName& f : kFnNames) {
    if (f.fn == fn) return f.name;
  }
  return "?";
}

bool IsFloat(DType d) { return d == v1::DTYPE_FLOAT32 || d == v1::DTYPE_FLOAT64; }
bool IsIntegral(DType d) {
  return d != v1::DTYPE_STRING && d != v1::DTYPE_UNSPECIFIED && !IsFloat(d);
}

using Groups = std::vector<uint32_t>;
constexpr uint32_t kNoGroup = GroupIndex::kNoGroup;

ColumnBuffers Int64Column(std::string name, const std::vector<int64_t>& v) {
  ColumnBuffers b;
  b.name = std::move(name);
  b.dtype = v1::DTYPE_INT64;
  b.data.assign(reinterpret_cast<const char*>(v.data()), v.size() * 8);
  return b;
}

ColumnBuffers Float64Column(std::string name, const std::vector<double>& v,
                            const std::vector<uint8_t>& valid = {}) {
  ColumnBuffers b;
  b.name = std::move(name);
  b.dtype = v1::DTYPE_FLOAT64;
  b.data.assign(reinterpret_cast<const char*>(v.data()), v.size() * 8);
  if (!valid.empty()) b.validity = ValidityBits(valid);
  return b;
}

// Calls fn(i, value) for each present row (not null, not NaN) of a fixed-width column, value as T.
template <typename T, typename Fn>
void ForPresent(const ColumnView& c, Fn fn) {
  const absl::Span<const T> v = c.values<T>().value();
  const uint64_t n = v.size();
  if (!c.has_nulls()) {
    for (uint64_t i = 0; i < n; ++i) {
      if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(v[i])) continue;
      }
      fn(i, v[i]);
    }
    return;
  }
  for (uint64_t i = 0; i < n; ++i) {
    if (c.IsNull(i)) continue;
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(v[i])) continue;
    }
    fn(i, v[i]);
  }
}

// Dispatches fn(T{}) over a fixed-width column's element type.
template <typename Fn>
void ForType(const ColumnView& c, Fn fn) {
  DTypeSwitch(c.dtype(), fn, [] {});
}

bool Present(const ColumnView& c, uint64_t r) {
  if (c.IsNull(r)) return false;
  return !IsFloat(c.dtype()) || !std::isnan(c.AsDouble(r));
}

std::vector<int64_t> CountRows(const Groups& g, uint32_t groups) {
  std::vector<int64_t> n(groups, 0);
  for (uint32_t id : g) {
    if (id != kNoGroup) ++n[id];
  }
  return n;
}

std::vector<int64_t> CountPresent(const ColumnView& c, const Groups& g, uint32_t groups) {
  std::vector<int64_t> n(groups, 0);
  if (c.dtype() == v1::DTYPE_STRING) {
    for (uint64_t r = 0; r < g.size(); ++r) {
      if (g[r] != kNoGroup && !c.IsNull(r)) ++n[g[r]];
    }
    return n;
  }
  ForType(c, [&](auto t) {
    using T = decltype(t);
    ForPresent<T>(c, [&](uint64_t r, T) {
      if (g[r] != kNoGroup) ++n[g[r]];
    });
  });
  return n;
}

// The sum of an integral column per group, wrapping on overflow as NumPy does.
std::vector<int64_t> SumInt(const ColumnView& c, const Groups& g, uint32_t groups) {
  std::vector<uint64_t> s(groups, 0);
  ForType(c, [&](auto t) {
    using T = decltype(t);
    if constexpr (!std::is_floating_point_v<T>) {
      ForPresent<T>(c, [&](uint64_t r, T v) {
        if (g[r] != kNoGroup) s[g[r]] += static_cast<uint64_t>(static_cast<int64_t>(v));
      });
    }
  });
  std::vector<int64_t> out(groups);
  for (uint32_t i = 0; i < groups; ++i) out[i] = static_cast<int64_t>(s[i]);
  return out;
}

// Compensated (Neumaier's Kahan-Babuska) sums per group, as pandas sums groups with Kahan's: ten
// times 0.1 is 1.0, not 0.9999999999999999.
class CompensatedSums {
 public:
  explicit CompensatedSums(uint32_t groups) : sum_(groups, 0.0), carry_(groups, 0.0) {}
  void Add(uint32_t g, double x) {
    const double t = sum_[g] + x;
    carry_[g] += std::fabs(sum_[g]) >= std::fabs(x) ? (sum_[g] - t) + x : (x - t) + sum_[g];
    sum_[g] = t;
  }
  std::vector<double> Totals() const {
    std::vector<double> out(sum_.size());
    for (size_t i = 0; i < out.size(); ++i) out[i] = sum_[i] + carry_[i];
    return out;
  }

 private:
  std::vector<double> sum_, carry_;
};

std::vector<double> SumFloat(const ColumnView& c, const Groups& g, uint32_t groups) {
  CompensatedSums s(groups);
  ForType(c, [&](auto t) {
    using T = decltype(t);
    ForPresent<T>(c, [&](uint64_t r, T v) {
      if (g[r] != kNoGroup) s.Add(g[r], static_cast<double>(v));
    });
  });
  return s.Totals();
}

// The row each group's min, max, first or last present value is in (kNoRow for none).
std::vector<uint64_t> PickRows(const ColumnView& c, const Groups& g, uint32_t groups, AggFn fn) {
  std::vector<uint64_t> best(groups, kNoRow);
  const uint64_t rows = g.size();
  if (fn == AggFn::kFirst || fn == AggFn::kLast) {
    for (uint64_t r = 0; r < rows; ++r) {
      if (g[r] == kNoGroup || !Present(c, r)) continue;
      uint64_t& b = best[g[r]];
      if (fn == AggFn::kLast || b == kNoRow) b = r;
    }
    return best;
  }
  const bool want_min = fn == AggFn::kMin;
  if (c.dtype() == v1::DTYPE_STRING) {
    for (uint64_t r = 0; r < rows; ++r) {
      if (g[r] == kNoGroup || c.IsNull(r)) continue;
      uint64_t& b = best[g[r]];
      if (b == kNoRow) {
        b = r;
        continue;
      }
      const int order = c.String(r).compare(c.String(b));
      if (want_min ? order < 0 : order > 0) b = r;
    }
    return best;
  }
  ForType(c, [&](auto t) {
    using T = decltype(t);
    const absl::Span<const T> v = c.values<T>().value();
    ForPresent<T>(c, [&](uint64_t r, T x) {
      if (g[r] == kNoGroup) return;
      uint64_t& b = best[g[r]];
      if (b == kNoRow || (want_min ? x < v[b] : v[b] < x)) b = r;
    });
  });
  return best;
}

using ValueSet = absl::flat_hash_set<std::string>;

// A set's entries in sorted order, each as a 4-byte length then its bytes.
std::string EncodeSet(const ValueSet& set) {
  std::vector<absl::string_view> items(set.begin(), set.end());
  std::sort(items.begin(), items.end());
  std::string out;
  for (absl::string_view item : items) {
    const uint32_t n = static_cast<uint32_t>(item.size());
    out.append(reinterpret_cast<const char*>(&n), 4);
    out.append(item.data(), item.size());
  }
  return out;
}

// Calls fn(entry) for each entry of an encoded set; false when the encoding is malformed.
template <typename Fn>
bool ForEachInSet(absl::string_view set, Fn fn) {
  size_t at = 0;
  while (at < set.size()) {
    if (set.size() - at < 4) return false;
    uint32_t n;
    std::memcpy(&n, set.data() + at, 4);
    at += 4;
    if (set.size() - at < n) return false;
    fn(set.substr(at, n));
    at += n;
  }
  return true;
}

absl::StatusOr<ColumnBuffers> StringColumn(std::string name,
                                           const std::vector<std::string>& values) {
  uint64_t total = 0;
  for (const std::string& v : values) total += v.size();
  if (total > static_cast<uint64_t>(INT32_MAX)) {
    return absl::InvalidArgumentError(
        absl::StrCat("nunique: the distinct values of column ", name, " exceed 2 GiB"));
  }
  ColumnBuffers b;
  b.name = std::move(name);
  b.dtype = v1::DTYPE_STRING;
  b.offsets.resize((values.size() + 1) * 4);
  int32_t at = 0;
  std::memcpy(b.offsets.data(), &at, 4);
  for (size_t i = 0; i < values.size(); ++i) {
    b.data += values[i];
    at = static_cast<int32_t>(b.data.size());
    std::memcpy(b.offsets.data() + 4 * (i + 1), &at, 4);
  }
  return b;
}

// The state columns are named PREFIX J.PART, PREFIX a run of '#' that no key starts with (so no
// key is ever named like one).
std::string StateName(const GroupSpec& spec, size_t j, absl::string_view part) {
  std::string prefix = "#";
  for (bool clash = true; clash;) {
    clash = false;
    for (const std::string& key : spec.keys) clash = clash || absl::StartsWith(key, prefix);
    if (clash) prefix += "#";
  }
  return absl::StrCat(prefix, j, ".", part);
}

// Adds nunique's state column for aggregate j: each group's set, encoded.
absl::Status AddSets(const GroupSpec& spec, size_t j, const std::vector<ValueSet>& sets,
                     std::vector<ColumnBuffers>& out) {
  std::vector<std::string> encoded(sets.size());
  for (size_t i = 0; i < sets.size(); ++i) encoded[i] = EncodeSet(sets[i]);
  absl::StatusOr<ColumnBuffers> b = StringColumn(StateName(spec, j, "set"), encoded);
  if (!b.ok()) return b.status();
  out.push_back(*std::move(b));
  return absl::OkStatus();
}

// A string column with no value (a header-only file's) counts as numbers, none present.
absl::Status NeedNumeric(const Aggregate& agg, const ColumnView& c) {
  if (c.dtype() == v1::DTYPE_STRING && c.null_count() < c.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(AggregateText(agg), ": column \"", c.name(), "\" holds strings, not numbers"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ColumnView> StateColumn(const TableView& t, const GroupSpec& spec, size_t j,
                                       absl::string_view part) {
  absl::StatusOr<ColumnView> c = t.column(StateName(spec, j, part));
  if (!c.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not a partial aggregate of this groupby: no column ", StateName(spec, j, part)));
  }
  return c;
}

absl::StatusOr<ColumnBuffers> Picked(const ColumnView& c, const Groups& g, uint32_t groups,
                                     AggFn fn, std::string name) {
  const std::vector<uint64_t> rows = PickRows(c, g, groups, fn);
  absl::StatusOr<ColumnBuffers> b = TakeRows(c, rows);
  if (b.ok()) b->name = std::move(name);
  return b;
}

// The keys' columns at each group's first row.
absl::Status AddKeys(const TableView& t, const GroupSpec& spec, const GroupIndex& index,
                     std::vector<ColumnBuffers>& out) {
  for (const std::string& key : spec.keys) {
    absl::StatusOr<ColumnBuffers> b = TakeRows(t.column(key).value(), index.first_row());
    if (!b.ok()) return b.status();
    out.push_back(*std::move(b));
  }
  return absl::OkStatus();
}

// Merges Chan et al.'s (n, mean, M2) states of rows into one per group.
void MergeMoments(const ColumnView& n, const ColumnView& mean, const ColumnView& m2,
                  const Groups& g, uint32_t groups, std::vector<int64_t>& gn,
                  std::vector<double>& gmean, std::vector<double>& gm2) {
  gn.assign(groups, 0);
  gmean.assign(groups, 0.0);
  gm2.assign(groups, 0.0);
  const absl::Span<const int64_t> rn = n.values<int64_t>().value();
  for (uint64_t r = 0; r < g.size(); ++r) {
    if (g[r] == kNoGroup || rn[r] == 0) continue;
    const uint32_t i = g[r];
    const double nb = static_cast<double>(rn[r]), mb = mean.AsDouble(r), m2b = m2.AsDouble(r);
    const double na = static_cast<double>(gn[i]);
    const double total = na + nb;
    const double delta = mb - gmean[i];
    gmean[i] += delta * nb / total;
    gm2[i] += m2b + delta * delta * na * nb / total;
    gn[i] += rn[r];
  }
}

}  // namespace

absl::StatusOr<Aggregate> ParseAggregate(absl::string_view text) {
  const absl::string_view whole = text;
  text = absl::StripAsciiWhitespace(text);
  const size_t open = text.find('(');
  if (open == absl::string_view::npos || text.back() != ')') {
    return absl::InvalidArgumentError(
        absl::StrCat("aggregate \"", whole, "\" is not of the form FUNCTION(COLUMN) or count()"));
  }
  const absl::string_view fn = absl::StripAsciiWhitespace(text.substr(0, open));
  const absl::string_view column =
      absl::StripAsciiWhitespace(text.substr(open + 1, text.size() - open - 2));
  Aggregate agg;
  agg.column = std::string(column);
  bool known = false;
  for (const FnName& f : kFnNames) {
    if (f.name == fn) {
      agg.fn = f.fn;
      known = true;
    }
  }
  if (!known) {
    std::vector<absl::string_view> names;
    for (const FnName& f : kFnNames) names.push_back(f.name);
    return absl::InvalidArgumentError(absl::StrCat("aggregate \"", whole, "\": unknown function \"",
                                                   fn, "\" (known: ", absl::StrJoin(names, ", "),
                                                   ")"));
  }
  if ((agg.fn == AggFn::kCount || agg.fn == AggFn::kSize) && column.empty()) {
    agg.fn = AggFn::kSize;
  } else if (agg.fn == AggFn::kSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("aggregate \"", whole, "\": size() counts rows and takes no column"));
  } else if (column.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("aggregate \"", whole, "\": ", fn, " needs a column, as ", fn, "(x)"));
  }
  return agg;
}

std::string AggregateText(const Aggregate& agg) {
  if (agg.fn == AggFn::kSize) return "count()";
  return absl::StrCat(FnText(agg.fn), "(", agg.column, ")");
}

std::string DefaultAggregateName(const Aggregate& agg) {
  if (agg.fn == AggFn::kSize) return "count";
  return absl::StrCat(FnText(agg.fn), "_", agg.column);
}

absl::StatusOr<v1::Value> PartialAggregate(const TableView& table, const GroupSpec& spec) {
  absl::StatusOr<GroupIndex> index = GroupIndex::Build(table, spec.keys);
  if (!index.ok()) return index.status();
  const Groups& g = index->group_of_row();
  const uint32_t groups = index->num_groups();
  std::vector<ColumnBuffers> out;
  if (absl::Status s = AddKeys(table, spec, *index, out); !s.ok()) return s;
  for (size_t j = 0; j < spec.aggs.size(); ++j) {
    const Aggregate& agg = spec.aggs[j];
    if (agg.fn == AggFn::kSize) {
      out.push_back(Int64Column(StateName(spec, j, "n"), CountRows(g, groups)));
      continue;
    }
    absl::StatusOr<ColumnView> got = table.column(agg.column);
    if (!got.ok()) {
      return absl::Status(got.status().code(),
                          absl::StrCat(AggregateText(agg), ": ", got.status().message()));
    }
    const ColumnView& c = *got;
    switch (agg.fn) {
      case AggFn::kSize:
        break;
      case AggFn::kCount:
        out.push_back(Int64Column(StateName(spec, j, "n"), CountPresent(c, g, groups)));
        break;
      case AggFn::kSum:
        if (absl::Status s = NeedNumeric(agg, c); !s.ok()) return s;
        // A string column here has no value (a header-only file's): its zeros are ints, which
        // take the others' dtype when partials merge.
        if (IsIntegral(c.dtype()) || c.dtype() == v1::DTYPE_STRING) {
          out.push_back(Int64Column(StateName(spec, j, "s"), SumInt(c, g, groups)));
        } else {
          out.push_back(Float64Column(StateName(spec, j, "s"), SumFloat(c, g, groups)));
        }
        break;
      case AggFn::kMean:
        if (absl::Status s = NeedNumeric(agg, c); !s.ok()) return s;
        out.push_back(Float64Column(StateName(spec, j, "s"), SumFloat(c, g, groups)));
        out.push_back(Int64Column(StateName(spec, j, "n"), CountPresent(c, g, groups)));
        break;
      case AggFn::kMin:
      case AggFn::kMax:
      case AggFn::kFirst:
      case AggFn::kLast: {
        absl::StatusOr<ColumnBuffers> b = Picked(c, g, groups, agg.fn, StateName(spec, j, "v"));
        if (!b.ok()) return b.status();
        out.push_back(*std::move(b));
        break;
      }
      case AggFn::kVar:
      case AggFn::kStd: {
        if (absl::Status s = NeedNumeric(agg, c); !s.ok()) return s;
        const std::vector<int64_t> n = CountPresent(c, g, groups);
        std::vector<double> mean = SumFloat(c, g, groups);
        for (uint32_t i = 0; i < groups; ++i) {
          if (n[i] > 0) mean[i] /= static_cast<double>(n[i]);
        }
        CompensatedSums squares(groups);
        ForType(c, [&](auto t) {
          using T = decltype(t);
          ForPresent<T>(c, [&](uint64_t r, T v) {
            if (g[r] == kNoGroup) return;
            const double d = static_cast<double>(v) - mean[g[r]];
            squares.Add(g[r], d * d);
          });
        });
        const std::vector<double> m2 = squares.Totals();
        out.push_back(Int64Column(StateName(spec, j, "n"), n));
        out.push_back(Float64Column(StateName(spec, j, "mean"), mean));
        out.push_back(Float64Column(StateName(spec, j, "m2"), m2));
        break;
      }
      case AggFn::kNunique: {
        std::vector<ValueSet> sets(groups);
        std::string scratch;
        for (uint64_t r = 0; r < g.size(); ++r) {
          if (g[r] == kNoGroup || !Present(c, r)) continue;
          scratch.clear();
          AppendCanonicalValue(c, r, scratch);
          sets[g[r]].insert(scratch);
        }
        if (absl::Status st = AddSets(spec, j, sets, out); !st.ok()) return st;
        break;
      }
    }
  }
  return AssembleTable(groups, std::move(out));
}

absl::StatusOr<v1::Value> CombineAggregates(absl::Span<const TableView> partials,
                                            const GroupSpec& spec) {
  absl::StatusOr<v1::Value> joined =
      ConcatTables(std::vector<TableView>(partials.begin(), partials.end()));
  if (!joined.ok()) return joined.status();
  absl::StatusOr<TableView> all = TableView::Of(*joined);
  if (!all.ok()) return all.status();
  const TableView& t = *all;
  absl::StatusOr<GroupIndex> index = GroupIndex::Build(t, spec.keys);
  if (!index.ok()) return index.status();
  const Groups& g = index->group_of_row();
  const uint32_t groups = index->num_groups();
  std::vector<ColumnBuffers> out;
  if (absl::Status s = AddKeys(t, spec, *index, out); !s.ok()) return s;
  for (size_t j = 0; j < spec.aggs.size(); ++j) {
    const Aggregate& agg = spec.aggs[j];
    switch (agg.fn) {
      case AggFn::kSize:
      case AggFn::kCount: {
        absl::StatusOr<ColumnView> n = StateColumn(t, spec, j, "n");
        if (!n.ok()) return n.status();
        out.push_back(Int64Column(StateName(spec, j, "n"), SumInt(*n, g, groups)));
        break;
      }
      case AggFn::kSum: {
        absl::StatusOr<ColumnView> s = StateColumn(t, spec, j, "s");
        if (!s.ok()) return s.status();
        if (IsIntegral(s->dtype())) {
          out.push_back(Int64Column(StateName(spec, j, "s"), SumInt(*s, g, groups)));
        } else {
          out.push_back(Float64Column(StateName(spec, j, "s"), SumFloat(*s, g, groups)));
        }
        break;
      }
      case AggFn::kMean: {
        absl::StatusOr<ColumnView> s = StateColumn(t, spec, j, "s");
        absl::StatusOr<ColumnView> n = StateColumn(t, spec, j, "n");
        if (!s.ok() || !n.ok()) return !s.ok() ? s.status() : n.status();
        out.push_back(Float64Column(StateName(spec, j, "s"), SumFloat(*s, g, groups)));
        out.push_back(Int64Column(StateName(spec, j, "n"), SumInt(*n, g, groups)));
        break;
      }
      case AggFn::kMin:
      case AggFn::kMax:
      case AggFn::kFirst:
      case AggFn::kLast: {
        absl::StatusOr<ColumnView> v = StateColumn(t, spec, j, "v");
        if (!v.ok()) return v.status();
        absl::StatusOr<ColumnBuffers> b = Picked(*v, g, groups, agg.fn, StateName(spec, j, "v"));
        if (!b.ok()) return b.status();
        out.push_back(*std::move(b));
        break;
      }
      case AggFn::kVar:
      case AggFn::kStd: {
        absl::StatusOr<ColumnView> n = StateColumn(t, spec, j, "n");
        absl::StatusOr<ColumnView> mean = StateColumn(t, spec, j, "mean");
        absl::StatusOr<ColumnView> m2 = StateColumn(t, spec, j, "m2");
        if (!n.ok() || !mean.ok() || !m2.ok()) {
          return !n.ok() ? n.status() : (!mean.ok() ? mean.status() : m2.status());
        }
        std::vector<int64_t> gn;
        std::vector<double> gmean, gm2;
        MergeMoments(*n, *mean, *m2, g, groups, gn, gmean, gm2);
        out.push_back(Int64Column(StateName(spec, j, "n"), gn));
        out.push_back(Float64Column(StateName(spec, j, "mean"), gmean));
        out.push_back(Float64Column(StateName(spec, j, "m2"), gm2));
        break;
      }
      case AggFn::kNunique: {
        absl::StatusOr<ColumnView> set = StateColumn(t, spec, j, "set");
        if (!set.ok()) return set.status();
        std::vector<ValueSet> sets(groups);
        for (uint64_t r = 0; r < g.size(); ++r) {
          if (g[r] == kNoGroup || set->IsNull(r)) continue;
          ValueSet& into = sets[g[r]];
          if (!ForEachInSet(set->String(r), [&](absl::string_view e) { into.emplace(e); })) {
            return absl::InvalidArgumentError(
                absl::StrCat("malformed partial aggregate: column ", StateName(spec, j, "set")));
          }
        }
        if (absl::Status st = AddSets(spec, j, sets, out); !st.ok()) return st;
        break;
      }
    }
  }
  return AssembleTable(groups, std::move(out));
}

absl::StatusOr<v1::Value> FinishAggregate(const TableView& partial, const GroupSpec& spec,
                                          absl::Span<const std::string> names) {
  if (!names.empty() && names.size() != spec.aggs.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(names.size(), " names for ", spec.aggs.size(), " aggregates"));
  }
  std::vector<SortKey> order_by;
  for (const std::string& key : spec.keys) order_by.push_back({key, true});
  absl::StatusOr<std::vector<uint64_t>> order = SortedRows(partial, order_by);
  if (!order.ok()) return order.status();
  const std::vector<uint64_t>& rows = *order;
  const size_t groups = rows.size();
  std::vector<ColumnBuffers> out;
  for (const std::string& key : spec.keys) {
    absl::StatusOr<ColumnBuffers> b = TakeRows(partial.column(key).value(), rows);
    if (!b.ok()) return b.status();
    out.push_back(*std::move(b));
  }
  for (size_t j = 0; j < spec.aggs.size(); ++j) {
    const Aggregate& agg = spec.aggs[j];
    std::string name = names.empty() ? DefaultAggregateName(agg) : names[j];
    switch (agg.fn) {
      case AggFn::kSize:
      case AggFn::kCount:
      case AggFn::kSum:
      case AggFn::kMin:
      case AggFn::kMax:
      case AggFn::kFirst:
      case AggFn::kLast: {
        const absl::string_view part = agg.fn == AggFn::kSize || agg.fn == AggFn::kCount ? "n"
                                       : agg.fn == AggFn::kSum                           ? "s"
                                                                                         : "v";
        absl::StatusOr<ColumnView> c = StateColumn(partial, spec, j, part);
        if (!c.ok()) return c.status();
        absl::StatusOr<ColumnBuffers> b = TakeRows(*c, rows);
        if (!b.ok()) return b.status();
        b->name = std::move(name);
        out.push_back(*std::move(b));
        break;
      }
      case AggFn::kMean:
      case AggFn::kVar:
      case AggFn::kStd: {
        const bool mean_only = agg.fn == AggFn::kMean;
        absl::StatusOr<ColumnView> n = StateColumn(partial, spec, j, "n");
        absl::StatusOr<ColumnView> a = StateColumn(partial, spec, j, mean_only ? "s" : "m2");
        if (!n.ok() || !a.ok()) return !n.ok() ? n.status() : a.status();
        const absl::Span<const int64_t> counts = n->values<int64_t>().value();
        std::vector<double> v(groups, 0.0);
        std::vector<uint8_t> valid(groups, 0);
        for (size_t i = 0; i < groups; ++i) {
          const int64_t k = counts[rows[i]];
          const double x = a->AsDouble(rows[i]);
          if (mean_only) {
            valid[i] = k > 0;
            if (k > 0) v[i] = x / static_cast<double>(k);
          } else {
            valid[i] = k > 1;
            if (k > 1) v[i] = x / static_cast<double>(k - 1);
            if (k > 1 && agg.fn == AggFn::kStd) v[i] = std::sqrt(v[i]);
          }
        }
        out.push_back(Float64Column(std::move(name), v, valid));
        break;
      }
      case AggFn::kNunique: {
        absl::StatusOr<ColumnView> set = StateColumn(partial, spec, j, "set");
        if (!set.ok()) return set.status();
        std::vector<int64_t> counts(groups, 0);
        for (size_t i = 0; i < groups; ++i) {
          if (!ForEachInSet(set->String(rows[i]), [&](absl::string_view) { ++counts[i]; })) {
            return absl::InvalidArgumentError(
                absl::StrCat("malformed partial aggregate: column ", StateName(spec, j, "set")));
          }
        }
        out.push_back(Int64Column(std::move(name), counts));
        break;
      }
    }
  }
  return AssembleTable(groups, std::move(out));
}

}  // namespace brisk
