// Grouped aggregates and sorting of tables (worker/frame/group_aggregate.h, row_order.h): each
// file's partial aggregate, merged in trees of several shapes and finished, against pandas'
// groupby over the same files concatenated.
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "brisk/value.h"
#include "gtest/gtest.h"
#include "tests/support/pandas_check.h"
#include "worker/frame/column_take.h"
#include "worker/frame/csv_table.h"
#include "worker/frame/group_aggregate.h"
#include "worker/frame/row_order.h"
#include "worker/frame/table_assembly.h"

namespace brisk {
namespace {

using testing::ExpectTableMatches;
using testing::ReadJsonFile;
using testing::RunPandas;

class FrameGroupByTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "frame-groupby-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::system(absl::StrCat("rm -rf '", dir_, "'").c_str()); }

  void Write(const std::string& name, const std::string& bytes) {
    files_.push_back(name);
    std::ofstream(dir_ + "/" + name, std::ios::binary) << bytes;
  }
  std::vector<v1::Value> ReadAll() {
    std::vector<v1::Value> tables;
    for (const std::string& f : files_) {
      absl::StatusOr<v1::Value> t = ReadCsvRange(dir_ + "/" + f, 0, UINT64_MAX, {});
      EXPECT_TRUE(t.ok()) << t.status();
      tables.push_back(t.ok() ? *t : v1::Value());
    }
    return tables;
  }
  // pandas' result of `code`, which reads `df` (the files concatenated) and leaves `r`.
  nlohmann::json Pandas(const std::string& code) {
    std::vector<std::string> reads;
    for (const std::string& f : files_) {
      reads.push_back(absl::StrCat("pd.read_csv('", f, "', float_precision='round_trip')"));
    }
    const std::string script =
        absl::StrCat("df = pd.concat([", absl::StrJoin(reads, ", "), "], ignore_index=True)\n",
                     code, "\ndump(r, 'expected.json')\n");
    const std::string error = RunPandas(dir_, script);
    EXPECT_EQ(error, "");
    return ReadJsonFile(dir_ + "/expected.json");
  }

  // The partials of `tables` merged `fan_in` at a time, in order, then finished.
  absl::StatusOr<v1::Value> Aggregate(const std::vector<v1::Value>& tables, const GroupSpec& spec,
                                      size_t fan_in, const std::vector<std::string>& names = {}) {
    std::vector<v1::Value> level;
    for (const v1::Value& t : tables) {
      absl::StatusOr<v1::Value> p = PartialAggregate(*TableView::Of(t), spec);
      if (!p.ok()) return p.status();
      level.push_back(*std::move(p));
    }
    while (level.size() > 1) {
      std::vector<v1::Value> next;
      for (size_t i = 0; i < level.size(); i += fan_in) {
        std::vector<TableView> group;
        for (size_t k = i; k < std::min(level.size(), i + fan_in); ++k) {
          group.push_back(*TableView::Of(level[k]));
        }
        absl::StatusOr<v1::Value> c = CombineAggregates(group, spec);
        if (!c.ok()) return c.status();
        next.push_back(*std::move(c));
      }
      level = std::move(next);
    }
    return FinishAggregate(*TableView::Of(level[0]), spec, names);
  }

  static GroupSpec Spec(std::vector<std::string> keys, const std::vector<std::string>& aggs) {
    GroupSpec spec;
    spec.keys = std::move(keys);
    for (const std::string& a : aggs) {
      absl::StatusOr<brisk::Aggregate> agg = ParseAggregate(a);
      EXPECT_TRUE(agg.ok()) << agg.status();
      if (agg.ok()) spec.aggs.push_back(*agg);
    }
    return spec;
  }

