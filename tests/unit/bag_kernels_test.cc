// The partition kernels of brisk::Bag (worker/bag/), called through an OpRegistry as a worker calls
// them, against Python reading the same files (gzip, re, collections.Counter): lines of files
// with the quirks text has (no final newline, CRLF, a lone CR, non-UTF-8 bytes, empty files,
// gzip), byte ranges that tile a file, every per-record step, frequencies and their merge, topk
// with ties, count, write_text; and the errors that name the op and the argument.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "brisk/op.h"
#include "brisk/value.h"
#include "nlohmann/json.hpp"
#include "tests/support/numpy_script.h"
#include "tests/support/python_lines.h"
#include "worker/bag/bag_ops.h"
#include "worker/bag/partition_table.h"

namespace brisk {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using v1::Value;

class NullContext : public OpContext {
 public:
  bool Stopped() const override { return false; }
  bool SleepFor(absl::Duration) override { return true; }
};

Value StrV(const std::string& s) {
  Value v;
  v.set_str(s);
  return v;
}
Value IntV(int64_t n) {
  Value v;
  v.set_int_(n);
  return v;
}
Value ListV(std::vector<Value> items) {
  Value v;
  v.mutable_list();
  for (Value& item : items) *v.mutable_list()->add_items() = std::move(item);
  return v;
}
Value ReadV(const std::string& path, int64_t offset = 0, int64_t length = -1) {
  return ListV({StrV("text"), StrV(path), IntV(offset), IntV(length)});
}
// A steps list: each step its name and string parameters.
Value StepsV(const std::vector<std::vector<std::string>>& steps) {
  std::vector<Value> items;
  for (const auto& step : steps) {
    std::vector<Value> parts;
    for (const std::string& p : step) parts.push_back(StrV(p));
    items.push_back(ListV(std::move(parts)));
  }
  return ListV(std::move(items));
}

// The records of a text partition (the "text" column, or a counts partition's "value" column).
std::vector<std::string> Texts(const absl::StatusOr<Value>& v) {
  EXPECT_TRUE(v.ok()) << v.status();
  if (!v.ok()) return {};
  absl::StatusOr<TableView> table = TableView::Of(*v);
  EXPECT_TRUE(table.ok()) << table.status();
  if (!table.ok()) return {};
  std::vector<std::string> out;
  const ColumnView& c = table->column(0);
  for (uint64_t r = 0; r < c.size(); ++r) out.emplace_back(c.String(r));
  return out;
}
std::vector<std::pair<std::string, int64_t>> Counts(const absl::StatusOr<Value>& v) {
  EXPECT_TRUE(v.ok()) << v.status();
  if (!v.ok()) return {};
  absl::StatusOr<CountsView> view = ViewCounts("test", *v);
  EXPECT_TRUE(view.ok()) << view.status();
  if (!view.ok()) return {};
  std::vector<std::pair<std::string, int64_t>> out;
  for (uint64_t r = 0; r < view->size(); ++r) {
    out.emplace_back(std::string(view->values.String(r)), view->counts[r]);
  }
  return out;
}

std::vector<std::string> JsonStrings(const nlohmann::json& j) {
  std::vector<std::string> out;
  for (const auto& s : j) out.push_back(s.get<std::string>());
  return out;
}
std::vector<std::pair<std::string, int64_t>> JsonCounts(const nlohmann::json& j) {
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto& p : j) out.emplace_back(p[0].get<std::string>(), p[1].get<int64_t>());
  return out;
}

// Helpers after kPythonReadLines (tests/support/python_lines.h): records are handled as bytes
// (bytes.split, bytes.lower: ASCII's rules).
constexpr char kPythonLines[] = R"(
import collections, gzip, json, re
def s(records):
    return [r.decode('utf-8') for r in records]
def ranked(counter):
    return [[k.decode('utf-8'), n] for k, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]
)";

