// GraphBuilder and Delayed: build task graphs from C++ calls, as Dask's `delayed` does.
//
//   brisk::GraphBuilder g;
//   brisk::Delayed a = g.Call("inc", {1});
//   brisk::Delayed b = g.Call("add", {a, 2.5});
//   brisk::Delayed c = g.Call("sum", {brisk::List{a, b}});
//   brisk::v1::Graph graph = g.Build({c});
//
// Arrays and tables are literals too (made with brisk/value.h), and come back as values:
//
//   brisk::v1::Value m = *brisk::MakeArray<double>({2, 3}, values);
//   brisk::Delayed d = g.Call("identity", {std::move(*m.mutable_ndarray())});
//   ...
//   brisk::ValuePtr got = *client->Result(future);          // a v1::Value holding the ndarray
//   auto view = brisk::ArrayView::Of(*got);                  // checked, no copy
//   absl::Span<const double> elements = *view->values<double>();
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "brisk/v1/graph.pb.h"
#include "brisk/v1/value.pb.h"

namespace brisk {

// The future result of one call in a GraphBuilder: usable as an argument of later calls.
class Delayed {
 public:
  const std::string& key() const { return key_; }

 private:
  friend class GraphBuilder;
  explicit Delayed(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

class ArgValue;
using List = std::vector<ArgValue>;

// One argument: a literal or a Delayed, converted implicitly.
class ArgValue {
 public:
  ArgValue(int v) { arg_.set_int_(v); }
  ArgValue(long v) { arg_.set_int_(v); }
  ArgValue(long long v) { arg_.set_int_(v); }
  ArgValue(double v) { arg_.set_float_(v); }
  ArgValue(bool v) { arg_.set_bool_(v); }
  ArgValue(const char* v) { arg_.set_str(v); }
  ArgValue(std::string v) { arg_.set_str(std::move(v)); }
  ArgValue(const Delayed& d) { arg_.set_ref(d.key()); }
  ArgValue(const List& items) {
    for (const ArgValue& item : items) *arg_.mutable_list()->add_items() = item.arg_;
  }
  // Typed literals: an array or a table, moved in.
  ArgValue(v1::NDArray array) { *arg_.mutable_ndarray() = std::move(array); }
  ArgValue(v1::Table table) { *arg_.mutable_table() = std::move(table); }
  // Any value as a literal, e.g. one gathered from an earlier job: null, bool, int, float, str,
  // bytes, ndarray, table, and lists of them. InvalidArgument for a map (no argument holds one).
  static absl::StatusOr<ArgValue> Of(v1::Value value);
  // Raw bytes (not text).
  static ArgValue Bytes(std::string data) {
    ArgValue v(0);
    v.arg_.set_bytes(std::move(data));
    return v;
  }
  const v1::Arg& arg() const { return arg_; }

 private:
  v1::Arg arg_;
};

// Per-call options beyond op and arguments.
struct CallOptions {
  std::string key;  // default: "<op>-<n>"
  std::map<std::string, double> resources;
  int32_t priority = 0;
  int32_t retries = 0;
  double timeout_s = 0;
  std::vector<std::string> workers;
};

class GraphBuilder {
 public:
  Delayed Call(const std::string& op, const std::vector<ArgValue>& args,
               const CallOptions& options = {});
  Delayed Call(const std::string& op, const std::vector<ArgValue>& args,
               const std::map<std::string, ArgValue>& kwargs, const CallOptions& options = {});
  // The graph so far, with `outputs` as its outputs (empty: the calls nothing depends on).
  v1::Graph Build(const std::vector<Delayed>& outputs = {}) const;

 private:
  v1::Graph graph_;
  uint64_t next_ = 0;
};

}  // namespace brisk