  std::string dir_;
  std::vector<std::string> files_;
};

constexpr char kAllAggs[] =
    "count(), count(x), sum(n), mean(x), min(x), max(x), var(x), std(x), nunique(x), first(x), "
    "last(x), min(name), max(name), first(name), nunique(name), sum(flag), mean(flag)";

std::vector<std::string> SplitAggs(const std::string& text) {
  std::vector<std::string> out;
  size_t depth = 0, start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || (text[i] == ',' && depth == 0)) {
      out.push_back(text.substr(start, i - start));
      start = i + 1;
    } else if (text[i] == '(') {
      ++depth;
    } else if (text[i] == ')') {
      --depth;
    }
  }
  return out;
}

// pandas' named aggregation for the same list, with the same default names.
std::string PandasAggs(const std::string& text) {
  std::vector<std::string> parts;
  for (const std::string& a : SplitAggs(text)) {
    absl::StatusOr<brisk::Aggregate> agg = ParseAggregate(a);
    if (!agg.ok()) continue;
    const std::string name = DefaultAggregateName(*agg);
    if (agg->fn == AggFn::kSize) {
      parts.push_back(absl::StrCat(name, "=('key', 'size')"));
    } else {
      std::string fn = AggregateText(*agg).substr(0, AggregateText(*agg).find('('));
      // pandas' min and max of text fail on a missing value; they skip it this way.
      fn = agg->column == "name" && (fn == "min" || fn == "max")
               ? absl::StrCat("lambda s: s.dropna().", fn, "()")
               : absl::StrCat("'", fn, "'");
      parts.push_back(absl::StrCat(name, "=('", agg->column, "', ", fn, ")"));
    }
  }
  return absl::StrJoin(parts, ", ");
}

TEST_F(FrameGroupByTest, EveryAggregateAsPandasInTreesOfAnyShape) {
  Write("a.csv",
        "key,x,n,name,flag\n"
        "b,1.5,1,pear,True\n"
        "a,2.25,2,apple,False\n"
        ",9,3,nokey,True\n"
        "b,,4,,True\n"
        "c,,5,cherry,False\n");
  Write("b.csv", "key,x,n,name,flag\n");  // header only
  Write("c.csv",
        "key,x,n,name,flag\n"
        "a,3,6,avocado,True\n"  // x is an integer column in this file
        "b,-1,7,banana,False\n"
        "a,2,8,apple,True\n"
        "d,7,9,date,True\n");
  Write("d.csv",
        "key,x,n,name,flag\n"
        "b,1e10,10,pear,False\n"
        "a,-0.5,11,apricot,True\n");
  const std::vector<v1::Value> tables = ReadAll();
  const GroupSpec spec = Spec({"key"}, SplitAggs(kAllAggs));
  // pandas.concat makes `flag` an object column (the header-only file's is float64), whose sums
  // are bools; a bool column's sums are ints, as here.
  const nlohmann::json want =
      Pandas(absl::StrCat("df['flag'] = df['flag'].astype('bool')\n", "r = df.groupby('key').agg(",
                          PandasAggs(kAllAggs), ").reset_index()"));
  for (size_t fan_in : {2, 3, 4}) {
    SCOPED_TRACE(absl::StrCat("fan-in ", fan_in));
    absl::StatusOr<v1::Value> got = Aggregate(tables, spec, fan_in);
    ASSERT_TRUE(got.ok()) << got.status();
    ExpectTableMatches(*TableView::Of(*got), want, 1e-12);
  }
}

TEST_F(FrameGroupByTest, SeveralKeysOfMixedTypesWithNullsAsPandas) {
  Write("a.csv",
        "host,code,ms\n"
        "web1,500,10\n"
        "web2,200,20\n"
        "web1,500,30\n"
        "web1,,40\n"
        "web2,404,5\n");
  Write("b.csv",
        "host,code,ms\n"
        "web2,200,1\n"
        ",500,2\n"
        "web1,200,3\n"
        "web1,500,4\n");
  const std::vector<v1::Value> tables = ReadAll();
  const GroupSpec spec = Spec({"host", "code"}, {"count()", "sum(ms)", "mean(ms)", "max(ms)"});
  const nlohmann::json want = Pandas(
      "r = df.groupby(['host', 'code']).agg(count=('ms', 'size'), sum_ms=('ms', 'sum'),"
      " mean_ms=('ms', 'mean'), max_ms=('ms', 'max')).reset_index()\n"
      "r['code'] = r['code'].astype('int64')");
  absl::StatusOr<v1::Value> got = Aggregate(tables, spec, 2);
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectTableMatches(*TableView::Of(*got), want, 1e-12);
}

