// Joins of tables (worker/frame/table_join.h) against pandas.merge over the same files.
#include <unistd.h>

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "brisk/value.h"
#include "gtest/gtest.h"
#include "tests/support/pandas_check.h"
#include "worker/frame/csv_table.h"
#include "worker/frame/table_join.h"

namespace brisk {
namespace {

using testing::ExpectTableMatches;
using testing::ReadJsonFile;
using testing::RunPandas;

class FrameJoinTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "frame-join-XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::system(absl::StrCat("rm -rf '", dir_, "'").c_str()); }
  v1::Value Table(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ + "/" + name, std::ios::binary) << bytes;
    absl::StatusOr<v1::Value> t = ReadCsvRange(dir_ + "/" + name, 0, UINT64_MAX, {});
    EXPECT_TRUE(t.ok()) << t.status();
    return t.ok() ? *t : v1::Value();
  }
  nlohmann::json Pandas(const std::string& code) {
    const std::string error =
        RunPandas(dir_, absl::StrCat("l = pd.read_csv('l.csv')\nr = pd.read_csv('r.csv')\n", code,
                                     "\ndump(j, 'expected.json')\n"));
    EXPECT_EQ(error, "");
    return ReadJsonFile(dir_ + "/expected.json");
  }
  std::string dir_;
};

TEST_F(FrameJoinTest, InnerAndLeftAsPandasMerge) {
  const v1::Value l = Table("l.csv",
                            "key,x,tag\n"
                            "k2,1.5,a\n"
                            "k1,2,b\n"
                            ",3,c\n"
                            "k9,4,d\n"
                            "k2,5,e\n");
  const v1::Value r = Table("r.csv",
                            "key,w,tag\n"
                            "k1,10,p\n"
                            "k2,20,q\n"
                            "k2,21,r\n"
                            ",30,s\n"
                            "k7,40,t\n");
  const TableView lv = *TableView::Of(l), rv = *TableView::Of(r);
  for (const auto& [how, name] :
       {std::pair{JoinHow::kInner, "inner"}, std::pair{JoinHow::kLeft, "left"}}) {
    SCOPED_TRACE(name);
    absl::StatusOr<v1::Value> got = JoinTables(lv, rv, {"key"}, how);
    ASSERT_TRUE(got.ok()) << got.status();
    // Left rows in order for both, as pandas documents (pandas 1.5 groups an inner join's rows
    // by key instead; its left join, less its rows without a match, is the documented order).
    ExpectTableMatches(
        *TableView::Of(*got),
        Pandas(how == JoinHow::kLeft ? "j = l.merge(r, on='key', how='left')"
                                     : "j = l.merge(r, on='key', how='left', indicator=True)\n"
                                       "j = j[j._merge == 'both'].drop(columns='_merge')\n"
                                       "j['w'] = j['w'].astype('int64')"));
  }
}

TEST_F(FrameJoinTest, IntegerAndFloatKeysMatchOnTwoColumns) {
  const v1::Value l = Table("l.csv", "a,b,x\n1,2,u\n1,3,v\n2,2,w\n");
  const v1::Value r = Table("r.csv", "a,b,y\n1.0,2,p\n2.0,2,q\n2.5,2,z\n");
  absl::StatusOr<v1::Value> got =
      JoinTables(*TableView::Of(l), *TableView::Of(r), {"a", "b"}, JoinHow::kInner);
  ASSERT_TRUE(got.ok()) << got.status();
  ExpectTableMatches(*TableView::Of(*got),
                     Pandas("j = l.merge(r, on=['a', 'b'], how='left', indicator=True)\n"
                            "j = j[j._merge == 'both'].drop(columns='_merge')"));
}

TEST_F(FrameJoinTest, KeysOfSeveralColumnsNeverRunTogether) {
  // ("p", "q\0sr") and ("p\0sq", "r") are different keys, whatever bytes they hold.
  TableBuilder left, right;
  left.AddStrings("a", {std::string("p")}).AddStrings("b", {std::string("q\0sr", 4)});
  right.AddStrings("a", {std::string("p\0sq", 4)}).AddStrings("b", {std::string("r")});
  absl::StatusOr<v1::Value> l = std::move(left).Finish();
  absl::StatusOr<v1::Value> r = std::move(right).Finish();
  ASSERT_TRUE(l.ok() && r.ok());
  absl::StatusOr<v1::Value> got =
      JoinTables(*TableView::Of(*l), *TableView::Of(*r), {"a", "b"}, JoinHow::kInner);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(TableView::Of(*got)->num_rows(), 0u);
}

TEST_F(FrameJoinTest, AMissingKeyNamesTheSide) {
  const v1::Value l = Table("l.csv", "a,x\n1,2\n");
  const v1::Value r = Table("r.csv", "b,y\n1,2\n");
  absl::StatusOr<v1::Value> got =
      JoinTables(*TableView::Of(l), *TableView::Of(r), {"a"}, JoinHow::kInner);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(got.status().message().substr(0, 17), "the right table: ") << got.status();
}

}  // namespace
}  // namespace brisk