class BagKernels : public ::testing::Test {
 protected:
  BagKernels() { RegisterBagOps(registry_); }
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "bag-kernels-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::system(absl::StrCat("rm -rf '", dir_, "'").c_str()); }

  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  std::string WriteGzip(const std::string& name, const std::string& bytes) {
    const std::string path = dir_ + "/" + name;
    gzFile gz = gzopen(path.c_str(), "wb");
    EXPECT_NE(gz, nullptr);
    if (!bytes.empty()) {
      EXPECT_EQ(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())),
                static_cast<int>(bytes.size()));
    }
    gzclose(gz);
    return path;
  }
  // Runs `code` after kPythonLines; it leaves `out` (any JSON) as the expected values.
  nlohmann::json Python(const std::string& code) {
    const std::string error =
        testing::RunPython(dir_, absl::StrCat(testing::kPythonReadLines, kPythonLines),
                           code + "\njson.dump(out, open('expected.json', 'w'))\n");
    EXPECT_EQ(error, "");
    std::ifstream in(dir_ + "/expected.json");
    return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  }

  absl::StatusOr<Value> Call(const std::string& op, const std::vector<const Value*>& args,
                             const std::vector<std::pair<std::string, Value>>& kwargs) {
    OpArgs in;
    for (const Value* v : args) {
      in.args.push_back(v);
      in.arg_is_ref.push_back(false);
    }
    for (const auto& [k, v] : kwargs) in.kwargs[k] = &v;
    NullContext context;
    return registry_.Call(op, context, in);
  }
  // The records op `op` gives over the file at `path` with `steps`.
  absl::StatusOr<Value> OverFile(const std::string& op, const std::string& path,
                                 const std::vector<std::vector<std::string>>& steps = {},
                                 std::vector<std::pair<std::string, Value>> kwargs = {}) {
    kwargs.emplace_back("read", ReadV(path));
    if (!steps.empty()) kwargs.emplace_back("steps", StepsV(steps));
    return Call(op, {}, kwargs);
  }

  OpRegistry registry_;
  std::string dir_;
};

// Every quirk of a text file, one file each, read whole.
TEST_F(BagKernels, LinesOfFilesAsPythonReadsThem) {
  const std::vector<std::pair<std::string, std::string>> files = {
      {"plain.txt", "alpha beta\ngamma\n\ndelta\n"},
      {"no-final-newline.txt", "one\ntwo\nthree"},
      {"crlf.txt", "a\r\nb\r\n\r\nlone\rcr\r\nend\r"},
      {"empty.txt", ""},
      {"only-newlines.txt", "\n\n\n"},
      {"not-utf8.txt", "caf\xe9\nok \xe2\x82\n\xff\xfe bytes\n\xf0\x9f\x98\x80 fine\n"},
  };
  std::string code = "out = {}\n";
  for (const auto& [name, bytes] : files) {
    Write(name, bytes);
    absl::StrAppend(&code, "out['", name, "'] = s(lines('", name, "'))\n");
  }
  WriteGzip("zipped.log", "first\r\nsecond line\nthird");  // gzip whatever its name
  WriteGzip("empty.gz", "");
  code += "out['zipped.log'] = s(lines('zipped.log'))\nout['empty.gz'] = s(lines('empty.gz'))\n";
  const nlohmann::json want = Python(code);
  ASSERT_TRUE(want.is_object());
  for (const auto& [name, lines] : want.items()) {
    SCOPED_TRACE(name);
    EXPECT_EQ(Texts(OverFile("bag.partition", dir_ + "/" + name)), JsonStrings(lines));
  }
}

// Ranges of every size tile a file: each line is read by exactly one of them.
TEST_F(BagKernels, ByteRangesTileAFile) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) absl::StrAppend(&bytes, std::string(i % 7, 'x'), i, "\r\n");
  bytes += "last line without newline";
  const std::string path = Write("lines.txt", bytes);
  const std::vector<std::string> want = JsonStrings(Python("out = s(lines('lines.txt'))"));
  ASSERT_FALSE(want.empty());
  for (int64_t size : {1, 2, 3, 5, 17, 64, 1000}) {
    SCOPED_TRACE(absl::StrCat("ranges of ", size, " bytes"));
    std::vector<std::string> got;
    for (int64_t at = 0; at < static_cast<int64_t>(bytes.size()); at += size) {
      const Value read = ReadV(path, at, size);
      for (std::string& line : Texts(Call("bag.partition", {}, {{"read", read}}))) {
        got.push_back(std::move(line));
      }
    }
    EXPECT_EQ(got, want);
  }
}

