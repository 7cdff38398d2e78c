// The per-partition verbs (worker/frame/frame_verb_ops.cc) and the column expressions they
// evaluate (frame_expression_eval.h), run as ops over tables read from CSV, checked against pandas
// evaluating the same expressions over the same file: every operator and function, nulls, int,
// float, bool and string columns, a header-only file; and the errors, which name the op, the
// expression and the column or token that is wrong.
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "brisk/op.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/pandas_check.h"
#include "worker/frame/csv_table.h"
#include "worker/frame/frame_ops.h"

namespace brisk {
namespace {

using testing::ExpectTableMatches;
using ::testing::HasSubstr;
using testing::ReadJsonFile;
using testing::RunPandas;

class Ctx : public OpContext {
 public:
  bool Stopped() const override { return false; }
  bool SleepFor(absl::Duration) override { return true; }
};

v1::Value Str(const std::string& s) {
  v1::Value v;
  v.set_str(s);
  return v;
}
v1::Value Int(int64_t i) {
  v1::Value v;
  v.set_int_(i);
  return v;
}
v1::Value List(std::vector<v1::Value> items) {
  v1::Value v;
  v.mutable_list();
  for (v1::Value& item : items) *v.mutable_list()->add_items() = std::move(item);
  return v;
}

// Integers with nulls (i), integers with zeros (j), floats with nulls (f), text with nulls (s),
// text without (t), bools (b).
constexpr char kCsv[] =
    "i,j,f,s,t,b\n"
    "1,0,1.5,abc,apple,True\n"
    ",3,-2.25,,banana,False\n"
    "3,-4,,xbz,cherry,True\n"
    "-7,2,0.5,ABc,date,False\n"
    "0,0,8,x,Apple pie,True\n"
    "12,5,-3.75,abcabc,fig,False\n"
    "-5,-2,2,zz c,grape,True\n"
    "4,7,,,kiwi,False\n";

class FrameVerbs : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterFrameOps(registry_);
    std::string pattern = ::testing::TempDir() + "frame-verbs-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    table_ = Read("data.csv", kCsv);
  }
  void TearDown() override { std::system(absl::StrCat("rm -rf '", dir_, "'").c_str()); }

  v1::Value Read(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << bytes;
    absl::StatusOr<v1::Value> t = ReadCsvRange(dir_ + "/" + name, 0, UINT64_MAX, {});
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? *t : v1::Value();
  }

  absl::StatusOr<v1::Value> Run(absl::string_view op, const v1::Value& table,
                                std::vector<v1::Value> operands) {
    std::vector<v1::Value> values = std::move(operands);
    OpArgs call;
    call.args.push_back(&table);
    for (const v1::Value& v : values) call.args.push_back(&v);
    call.arg_is_ref.assign(call.args.size(), false);
    return registry_.Call(op, ctx_, call);
  }
  v1::Value Ok(absl::string_view op, std::vector<v1::Value> operands) {
    absl::StatusOr<v1::Value> r = Run(op, table_, std::move(operands));
    EXPECT_TRUE(r.ok()) << op << ": " << r.status();
    return r.ok() ? *r : v1::Value();
  }
  absl::Status Err(absl::string_view op, std::vector<v1::Value> operands) {
    absl::StatusOr<v1::Value> r = Run(op, table_, std::move(operands));
    EXPECT_FALSE(r.ok()) << op;
    return r.status();
  }

  // Runs `code` after pandas has read data.csv into `df` (`i` as pandas' nullable Int64 when
  // `nullable_i`, so that a frame whose kept rows of i have no null still has integers), then
  // dumps the frames it names.
  void Pandas(const std::string& code, bool nullable_i = false) {
    const std::string read =
        absl::StrCat("df = pd.read_csv('data.csv', float_precision='round_trip'",
                     nullable_i ? ", dtype={'i': 'Int64'}" : "", ")\n");
    ASSERT_EQ(RunPandas(dir_, read + code), "");
  }
  nlohmann::json Expected(const std::string& name) {
    return ReadJsonFile(absl::StrCat(dir_, "/", name, ".json"));
  }

