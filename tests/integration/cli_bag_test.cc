// `brisk bag words|distinct|grep` against real daemons (a scheduler and two workers), run in the
// directory of the files with a relative glob, as a table, CSV and JSON; Python (gzip, re,
// collections.Counter, csv) computes the expected output from the same files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "tests/integration/cluster.h"
#include "tests/support/numpy_script.h"
#include "tests/support/python_lines.h"

namespace brisk::testing {
namespace {

using ::testing::HasSubstr;

// Writes the corpus (gzip, CRLF, no final newline, an empty file, non-UTF-8 bytes, commas and
// quotes for CSV) and defines the expected results.
constexpr char kCorpus[] = R"py(
import collections, csv, glob, gzip, io, json, re
os.makedirs('corpus/sub')
big = ''.join('GET /p/%d status=%d user=u%d %s\n' % (i % 11, 200 + 100 * (i % 4), i % 6,
              'The, "end"' if i % 9 == 0 else 'a b') for i in range(400))
open('corpus/a.log', 'w').write(big)
open('corpus/b.log', 'wb').write(b'Hello world\r\nhello  World, "x"\r\n\r\nno newline user=zed')
open('corpus/c.log', 'w').write('')
open('corpus/d.log', 'wb').write(b'caf\xe9 caf\xc3\xa9\n\xff hello status=503\n')
with gzip.open('corpus/e.log', 'wb') as f:
    f.write(b'zipped hello\nstatus=500 user=gz\r\n')
open('corpus/sub/f.log', 'w').write('not in the glob\n')
r = [l for f in sorted(glob.glob('corpus/*.log')) for l in lines(f)]
def ranked(c):
    return [[k.decode(), n] for k, n in sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))]
def as_csv(header, rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator='\n')
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()
words = ranked(collections.Counter(w.lower() for l in r for w in l.split()))
distinct = sorted(set(w.lower() for l in r for w in l.split()))
grep = [l.decode() for l in r if re.search(rb'status=5\d\d', l)]
users = ranked(collections.Counter(m for l in r for m in re.findall(rb'user=(\w+)', l)))
out = {
  'words': words,
  'words_top5_csv': as_csv(['word', 'count'], words[:5]),
  'distinct_csv': as_csv(['value'], [[w.decode()] for w in distinct]),
  'grep': grep,
  'grep_v': [l.decode() for l in r if not re.search(rb'(?i)HELLO', l)],
  'users': users,
}
json.dump(out, open('expected.json', 'w'))
)py";

// Characters (code points) of UTF-8 text.
size_t Width(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

class CliBag : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = TestCluster::Start(2);
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = std::move(*cluster);
    ASSERT_EQ(
        RunPython(cluster_->dir(), absl::StrCat("import os\n", testing::kPythonReadLines), kCorpus),
        "");
    std::ifstream in(cluster_->dir() + "/expected.json");
    want_ = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    ASSERT_TRUE(want_.is_object());
  }
  // `brisk --scheduler ADDR ARGS...` run in the cluster's directory (where corpus/ is).
  CliResult Cli(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/bin/sh",
                                     "-c",
                                     "cd \"$0\" && exec \"$@\"",
                                     cluster_->dir(),
                                     absl::StrCat(BinDir(), "/brisk"),
                                     "--scheduler",
                                     cluster_->address()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunProcess(argv, "", absl::Seconds(60));
  }
  static nlohmann::json Json(const CliResult& r) {
    nlohmann::json j = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  }
  std::unique_ptr<TestCluster> cluster_;
  nlohmann::json want_;
};