// Each step, and chains of them, over the same records in Python (bytes semantics).
TEST_F(BagKernels, StepsAsPythonBytesAndReDo) {
  Write("t.txt",
        "  The quick brown Fox\tjumps  \n"
        "over the LAZY dog; the end\n"
        "\n"
        "user=alice id=42 user=bob id=7\n"
        "a,b,,c,\n"
        "x--y--z\n"
        "caf\xc3\xa9 CAF\xc3\x89 \xe9t\xe9\n"
        "\x0b\x0cvertical\x1c"
        "file-sep\n");
  struct Case {
    std::vector<std::vector<std::string>> steps;
    std::string python;  // over `r`, the records (bytes): an expression giving the records
  };
  const std::vector<Case> cases = {
      {{{"split", ""}}, "[w for l in r for w in l.split()]"},
      {{{"split", ","}}, "[w for l in r for w in l.split(b',')]"},
      {{{"split", "--"}}, "[w for l in r for w in l.split(b'--')]"},
      {{{"lower"}}, "[l.lower() for l in r]"},
      {{{"upper"}}, "[l.upper() for l in r]"},
      {{{"strip", ""}}, "[l.strip() for l in r]"},
      {{{"strip", "a,c"}}, "[l.strip(b'a,c') for l in r]"},
      {{{"nonempty"}}, "[l for l in r if l]"},
      {{{"match", "(?i)the"}}, "[l for l in r if re.search(rb'(?i)the', l)]"},
      {{{"exclude", "^\\s*$"}}, "[l for l in r if not re.search(rb'^\\s*$', l)]"},
      {{{"extract", "user=(\\w+)"}}, "[m for l in r for m in re.findall(rb'user=(\\w+)', l)]"},
      {{{"extract", "\\d+"}}, "[m for l in r for m in re.findall(rb'\\d+', l)]"},
      {{{"extract", "x*"}}, "[m for l in r for m in re.findall(rb'x*', l)]"},
      {{{"split", ""}, {"lower"}, {"strip", ".,;"}, {"nonempty"}},
       "[w for w in (w.lower().strip(b'.,;') for l in r for w in l.split()) if w]"},
  };
  std::string code = "r = lines('t.txt')\nout = []\n";
  for (const Case& c : cases) absl::StrAppend(&code, "out.append(s(", c.python, "))\n");
  const nlohmann::json want = Python(code);
  ASSERT_EQ(want.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].python);
    EXPECT_EQ(Texts(OverFile("bag.partition", dir_ + "/t.txt", cases[i].steps)),
              JsonStrings(want[i]));
  }
  // Extract of group 2 of a pattern with two groups, given as an int parameter.
  Value steps = StepsV({{"extract", "(\\w+)=(\\w+)"}});
  steps.mutable_list()->mutable_items(0)->mutable_list()->add_items()->set_int_(2);
  const Value read = ReadV(dir_ + "/t.txt");
  EXPECT_EQ(Texts(Call("bag.partition", {}, {{"read", read}, {"steps", steps}})),
            JsonStrings(Python("out = s([m[1] for l in lines('t.txt') "
                               "for m in re.findall(rb'(\\w+)=(\\w+)', l)])")));
}