  Ctx ctx_;
  OpRegistry registry_;
  std::string dir_;
  v1::Value table_;
};

struct Case {
  std::string brisk;   // our expression
  std::string pandas;  // the same over `df`, in pandas
};

TEST_F(FrameVerbs, AssignedExpressionsAsPandasEvaluatesThem) {
  const std::vector<Case> cases = {
      // arithmetic: int64 stays int64, floats make float64, / is true division
      {"i + j", "df.i + df.j"},
      {"i - j * 2", "df.i - df.j * 2"},
      {"i * j", "df.i * df.j"},
      {"j * j - 3", "df.j * df.j - 3"},
      {"j / 4", "df.j / 4"},
      {"j / j", "df.j / df.j"},  // 0 / 0: NaN, a null
      {"f / (j - 10)", "df.f / (df.j - 10)"},
      {"i + 0.5", "df.i + 0.5"},
      {"j + f", "df.j + df.f"},
      {"j // 3", "df.j // 3"},
      {"j // -3", "df.j // -3"},
      {"f // 0.75", "df.f // 0.75"},
      {"f // -2", "df.f // -2"},
      {"i // (j - 10)", "df.i // (df.j - 10)"},
      {"j % 3", "df.j % 3"},
      {"j % -3", "df.j % -3"},
      {"i % j", "df.i % df.j"},  // by 0: NaN
      {"j % 0", "df.j % 0"},
      {"(j + 1) % j", "(df.j + 1) % df.j"},
      {"f % 2", "df.f % 2"},
      {"f % -1.5", "df.f % -1.5"},
      {"-f", "-df.f"},
      {"-j", "-df.j"},
      {"- -j", "-(-df.j)"},
      {"abs(f)", "df.f.abs()"},
      {"abs(j - 3)", "(df.j - 3).abs()"},
      {"b + j", "df.b + df.j"},
      {"b * 2", "df.b * 2"},
      // comparisons: false at a null, except !=
      {"i > 2", "df.i > 2"},
      {"i != 3", "df.i != 3"},
      {"i == i", "df.i == df.i"},
      {"j == 0", "df.j == 0"},
      {"f <= 0.5", "df.f <= 0.5"},
      {"f != 8", "df.f != 8"},
      {"j >= i", "df.j >= df.i"},
      {"f < j", "df.f < df.j"},
      {"s == 'abc'", "df.s == 'abc'"},
      {"s != 'abc'", "df.s != 'abc'"},
      {"'abc' == s", "'abc' == df.s"},
      {"t < 'cherry'", "df.t < 'cherry'"},
      {"t >= \"date\"", "df.t >= 'date'"},
      {"t > 'Z'", "df.t > 'Z'"},
      {"t == s", "df.t == df.s"},
      {"b == true", "df.b == True"},
      {"b != False", "df.b != False"},
      // functions
      {"isnull(i)", "df.i.isnull()"},
      {"notnull(f)", "df.f.notnull()"},
      {"isnull(s)", "df.s.isnull()"},
      {"notnull(t)", "df.t.notnull()"},
      {"isnull(i + f)", "(df.i + df.f).isnull()"},
      {"startswith(s, 'ab')", "df.s.str.startswith('ab', na=False)"},
      {"endswith(t, 'e')", "df.t.str.endswith('e', na=False)"},
      {"contains(s, 'bc')", "df.s.str.contains('bc', regex=False, na=False)"},
      {"contains(t, ' ')", "df.t.str.contains(' ', regex=False, na=False)"},
      {"lower(s)", "df.s.str.lower()"},
      {"lower(t) == 'apple pie'", "df.t.str.lower() == 'apple pie'"},
      // logic
      {"i > 1 and f < 3", "(df.i > 1) & (df.f < 3)"},
      {"i > 1 or not b", "(df.i > 1) | ~df.b"},
      {"~b | (j == 0)", "~df.b | (df.j == 0)"},
      {"b & j > 0", "df.b & (df.j > 0)"},
      {"not (isnull(s) or b)", "~(df.s.isnull() | df.b)"},
      {"(i + j) * 2 > f", "(df.i + df.j) * 2 > df.f"},
      // literals, broadcast to every row
      {"3", "3"},
      {"1 / 4", "1 / 4"},
      {"'lit'", "'lit'"},
      {"true", "True"},
      {"-2.5 * 2", "-2.5 * 2"},
  };
  std::string code;
  for (size_t k = 0; k < cases.size(); ++k) {
    absl::StrAppend(&code, "dump(pd.DataFrame({'r': ", cases[k].pandas, "}, index=df.index), 'case",
                    k, ".json')\n");
  }
  Pandas(code);
  for (size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE(cases[k].brisk);
    v1::Value got = Ok("frame.apply", {List({List({Str("assign"), Str("r"), Str(cases[k].brisk)}),
                                             List({Str("select"), Str("r")})})});
    absl::StatusOr<TableView> view = TableView::Of(got);
    ASSERT_TRUE(view.ok()) << view.status();
    ExpectTableMatches(*view, Expected(absl::StrCat("case", k)));
  }
}

