// brisk::Bag end to end on an embedded cluster, against Python computing the same results from the
// same files (gzip, re, collections.Counter): read_text over a glob with gzip and every quirk of
// text files, cut into byte ranges; the built-in steps; frequencies by tree and by hash buckets,
// distinct, topk with ties, count, fold, to_text_files, persist, JSON lines with pluck; the
// errors a Bag carries.
#include "brisk/bag.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "brisk/client.h"
#include "nlohmann/json.hpp"
#include "tests/integration/cluster.h"
#include "tests/support/numpy_script.h"
#include "tests/support/python_lines.h"

namespace brisk::testing {
namespace {

using ::testing::HasSubstr;

// Helpers after kPythonReadLines (tests/support/python_lines.h), which reads lines as the bag
// readers define them.
constexpr char kPythonLines[] = R"(
import collections, glob, gzip, json, re
def all_lines(pattern):
    return [l for f in sorted(glob.glob(pattern)) for l in lines(f)]
def s(records):
    return [r.decode('utf-8') for r in records]
def ranked(counter):
    return [[k.decode('utf-8'), n] for k, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]
)";

std::vector<std::string> JsonStrings(const nlohmann::json& j) {
  std::vector<std::string> out;
  for (const auto& s : j) out.push_back(s.get<std::string>());
  return out;
}
std::vector<ValueCount> JsonCounts(const nlohmann::json& j) {
  std::vector<ValueCount> out;
  for (const auto& p : j) out.push_back(ValueCount{p[0].get<std::string>(), p[1].get<int64_t>()});
  return out;
}

class BagTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    LocalClusterOptions options;
    options.plugins = {BRISK_TEST_PLUGIN_DIR "/libbrisk_test_ops.so"};
    auto c = Client::StartLocal(options);
    ASSERT_TRUE(c.ok()) << c.status();
    client_ = c->release();
  }
  static void TearDownTestSuite() {
    delete client_;
    client_ = nullptr;
  }
  void SetUp() override {
    auto dir = MakeTempDir("bag-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = *dir;
    std::filesystem::create_directories(dir_ + "/logs");
    // Every quirk in one glob: gzip, no final newline, CRLF and a lone CR, an empty file,
    // non-UTF-8 bytes, blank lines; and a file that the glob leaves out.
    std::string big;
    for (int i = 0; i < 300; ++i) {
      absl::StrAppend(&big, "GET /page/", i % 13, " status=", 200 + (i % 3) * 100, " user=u", i % 7,
                      (i % 5 == 0 ? " The the THE" : " a b"), "\n");
    }
    Write("logs/a.log", big);
    Write("logs/b.log", "Hello world\r\nhello  World\r\n\r\nlone\rcarriage\r\nno newline at end");
    Write("logs/c.log", "");
    Write("logs/d.log", "caf\xe9 caf\xc3\xa9\n\xff\xfe hello\n");
    WriteGzip("logs/e.log", "zipped hello\nzipped world\r\nstatus=500 user=gz\n");
    Write("logs/other.txt", "not in the glob\n");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << bytes;
  }
  void WriteGzip(const std::string& name, const std::string& bytes) {
    gzFile gz = gzopen((dir_ + "/" + name).c_str(), "wb");
    ASSERT_NE(gz, nullptr);
    ASSERT_EQ(gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size())),
              static_cast<int>(bytes.size()));
    gzclose(gz);
  }
  nlohmann::json Python(const std::string& code) {
    const std::string error = RunPython(dir_, absl::StrCat(testing::kPythonReadLines, kPythonLines),
                                        code + "\njson.dump(out, open('expected.json', 'w'))\n");
    EXPECT_EQ(error, "");
    std::ifstream in(dir_ + "/expected.json");
    return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  }
  std::string Glob() const { return dir_ + "/logs/*.log"; }

  static Client* client_;
  std::string dir_;
};

Client* BagTest::client_ = nullptr;