// A word count in pieces: per-file partial counts (fused with the read and the steps), merged,
// sorted; in hash buckets; and topk of them, against collections.Counter.
TEST_F(BagKernels, FrequenciesMergeAndTopkAsCounter) {
  Write("a.txt", "b a c a\nB b\nd e f g a\n");
  Write("b.txt", "c c b\nz y x\r\nw\n");
  WriteGzip("c.gz", "a z z\nq q\n");
  const nlohmann::json want = Python(
      "c = collections.Counter(w.lower() for f in ['a.txt', 'b.txt', 'c.gz'] "
      "for l in lines(f) for w in l.split())\n"
      "out = {'all': ranked(c), 'top3': ranked(c)[:3], 'top0': []}\n");
  const std::vector<std::vector<std::string>> steps = {{"split", ""}, {"lower"}};
  std::vector<Value> partials;
  for (const char* f : {"a.txt", "b.txt", "c.gz"}) {
    absl::StatusOr<Value> p = OverFile("bag.frequencies", dir_ + "/" + f, steps);
    ASSERT_TRUE(p.ok()) << p.status();
    partials.push_back(*p);
  }
  const Value yes = [] {
    Value v;
    v.set_bool_(true);
    return v;
  }();
  absl::StatusOr<Value> merged =
      Call("bag.merge_counts", {&partials[0], &partials[1], &partials[2]}, {{"sort", yes}});
  EXPECT_EQ(Counts(merged), JsonCounts(want["all"]));

  // By buckets: every value in exactly one bucket, and the buckets together are the counts.
  std::vector<Value> bucketed;
  for (const char* f : {"a.txt", "b.txt", "c.gz"}) {
    absl::StatusOr<Value> p =
        OverFile("bag.frequencies", dir_ + "/" + f, steps, {{"buckets", IntV(3)}});
    ASSERT_TRUE(p.ok()) << p.status();
    ASSERT_EQ(p->list().items_size(), 3);
    bucketed.push_back(*p);
  }
  std::vector<std::pair<std::string, int64_t>> union_of_buckets;
  for (int b = 0; b < 3; ++b) {
    absl::StatusOr<Value> m = Call("bag.merge_counts", {&bucketed[0], &bucketed[1], &bucketed[2]},
                                   {{"bucket", IntV(b)}, {"sort", yes}});
    for (auto& entry : Counts(m)) union_of_buckets.push_back(std::move(entry));
  }
  std::vector<std::pair<std::string, int64_t>> all = JsonCounts(want["all"]);
  std::sort(union_of_buckets.begin(), union_of_buckets.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(union_of_buckets, all);

  // Topk: per partial, then merged; ties in count by the smaller value first.
  ASSERT_TRUE(merged.ok());
  std::vector<Value> tops;
  for (const Value& p : partials) {
    absl::StatusOr<Value> t = Call("bag.topk", {&p}, {{"k", IntV(3)}});
    ASSERT_TRUE(t.ok()) << t.status();
    tops.push_back(*t);
  }
  // The top 3 of each partial are not the top 3 overall (counts add across files): topk of the
  // merged counts is, and merge_topk of partial tops only sees the partials' own top 3.
  EXPECT_EQ(Counts(Call("bag.topk", {&*merged}, {{"k", IntV(3)}})), JsonCounts(want["top3"]));
  EXPECT_EQ(Counts(Call("bag.merge_topk", {&*merged}, {{"k", IntV(3)}})), JsonCounts(want["top3"]));
  EXPECT_EQ(Counts(Call("bag.topk", {&*merged}, {{"k", IntV(0)}})), JsonCounts(want["top0"]));
  EXPECT_EQ(
      Counts(Call("bag.merge_topk", {&tops[0], &tops[1], &tops[2]}, {{"k", IntV(100)}})).size(),
      9u);

  // Distinct values: the counts' values sorted by byte.
  const nlohmann::json distinct = Python(
      "out = sorted(set(w.lower() for f in ['a.txt', 'b.txt', 'c.gz'] for l in lines(f) "
      "for w in l.split()))\nout = s(out)\n");
  EXPECT_EQ(Texts(Call("bag.distinct_values", {&*merged}, {})), JsonStrings(distinct));
}

// Topk of text: the k largest records in byte order, duplicates kept, per partition then merged.
TEST_F(BagKernels, TopkOfTextKeepsDuplicates) {
  Write("a.txt", "pear\napple\nzoo\nzoo\nfig\n");
  Write("b.txt", "zoo\nkiwi\n\xc3\xa9t\xc3\xa9\n");
  const nlohmann::json want =
      Python("out = s(sorted(lines('a.txt') + lines('b.txt'), reverse=True)[:4])");
  absl::StatusOr<Value> a = OverFile("bag.topk", dir_ + "/a.txt", {}, {{"k", IntV(4)}});
  absl::StatusOr<Value> b = OverFile("bag.topk", dir_ + "/b.txt", {}, {{"k", IntV(4)}});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(Texts(Call("bag.merge_topk", {&*a, &*b}, {{"k", IntV(4)}})), JsonStrings(want));
}

TEST_F(BagKernels, CountAndSum) {
  Write("t.txt", "a b\n\nc d e\r\nf");
  const nlohmann::json want =
      Python("out = [len(lines('t.txt')), sum(len(l.split()) for l in lines('t.txt'))]");
  absl::StatusOr<Value> lines = OverFile("bag.count", dir_ + "/t.txt");
  absl::StatusOr<Value> words = OverFile("bag.count", dir_ + "/t.txt", {{"split", ""}});
  ASSERT_TRUE(lines.ok() && words.ok()) << lines.status() << words.status();
  EXPECT_EQ(lines->int_(), want[0].get<int64_t>());
  EXPECT_EQ(words->int_(), want[1].get<int64_t>());
  absl::StatusOr<Value> sum = Call("bag.sum", {&*lines, &*words}, {});
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(sum->int_(), want[0].get<int64_t>() + want[1].get<int64_t>());
}

// write_text writes the records as lines, plain or gzip; Python reads back what was written.
TEST_F(BagKernels, WriteTextPlainAndGzip) {
  Write("t.txt", "One two\r\nthree\n\nfour");
  for (bool gzip : {false, true}) {
    SCOPED_TRACE(gzip ? "gzip" : "plain");
    const std::string out = dir_ + (gzip ? "/out/sub/part.txt.gz" : "/out/part.txt");
    Value compress;
    compress.set_bool_(gzip);
    absl::StatusOr<Value> n = OverFile("bag.write_text", dir_ + "/t.txt", {{"split", ""}},
                                       {{"path", StrV(out)}, {"compress", compress}});
    ASSERT_TRUE(n.ok()) << n.status();
    const nlohmann::json want =
        Python(absl::StrCat("w = [x for l in lines('t.txt') for x in l.split()]\n"
                            "data = open('",
                            out,
                            "', 'rb').read()\n"
                            "if data[:2] == b'\\x1f\\x8b': data = gzip.decompress(data)\n"
                            "out = [len(w), data == b''.join(x + b'\\n' for x in w)]\n"));
    EXPECT_EQ(n->int_(), want[0].get<int64_t>());
    EXPECT_TRUE(want[1].get<bool>()) << "the file is not the words, one a line";
    EXPECT_NE(access((out + ".part").c_str(), F_OK), 0) << "the temporary file is left";
  }
}

// A partition given as a value: a text table (from a previous task) and a list of str.
TEST_F(BagKernels, PartitionsGivenAsValues) {
  StringColumn column;
  for (const char* s : {"A b", "c"}) column.Add(s);
  absl::StatusOr<Value> table = MakeTextPartition(std::move(column));
  ASSERT_TRUE(table.ok());
  const Value steps = StepsV({{"split", ""}, {"lower"}});
  EXPECT_THAT(Texts(Call("bag.partition", {&*table}, {{"steps", steps}})),
              ElementsAre("a", "b", "c"));
  const Value list = ListV({StrV("X y"), StrV("")});
  EXPECT_THAT(Texts(Call("bag.partition", {&list}, {{"steps", steps}})), ElementsAre("x", "y"));
  absl::StatusOr<Value> n = Call("bag.count", {&list}, {});
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->int_(), 2);
}