TEST_F(FrameVerbs, IntegerResultsStayInt64AndTrueDivisionIsFloat64) {
  auto dtype_of = [&](const std::string& expr) {
    v1::Value got = Ok("frame.assign", {Str("r"), Str(expr)});
    absl::StatusOr<TableView> view = TableView::Of(got);
    EXPECT_TRUE(view.ok());
    return view.ok() ? std::string(DTypeName(view->column(view->num_columns() - 1).dtype())) : "";
  };
  EXPECT_EQ(dtype_of("j * j - 3"), "int64");
  EXPECT_EQ(dtype_of("j % 3"), "int64");
  EXPECT_EQ(dtype_of("j % j"), "float64");  // a 0 divisor: pandas' NaN there
  EXPECT_EQ(dtype_of("j // 2"), "int64");
  EXPECT_EQ(dtype_of("j // j"), "float64");
  EXPECT_EQ(dtype_of("j / 1"), "float64");
  EXPECT_EQ(dtype_of("b + j"), "int64");
  EXPECT_EQ(dtype_of("j > 0"), "bool");
  EXPECT_EQ(dtype_of("lower(t)"), "string");
}

// Division by zero gives infinities, which pandas' JSON dump cannot hold: pandas writes them
// as "inf" and "-inf" here, and the rows are compared one by one.
TEST_F(FrameVerbs, DivisionByZeroIsInfinityOrNullAsInPandas) {
  const std::vector<Case> cases = {
      {"j / 0", "df.j / 0"},
      {"i / j", "df.i / df.j"},
      {"f / j", "df.f / df.j"},
      {"-f / (j * 0)", "-df.f / (df.j * 0)"},
      {"j // 0", "df.j // 0"},
      {"i // j", "df.i // df.j"},
      {"j // j", "df.j // df.j"},
      {"f // j", "df.f // df.j"},
      {"f // 0", "df.f // 0"},
      {"-f // 0.0", "-df.f // 0.0"},
      {"i % j", "df.i % df.j"},
      {"f % 0", "df.f % 0"},
      {"(j - 1) // j", "(df.j - 1) // df.j"},
  };
  std::string code =
      "def cells(r):\n"
      "    return [None if math.isnan(v) else ('inf' if v > 0 else '-inf') if math.isinf(v)"
      " else v for v in r.astype('float64').tolist()]\n";
  for (size_t k = 0; k < cases.size(); ++k) {
    absl::StrAppend(&code, "json.dump(cells(", cases[k].pandas, "), open('div", k,
                    ".json', 'w'))\n");
  }
  Pandas(code);
  for (size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE(cases[k].brisk);
    v1::Value got = Ok("frame.assign", {Str("r"), Str(cases[k].brisk)});
    absl::StatusOr<TableView> view = TableView::Of(got);
    ASSERT_TRUE(view.ok());
    const ColumnView& r = view->column(view->num_columns() - 1);
    const nlohmann::json want = ReadJsonFile(absl::StrCat(dir_, "/div", k, ".json"));
    ASSERT_TRUE(want.is_array());
    ASSERT_EQ(want.size(), r.size());
    ASSERT_NE(r.dtype(), v1::DTYPE_STRING);
    for (uint64_t row = 0; row < r.size(); ++row) {
      SCOPED_TRACE(absl::StrCat("row ", row));
      if (want[row].is_null()) {
        EXPECT_TRUE(r.IsNull(row));
        continue;
      }
      ASSERT_FALSE(r.IsNull(row)) << want[row].dump();
      if (want[row].is_string()) {
        EXPECT_EQ(r.AsDouble(row), want[row] == "inf" ? INFINITY : -INFINITY);
      } else {
        EXPECT_EQ(r.AsDouble(row), want[row].get<double>());
      }
    }
  }
}