TEST_F(CliBag, WordsAsJsonTableAndCsv) {
  // Small blocks: a.log is read in byte ranges by both workers.
  CliResult json = Cli({"-o", "json", "bag", "words", "corpus/*.log", "--blocksize", "500"});
  ASSERT_EQ(json.exit_code, 0) << json.ToString();
  nlohmann::json got = Json(json);
  ASSERT_EQ(got.size(), want_["words"].size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i]["word"], want_["words"][i][0]) << i;
    EXPECT_EQ(got[i]["count"], want_["words"][i][1]) << i;
  }

  CliResult text = Cli({"bag", "words", "corpus/*.log"});
  ASSERT_EQ(text.exit_code, 0) << text.ToString();
  std::vector<std::string> rows = absl::StrSplit(text.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(rows.size(), want_["words"].size() + 1);
  EXPECT_THAT(rows[0], ::testing::MatchesRegex("word +count"));
  for (size_t i = 1; i < rows.size(); ++i) {
    std::vector<std::string> cells = absl::StrSplit(rows[i], ' ', absl::SkipEmpty());
    ASSERT_EQ(cells.size(), 2u) << rows[i];
    EXPECT_EQ(cells[0], want_["words"][i - 1][0].get<std::string>());
    EXPECT_EQ(cells[1], absl::StrCat(want_["words"][i - 1][1].get<int64_t>()));
    EXPECT_EQ(Width(rows[i]), Width(rows[0])) << "counts are right-aligned under the header";
  }

  CliResult csv = Cli({"-o", "csv", "bag", "words", "corpus/*.log", "--top", "5"});
  ASSERT_EQ(csv.exit_code, 0) << csv.ToString();
  EXPECT_EQ(csv.out, want_["words_top5_csv"].get<std::string>());
}

TEST_F(CliBag, DistinctWords) {
  CliResult csv = Cli(
      {"-o", "csv", "bag", "distinct", "--words", "--lower", "corpus/*.log", "--blocksize", "300"});
  ASSERT_EQ(csv.exit_code, 0) << csv.ToString();
  EXPECT_EQ(csv.out, want_["distinct_csv"].get<std::string>());
}

TEST_F(CliBag, GrepLinesInvertAndExtractCounts) {
  CliResult grep =
      Cli({"-o", "json", "bag", "grep", "status=5\\d\\d", "corpus/*.log", "--blocksize", "700"});
  ASSERT_EQ(grep.exit_code, 0) << grep.ToString();
  nlohmann::json got = Json(grep);
  std::vector<std::string> lines;
  for (const auto& row : got) lines.push_back(row["line"].get<std::string>());
  std::vector<std::string> want;
  for (const auto& l : want_["grep"]) want.push_back(l.get<std::string>());
  EXPECT_EQ(lines, want);

  CliResult inverted = Cli({"-o", "json", "bag", "grep", "-v", "-i", "HELLO", "corpus/*.log"});
  ASSERT_EQ(inverted.exit_code, 0) << inverted.ToString();
  got = Json(inverted);
  ASSERT_EQ(got.size(), want_["grep_v"].size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i]["line"], want_["grep_v"][i]) << i;

  CliResult users = Cli({"-o", "json", "bag", "grep", "-x", "-c", "user=(\\w+)", "corpus/*.log"});
  ASSERT_EQ(users.exit_code, 0) << users.ToString();
  got = Json(users);
  ASSERT_EQ(got.size(), want_["users"].size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i]["match"], want_["users"][i][0]) << i;
    EXPECT_EQ(got[i]["count"], want_["users"][i][1]) << i;
  }
}

TEST_F(CliBag, ErrorsAreBadInput) {
  CliResult none = Cli({"bag", "words", "corpus/*.nothing"});
  EXPECT_EQ(none.exit_code, 2) << none.ToString();
  EXPECT_THAT(none.err, AllOf(HasSubstr("no file matches"), HasSubstr("corpus/*.nothing")));
  CliResult pattern = Cli({"bag", "grep", "(open", "corpus/*.log"});
  EXPECT_EQ(pattern.exit_code, 2) << pattern.ToString();
  EXPECT_THAT(pattern.err, HasSubstr("pattern \"(open\""));
  CliResult both = Cli({"bag", "grep", "-v", "-x", "a", "corpus/*.log"});
  EXPECT_EQ(both.exit_code, 2) << both.ToString();
  // A task that fails (lines that are not JSON) is a failure (1), naming the file and line.
  CliResult json = Cli({"bag", "distinct", "--json-field", "user", "corpus/b.log"});
  EXPECT_EQ(json.exit_code, 1) << json.ToString();
  EXPECT_THAT(json.err, AllOf(HasSubstr("b.log"), HasSubstr("line 1"), HasSubstr("not JSON")));
  CliResult csv = Cli({"-o", "csv", "status"});
  EXPECT_EQ(csv.exit_code, 2) << csv.ToString();
  EXPECT_THAT(csv.err, HasSubstr("-o csv"));
}

}  // namespace
}  // namespace brisk::testing
