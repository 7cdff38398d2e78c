// data_bench: the data workloads of ../shared/anchors/dask/bench_dask_data.py (arrays, model
// fitting, a word count) on a real local Brisk cluster (1 scheduler + 2 workers with 1 thread
// each), through brisk::Array, brisk::ml, brisk::Frame and brisk::Bag. One JSON line per workload,
// as the Dask script prints them:
//   {"check":4.3333,"max":..,"min":..,"seconds":..,"system":"brisk","workload":"array_sum"}
// (bag_wordcount's check is a list of [word, count] pairs, csv_groupby's and csv_filter's lists
// of numbers).
// and, for array_matmul's comparison, one line for a single-process OpenBLAS dgemm of the same
// size on the same cores ("workload":"dgemm"); for csv_groupby's, one for reading the same CSV
// bytes from the page cache in one process ("workload":"page_cache_read"). bench/run --vs-dask
// --data drives it.
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "bench/json_line.h"
#include "bench/process_cluster.h"
#include "bench/run_stats.h"
#include "brisk/array.h"
#include "brisk/bag.h"
#include "brisk/client.h"
#include "brisk/frame.h"
#include "brisk/ml.h"
#include "brisk/value.h"

extern "C" void openblas_set_num_threads(int);

namespace brisk::bench {
namespace {

struct Context {
  Client& client;
  std::string data;  // make_data.py's directory
  bool quick = false;
};

absl::StatusOr<double> Scalar(const absl::StatusOr<v1::Value>& value) {
  if (!value.ok()) return value.status();
  absl::StatusOr<ArrayView> view = ArrayView::Of(*value);
  if (!view.ok()) return view.status();
  if (view->size() != 1) return absl::InternalError("expected one element");
  return view->AsDouble(0);
}

// dask: x = uniform 20000x20000 in 2000x2000 chunks (quick 6000, 1000); sum((2x+1)^2) / n^2.
absl::StatusOr<double> ArraySum(Context& c) {
  const uint64_t n = c.quick ? 6000 : 20000, chunk = c.quick ? 1000 : 2000;
  Array x = Array::RandomUniform(1, {n, n}, {chunk, chunk});
  absl::StatusOr<double> sum = Scalar(((2.0 * x + 1.0) ^ 2.0).Sum().Compute(c.client));
  if (!sum.ok()) return sum.status();
  return *sum / static_cast<double>(n * n);
}

// dask: mean over axis 0 of (x + x.T), then the mean of that vector.
absl::StatusOr<double> ArrayTranspose(Context& c) {
  const uint64_t n = c.quick ? 6000 : 20000, chunk = c.quick ? 1000 : 2000;
  Array x = Array::RandomUniform(1, {n, n}, {chunk, chunk});
  return Scalar((x + x.T()).Mean({0}).Mean().Compute(c.client));
}

// dask: y = uniform 6000x6000 in 1500x1500 chunks (quick 2000, 500); sum(y @ y) / n^3.
uint64_t MatmulSize(bool quick) { return quick ? 2000 : 6000; }
absl::StatusOr<double> ArrayMatmul(Context& c) {
  const uint64_t n = MatmulSize(c.quick), chunk = c.quick ? 500 : 1500;
  Array y = Array::RandomUniform(2, {n, n}, {chunk, chunk});
  absl::StatusOr<double> sum = Scalar(Matmul(y, y).Sum().Compute(c.client));
  if (!sum.ok()) return sum.status();
  return *sum / static_cast<double>(n * n * n);
}

// dask: the points of DATA/points/part-*.npy, one block per file; k = 8, 10 Lloyd iterations from
// the first 8 rows; the final inertia / n.
absl::StatusOr<double> KMeansWorkload(Context& c) {
  Array x = Array::FromNpyDir(c.data + "/points");
  ml::KMeansOptions options;
  options.k = 8;
  options.max_iter = 10;
  options.tol = 0;
  options.init = "first-k";
  absl::StatusOr<ml::KMeansResult> result = ml::KMeans(c.client, x, options);
  if (!result.ok()) return result.status();
  return result->inertia / static_cast<double>(result->rows);
}

// dask: DATA/regression/part-*.npy, 16 features then y (w = 1..16); w by the normal equations;
// max |w_hat - w|.
absl::StatusOr<double> LinregWorkload(Context& c) {
  Array xy = Array::FromNpyDir(c.data + "/regression");
  ml::LinearRegressionOptions options;
  options.fit_intercept = false;
  absl::StatusOr<ml::LinearModel> model = ml::LinearRegressionXy(c.client, xy, -1, options);
  if (!model.ok()) return model.status();
  double worst = 0;
  for (size_t i = 0; i < model->coef.size(); ++i) {
    worst = std::max(worst, std::abs(model->coef[i] - static_cast<double>(i + 1)));
  }
  return worst;
}

using Check = google::protobuf::Value;

// dask: DATA/text/*.txt read as lines, split on whitespace, frequencies, the 20 most frequent;
// check: the top 3 as [word, count] pairs.
absl::StatusOr<Check> BagWordcount(Context& c) {
  absl::StatusOr<std::vector<ValueCount>> top =
      Bag::ReadText(c.data + "/text/*.txt").Split().Frequencies().TopK(20).ComputeCounts(c.client);
  if (!top.ok()) return top.status();
  Check check;
  check.mutable_list_value();
  for (size_t i = 0; i < std::min<size_t>(3, top->size()); ++i) {
    google::protobuf::ListValue* pair =
        check.mutable_list_value()->add_values()->mutable_list_value();
    pair->add_values()->set_string_value((*top)[i].value);
    pair->add_values()->set_number_value(static_cast<double>((*top)[i].count));
  }
  return check;
}

// Column `name` of a table value as doubles (nulls skipped).
absl::StatusOr<std::vector<double>> ColumnValues(const v1::Value& table, const std::string& name) {
  absl::StatusOr<TableView> view = TableView::Of(table);
  if (!view.ok()) return view.status();
  absl::StatusOr<ColumnView> column = view->column(name);
  if (!column.ok()) return column.status();
  std::vector<double> out;
  for (uint64_t i = 0; i < column->size(); ++i) {
    if (!column->IsNull(i)) out.push_back(column->AsDouble(i));
  }
  return out;
}

Check Numbers(const std::vector<double>& values) {
  Check check;
  check.mutable_list_value();
  for (double v : values) check.mutable_list_value()->add_values()->set_number_value(v);
  return check;
}

double Total(const std::vector<double>& values) {
  double s = 0;
  for (double v : values) s += v;
  return s;
}

// dask: DATA/frame/*.csv, one partition per file (blocksize=None).
Frame CsvFrame(Context& c) {
  CsvReadOptions options;
  options.blocksize = 0;
  return Frame::ReadCsv(c.data + "/frame/*.csv", options);
}

// dask: groupby key: sum x, mean y, max n; check: [sum of sum_x, sum of mean_y, sum of max_n].
absl::StatusOr<Check> CsvGroupby(Context& c) {
  absl::StatusOr<v1::Value> g =
      CsvFrame(c).GroupBy({"key"}).Agg({"sum(x)", "mean(y)", "max(n)"}).Compute(c.client);
  if (!g.ok()) return g.status();
  std::vector<double> sums;
  for (const char* column : {"sum_x", "mean_y", "max_n"}) {
    absl::StatusOr<std::vector<double>> v = ColumnValues(*g, column);
    if (!v.ok()) return v.status();
    sums.push_back(Total(*v));
  }
  return Numbers(sums);
}

// dask: the rows with x > 0.5, value counts of n; check: [count of n == 7, rows kept].
absl::StatusOr<Check> CsvFilter(Context& c) {
  absl::StatusOr<v1::Value> vc = CsvFrame(c).Filter("x > 0.5").ValueCounts("n").Compute(c.client);
  if (!vc.ok()) return vc.status();
  absl::StatusOr<std::vector<double>> n = ColumnValues(*vc, "n");
  absl::StatusOr<std::vector<double>> count = ColumnValues(*vc, "count");
  if (!n.ok() || !count.ok()) return !n.ok() ? n.status() : count.status();
  double sevens = 0;
  for (size_t i = 0; i < n->size(); ++i) {
    if ((*n)[i] == 7) sevens = (*count)[i];
  }
  return Numbers({sevens, Total(*count)});
}

// dask: the frame joined with DATA/keys.csv on key; check: sum of x * w.
absl::StatusOr<Check> CsvJoin(Context& c) {
  const Frame keys = Frame::ReadCsv(c.data + "/keys.csv");
  absl::StatusOr<v1::Value> sum =
      CsvFrame(c).Join(keys, {"key"}).Assign("xw", "x * w").Agg({"sum(xw)"}).Compute(c.client);
  if (!sum.ok()) return sum.status();
  absl::StatusOr<std::vector<double>> v = ColumnValues(*sum, "sum_xw");
  if (!v.ok()) return v.status();
  Check check;
  check.set_number_value(Total(*v));
  return check;
}

// A workload whose check is a number.
std::function<absl::StatusOr<Check>(Context&)> Numeric(absl::StatusOr<double> (*run)(Context&)) {
  return [run](Context& c) -> absl::StatusOr<Check> {
    absl::StatusOr<double> got = run(c);
    if (!got.ok()) return got.status();
    Check check;
    check.set_number_value(*got);
    return check;
  };
}

struct Workload {
  const char* name;
  std::function<absl::StatusOr<Check>(Context&)> run;
};

const std::vector<Workload>& Workloads() {
  static const auto* workloads = new std::vector<Workload>{
      {"array_sum", Numeric(ArraySum)},
      {"array_transpose", Numeric(ArrayTranspose)},
      {"array_matmul", Numeric(ArrayMatmul)},
      {"kmeans", Numeric(KMeansWorkload)},
      {"linreg", Numeric(LinregWorkload)},
      {"csv_groupby", CsvGroupby},
      {"csv_filter", CsvFilter},
      {"csv_join", CsvJoin},
      {"bag_wordcount", BagWordcount},
  };
  return *workloads;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// One process reading every byte of DATA/frame/*.csv from the page cache (each file read once
// before): what csv_groupby is measured against.
RunStats PageCacheRead(const std::string& data, int repeat) {
  std::vector<std::string> files;
  for (int i = 0; i < 1000; ++i) {
    const std::string path = absl::StrCat(data, "/frame/part-", i < 10 ? "0" : "", i, ".csv");
    if (FILE* f = std::fopen(path.c_str(), "rb")) {
      std::fclose(f);
      files.push_back(path);
    }
  }
  std::vector<char> buffer(1 << 20);
  std::vector<double> runs;
  for (int r = 0; r <= repeat; ++r) {  // the first run only fills the page cache
    const auto start = std::chrono::steady_clock::now();
    for (const std::string& path : files) {
      FILE* f = std::fopen(path.c_str(), "rb");
      if (f == nullptr) continue;
      while (std::fread(buffer.data(), 1, buffer.size(), f) > 0) {
      }
      std::fclose(f);
    }
    if (r > 0) runs.push_back(Seconds(start));
  }
  return Summarize(runs);
}

// One process, the whole n x n product with cblas_dgemm on `threads` BLAS threads: what the
// cluster's blocked matmul is measured against.
RunStats Dgemm(uint64_t n, int threads, int repeat) {
  openblas_set_num_threads(threads);
  std::vector<double> a(n * n), out(n * n);
  for (uint64_t i = 0; i < n * n; ++i) a[i] = static_cast<double>((i * 2654435761u) % 1000) / 1000;
  std::vector<double> runs;
  for (int r = 0; r < repeat; ++r) {
    const auto start = std::chrono::steady_clock::now();
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(n), static_cast<int>(n),
                static_cast<int>(n), 1.0, a.data(), static_cast<int>(n), a.data(),
                static_cast<int>(n), 0.0, out.data(), static_cast<int>(n));
    runs.push_back(Seconds(start));
  }
  return Summarize(runs);
}

int Main(int argc, char** argv) {
  CLI::App app{
      "data_bench: the array, model-fitting and word-count workloads of bench_dask_data.py on a "
      "local Brisk "
      "cluster (1 scheduler, 2 workers with 1 thread each), one JSON line per workload"};
  std::string data, bin_dir = ExecutableDir(), only;
  bool quick = false;
  int repeat = 3;
  app.add_option("data", data, "The directory make_data.py wrote (same --quick)")->required();
  app.add_option("--bin-dir", bin_dir, "Directory of brisk-scheduler and brisk-worker")
      ->capture_default_str();
  app.add_flag("--quick", quick, "Smaller sizes, as the Dask script's --quick");
  app.add_option("--repeat", repeat, "Runs per workload (median, min, max reported)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  std::string names;
  for (const Workload& w : Workloads()) absl::StrAppend(&names, names.empty() ? "" : ",", w.name);
  app.add_option("--only", only,
                 "Comma-separated workloads to run, of: " + names + ",dgemm,page_cache_read");
  CLI11_PARSE(app, argc, argv);

  std::vector<std::string> chosen = absl::StrSplit(only, ',', absl::SkipEmpty());
  auto wanted = [&](const std::string& name) {
    return chosen.empty() || std::find(chosen.begin(), chosen.end(), name) != chosen.end();
  };

  absl::StatusOr<std::string> dir = MakeWorkDir();
  if (!dir.ok()) {
    std::fprintf(stderr, "data_bench: %s\n", std::string(dir.status().message()).c_str());
    return 2;
  }
  ProcessClusterOptions options;
  options.bin_dir = bin_dir;
  options.dir = *dir;
  absl::StatusOr<std::unique_ptr<ProcessCluster>> cluster = ProcessCluster::Start(options);
  if (!cluster.ok()) {
    std::fprintf(stderr, "data_bench: %s\n", std::string(cluster.status().message()).c_str());
    return 2;
  }
  Context context{(*cluster)->client(), data, quick};
  int failed = 0;
  for (const Workload& w : Workloads()) {
    if (!wanted(w.name)) continue;
    std::vector<double> runs;
    Check check;
    for (int r = 0; r < repeat; ++r) {
      const auto start = std::chrono::steady_clock::now();
      absl::StatusOr<Check> got = w.run(context);
      if (!got.ok()) {
        std::fprintf(stderr, "data_bench: %s: %s\n", w.name,
                     std::string(got.status().message()).c_str());
        failed = 1;
        break;
      }
      runs.push_back(Seconds(start));
      check = *got;
    }
    if (runs.empty()) continue;
    const RunStats stats = Summarize(runs);
    JsonLine(w.name)
        .Set("system", "brisk")
        .Set("seconds", Round(stats.median, 3))
        .Set("min", Round(stats.min, 3))
        .Set("max", Round(stats.max, 3))
        .Set("check", check)
        .Print();
  }
  absl::Status stopped = (*cluster)->Stop();
  if (!stopped.ok()) {
    std::fprintf(stderr, "data_bench: %s\n", std::string(stopped.message()).c_str());
    failed = 1;
  }
  if (wanted("dgemm") || wanted("array_matmul")) {
    const uint64_t n = MatmulSize(quick);
    const RunStats stats = Dgemm(n, 2, repeat);
    JsonLine("dgemm")
        .Set("system", "openblas")
        .Set("n", static_cast<double>(n))
        .Set("threads", 2)
        .Set("seconds", Round(stats.median, 3))
        .Set("min", Round(stats.min, 3))
        .Set("max", Round(stats.max, 3))
        .Print();
  }
  if (wanted("page_cache_read") || wanted("csv_groupby")) {
    const RunStats stats = PageCacheRead(data, repeat);
    JsonLine("page_cache_read")
        .Set("system", "read")
        .Set("seconds", Round(stats.median, 3))
        .Set("min", Round(stats.min, 3))
        .Set("max", Round(stats.max, 3))
        .Print();
  }
  return failed;
}

}  // namespace
}  // namespace brisk::bench

int main(int argc, char** argv) { return brisk::bench::Main(argc, argv); }
