#include "worker/arg_resolver.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <string>

#include "brisk/value.h"

namespace brisk {
namespace {

TEST(ResolveArgs, TurnsArrayAndTableLiteralsIntoValues) {
  v1::Task task;
  task.set_key("t");
  task.set_op("noop");
  v1::NDArray* array = task.add_args()->mutable_ndarray();
  array->set_dtype(v1::DTYPE_INT16);
  array->add_shape(2);
  array->set_data(std::string("\x01\x00\x02\x00", 4));
  std::vector<int64_t> xs = {7, 8, 9};
  absl::StatusOr<v1::Value> table = std::move(TableBuilder().Add<int64_t>("x", xs)).Finish();
  ASSERT_TRUE(table.ok()) << table.status();
  *(*task.mutable_kwargs())["t"].mutable_table() = table->table();
  *task.add_args()->mutable_list()->add_items()->mutable_ndarray() = *array;

  std::deque<v1::Value> storage;
  absl::StatusOr<OpArgs> args = ResolveArgs(task, Inputs(), storage);
  ASSERT_TRUE(args.ok()) << args.status();
  ASSERT_EQ(args->args.size(), 2u);

  absl::StatusOr<ArrayView> view = ArrayView::Of(*args->args[0]);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->dtype(), v1::DTYPE_INT16);
  EXPECT_EQ(view->AsDouble(1), 2);
  ASSERT_EQ(args->args[1]->list().items_size(), 1);
  EXPECT_EQ(args->args[1]->list().items(0).ndarray().data(), array->data());

  absl::StatusOr<TableView> t = TableView::Of(*args->kwargs.at("t"));
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->num_rows(), 3u);
  EXPECT_EQ(t->column(0).AsDouble(2), 9);
}

}  // namespace
}  // namespace brisk
