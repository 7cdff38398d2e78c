// The frame readers and writers (worker/frame/): CSV and JSON lines to tables, checked against
// pandas reading the same files; byte ranges; concatenation across files; CSV output.
#include <unistd.h>

#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "brisk/value.h"
#include "common/utf8.h"
#include "gtest/gtest.h"
#include "tests/support/pandas_check.h"
#include "worker/frame/csv_quote_free.h"
#include "worker/frame/csv_table.h"
#include "worker/frame/json_lines_table.h"
#include "worker/frame/table_concat.h"
#include "worker/frame/text_columns.h"

namespace brisk {
namespace {

using testing::ExpectTableMatches;
using testing::ReadJsonFile;
using testing::RunPandas;

class FrameCsvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "frame-csv-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::system(absl::StrCat("rm -rf '", dir_, "'").c_str()); }
  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  // The table of one whole file.
  v1::Value Read(const std::string& path, const CsvOptions& options = {}) {
    absl::StatusOr<v1::Value> t = ReadCsvRange(path, 0, UINT64_MAX, options);
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? *t : v1::Value();
  }
  // pandas' reading of the same file(s), through `code` that leaves a frame `df`.
  nlohmann::json Pandas(const std::string& code) {
    const std::string error = RunPandas(dir_, code + "\ndump(df, 'expected.json')\n");
    EXPECT_EQ(error, "");
    return ReadJsonFile(dir_ + "/expected.json");
  }
  std::string dir_;
};

constexpr char kReadCsv[] =
    "pd.read_csv({}, float_precision='round_trip', encoding_errors='replace')";

std::string PandasRead(const std::string& file) {
  std::string code = kReadCsv;
  return code.replace(code.find("{}"), 2, "'" + file + "'");
}

TEST_F(FrameCsvTest, QuotedFieldsAndMissingValuesAsPandasReadsThem) {
  const std::string path = Write("quoted.csv",
                                 "id,name,score,flag,note\n"
                                 "1,\"Smith, John\",3.5,True,plain\n"
                                 "2,\"say \"\"hi\"\"\",,False,\"two\nlines\"\n"
                                 "3,NA,4,true,\n"
                                 "\n"
                                 "4,\"\",-1e3,FALSE,\"a,b,c\"\r\n"
                                 "5,x,nan,True\n");
  v1::Value table = Read(path);
  absl::StatusOr<TableView> view = TableView::Of(table);
  ASSERT_TRUE(view.ok()) << view.status();
  ExpectTableMatches(*view, Pandas("df = " + PandasRead("quoted.csv")));
  EXPECT_EQ(view->column(0).dtype(), v1::DTYPE_INT64);
  EXPECT_EQ(view->column(2).dtype(), v1::DTYPE_FLOAT64);
  EXPECT_EQ(view->column(3).dtype(), v1::DTYPE_BOOL);
}

TEST_F(FrameCsvTest, NullsInIntegerColumnsStayIntegers) {
  const std::string path = Write("ints.csv", "a,b\n1,\n2,5\n,6\n");
  v1::Value table = Read(path);
  absl::StatusOr<TableView> view = TableView::Of(table);
  ASSERT_TRUE(view.ok());
  ExpectTableMatches(*view, Pandas("df = " + PandasRead("ints.csv")));
  EXPECT_EQ(view->column(0).dtype(), v1::DTYPE_INT64);
  EXPECT_EQ(view->column(0).null_count(), 1u);
}

TEST_F(FrameCsvTest, IntegerInOneFileAndFloatInAnotherUnifyToFloat) {
  Write("a.csv", "k,v,s\nx,1,10\ny,2,11\n");
  Write("b.csv", "k,v,s\nz,2.5,w\n");
  Write("c.csv", "k,v,s\n");             // header only
  Write("d.csv", "k,v,s\nq,,\nr,7,\n");  // nulls
  std::vector<v1::Value> parts;
  for (const char* f : {"a.csv", "b.csv", "c.csv", "d.csv"}) parts.push_back(Read(dir_ + "/" + f));
  std::vector<TableView> views;
  for (const v1::Value& p : parts) views.push_back(*TableView::Of(p));
  EXPECT_EQ(views[2].num_rows(), 0u);
  EXPECT_EQ(views[2].num_columns(), 3u);
  absl::StatusOr<v1::Value> all = ConcatTables(views);
  ASSERT_TRUE(all.ok()) << all.status();
  absl::StatusOr<TableView> view = TableView::Of(*all);
  ASSERT_TRUE(view.ok());
  std::string code = "df = pd.concat([";
  for (const char* f : {"a.csv", "b.csv", "c.csv", "d.csv"}) {
    absl::StrAppend(&code, PandasRead(f), ",");
  }
  code += "], ignore_index=True)";
  ExpectTableMatches(*view, Pandas(code));
  EXPECT_EQ(view->column(1).dtype(), v1::DTYPE_FLOAT64);
  EXPECT_EQ(view->column(2).dtype(), v1::DTYPE_STRING);  // ints and text: text, as pandas' object
}

TEST_F(FrameCsvTest, NonUtf8BytesBecomeReplacementCharactersAsPandasReplaces) {
  const std::string path = Write("latin1.csv",
                                 "name,n\n"
                                 "caf\xe9,1\n"
                                 "ok \xc3\xa9,2\n"
                                 "cut \xe2\x82,3\n"
                                 "\xf0\x9f\x98\x80 \xed\xa0\x80 \xff\xfe,4\n");
  v1::Value table = Read(path);
  absl::StatusOr<TableView> view = TableView::Of(table);
  ASSERT_TRUE(view.ok());
  ExpectTableMatches(*view, Pandas("df = " + PandasRead("latin1.csv")));
  for (uint64_t i = 0; i < view->num_rows(); ++i) {
    EXPECT_TRUE(IsUtf8(view->column(0).String(i)));
  }
}

TEST_F(FrameCsvTest, HeaderNamesAndByteOrderMarkAsPandasGivesThem) {
  const std::string path = Write("names.csv",
                                 "\xEF\xBB\xBF"
                                 "a,,a,b\n1,2,3,4\n");
  v1::Value table = Read(path);
  absl::StatusOr<TableView> view = TableView::Of(table);
  ASSERT_TRUE(view.ok());
  ExpectTableMatches(*view, Pandas("df = " + PandasRead("names.csv")));
}

TEST_F(FrameCsvTest, GivenDtypesAndTheirErrors) {
  const std::string path = Write("given.csv", "a,b\n1,x\n2,y\n");
  CsvOptions options;
  options.dtypes["a"] = v1::DTYPE_FLOAT64;
  v1::Value table = Read(path, options);
  EXPECT_EQ(TableView::Of(table)->column(0).dtype(), v1::DTYPE_FLOAT64);
  options.dtypes["b"] = v1::DTYPE_INT64;
  absl::StatusOr<v1::Value> bad = ReadCsvRange(path, 0, UINT64_MAX, options);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("column \"b\", row 0: \"x\" is not int64"),
            std::string::npos)
      << bad.status();
  EXPECT_NE(bad.status().message().find("given.csv"), std::string::npos) << bad.status();
}

