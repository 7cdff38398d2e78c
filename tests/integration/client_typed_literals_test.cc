// The C++ client with typed values: a graph built with GraphBuilder takes an array and a table as
// literals, runs them through `identity` on an embedded local cluster, and gathers them back
// exactly, read through the brisk/value.h views.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "brisk/client.h"
#include "brisk/delayed.h"
#include "brisk/value.h"

namespace brisk {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ClientTypedLiterals, ArraysAndTablesGoThroughIdentityUnchanged) {
  absl::StatusOr<v1::Value> array =
      MakeArray<int32_t>({2, 3}, std::vector<int32_t>{1, -2, 3, INT32_MIN, 5, INT32_MAX});
  ASSERT_TRUE(array.ok()) << array.status();
  TableBuilder builder;
  builder.Add<double>("x", std::vector<double>{0.5, 0, -1e300}, {true, false, true});
  builder.AddStrings("s", {std::string("a \"q\""), std::nullopt, std::string("\xC3\xA9")});
  absl::StatusOr<v1::Value> table = std::move(builder).Finish();
  ASSERT_TRUE(table.ok()) << table.status();
  v1::Value pair;
  *pair.mutable_list()->add_items() = *array;
  pair.mutable_list()->add_items()->set_int_(7);
  absl::StatusOr<ArgValue> pair_arg = ArgValue::Of(pair);
  ASSERT_TRUE(pair_arg.ok()) << pair_arg.status();

  GraphBuilder g;
  Delayed a = g.Call("identity", {array->ndarray()});
  Delayed t = g.Call("identity", {table->table()});
  Delayed p = g.Call("identity", {*pair_arg});

  auto client = Client::StartLocal();
  ASSERT_TRUE(client.ok()) << client.status();
  auto job = (*client)->Submit(g.Build({a, t, p}));
  ASSERT_TRUE(job.ok()) << job.status();
  auto values = (*client)->Gather(job->outputs);
  ASSERT_TRUE(values.ok()) << values.status();
  ASSERT_EQ(values->size(), 3u);

  const v1::Value& got_array = *(*values)[0];
  absl::StatusOr<ArrayView> view = ArrayView::Of(got_array);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_THAT(view->shape(), ElementsAre(2, 3));
  EXPECT_THAT(*view->values<int32_t>(), ElementsAre(1, -2, 3, INT32_MIN, 5, INT32_MAX));
  EXPECT_EQ(got_array.SerializeAsString(), array->SerializeAsString());

  const v1::Value& got_table = *(*values)[1];
  EXPECT_EQ(got_table.SerializeAsString(), table->SerializeAsString());
  absl::StatusOr<TableView> columns = TableView::Of(got_table);
  ASSERT_TRUE(columns.ok()) << columns.status();
  EXPECT_EQ(columns->num_rows(), 3u);
  EXPECT_TRUE(columns->column(0).IsNull(1));
  EXPECT_EQ(columns->column(1).String(0), "a \"q\"");

  EXPECT_EQ((*values)[2]->SerializeAsString(), pair.SerializeAsString());
}

TEST(ClientTypedLiterals, AMapIsNotAnArgument) {
  v1::Value map;
  (*map.mutable_map()->mutable_entries())["k"].set_int_(1);
  v1::Value list;
  *list.mutable_list()->add_items() = map;
  for (const v1::Value& value : {map, list}) {
    absl::StatusOr<ArgValue> arg = ArgValue::Of(value);
    ASSERT_FALSE(arg.ok());
    EXPECT_THAT(arg.status().message(), HasSubstr("map"));
  }
}

}  // namespace
}  // namespace brisk
