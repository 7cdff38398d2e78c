#include "client/cli/array_command.h"

#include <cmath>
#include <filesystem>
#include <iostream>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "brisk/array.h"
#include "brisk/ml.h"
#include "client/cli/cli_common.h"
#include "client/ml/ml_passes.h"
#include "common/value_json.h"
#include "worker/array/ml_kernels.h"

namespace brisk {
namespace {

using JsonValue = google::protobuf::Value;

JsonValue Number(double n) {
  JsonValue v;
  if (std::isfinite(n)) {
    v.set_number_value(n);
  } else {
    v.set_null_value(google::protobuf::NULL_VALUE);
  }
  return v;
}

JsonValue String(const std::string& s) {
  JsonValue v;
  v.set_string_value(s);
  return v;
}

JsonValue Numbers(const std::vector<double>& values) {
  JsonValue v;
  for (double x : values) *v.mutable_list_value()->add_values() = Number(x);
  return v;
}

std::string Num(double v) { return absl::StrFormat("%.10g", v); }
std::string NumList(const std::vector<double>& values) {
  std::vector<std::string> parts;
  for (double v : values) parts.push_back(Num(v));
  return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
}

// The array at `path`: a directory of .npy parts, or one file cut into blocks of rows.
Array Open(const ArrayCommandOptions& o) {
  std::error_code ec;
  if (std::filesystem::is_directory(o.path, ec)) return Array::FromNpyDir(o.path);
  Array whole = Array::FromNpy(o.path);
  if (!whole.ok() || whole.ndim() == 0) return whole;
  uint64_t per_row = 1;
  for (size_t d = 1; d < whole.ndim(); ++d) per_row *= std::max<uint64_t>(whole.shape()[d], 1);
  const uint64_t rows =
      o.chunk_rows > 0 ? o.chunk_rows : std::max<uint64_t>(1, (uint64_t{8} << 20) / per_row);
  Shape chunk(whole.ndim(), 0);
  chunk[0] = rows;
  return Array::FromNpy(o.path, chunk);
}

class Printer {
 public:
  explicit Printer(bool json) : json_(json) {}
  void Add(const std::string& name, JsonValue json, const std::string& text) {
    if (json_) {
      (*out_.mutable_struct_value()->mutable_fields())[name] = std::move(json);
    } else {
      std::cout << absl::StrFormat("%-11s %s\n", name, text);
    }
  }
  void Finish() {
    if (json_) std::cout << JsonText(out_) << "\n";
  }

 private:
  bool json_;
  JsonValue out_;
};

JsonValue ShapeJson(const Shape& shape) {
  JsonValue v;
  for (uint64_t d : shape) *v.mutable_list_value()->add_values() = Number(static_cast<double>(d));
  return v;
}
std::string ShapeText(const Shape& shape) {
  if (shape.size() == 1) return absl::StrCat("(", shape[0], ",)");
  return absl::StrCat("(", absl::StrJoin(shape, ", "), ")");
}

int Stats(Client& client, const ArrayCommandOptions& o, Printer& p) {
  Array a = Open(o);
  if (!a.ok()) return Fail(a.status());
  if (a.ndim() != 1 && a.ndim() != 2) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        "brisk array stats: ", o.path, " holds a ", a.ndim(), "-d array; stats take 1-D or 2-D")));
  }
  if (a.ndim() == 2 && a.NumBlocks()[1] != 1) {
    return Fail(absl::InvalidArgumentError("brisk array stats: blocks must span whole rows"));
  }
  ml::BlockTask task{"array.column_stats", {}, {}};
  absl::StatusOr<v1::Value> total =
      ml::SumPass(client, {a}, task, "array.column_stats_combine", 8, "column-stats");
  if (!total.ok()) return Fail(total.status());
  absl::StatusOr<std::vector<double>> s = ml::Doubles(*total);
  if (!s.ok()) return Fail(s.status());
  const uint64_t f = (s->size() - 1) / 4;
  const double n = (*s)[0];
  std::vector<double> sum(f), mean(f), stddev(f), lo(f), hi(f);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (uint64_t j = 0; j < f; ++j) {
    mean[j] = n > 0 ? (*s)[1 + j] : nan;
    sum[j] = n > 0 ? (*s)[1 + j] * n : 0.0;
    stddev[j] = n > 0 ? std::sqrt((*s)[1 + f + j] / n) : nan;
    lo[j] = n > 0 ? (*s)[1 + 2 * f + j] : nan;
    hi[j] = n > 0 ? (*s)[1 + 3 * f + j] : nan;
  }
  p.Add("path", String(o.path), o.path);
  p.Add("shape", ShapeJson(a.shape()), ShapeText(a.shape()));
  p.Add("dtype", String(std::string(DTypeName(a.dtype()))), std::string(DTypeName(a.dtype())));
  p.Add("blocks", Number(static_cast<double>(a.chunks()[0].size())),
        absl::StrCat(a.chunks()[0].size()));
  if (o.axis == 0) {
    p.Add("sum", Numbers(sum), NumList(sum));
    p.Add("mean", Numbers(mean), NumList(mean));
    p.Add("std", Numbers(stddev), NumList(stddev));
    p.Add("min", Numbers(lo), NumList(lo));
    p.Add("max", Numbers(hi), NumList(hi));
    return kExitOk;
  }
  // Every column's statistics combined (Chan's update): those of all elements.
  std::vector<double> all = {0};
  for (uint64_t j = 0; j < f; ++j) {
    const std::vector<double> col = {n, (*s)[1 + j], (*s)[1 + f + j], (*s)[1 + 2 * f + j],
                                     (*s)[1 + 3 * f + j]};
    all = j == 0 ? col : ml_kernels::CombineColumnStats(all, col);
  }
  const double count = all[0];
  const double total_sum = count > 0 ? all[1] * count : 0.0;
  const double m = count > 0 ? all[1] : nan, sd = count > 0 ? std::sqrt(all[2] / count) : nan;
  const double mn = count > 0 ? all[3] : nan, mx = count > 0 ? all[4] : nan;
  p.Add("sum", Number(total_sum), Num(total_sum));
  p.Add("mean", Number(m), Num(m));
  p.Add("std", Number(sd), Num(sd));
  p.Add("min", Number(mn), Num(mn));
  p.Add("max", Number(mx), Num(mx));
  return kExitOk;
}