TEST_F(FrameVerbs, FiltersAsPandasBooleanMasks) {
  const std::vector<Case> cases = {
      {"i > 1 and s == 'abc'", "df[(df.i > 1) & (df.s == 'abc')]"},
      {"i > 1 and s == 'abcabc'", "df[(df.i > 1) & (df.s == 'abcabc')]"},
      {"isnull(f) or j == 0", "df[df.f.isnull() | (df.j == 0)]"},
      {"startswith(t, 'a') or contains(s, 'z')",
       "df[df.t.str.startswith('a') | df.s.str.contains('z', na=False)]"},
      {"b", "df[df.b]"},
      {"not b", "df[~df.b]"},
      {"f != 8", "df[df.f != 8]"},
      {"j % 2 == 0", "df[df.j % 2 == 0]"},
      {"f > 100", "df[df.f > 100]"},    // no row
      {"j > -100", "df[df.j > -100]"},  // every row
      {"true", "df"},
  };
  std::string code;
  for (size_t k = 0; k < cases.size(); ++k) {
    absl::StrAppend(&code, "dump(", cases[k].pandas, ", 'case", k, ".json')\n");
  }
  Pandas(code, /*nullable_i=*/true);
  for (size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE(cases[k].brisk);
    v1::Value got = Ok("frame.filter", {Str(cases[k].brisk)});
    absl::StatusOr<TableView> view = TableView::Of(got);
    ASSERT_TRUE(view.ok()) << view.status();
    ExpectTableMatches(*view, Expected(absl::StrCat("case", k)));
  }
}

TEST_F(FrameVerbs, HeadSelectDropRenameAsPandas) {
  Pandas(
      "dump(df.head(3), 'head3.json')\n"
      "dump(df.head(0), 'head0.json')\n"
      "dump(df.head(100), 'head100.json')\n"
      "dump(df.head(-3), 'head_minus3.json')\n"
      "dump(df[['t', 'i', 'b']], 'select.json')\n"
      "dump(df.drop(columns=['f', 's']), 'drop.json')\n"
      "dump(df.rename(columns={'i': 'j', 'j': 'i', 't': 'fruit'}), 'rename.json')\n",
      /*nullable_i=*/true);
  struct {
    const char* op;
    std::vector<v1::Value> operands;
    const char* expected;
  } cases[] = {
      {"frame.head", {Int(3)}, "head3"},
      {"frame.head", {Int(0)}, "head0"},
      {"frame.head", {Int(100)}, "head100"},
      {"frame.head", {Int(-3)}, "head_minus3"},
      {"frame.select", {Str("t"), Str("i"), Str("b")}, "select"},
      {"frame.drop", {Str("f"), Str("s")}, "drop"},
      {"frame.rename", {Str("i"), Str("j"), Str("j"), Str("i"), Str("t"), Str("fruit")}, "rename"},
  };
  for (auto& c : cases) {
    SCOPED_TRACE(c.expected);
    v1::Value got = Ok(c.op, c.operands);
    absl::StatusOr<TableView> view = TableView::Of(got);
    ASSERT_TRUE(view.ok()) << view.status();
    ExpectTableMatches(*view, Expected(c.expected));
  }
}