// The lines of a glob, whole files and cut into byte ranges of several sizes.
TEST_F(BagTest, ReadTextOverAGlobWithGzipAndQuirks) {
  const std::vector<std::string> want = JsonStrings(Python("out = s(all_lines('logs/*.log'))"));
  ASSERT_GT(want.size(), 300u);
  for (uint64_t blocksize : {0, 1, 7, 100, 4096}) {
    SCOPED_TRACE(absl::StrCat("blocksize ", blocksize));
    Bag lines = Bag::ReadText(Glob(), {.blocksize = blocksize});
    ASSERT_TRUE(lines.ok()) << lines.status();
    if (blocksize == 0) {
      EXPECT_EQ(lines.npartitions(), 5);  // one per file
    } else {
      EXPECT_GT(lines.npartitions(), 5);  // a.log in ranges (e.log, gzip, whole)
    }
    absl::StatusOr<std::vector<std::string>> got = lines.ComputeStrings(*client_);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, want);
    absl::StatusOr<v1::Value> n = lines.Count(3).Compute(*client_);
    ASSERT_TRUE(n.ok()) << n.status();
    EXPECT_EQ(n->int_(), static_cast<int64_t>(want.size()));
  }
}

// The word count: split, lower, frequencies (a tree, and hash buckets), topk with ties broken by
// the smaller value, distinct.
TEST_F(BagTest, WordCountFrequenciesTopkDistinct) {
  const nlohmann::json want = Python(
      "c = collections.Counter(w.lower() for l in all_lines('logs/*.log') for w in l.split())\n"
      "out = {'all': ranked(c), 'top': ranked(c)[:5], 'distinct': s(sorted(c))}\n");
  Bag words = Bag::ReadText(Glob(), {.blocksize = 512}).Split().Lower();
  ASSERT_TRUE(words.ok()) << words.status();
  absl::StatusOr<std::vector<ValueCount>> all =
      words.Frequencies({.split_every = 2}).ComputeCounts(*client_);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(*all, JsonCounts(want["all"]));

  absl::StatusOr<std::vector<ValueCount>> top =
      words.Frequencies().TopK(5, 2).ComputeCounts(*client_);
  ASSERT_TRUE(top.ok()) << top.status();
  EXPECT_EQ(*top, JsonCounts(want["top"]));

  // In 4 hash partitions: each value in one of them, each sorted, together all the counts.
  Bag shuffled = words.Frequencies({.split_every = 3, .npartitions = 4});
  EXPECT_EQ(shuffled.npartitions(), 4);
  absl::StatusOr<std::vector<ValueCount>> parts = shuffled.ComputeCounts(*client_);
  ASSERT_TRUE(parts.ok()) << parts.status();
  auto by_value = [](const ValueCount& a, const ValueCount& b) { return a.value < b.value; };
  std::vector<ValueCount> sorted_parts = *parts, sorted_all = JsonCounts(want["all"]);
  std::sort(sorted_parts.begin(), sorted_parts.end(), by_value);
  std::sort(sorted_all.begin(), sorted_all.end(), by_value);
  EXPECT_EQ(sorted_parts, sorted_all);
  absl::StatusOr<std::vector<ValueCount>> top_of_shuffled =
      shuffled.TopK(5).ComputeCounts(*client_);
  ASSERT_TRUE(top_of_shuffled.ok()) << top_of_shuffled.status();
  EXPECT_EQ(*top_of_shuffled, JsonCounts(want["top"]));

  absl::StatusOr<std::vector<std::string>> distinct = words.Distinct().ComputeStrings(*client_);
  ASSERT_TRUE(distinct.ok()) << distinct.status();
  EXPECT_EQ(*distinct, JsonStrings(want["distinct"]));
}