TEST_F(FrameGroupByTest, GivenNamesAndOnePartitionFinishedDirectly) {
  Write("a.csv", "k,v\n2,1.0\n1,2.0\n2,3.0\n");
  const std::vector<v1::Value> tables = ReadAll();
  const GroupSpec spec = Spec({"k"}, {"mean(v)", "count()"});
  absl::StatusOr<v1::Value> got = Aggregate(tables, spec, 2, {"avg", "rows"});
  ASSERT_TRUE(got.ok()) << got.status();
  const nlohmann::json want =
      Pandas("r = df.groupby('k').agg(avg=('v', 'mean'), rows=('v', 'size')).reset_index()");
  ExpectTableMatches(*TableView::Of(*got), want);
}

TEST_F(FrameGroupByTest, BoolsInOneFileAndIntsInAnotherMergeAsInts) {
  Write("a.csv", "k,v\na,True\na,False\nb,True\n");
  Write("b.csv", "k,v\na,5\nb,1\n");
  const GroupSpec spec = Spec({"k"}, {"min(v)", "max(v)", "first(v)", "nunique(v)", "sum(v)"});
  absl::StatusOr<v1::Value> got = Aggregate(ReadAll(), spec, 2);
  ASSERT_TRUE(got.ok()) << got.status();
  // pandas.concat keeps an object column of True, False and 5, whose values compare as 1, 0, 5.
  ExpectTableMatches(*TableView::Of(*got),
                     Pandas("df['v'] = df['v'].astype('int64')\n"
                            "r = df.groupby('k').agg(min_v=('v', 'min'), max_v=('v', 'max'),"
                            " first_v=('v', 'first'), nunique_v=('v', 'nunique'),"
                            " sum_v=('v', 'sum')).reset_index()"));
}

TEST_F(FrameGroupByTest, AFramesOwnAggregatesStayIntsOverAnEmptyPartition) {
  Write("a.csv", "k,v\nx,1\ny,2\n");
  Write("b.csv", "k,v\n");  // header only: its columns are strings of no rows
  const GroupSpec spec = Spec({}, {"sum(v)", "count()", "max(v)"});
  absl::StatusOr<v1::Value> got = Aggregate(ReadAll(), spec, 2);
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectTableMatches(*TableView::Of(*got),
                     Pandas("v = df['v'].astype('int64')\n"
                            "r = pd.DataFrame({'sum_v': [v.sum()], 'count': [len(df)],"
                            " 'max_v': [v.max()]})"));
}

TEST_F(FrameGroupByTest, AKeyNamedLikeAStateColumn) {
  Write("a.csv", "#0.n,#0.s,v\na,p,1\na,q,2\nb,p,5\n");
  const GroupSpec spec = Spec({"#0.n", "#0.s"}, {"count()", "sum(v)"});
  absl::StatusOr<v1::Value> got = Aggregate(ReadAll(), spec, 2);
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectTableMatches(*TableView::Of(*got),
                     Pandas("r = df.groupby(['#0.n', '#0.s']).agg(count=('v', 'size'),"
                            " sum_v=('v', 'sum')).reset_index()"));
}