TEST_F(FrameVerbs, ApplyRunsAChainInOrderAsPandas) {
  // A new column goes last, a replaced one keeps its place.
  Pandas(
      "d = df[df.j != 0]\n"
      "d = d.assign(r=d.f * d.j)\n"
      "d = d.assign(f=d.f.abs())\n"
      "d = d[d.t.str.len() > 3]\n"
      "d = d.rename(columns={'t': 'fruit'}).drop(columns=['b'])\n"
      "d = d[['fruit', 'r', 'f', 'i', 's']].head(4)\n"
      "dump(d, 'chain.json')\n");
  v1::Value steps = List({
      List({Str("filter"), Str("j != 0")}),
      List({Str("assign"), Str("r"), Str("f * j")}),
      List({Str("assign"), Str("f"), Str("abs(f)")}),
      List({Str("filter"), Str("not (t == 'fig' or t == 'kiwi')")}),
      List({Str("rename"), Str("t"), Str("fruit")}),
      List({Str("drop"), Str("b")}),
      List({Str("select"), Str("fruit"), Str("r"), Str("f"), Str("i"), Str("s")}),
      List({Str("head"), Int(4)}),
  });
  v1::Value got = Ok("frame.apply", {steps});
  absl::StatusOr<TableView> view = TableView::Of(got);
  ASSERT_TRUE(view.ok()) << view.status();
  ExpectTableMatches(*view, Expected("chain"));
  // No step: the table itself.
  v1::Value same = Ok("frame.apply", {List({})});
  EXPECT_EQ(same.table().num_rows(), 8u);
  EXPECT_EQ(same.table().columns_size(), 6);
}

TEST_F(FrameVerbs, LowerFollowsPythonsUnicodeCaseMapping) {
  // \u00c9COLE, \u03a3\u0391\u03a3 \u039f\u0394\u039f\u03a3 (final sigmas), \u0130stanbul (a dotted
  // capital I: two code points lowercased), Stra\u00dfe, \u01c5emal (a title-case digraph).
  const std::vector<std::string> words = {
      "\xc3\x89",
      "COLE\n",
      "\xce\xa3\xce\x91\xce\xa3 \xce\x9f\xce\x94\xce\x9f\xce\xa3\n",
      "\xc4\xb0",
      "stanbul\n",
      "Stra\xc3\x9f",
      "e\n",
      "\xc7\x85",
      "emal\n",
      "MIXED ascii\nNA\n"};
  table_ = Read("words.csv", absl::StrCat("w\n", absl::StrJoin(words, "")));
  Pandas(
      "w = pd.read_csv('words.csv')\n"
      "dump(pd.DataFrame({'r': w.w.str.lower()}), 'lower.json')\n"
      "dump(w[w.w.str.lower() == '\\u00e9cole'], 'ecole.json')\n");
  v1::Value got = Ok(
      "frame.apply",
      {List({List({Str("assign"), Str("r"), Str("lower(w)")}), List({Str("select"), Str("r")})})});
  absl::StatusOr<TableView> view = TableView::Of(got);
  ASSERT_TRUE(view.ok()) << view.status();
  ExpectTableMatches(*view, Expected("lower"));
  v1::Value ecole = Ok("frame.filter", {Str("lower(w) == '\xc3\xa9"
                                            "cole'")});
  view = TableView::Of(ecole);
  ASSERT_TRUE(view.ok()) << view.status();
  ExpectTableMatches(*view, Expected("ecole"));
  EXPECT_EQ(view->num_rows(), 1u);
}

TEST_F(FrameVerbs, AHeaderOnlyFileFiltersAndAssignsToNoRows) {
  table_ = Read("empty.csv", "i,j,s\n");
  Pandas(
      "e = pd.read_csv('empty.csv')\n"
      "dump(e[e.i > 1], 'filtered.json')\n"
      "dump(e.assign(k=e.i * 2), 'assigned.json')\n");
  v1::Value filtered = Ok("frame.filter", {Str("i > 1")});
  absl::StatusOr<TableView> view = TableView::Of(filtered);
  ASSERT_TRUE(view.ok()) << view.status();
  ExpectTableMatches(*view, Expected("filtered"));
  v1::Value assigned = Ok("frame.assign", {Str("k"), Str("i * 2")});
  view = TableView::Of(assigned);
  ASSERT_TRUE(view.ok()) << view.status();
  ExpectTableMatches(*view, Expected("assigned"));
  // An unknown column is still an error.
  EXPECT_EQ(Err("frame.filter", {Str("nope > 1")}).code(), absl::StatusCode::kNotFound);
}