// grep-like extraction: match, exclude, extract (groups), strip, nonempty, split on a delimiter.
TEST_F(BagTest, MatchExcludeExtract) {
  const nlohmann::json want = Python(
      "r = all_lines('logs/*.log')\n"
      "out = {\n"
      " 'match': s([l for l in r if re.search(rb'(?i)hello', l)]),\n"
      " 'exclude': s([l for l in r if not re.search(rb'status=', l)]),\n"
      " 'users': ranked(collections.Counter(m for l in r for m in re.findall(rb'user=(\\w+)', "
      "l))),\n"
      " 'status': s(sorted(set(m for l in r for m in re.findall(rb'status=\\d+', l)))),\n"
      " 'pieces': s([p.strip() for l in r for p in l.split(b'=') if p.strip()]),\n"
      " 'topk': s(sorted((l.upper() for l in r), reverse=True)[:7]),\n"
      "}\n");
  Bag lines = Bag::ReadText(Glob(), {.blocksize = 1000});
  absl::StatusOr<std::vector<std::string>> match =
      lines.Match("(?i)hello").ComputeStrings(*client_);
  ASSERT_TRUE(match.ok()) << match.status();
  EXPECT_EQ(*match, JsonStrings(want["match"]));
  absl::StatusOr<std::vector<std::string>> exclude =
      lines.Exclude("status=").ComputeStrings(*client_);
  ASSERT_TRUE(exclude.ok()) << exclude.status();
  EXPECT_EQ(*exclude, JsonStrings(want["exclude"]));
  absl::StatusOr<std::vector<ValueCount>> users =
      lines.Extract("user=(\\w+)").Frequencies().ComputeCounts(*client_);
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_EQ(*users, JsonCounts(want["users"]));
  absl::StatusOr<std::vector<std::string>> status =
      lines.Extract("status=\\d+").Distinct().ComputeStrings(*client_);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(*status, JsonStrings(want["status"]));
  absl::StatusOr<std::vector<std::string>> pieces =
      lines.Split("=").Strip().NonEmpty().ComputeStrings(*client_);
  ASSERT_TRUE(pieces.ok()) << pieces.status();
  EXPECT_EQ(*pieces, JsonStrings(want["pieces"]));
  absl::StatusOr<std::vector<std::string>> topk = lines.Upper().TopK(7, 3).ComputeStrings(*client_);
  ASSERT_TRUE(topk.ok()) << topk.status();
  EXPECT_EQ(*topk, JsonStrings(want["topk"]));
}

// Fold with built-in ops (bag.count per partition, bag.sum to combine); persist; FromStrings.
TEST_F(BagTest, FoldPersistFromStrings) {
  const nlohmann::json want = Python("out = sum(len(l.split()) for l in all_lines('logs/*.log'))");
  Bag words = Bag::ReadText(Glob(), {.blocksize = 300}).Split();
  absl::StatusOr<v1::Value> folded = words.Fold("bag.count", "bag.sum", 3).Compute(*client_);
  ASSERT_TRUE(folded.ok()) << folded.status();
  EXPECT_EQ(folded->int_(), want.get<int64_t>());

  absl::StatusOr<Bag> kept = words.Persist(*client_);
  ASSERT_TRUE(kept.ok()) << kept.status();
  absl::StatusOr<v1::Value> n = kept->Count().Compute(*client_);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(n->int_(), want.get<int64_t>());
  absl::StatusOr<std::vector<std::string>> again = kept->ComputeStrings(*client_);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(static_cast<int64_t>(again->size()), want.get<int64_t>());

  const std::vector<std::string> records = {"b a", "", "a", "c a b", "a"};
  for (int npartitions : {1, 2, 7}) {
    SCOPED_TRACE(npartitions);
    Bag bag = Bag::FromStrings(records, npartitions);
    ASSERT_EQ(bag.npartitions(), npartitions);
    absl::StatusOr<std::vector<std::string>> back = bag.ComputeStrings(*client_);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, records);
    absl::StatusOr<std::vector<ValueCount>> counts =
        bag.Split().Frequencies().ComputeCounts(*client_);
    ASSERT_TRUE(counts.ok()) << counts.status();
    EXPECT_EQ(*counts, (std::vector<ValueCount>{{"a", 4}, {"b", 2}, {"c", 1}}));
  }
  // The same expression names the same keys; a different one does not.
  EXPECT_EQ(Bag::ReadText(Glob()).Split().name(), Bag::ReadText(Glob()).Split().name());
  EXPECT_NE(Bag::ReadText(Glob()).Split().name(), Bag::ReadText(Glob()).Split(",").name());
}

