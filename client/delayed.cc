#include "brisk/delayed.h"

#include "absl/strings/str_cat.h"

namespace brisk {
namespace {

absl::Status ToArg(v1::Value& value, v1::Arg& arg) {
  switch (value.kind_case()) {
    case v1::Value::KIND_NOT_SET:
      arg.Clear();
      return absl::OkStatus();
    case v1::Value::kBool:
      arg.set_bool_(value.bool_());
      return absl::OkStatus();
    case v1::Value::kInt:
      arg.set_int_(value.int_());
      return absl::OkStatus();
    case v1::Value::kFloat:
      arg.set_float_(value.float_());
      return absl::OkStatus();
    case v1::Value::kStr:
      arg.set_str(std::move(*value.mutable_str()));
      return absl::OkStatus();
    case v1::Value::kBytes:
      arg.set_bytes(std::move(*value.mutable_bytes()));
      return absl::OkStatus();
    case v1::Value::kNdarray:
      *arg.mutable_ndarray() = std::move(*value.mutable_ndarray());
      return absl::OkStatus();
    case v1::Value::kTable:
      *arg.mutable_table() = std::move(*value.mutable_table());
      return absl::OkStatus();
    case v1::Value::kList: {
      v1::ArgList* list = arg.mutable_list();
      for (v1::Value& item : *value.mutable_list()->mutable_items()) {
        absl::Status status = ToArg(item, *list->add_items());
        if (!status.ok()) return status;
      }
      return absl::OkStatus();
    }
    case v1::Value::kMap:
      return absl::InvalidArgumentError("a map cannot be a task argument");
  }
  return absl::InvalidArgumentError("unknown value kind");
}

}  // namespace

absl::StatusOr<ArgValue> ArgValue::Of(v1::Value value) {
  ArgValue out(0);
  absl::Status status = ToArg(value, out.arg_);
  if (!status.ok()) return status;
  return out;
}

Delayed GraphBuilder::Call(const std::string& op, const std::vector<ArgValue>& args,
                           const CallOptions& options) {
  return Call(op, args, {}, options);
}

Delayed GraphBuilder::Call(const std::string& op, const std::vector<ArgValue>& args,
                           const std::map<std::string, ArgValue>& kwargs,
                           const CallOptions& options) {
  v1::Task* task = graph_.add_tasks();
  task->set_key(options.key.empty() ? absl::StrCat(op, "-", next_++) : options.key);
  task->set_op(op);
  for (const ArgValue& arg : args) *task->add_args() = arg.arg();
  for (const auto& [name, arg] : kwargs) (*task->mutable_kwargs())[name] = arg.arg();
  task->mutable_resources()->insert(options.resources.begin(), options.resources.end());
  task->set_priority(options.priority);
  task->set_retries(options.retries);
  task->set_timeout_s(options.timeout_s);
  for (const std::string& w : options.workers) task->add_workers(w);
  return Delayed(task->key());
}

v1::Graph GraphBuilder::Build(const std::vector<Delayed>& outputs) const {
  v1::Graph graph = graph_;
  for (const Delayed& d : outputs) graph.add_outputs(d.key());
  return graph;
}

}  // namespace brisk