TEST_F(FrameVerbs, ColumnsOfEveryWidthReadAsInt64OrFloat64) {
  const std::vector<int8_t> a = {1, -2, 3};
  const std::vector<uint16_t> b = {7, 8, 9};
  const std::vector<float> c = {0.5f, 1.5f, -2.0f};
  const std::vector<int32_t> d = {100, 200, 300};
  TableBuilder builder;
  builder.Add<int8_t>("a", a).Add<uint16_t>("b", b).Add<float>("c", c);
  builder.Add<int32_t>("d", d, {true, false, true});
  absl::StatusOr<v1::Value> t = std::move(builder).Finish();
  ASSERT_TRUE(t.ok()) << t.status();
  absl::StatusOr<v1::Value> got = Run("frame.apply", *t,
                                      {List({List({Str("assign"), Str("ab"), Str("a * b")}),
                                             List({Str("assign"), Str("ac"), Str("a + c")}),
                                             List({Str("assign"), Str("ad"), Str("d - a")}),
                                             List({Str("filter"), Str("b > 7")})})});
  ASSERT_TRUE(got.ok()) << got.status();
  absl::StatusOr<TableView> view = TableView::Of(*got);
  ASSERT_TRUE(view.ok());
  ASSERT_EQ(view->num_rows(), 2u);
  const ColumnView ab = *view->column("ab");
  const ColumnView ac = *view->column("ac");
  const ColumnView ad = *view->column("ad");
  EXPECT_EQ(ab.dtype(), v1::DTYPE_INT64);
  EXPECT_EQ(ac.dtype(), v1::DTYPE_FLOAT64);
  EXPECT_EQ(ad.dtype(), v1::DTYPE_INT64);
  EXPECT_EQ(view->column("a")->dtype(), v1::DTYPE_INT8);  // untouched columns keep their dtype
  EXPECT_EQ(ab.values<int64_t>().value()[0], -2 * 8);
  EXPECT_EQ(ab.values<int64_t>().value()[1], 3 * 9);
  EXPECT_EQ(ac.AsDouble(0), -2 + 1.5);
  EXPECT_EQ(ac.AsDouble(1), 3 - 2.0);
  EXPECT_TRUE(ad.IsNull(0));
  EXPECT_EQ(ad.values<int64_t>().value()[1], 300 - 3);
}