// A C++ generator per partition (FromFunction) and a plugin op over each partition
// (MapPartitions), from the test plugin (tests/plugins/test_ops.cc).
TEST_F(BagTest, FromFunctionAndMapPartitionsByPluginOps) {
  Bag generated = Bag::FromFunction("numbered_lines", 3, {{"lines", 2}});
  ASSERT_TRUE(generated.ok()) << generated.status();
  absl::StatusOr<std::vector<std::string>> lines = generated.ComputeStrings(*client_);
  ASSERT_TRUE(lines.ok()) << lines.status();
  EXPECT_EQ(*lines, (std::vector<std::string>{"p0/3 line 0", "p0/3 line 1", "p1/3 line 0",
                                              "p1/3 line 1", "p2/3 line 0", "p2/3 line 1"}));
  absl::StatusOr<std::vector<ValueCount>> words =
      generated.Split().Frequencies().TopK(2).ComputeCounts(*client_);
  ASSERT_TRUE(words.ok()) << words.status();
  EXPECT_EQ(*words, (std::vector<ValueCount>{{"line", 6}, {"0", 3}}));

  // Each file's lines (after the fused steps) reversed by the plugin, then steps again.
  const nlohmann::json want = Python(
      "out = s([w for f in sorted(glob.glob('logs/*.log')) "
      "for l in reversed([l for l in lines(f) if re.search(rb'hello', l)]) for w in l.split()])");
  absl::StatusOr<std::vector<std::string>> reversed = Bag::ReadText(Glob())
                                                          .Match("hello")
                                                          .MapPartitions("reversed_records")
                                                          .Split()
                                                          .ComputeStrings(*client_);
  ASSERT_TRUE(reversed.ok()) << reversed.status();
  EXPECT_EQ(*reversed, JsonStrings(want));
}

// to_text_files writes every partition's records on the workers, plain or gzip.
TEST_F(BagTest, ToTextFiles) {
  Bag words = Bag::ReadText(Glob(), {.blocksize = 2000}).Split().Lower().Match("^[a-z]+$");
  for (bool gzip : {false, true}) {
    SCOPED_TRACE(gzip);
    const std::string out = dir_ + (gzip ? "/out-gz" : "/out");
    absl::StatusOr<int64_t> n = words.ToTextFiles(*client_, out, gzip);
    ASSERT_TRUE(n.ok()) << n.status();
    const nlohmann::json want = Python(absl::StrCat(
        "w = [x for x in (w.lower() for l in all_lines('logs/*.log') for w in l.split()) "
        "if re.search(rb'^[a-z]+$', x)]\n"
        "got = [l for f in sorted(glob.glob('",
        out, "/part-*')) for l in lines(f)]\n", "out = [len(w), got == w, len(glob.glob('", out,
        "/part-*", gzip ? ".txt.gz" : ".txt", "'))]\n"));
    EXPECT_EQ(*n, want[0].get<int64_t>());
    EXPECT_TRUE(want[1].get<bool>()) << "the files do not hold the records in order";
    EXPECT_EQ(want[2].get<int>(), words.npartitions());
  }
  // A counts Bag's pairs as JSON arrays; JSON records as JSON.
  Write("r.jsonl", "{\"a\": [1, \"x\"]}\n7\n");
  absl::StatusOr<int64_t> pairs =
      Bag::FromStrings({"b a", "a"}).Split().Frequencies().ToTextFiles(*client_, dir_ + "/counts");
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  absl::StatusOr<int64_t> records =
      Bag::ReadJsonLines(dir_ + "/r.jsonl").ToTextFiles(*client_, dir_ + "/records");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_EQ(*pairs, 2);
  EXPECT_EQ(*records, 2);
  const nlohmann::json back = Python(
      "out = [[json.loads(l) for l in lines(f)] for f in ['counts/part-00000.txt', "
      "'records/part-00000.txt']]");
  EXPECT_EQ(back.dump(), R"([[["a",2],["b",1]],[{"a":[1,"x"]},7]])");
}

