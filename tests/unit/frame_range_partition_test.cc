// The range partitioning of sort_values (worker/frame/range_partition.h) and the quartiles of
// describe (worker/frame/describe_table.h) on tables made here: every row in exactly one piece,
// the pieces in sort order, text mixed with numbers falling back to one piece, and exact
// quartiles against NumPy's linear interpolation.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "brisk/value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "worker/frame/describe_table.h"
#include "worker/frame/range_partition.h"

namespace brisk {
namespace {

using ::testing::HasSubstr;

v1::Value Ints(const std::string& name, const std::vector<int64_t>& values,
               std::vector<bool> valid = {}) {
  TableBuilder b;
  b.Add<int64_t>(name, values, std::move(valid));
  return *std::move(b).Finish();
}

v1::Value Texts(const std::string& name, const std::vector<std::optional<std::string>>& values) {
  TableBuilder b;
  b.AddStrings(name, values);
  return *std::move(b).Finish();
}

std::vector<int64_t> Column(const v1::Value& table, const std::string& name) {
  const TableView t = *TableView::Of(table);
  const ColumnView c = *t.column(name);
  std::vector<int64_t> out;
  for (uint64_t r = 0; r < c.size(); ++r)
    out.push_back(c.IsNull(r) ? -1 : static_cast<int64_t>(c.AsDouble(r)));
  return out;
}

// The pieces of `tables` split by boundaries chosen from their samples.
std::vector<std::vector<int64_t>> Pieces(const std::vector<v1::Value>& tables,
                                         const std::vector<SortKey>& keys, uint32_t pieces,
                                         uint64_t sample_size) {
  std::vector<v1::Value> samples;
  for (const v1::Value& t : tables) {
    absl::StatusOr<v1::Value> s = SortSample(*TableView::Of(t), keys, sample_size);
    EXPECT_TRUE(s.ok()) << s.status();
    samples.push_back(*s);
  }
  std::vector<SortSampleView> views;
  for (const v1::Value& s : samples) {
    views.push_back(
        {*TableView::Of(s.list().items(0)), static_cast<uint64_t>(s.list().items(1).int_())});
  }
  absl::StatusOr<v1::Value> bounds = SortBounds(views, keys, pieces);
  EXPECT_TRUE(bounds.ok()) << bounds.status();
  std::vector<std::vector<int64_t>> out(pieces);
  for (uint32_t p = 0; p < pieces; ++p) {
    for (const v1::Value& t : tables) {
      absl::StatusOr<v1::Value> piece =
          RangePartition(*TableView::Of(t), *TableView::Of(*bounds), keys, p, pieces);
      EXPECT_TRUE(piece.ok()) << piece.status();
      for (int64_t v : Column(*piece, keys[0].column)) out[p].push_back(v);
    }
  }
  return out;
}

TEST(RangePartition, EveryRowInOnePieceAndThePiecesInOrder) {
  std::vector<v1::Value> tables;
  std::vector<int64_t> all;
  for (int t = 0; t < 3; ++t) {
    std::vector<int64_t> v;
    for (int i = 0; i < 500; ++i) v.push_back((i * 7919 + t * 31) % 1009);
    all.insert(all.end(), v.begin(), v.end());
    tables.push_back(Ints("x", v));
  }
  tables.push_back(Ints("x", {}));  // an empty partition
  for (bool ascending : {true, false}) {
    const std::vector<std::vector<int64_t>> pieces = Pieces(tables, {{"x", ascending}}, 4, 100);
    size_t rows = 0;
    for (size_t p = 0; p < pieces.size(); ++p) {
      rows += pieces[p].size();
      EXPECT_LT(pieces[p].size(), all.size() / 2) << "piece " << p << " holds too much";
      if (p == 0 || pieces[p].empty() || pieces[p - 1].empty()) continue;
      const int64_t prev_last = ascending
                                    ? *std::max_element(pieces[p - 1].begin(), pieces[p - 1].end())
                                    : *std::min_element(pieces[p - 1].begin(), pieces[p - 1].end());
      for (int64_t v : pieces[p]) EXPECT_TRUE(ascending ? v > prev_last : v < prev_last);
    }
    EXPECT_EQ(rows, all.size());
  }
}

TEST(RangePartition, EqualValuesAndNullsStayTogether) {
  // Mostly one value, and nulls: a piece holds every 5 and the nulls come last.
  std::vector<v1::Value> tables;
  for (int t = 0; t < 3; ++t) {
    std::vector<int64_t> v(200, 5);
    std::vector<bool> valid(200, true);
    v[7] = 1;
    v[9] = 9;
    valid[11] = false;
    tables.push_back(Ints("x", v, valid));
  }
  const std::vector<std::vector<int64_t>> pieces = Pieces(tables, {{"x", true}}, 5, 50);
  int pieces_with_fives = 0;
  for (const std::vector<int64_t>& p : pieces) {
    pieces_with_fives += std::count(p.begin(), p.end(), 5) > 0;
  }
  EXPECT_EQ(pieces_with_fives, 1);
  const std::vector<int64_t>& last = pieces.back();
  ASSERT_FALSE(last.empty());
  EXPECT_EQ(last.back(), -1);  // a null, after every value
}

TEST(RangePartition, TextInOnePartitionAndNumbersInAnotherGoToOnePiece) {
  const std::vector<v1::Value> tables = {Ints("x", {3, 1, 2}), Texts("x", {"b", "a"})};
  std::vector<SortSampleView> views;
  std::vector<v1::Value> samples;
  for (const v1::Value& t : tables) samples.push_back(*SortSample(*TableView::Of(t), {{"x"}}, 10));
  for (const v1::Value& s : samples) {
    views.push_back({*TableView::Of(s.list().items(0)), 3});
  }
  absl::StatusOr<v1::Value> bounds = SortBounds(views, {{"x"}}, 3);
  ASSERT_TRUE(bounds.ok()) << bounds.status();
  EXPECT_EQ(TableView::Of(*bounds)->num_rows(), 0u);
  absl::StatusOr<v1::Value> first =
      RangePartition(*TableView::Of(tables[1]), *TableView::Of(*bounds), {{"x"}}, 0, 3);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(TableView::Of(*first)->num_rows(), 2u);
}

TEST(RangePartition, BadArgumentsAreErrors) {
  const v1::Value t = Ints("x", {1, 2, 3});
  EXPECT_THAT(
      RangePartition(*TableView::Of(t), *TableView::Of(t), {{"x"}}, 0, 2).status().message(),
      HasSubstr("3 boundaries for 2 pieces"));
  EXPECT_THAT(SortSample(*TableView::Of(t), {{"y"}}, 5).status().message(), HasSubstr("\"y\""));
  EXPECT_FALSE(SortBounds({}, {{"x"}}, 2).ok());
}

TEST(DescribeQuantiles, ExactForOneTableAsNumPyLinear) {
  // 1..10 and a null: quartiles 3.25, 5.5, 7.75 (NumPy's linear method).
  std::vector<int64_t> v;
  std::vector<bool> valid;
  for (int i = 10; i >= 1; --i) {
    v.push_back(i);
    valid.push_back(true);
  }
  v.push_back(0);
  valid.push_back(false);
  absl::StatusOr<v1::Value> d = DescribeTable(*TableView::Of(Ints("x", v, valid)));
  ASSERT_TRUE(d.ok()) << d.status();
  const TableView t = *TableView::Of(*d);
  const ColumnView x = *t.column("x");
  const std::vector<double> want = {10, 5.5, 3.0276503540974917, 1, 3.25, 5.5, 7.75, 10};
  ASSERT_EQ(x.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_DOUBLE_EQ(x.AsDouble(i), want[i]) << i;
  EXPECT_EQ(t.column(0).String(4), "25%");
}

}  // namespace
}  // namespace brisk