TEST_F(FrameVerbs, ExpressionErrorsNameTheOpTheExpressionAndWhatIsWrong) {
  auto message = [](const absl::Status& s) { return std::string(s.message()); };
  absl::Status s = Err("frame.filter", {Str("x > 1")});
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(message(s),
            "frame.filter: expression \"x > 1\": no column \"x\" (columns: i, j, f, s, t, b)");
  s = Err("frame.filter", {Str("j >= 5oo")});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(message(s), "frame.filter: expression \"j >= 5oo\": unexpected \"oo\" at column 7");
  s = Err("frame.assign", {Str("k"), Str("s + 1")});
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(message(s),
            "frame.assign: expression \"s + 1\": \"+\" at column 3 does not apply to string "
            "(column \"s\") and int64 (1)");
  EXPECT_THAT(message(Err("frame.filter", {Str("j + 1")})),
              HasSubstr("frame.filter: expression \"j + 1\" is int64, not bool"));
  EXPECT_THAT(message(Err("frame.filter", {Str("b and s")})),
              HasSubstr("\"and\" at column 3 does not apply to bool (column \"b\") and string "
                        "(column \"s\")"));
  EXPECT_THAT(message(Err("frame.filter", {Str("s < 1")})),
              HasSubstr("\"<\" at column 3 does not apply to string (column \"s\") and int64 (1)"));
  EXPECT_THAT(message(Err("frame.filter", {Str("not j")})),
              HasSubstr("\"not\" at column 1 does not apply to int64 (column \"j\")"));
  EXPECT_THAT(message(Err("frame.assign", {Str("k"), Str("-s")})),
              HasSubstr("\"-\" at column 1 does not apply to string (column \"s\")"));
  EXPECT_THAT(message(Err("frame.assign", {Str("k"), Str("abs(b)")})),
              HasSubstr("\"abs\" at column 1 does not apply to bool (column \"b\")"));
  EXPECT_THAT(message(Err("frame.assign", {Str("k"), Str("lower(j * 2)")})),
              HasSubstr("\"lower\" at column 1 does not apply to int64 (the result of \"*\" at "
                        "column 9)"));
  EXPECT_THAT(message(Err("frame.filter", {Str("startswith(j, 'a')")})),
              HasSubstr("\"startswith\" at column 1 does not apply to int64 (column \"j\")"));
  EXPECT_THAT(message(Err("frame.assign", {Str("k"), Str("b + true")})),
              HasSubstr("\"+\" at column 3 does not apply to bool (column \"b\") and bool (true)"));
}

