// Arrays and tables against real brisk-scheduler and brisk-worker processes: made on one worker,
// used on another, gathered by the client, every byte as it was made.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "brisk/client.h"
#include "brisk/value.h"
#include "tests/integration/cluster.h"

namespace brisk::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::vector<WorkerSpec> TwoWorkers() { return {WorkerSpec("w0"), WorkerSpec("w1")}; }

// The value of the future; null and a test failure when it cannot be fetched.
ValuePtr ResultOf(Client& client, const Future& future) {
  auto value = client.Result(future);
  EXPECT_TRUE(value.ok()) << future.key << ": " << value.status();
  return value.ok() ? *value : nullptr;
}

v1::Arg ShapeArg(std::vector<int64_t> dims) {
  std::vector<v1::Arg> items;
  for (int64_t d : dims) items.push_back(IntArg(d));
  return ListArg(items);
}

// The worker each task of the job ran on, by key.
std::map<std::string, std::string> WorkersOf(Client& client, JobId job) {
  std::map<std::string, std::string> out;
  auto info = client.GetJob(job, /*include_tasks=*/true);
  EXPECT_TRUE(info.ok()) << info.status();
  if (info.ok()) {
    for (const v1::TaskInfo& t : info->tasks()) out[t.key()] = t.worker();
  }
  return out;
}

TEST(TypedValuesTest, AnArrayMadeOnOneWorkerIsUsedOnAnotherAndGatheredExactly) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster(TwoWorkers(), r));
  // 1000 x 1250 float64: 10 MB, over the bulk port; and 3 int32, in one chunk.
  constexpr int64_t kRows = 1000, kCols = 1250;
  v1::Graph graph;
  AddTask(graph, "arr", "full", {ShapeArg({kRows, kCols}), FloatArg(0.25)}, {"w0"});
  AddTask(graph, "arr-size", "nbytes", {RefArg("arr")}, {"w1"});
  AddTask(graph, "arr-copy", "identity", {RefArg("arr")}, {"w1"});
  AddTask(graph, "small", "full", {ShapeArg({3}), IntArg(-7), StrArg("int32")}, {"w0"});
  AddTask(graph, "small-copy", "identity", {RefArg("small")}, {"w1"});
  for (const char* key : {"arr-size", "arr-copy", "arr", "small-copy"}) graph.add_outputs(key);
  auto job = r.client->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(WaitJob(*r.client, job->id), v1::JOB_STATE_FINISHED);
  const auto workers = WorkersOf(*r.client, job->id);
  EXPECT_EQ(workers.at("arr"), "w0");
  EXPECT_EQ(workers.at("arr-copy"), "w1");

  ValuePtr size = ResultOf(*r.client, job->outputs[0]);
  ASSERT_NE(size, nullptr);
  EXPECT_EQ(size->int_(), kRows * kCols * 8);

  std::string expected(kRows * kCols * 8, '\0');
  const double quarter = 0.25;
  for (size_t i = 0; i < expected.size(); i += 8) std::memcpy(&expected[i], &quarter, 8);
  // From w1, the copy it received from w0; from w0, the original.
  for (size_t i : {size_t{1}, size_t{2}}) {
    ValuePtr got = ResultOf(*r.client, job->outputs[i]);
    ASSERT_NE(got, nullptr);
    absl::StatusOr<ArrayView> view = ArrayView::Of(*got);
    ASSERT_TRUE(view.ok()) << view.status();
    EXPECT_EQ(view->dtype(), v1::DTYPE_FLOAT64);
    EXPECT_THAT(view->shape(), ::testing::ElementsAre(kRows, kCols));
    EXPECT_TRUE(view->bytes() == expected) << job->outputs[i].key;
  }
  // The large array went over w0's bulk port, not the slower data service.
  EXPECT_THAT(r.cluster->WorkerLog(1), Not(HasSubstr("through the data service instead")));

  ValuePtr small = ResultOf(*r.client, job->outputs[3]);
  ASSERT_NE(small, nullptr);
  absl::StatusOr<ArrayView> view = ArrayView::Of(*small);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_THAT(*view->values<int32_t>(), ::testing::ElementsAre(-7, -7, -7));
}

TEST(TypedValuesTest, ATableLiteralPassesThroughTwoWorkersUnchanged) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster(TwoWorkers(), r));
  std::vector<int64_t> ids;
  std::vector<double> scores;
  std::vector<bool> valid;
  std::vector<std::optional<std::string>> names;
  for (int i = 0; i < 1000; ++i) {
    ids.push_back(i * 3);
    scores.push_back(i / 8.0);
    valid.push_back(i % 7 != 0);
    names.push_back(i % 11 == 0 ? std::nullopt : std::optional<std::string>(absl::StrCat("n", i)));
  }
  absl::StatusOr<v1::Value> table = std::move(TableBuilder()
                                                  .Add<int64_t>("id", ids)
                                                  .Add<double>("score", scores, valid)
                                                  .AddStrings("name", names))
                                        .Finish();
  ASSERT_TRUE(table.ok()) << table.status();
  v1::Arg literal;
  *literal.mutable_table() = table->table();

  v1::Graph graph;
  AddTask(graph, "t0", "identity", {literal}, {"w0"});
  AddTask(graph, "t1", "identity", {RefArg("t0")}, {"w1"});
  AddTask(graph, "rows", "len", {RefArg("t0")}, {"w1"});
  graph.add_outputs("t1");
  graph.add_outputs("rows");
  auto job = r.client->Submit(graph);
  ASSERT_TRUE(job.ok()) << job.status();
  ASSERT_EQ(WaitJob(*r.client, job->id), v1::JOB_STATE_FINISHED);
  EXPECT_EQ(WorkersOf(*r.client, job->id).at("t1"), "w1");

  ValuePtr got = ResultOf(*r.client, job->outputs[0]);
  ASSERT_NE(got, nullptr);
  ASSERT_EQ(got->kind_case(), v1::Value::kTable);
  EXPECT_TRUE(got->SerializeAsString() == table->SerializeAsString());
  absl::StatusOr<TableView> view = TableView::Of(*got);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->column("name")->String(5), "n5");
  EXPECT_TRUE(view->column("score")->IsNull(14));
  ValuePtr rows = ResultOf(*r.client, job->outputs[1]);
  ASSERT_NE(rows, nullptr);
  EXPECT_EQ(rows->int_(), 1000);
}

TEST(TypedValuesTest, AMalformedArrayLiteralIsRefusedNamingTheTask) {
  RunningCluster r;
  ASSERT_NO_FATAL_FAILURE(StartCluster({WorkerSpec("w0")}, r));
  v1::Arg literal;
  literal.mutable_ndarray()->set_dtype(v1::DTYPE_FLOAT64);
  literal.mutable_ndarray()->add_shape(6);
  literal.mutable_ndarray()->set_data(std::string(40, '\0'));
  v1::Graph graph;
  AddTask(graph, "bad", "identity", {literal});
  // The scheduler refuses the graph: Submit fails with its message.
  auto job = r.client->Submit(graph);
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(job.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(job.status().message(), HasSubstr("task \"bad\": args[0]: ndarray holds 40 bytes, "
                                                "its dtype and shape need 48"));
}

}  // namespace
}  // namespace brisk::testing