// JSON lines as records; Pluck turns a field into text (records without it dropped).
TEST_F(BagTest, JsonLinesPluck) {
  Write("events.jsonl",
        "{\"user\": \"ann\", \"n\": 1, \"tags\": [\"a\"]}\n"
        "\n"
        "{\"user\": \"bob\", \"n\": 2.5}\r\n"
        "{\"n\": 3, \"user\": null}\n"
        "{\"n\": 9007199254740993, \"user\": \"big\"}\n"
        "{\"n\": -3.0, \"user\": \"f\\u00e9\"}\n"
        "{\"user\": \"ann\", \"n\": 4, \"ok\": true}");
  const nlohmann::json want = Python(
      "rs = [json.loads(l) for l in open('events.jsonl', 'rb').read().split(b'\\n') if "
      "l.strip()]\n"
      "out = {'users': [r['user'] for r in rs if r.get('user') is not None],\n"
      "       'n': [json.dumps(r['n']) for r in rs], 'count': len(rs)}\n");
  Bag records = Bag::ReadJsonLines(dir_ + "/events.jsonl");
  ASSERT_TRUE(records.ok()) << records.status();
  EXPECT_EQ(records.kind(), BagKind::kRecords);
  absl::StatusOr<std::vector<std::string>> users = records.Pluck("user").ComputeStrings(*client_);
  ASSERT_TRUE(users.ok()) << users.status();
  EXPECT_EQ(*users, JsonStrings(want["users"]));
  absl::StatusOr<std::vector<std::string>> n = records.Pluck("n").ComputeStrings(*client_);
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, JsonStrings(want["n"]));
  absl::StatusOr<v1::Value> count = records.Count().Compute(*client_);
  ASSERT_TRUE(count.ok()) << count.status();
  EXPECT_EQ(count->int_(), want["count"].get<int64_t>());
  absl::StatusOr<v1::Value> all = records.Compute(*client_);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->list().items_size(), want["count"].get<int>());
}

// Errors are carried by the Bag and returned by Compute, naming what is wrong.
TEST_F(BagTest, ErrorsAreCarried) {
  Bag none = Bag::ReadText(dir_ + "/logs/*.nothing");
  EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(none.status().message(), HasSubstr("no file matches"));
  absl::StatusOr<std::vector<ValueCount>> from_none =
      none.Split().Frequencies().TopK(3).ComputeCounts(*client_);
  EXPECT_EQ(from_none.status().code(), absl::StatusCode::kNotFound);

  Write("bad.jsonl", "{\"a\": 1}\n{not json\n");
  Bag bad = Bag::ReadJsonLines(dir_ + "/bad.jsonl");
  EXPECT_THAT(bad.Split().status().message(), HasSubstr("Pluck a field first"));
  absl::StatusOr<v1::Value> parsed = bad.Count().Compute(*client_);
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), AllOf(HasSubstr("bad.jsonl"), HasSubstr("line 2")));

  Bag lines = Bag::ReadText(Glob());
  EXPECT_THAT(lines.Match("(open").status().message(),
              AllOf(HasSubstr("Bag::Match"), HasSubstr("(open"), HasSubstr("missing )")));
  EXPECT_THAT(lines.Extract("(a)(b)", 3).status().message(),
              AllOf(HasSubstr("Bag::Extract"), HasSubstr("group 3")));
  EXPECT_THAT(lines.ComputeCounts(*client_).status().message(), HasSubstr("not a counts Bag"));
  EXPECT_THAT(lines.TopK(-1).status().message(), HasSubstr("k = -1"));
  EXPECT_THAT(lines.Frequencies({.split_every = 1}).status().message(), HasSubstr("split_every"));
  EXPECT_THAT(Bag().status().message(), HasSubstr("default constructor"));
  EXPECT_THAT(lines.Count().Split().status().message(), HasSubstr("Count or Fold"));
}

}  // namespace
}  // namespace brisk::testing
