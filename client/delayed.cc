#include "brisk/delayed.h"

#include "absl/strings/str_cat.h"

namespace brisk {

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