TEST_F(FrameCsvTest, MalformedInputIsAnErrorNamingTheRecord) {
  const std::string extra = Write("extra.csv", "a,b\n1,2\n3,4,5\n");
  absl::StatusOr<v1::Value> t = ReadCsvRange(extra, 0, UINT64_MAX, {});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("record 3"), std::string::npos) << t.status();
  const std::string open_quote = Write("open.csv", "a,b\n1,\"never closed\n");
  t = ReadCsvRange(open_quote, 0, UINT64_MAX, {});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("not closed"), std::string::npos) << t.status();
  t = ReadCsvRange(dir_ + "/missing.csv", 0, UINT64_MAX, {});
  EXPECT_EQ(t.status().code(), absl::StatusCode::kNotFound);
}

TEST_F(FrameCsvTest, EmptyFileIsATableWithoutColumns) {
  const std::string path = Write("empty.csv", "");
  v1::Value table = Read(path);
  EXPECT_EQ(TableView::Of(table)->num_columns(), 0u);
  EXPECT_EQ(TableView::Of(table)->num_rows(), 0u);
}

// Every split of a file into two byte ranges reads every record once, in order.
TEST_F(FrameCsvTest, ByteRangesSplitAtLineStarts) {
  std::string text = "id,name,x\n";
  for (int i = 0; i < 20; ++i) absl::StrAppend(&text, i, ",n", i * 7, ",", i * 0.25, "\n");
  const std::string path = Write("ranges.csv", text);
  v1::Value whole = Read(path);
  const std::string whole_csv = TableToCsv(*TableView::Of(whole));
  for (uint64_t split = 0; split <= text.size(); ++split) {
    absl::StatusOr<v1::Value> a = ReadCsvRange(path, 0, split, {});
    absl::StatusOr<v1::Value> b = ReadCsvRange(path, split, UINT64_MAX, {});
    ASSERT_TRUE(a.ok() && b.ok()) << a.status() << b.status();
    absl::StatusOr<v1::Value> joined = ConcatTables({*TableView::Of(*a), *TableView::Of(*b)});
    ASSERT_TRUE(joined.ok());
    EXPECT_EQ(TableToCsv(*TableView::Of(*joined)), whole_csv) << "split at " << split;
  }
}