int KMeansCommand(Client& client, const ArrayCommandOptions& o, Printer& p) {
  Array a = Open(o);
  if (!a.ok()) return Fail(a.status());
  ml::KMeansOptions options;
  options.k = o.k;
  options.max_iter = o.iterations;
  options.tol = o.tol;
  options.init = o.init;
  options.seed = o.seed;
  absl::StatusOr<ml::KMeansResult> km = ml::KMeans(client, a, options);
  if (!km.ok()) return Fail(km.status());
  p.Add("path", String(o.path), o.path);
  p.Add("rows", Number(static_cast<double>(km->rows)), absl::StrCat(km->rows));
  p.Add("k", Number(km->k), absl::StrCat(km->k));
  p.Add("iterations", Number(km->iterations), absl::StrCat(km->iterations));
  p.Add("converged", Number(km->converged ? 1 : 0), km->converged ? "yes" : "no");
  p.Add("inertia", Number(km->inertia), Num(km->inertia));
  JsonValue centres;
  std::string text;
  for (int c = 0; c < km->k; ++c) {
    std::vector<double> row(km->centres.begin() + static_cast<ptrdiff_t>(c * km->features),
                            km->centres.begin() + static_cast<ptrdiff_t>((c + 1) * km->features));
    *centres.mutable_list_value()->add_values() = Numbers(row);
    absl::StrAppend(&text, c == 0 ? "" : "\n            ", NumList(row));
  }
  p.Add("centres", centres, text);
  return kExitOk;
}

int LinregCommand(Client& client, const ArrayCommandOptions& o, Printer& p) {
  Array a = Open(o);
  if (!a.ok()) return Fail(a.status());
  ml::LinearRegressionOptions options;
  options.fit_intercept = !o.no_intercept;
  absl::StatusOr<ml::LinearModel> m = ml::LinearRegressionXy(client, a, o.target_column, options);
  if (!m.ok()) return Fail(m.status());
  p.Add("path", String(o.path), o.path);
  p.Add("rows", Number(static_cast<double>(m->rows)), absl::StrCat(m->rows));
  p.Add("coef", Numbers(m->coef), NumList(m->coef));
  if (m->fit_intercept) p.Add("intercept", Number(m->intercept), Num(m->intercept));
  p.Add("r2", Number(m->r2), Num(m->r2));
  p.Add("rss", Number(m->rss), Num(m->rss));
  if (m->singular) p.Add("note", String(m->note), m->note);
  return kExitOk;
}

}  // namespace

CLI::App* AddArrayCommand(CLI::App& app, ArrayCommandOptions& o) {
  CLI::App* array = app.add_subcommand(
      "array", "Statistics, k-means and linear regression of .npy data (a file or a directory)");
  array->require_subcommand(1);
  auto add_common = [&](CLI::App* cmd) {
    cmd->add_option("path", o.path,
                    "A .npy file, or a directory of part-*.npy (or *.npy) files "
                    "stacked along axis 0")
        ->required();
    cmd->add_option("--chunk-rows", o.chunk_rows,
                    "A file's rows per block (default: about 8 Mi elements per block); a "
                    "directory has one block per file");
  };
  CLI::App* stats = array->add_subcommand(
      "stats", "Shape, dtype, sum, mean, std, min and max (of all elements, or per column)");
  add_common(stats);
  stats->add_option("--axis", o.axis, "0: per column (of a 2-D array)")->check(CLI::IsMember({0}));
  CLI::App* kmeans =
      array->add_subcommand("kmeans", "k-means of the rows: centres, inertia, iterations");
  add_common(kmeans);
  kmeans->add_option("-k", o.k, "Clusters")->capture_default_str();
  kmeans->add_option("--iter", o.iterations, "Most Lloyd iterations")->capture_default_str();
  kmeans
      ->add_option("--tol", o.tol,
                   "Stop when the centres move less than this (relative to the mean "
                   "variance); 0: always --iter iterations")
      ->capture_default_str();
  kmeans->add_option("--init", o.init, "k-means|| or first-k (the first k rows)")
      ->check(CLI::IsMember({"k-means||", "first-k"}))
      ->capture_default_str();
  kmeans->add_option("--seed", o.seed, "Seed of k-means||")->capture_default_str();
  CLI::App* linreg = array->add_subcommand(
      "linreg", "Least-squares regression of one column on the others (normal equations)");
  add_common(linreg);
  linreg->add_option("--target-column", o.target_column, "The column of y (negative: from the end)")
      ->capture_default_str();
  linreg->add_flag("--no-intercept", o.no_intercept, "Fit without an intercept");
  return array;
}

int ArrayCommand(Client& client, const CLI::App& array, const ArrayCommandOptions& options,
                 const std::string& format) {
  Printer p(format == "json");
  int status = kExitBadInput;
  if (array.got_subcommand("stats")) {
    status = Stats(client, options, p);
  } else if (array.got_subcommand("kmeans")) {
    status = KMeansCommand(client, options, p);
  } else if (array.got_subcommand("linreg")) {
    status = LinregCommand(client, options, p);
  }
  if (status == kExitOk) p.Finish();
  return status;
}

}  // namespace brisk