// Bad input: the op, the argument and what is wrong; never a crash.
TEST_F(BagKernels, ErrorsNameTheOpAndTheArgument) {
  const std::string path = Write("t.txt", "a\n");
  auto error = [&](const absl::StatusOr<Value>& v) {
    EXPECT_FALSE(v.ok());
    return v.ok() ? std::string() : std::string(v.status().message());
  };
  EXPECT_THAT(error(OverFile("bag.partition", path, {{"shout"}})),
              AllOf(HasSubstr("bag.partition"), HasSubstr("steps"), HasSubstr("unknown step")));
  EXPECT_THAT(error(OverFile("bag.frequencies", path, {{"match", "(unclosed"}})),
              AllOf(HasSubstr("bag.frequencies"), HasSubstr("(unclosed")));
  EXPECT_THAT(
      error(OverFile("bag.partition", path, {{"extract", "(a)"}, {"lower"}, {"pluck", "x"}})),
      HasSubstr("\"pluck\" must be the first step"));
  EXPECT_THAT(error(OverFile("bag.count", dir_ + "/missing.txt")),
              AllOf(HasSubstr("bag.count"), HasSubstr("missing.txt")));
  EXPECT_THAT(error(OverFile("bag.partition", dir_)), HasSubstr("bag.partition"));
  const std::string gz = WriteGzip("z.gz", "a\nb\n");
  const Value range = ReadV(gz, 0, 10);
  EXPECT_THAT(error(Call("bag.partition", {}, {{"read", range}})),
              AllOf(HasSubstr("gzip"), HasSubstr("byte range")));
  const Value bad_read = ListV({StrV("text"), StrV(path)});
  EXPECT_THAT(error(Call("bag.partition", {}, {{"read", bad_read}})),
              AllOf(HasSubstr("bag.partition"), HasSubstr("\"read\"")));
  const Value format = ListV({StrV("xml"), StrV(path), IntV(0), IntV(-1)});
  EXPECT_THAT(error(Call("bag.partition", {}, {{"read", format}})), HasSubstr("\"xml\""));
  EXPECT_THAT(error(Call("bag.partition", {}, {})), HasSubstr("bag.partition"));
  const Value number = IntV(3);
  EXPECT_THAT(error(Call("bag.partition", {&number}, {})), HasSubstr("bag.partition"));
  EXPECT_THAT(error(Call("bag.topk", {&number}, {})), HasSubstr("bag.topk"));
  EXPECT_THAT(error(Call("bag.merge_counts", {&number}, {})), HasSubstr("bag.merge_counts"));
  EXPECT_THAT(error(OverFile("bag.write_text", path)), HasSubstr("\"path\""));
}

}  // namespace
}  // namespace brisk