TEST_F(FrameGroupByTest, FloatSumsAreCompensatedAsPandasSumsThem) {
  std::string rows = "k,v\n";
  for (int i = 0; i < 10; ++i) absl::StrAppend(&rows, "a,0.1\n");
  Write("a.csv", rows);
  Write("b.csv", rows);
  const GroupSpec spec = Spec({"k"}, {"sum(v)", "mean(v)", "var(v)"});
  absl::StatusOr<v1::Value> got = Aggregate(ReadAll(), spec, 2);
  ASSERT_TRUE(got.ok()) << got.status();
  // Exactly: pandas gives 2.0, 0.1 and 0.0 (a naive sum gives 1.9999999999999998).
  ExpectTableMatches(*TableView::Of(*got),
                     Pandas("r = df.groupby('k').agg(sum_v=('v', 'sum'), mean_v=('v', 'mean'),"
                            " var_v=('v', 'var')).reset_index()"));
}

TEST_F(FrameGroupByTest, ErrorsNameTheAggregateAndTheColumn) {
  Write("a.csv", "k,s,v\na,x,1\n");
  const std::vector<v1::Value> tables = ReadAll();
  const TableView t = *TableView::Of(tables[0]);

  absl::StatusOr<brisk::Aggregate> bad = ParseAggregate("median(v)");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "aggregate \"median(v)\": unknown function \"median\" (known: count, sum, mean, min, "
            "max, var, std, nunique, first, last, size)");
  EXPECT_EQ(ParseAggregate("sum").status().message(),
            "aggregate \"sum\" is not of the form FUNCTION(COLUMN) or count()");
  EXPECT_EQ(ParseAggregate("mean()").status().message(),
            "aggregate \"mean()\": mean needs a column, as mean(x)");

  absl::StatusOr<v1::Value> p = PartialAggregate(t, Spec({"k"}, {"sum(s)"}));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(), "sum(s): column \"s\" holds strings, not numbers");

  p = PartialAggregate(t, Spec({"k"}, {"max(w)"}));
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(p.status().message().find("max(w): "), std::string::npos) << p.status();
  EXPECT_NE(p.status().message().find("\"w\""), std::string::npos) << p.status();

  p = PartialAggregate(t, Spec({"nope"}, {"count()"}));
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("\"nope\""), std::string::npos) << p.status();

  // A table that is not a partial of this spec.
  absl::StatusOr<v1::Value> c = CombineAggregates({t}, Spec({"k"}, {"count()"}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "not a partial aggregate of this groupby: no column #0.n");
}

TEST_F(FrameGroupByTest, SortAsPandasWithNullsLastInBothDirections) {
  Write("a.csv",
        "a,b,s\n"
        "3,x,pear\n"
        ",y,apple\n"
        "1,x,\n"
        "3,a,fig\n"
        "2,y,apple\n"
        "1,z,kiwi\n");
  const std::vector<v1::Value> tables = ReadAll();
  const TableView t = *TableView::Of(tables[0]);
  struct Case {
    std::vector<SortKey> keys;
    std::string pandas;
  };
  const std::vector<Case> cases = {
      {{{"a", true}}, "r = df.sort_values('a', kind='stable', na_position='last')"},
      {{{"a", false}}, "r = df.sort_values('a', ascending=False, kind='stable')"},
      {{{"s", true}, {"a", false}},
       "r = df.sort_values(['s', 'a'], ascending=[True, False], kind='stable')"},
      {{{"b", false}, {"s", true}},
       "r = df.sort_values(['b', 's'], ascending=[False, True], kind='stable')"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.pandas);
    absl::StatusOr<std::vector<uint64_t>> rows = SortedRows(t, c.keys);
    ASSERT_TRUE(rows.ok()) << rows.status();
    std::vector<ColumnBuffers> out;
    for (const ColumnView& col : t.columns()) out.push_back(*TakeRows(col, *rows));
    absl::StatusOr<v1::Value> sorted = AssembleTable(rows->size(), std::move(out));
    ASSERT_TRUE(sorted.ok()) << sorted.status();
    ExpectTableMatches(*TableView::Of(*sorted), Pandas(c.pandas));
  }
  EXPECT_EQ(SortedRows(t, {{"q", true}}).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace brisk