TEST_F(FrameCsvTest, CsvOutputReadsBackAsPandasWritesIt) {
  const std::string path = Write("out.csv",
                                 "s,f,i,b\n"
                                 "\"a,b\",0.1,1,True\n"
                                 "\"q\"\"uote\",1.0,,False\n"
                                 ",1e-05,3,True\n"
                                 "\"multi\nline\",123456789.125,4,False\n");
  v1::Value table = Read(path);
  const std::string ours = TableToCsv(*TableView::Of(table));
  Write("ours.csv", ours);
  // pandas writes its own reading of the file; reading ours back gives the same frame.
  const std::string error =
      RunPandas(dir_, "df = " + PandasRead("out.csv") + "\nback = " + PandasRead("ours.csv") +
                          "\npd.testing.assert_frame_equal(df, back)\n"
                          "assert open('ours.csv').read().splitlines()[1] == '\"a,b\",0.1,1,True', "
                          "open('ours.csv').read()\n");
  EXPECT_EQ(error, "");
  EXPECT_EQ(FloatText(1.0), "1.0");
  EXPECT_EQ(FloatText(0.1), "0.1");
  EXPECT_EQ(FloatText(1e-5), "1e-05");
  EXPECT_EQ(FloatText(1.0 / 3), "0.3333333333333333");
}

TEST_F(FrameCsvTest, JsonLinesAsPandasReadsThem) {
  const std::string path = Write("rows.jsonl",
                                 "{\"a\": 1, \"b\": \"x\", \"c\": 1.5, \"d\": true}\n"
                                 "{\"a\": 2, \"c\": 2, \"d\": true}\n"
                                 "\n"
                                 "{\"a\": null, \"b\": \"123\", \"c\": null, \"d\": false}\n");
  absl::StatusOr<v1::Value> table = ReadJsonLinesRange(path, 0, UINT64_MAX);
  ASSERT_TRUE(table.ok()) << table.status();
  absl::StatusOr<TableView> view = TableView::Of(*table);
  ASSERT_TRUE(view.ok());
  ExpectTableMatches(*view, Pandas("df = pd.read_json('rows.jsonl', lines=True)"));
  EXPECT_EQ(view->column(1).dtype(), v1::DTYPE_STRING);  // "123" stays text
  const std::string bad = Write("bad.jsonl", "{\"a\": 1}\n[1, 2]\n");
  table = ReadJsonLinesRange(bad, 0, UINT64_MAX);
  ASSERT_FALSE(table.ok());
  EXPECT_NE(table.status().message().find("line 2 is not a JSON object"), std::string::npos)
      << table.status();
}

TEST_F(FrameCsvTest, JsonLinesColumnsComeInTheOrderTheirKeysAreFirstSeen) {
  const std::string path = Write("order.jsonl",
                                 "{\"zeta\": 1, \"alpha\": \"a\"}\n"
                                 "{\"mid\": 2.5, \"zeta\": 3}\n");
  absl::StatusOr<v1::Value> table = ReadJsonLinesRange(path, 0, UINT64_MAX);
  ASSERT_TRUE(table.ok()) << table.status();
  absl::StatusOr<TableView> view = TableView::Of(*table);
  ASSERT_TRUE(view.ok());
  ExpectTableMatches(*view, Pandas("df = pd.read_json('order.jsonl', lines=True)"));
  EXPECT_EQ(view->column(0).name(), "zeta");
}

}  // namespace
}  // namespace brisk