TEST_F(FrameVerbs, VerbErrorsNameTheColumnOrStep) {
  auto message = [&](absl::string_view op, std::vector<v1::Value> operands) {
    return std::string(Err(op, std::move(operands)).message());
  };
  EXPECT_EQ(message("frame.select", {Str("t"), Str("zz")}),
            "frame.select: no column \"zz\" (columns: i, j, f, s, t, b)");
  EXPECT_EQ(Err("frame.drop", {Str("zz")}).code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(message("frame.drop", {Str("zz")}), HasSubstr("frame.drop: no column \"zz\""));
  EXPECT_THAT(message("frame.rename", {Str("zz"), Str("y")}),
              HasSubstr("frame.rename: no column \"zz\""));
  EXPECT_THAT(message("frame.rename", {Str("i"), Str("j")}),
              HasSubstr("frame.rename: two columns would be named \"j\""));
  EXPECT_THAT(message("frame.rename", {Str("i")}),
              HasSubstr("takes at least 3 arguments (table, old, new), got 2"));
  EXPECT_THAT(message("frame.select", {Str("t"), Str("t")}),
              HasSubstr("frame.select: column \"t\" named twice"));
  EXPECT_THAT(message("frame.assign", {Str(""), Str("1")}),
              HasSubstr("frame.assign: operand 1 is empty"));
  EXPECT_THAT(message("frame.head", {Str("3")}),
              HasSubstr("op \"frame.head\": argument 1 (\"n\") must be int, got str"));
  EXPECT_THAT(message("frame.apply", {Str("filter")}),
              HasSubstr("op \"frame.apply\": argument 1 (\"steps\") must be list, got str"));
  EXPECT_EQ(message("frame.apply", {List({List({Str("explode"), Str("s")})})}),
            "frame.apply: step 1: unknown verb \"explode\" (verbs: filter, assign, select, drop, "
            "rename, head)");
  EXPECT_EQ(message("frame.apply", {List({Str("head")})}),
            "frame.apply: step 1: a step must be a list [\"verb\", operand...], got str");
  EXPECT_EQ(message("frame.apply", {List({List({Str("head"), Str("2")})})}),
            "frame.apply: step 1 (head): operand 1 must be int, got str");
  EXPECT_EQ(message("frame.apply", {List({List({Str("filter")})})}),
            "frame.apply: step 1 (filter): takes 1 operand (an expression), got 0 operands");
  EXPECT_EQ(message("frame.apply", {List({List({Str("rename"), Str("a")})})}),
            "frame.apply: step 1 (rename): takes pairs of names (old, new, ...), got 1 operand");
  EXPECT_EQ(message("frame.apply", {List({List({Str("select"), Int(1)})})}),
            "frame.apply: step 1 (select): operand 1 must be a column name (str), got int");
  // Every expression is parsed before any step runs; a later step's error names its number.
  EXPECT_EQ(message("frame.apply", {List({List({Str("filter"), Str("j > 0")}),
                                          List({Str("assign"), Str("k"), Str("(j")})})}),
            "frame.apply: step 2 (assign): expression \"(j\": unexpected end at column 3 (expected "
            "\")\")");
  absl::Status s = Err(
      "frame.apply", {List({List({Str("drop"), Str("j")}), List({Str("filter"), Str("j > 0")})})});
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(std::string(s.message()),
            "frame.apply: step 2 (filter): expression \"j > 0\": no column \"j\" (columns: i, f, "
            "s, t, b)");
}

// Seeded random expressions, well-formed (from the grammar) and not (random tokens), over the
// table: each either gives a column of one row per table row or fails as InvalidArgument or
// NotFound, naming the expression; never anything else (and never a crash).
TEST_F(FrameVerbs, RandomExpressionsEvaluateOrFailCleanly) {
  std::mt19937 rng(20261202);
  auto pick = [&](const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
  };
  const std::vector<std::string> leaves = {"i",    "j",     "f",    "s",    "t",   "b",
                                           "nope", "0",     "-1",   "3",    "2.5", "-0.5",
                                           "'ab'", "\"x\"", "true", "False"};
  const std::vector<std::string> binary = {
      "//", "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "and", "or", "&", "|"};
  const std::vector<std::string> unary = {"-", "not ", "~", "isnull", "notnull", "abs", "lower"};
  const std::vector<std::string> text_functions = {"startswith", "endswith", "contains"};
  std::function<std::string(int)> gen = [&](int depth) -> std::string {
    const int choice = depth <= 0 ? 0 : std::uniform_int_distribution<int>(0, 3)(rng);
    if (choice == 0) return pick(leaves);
    if (choice == 1) {
      return absl::StrCat("(", gen(depth - 1), " ", pick(binary), " ", gen(depth - 1), ")");
    }
    if (choice == 2) return absl::StrCat(pick(unary), "(", gen(depth - 1), ")");
    return absl::StrCat(pick(text_functions), "(", gen(depth - 1), ", 'a')");
  };
  std::vector<std::string> tokens = leaves;
  for (const std::string& op : binary) tokens.push_back(op);
  for (const char* op : {"(", ")", ",", "isnull(", "lower(", "startswith(", "`", "'", "=", "!", "$",
                         "1e", ".5", "9223372036854775808"}) {
    tokens.push_back(op);
  }
  int evaluated = 0;
  for (int k = 0; k < 3000; ++k) {
    std::string expr;
    if (k % 2 == 0) {
      expr = gen(std::uniform_int_distribution<int>(0, 5)(rng));
    } else {
      const int n = std::uniform_int_distribution<int>(1, 8)(rng);
      for (int t = 0; t < n; ++t) absl::StrAppend(&expr, t == 0 ? "" : " ", pick(tokens));
    }
    SCOPED_TRACE(expr);
    absl::StatusOr<v1::Value> got = Run("frame.assign", table_, {Str("r"), Str(expr)});
    if (got.ok()) {
      ++evaluated;
      absl::StatusOr<TableView> view = TableView::Of(*got);
      ASSERT_TRUE(view.ok()) << view.status();
      ASSERT_EQ(view->num_rows(), 8u);
      const DType d = view->column(view->num_columns() - 1).dtype();
      EXPECT_TRUE(d == v1::DTYPE_BOOL || d == v1::DTYPE_INT64 || d == v1::DTYPE_FLOAT64 ||
                  d == v1::DTYPE_STRING);
      continue;
    }
    EXPECT_TRUE(got.status().code() == absl::StatusCode::kInvalidArgument ||
                got.status().code() == absl::StatusCode::kNotFound)
        << got.status();
    EXPECT_THAT(std::string(got.status().message()), HasSubstr("expression \""));
  }
  EXPECT_GT(evaluated, 300);  // the well-formed half reaches the evaluator often
}

}  // namespace
}  // namespace brisk