namespace brisk {
namespace {

// The one-pass reader (csv_quote_free.h) against libcsv and TextColumns on random texts built
// from the characters that matter (delimiters, line ends, signs, digits, exponents, the null
// and bool tokens, non-UTF-8 bytes): wherever the fast path answers, its table is the full
// parser's, byte for byte; where it declines, the full parser decides (and may refuse).
TEST(CsvQuoteFreeTest, AgreesWithTheFullParserWhereverItAnswers) {
  const std::vector<std::string> pieces = {
      ",",     ",",   "\n",   "\n",       "\r\n",
      "\r",    "1",   "23",   "-",        "+",
      ".",     "e",   "5",    "0",        "x",
      " ",     "NA",  "nan",  "True",     "false",
      "inf",   "-0",  "\xff", "\xc3\xa9", "9223372036854775808",
      "a",     "1.5", "\"",   "TRUE",     "null",
      "1e400", "#N/A"};
  std::mt19937 rng(20261203);
  int answered = 0;
  const int kTexts = 20000;
  for (int t = 0; t < kTexts; ++t) {
    std::string text = (t % 3 == 0) ? "a,b,c\n" : "";
    const int n = static_cast<int>(rng() % 24);
    for (int i = 0; i < n; ++i) text += pieces[rng() % pieces.size()];
    CsvOptions options;
    const bool names_given = t % 3 == 1;
    if (names_given) options.names = {"a", "b", "c"};
    if (t % 5 == 0) options.dtypes["b"] = t % 10 == 0 ? v1::DTYPE_FLOAT64 : v1::DTYPE_STRING;
    const std::optional<v1::Value> fast = ReadQuoteFreeCsv(text, options, names_given);
    if (!fast.has_value()) continue;
    ++answered;
    const absl::StatusOr<v1::Value> full = ParseCsvTable(text, options, names_given);
    ASSERT_TRUE(full.ok()) << "the fast path read a text the full parser refuses: "
                           << absl::CHexEscape(text) << ": " << full.status();
    ASSERT_EQ(fast->SerializeAsString(), full->SerializeAsString())
        << "text: \"" << absl::CHexEscape(text) << "\"\nfast: " << fast->DebugString()
        << "\nfull: " << full->DebugString();
  }
  // Most such texts have no quote, no lone CR and no column changing kind.
  EXPECT_GT(answered, kTexts / 4);
}

TEST(CsvQuoteFreeTest, TakesPlainFilesAndLeavesQuotedOnesToTheFullParser) {
  const std::string plain = "id,key,x\r\n1,k1,0.5\r\n2,,1e3\r\n\r\n3,k3,NA\r\n";
  const std::optional<v1::Value> fast = ReadQuoteFreeCsv(plain, {}, false);
  ASSERT_TRUE(fast.has_value());
  absl::StatusOr<TableView> view = TableView::Of(*fast);
  ASSERT_TRUE(view.ok());
  EXPECT_EQ(view->num_rows(), 3u);
  EXPECT_EQ(view->column(0).dtype(), v1::DTYPE_INT64);
  EXPECT_EQ(view->column(1).dtype(), v1::DTYPE_STRING);
  EXPECT_EQ(view->column(2).dtype(), v1::DTYPE_FLOAT64);
  EXPECT_TRUE(view->column(1).IsNull(1));
  EXPECT_TRUE(view->column(2).IsNull(2));
  EXPECT_FALSE(ReadQuoteFreeCsv("a,b\n1,\"x,y\"\n", {}, false).has_value());
  // An integer column meeting a float, and a record longer than the header, go to libcsv.
  EXPECT_FALSE(ReadQuoteFreeCsv("a\n1\n2.5\n", {}, false).has_value());
  EXPECT_FALSE(ReadQuoteFreeCsv("a,b\n1,2,3\n", {}, false).has_value());
  absl::StatusOr<v1::Value> mixed = CsvToTable("a\n1\n2.5\n", {});
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  EXPECT_EQ(TableView::Of(*mixed)->column(0).dtype(), v1::DTYPE_FLOAT64);
}

}  // namespace
}  // namespace brisk

namespace brisk {
namespace {

TEST(NullTokenTest, PandasTokensAreNullAndNumbersNextToThemAreNot) {
  for (const char* token :
       {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
        "<NA>", "N/A", "NA", "NULL", "NaN", "n/a", "nan", "null"}) {
    EXPECT_TRUE(IsNullToken(token)) << token;
  }
  for (const char* value : {"1.5", "-1.5", "-1.#INF", "1.#INF", "-1.2345", "1.23456", "-N", "Nan",
                            "none", "#N", "<N>", "0", "-", "1", "nan1", "-1.#IND0"}) {
    EXPECT_FALSE(IsNullToken(value)) << value;
  }
}

}  // namespace
}  // namespace brisk
