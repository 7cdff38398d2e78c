// The op registry: named functions that workers run as tasks. RegisterBuiltinOps registers the
// built-in ops (the shell op among them, through RegisterShellOp); an embedding program may
// Register its own. Loading ops from shared libraries (plugins) is planned, not built.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "brisk/v1/value.pb.h"

namespace brisk {

// What a running op may ask of the worker. Implementations are thread-safe.
class OpContext {
 public:
  virtual ~OpContext() = default;
  // True once the task was cancelled or ran past its time limit; long ops should stop early.
  virtual bool Stopped() const = 0;
  // Waits up to `duration`; returns false early (and at once) when the task is stopped.
  virtual bool SleepFor(absl::Duration duration) = 0;
  // Keeps text for `brisk logs` (the `shell` op's standard error), replacing what was kept.
  virtual void SetLog(std::string text) {}
};

// An op's inputs, with every reference already replaced by the referenced value.
// The pointers stay valid for the duration of the call.
struct OpArgs {
  std::vector<const v1::Value*> args;
  absl::flat_hash_map<std::string, const v1::Value*> kwargs;
  // arg_is_ref[i]: args[i] is another task's result (the `shell` op passes those as files).
  std::vector<bool> arg_is_ref;
  absl::flat_hash_set<std::string> kwarg_is_ref;
};

// An op returns its result, or an error whose message says what went wrong (it becomes the
// task's error text, so it names the op and the offending argument).
using OpFn = std::function<absl::StatusOr<v1::Value>(OpContext&, const OpArgs&)>;

// Maps op names to functions. Filled before the worker starts, then only read (thread-safe).
class OpRegistry {
 public:
  // Replaces any op already registered under `name`.
  void Register(std::string name, OpFn fn);
  // nullptr when no op has that name.
  const OpFn* Find(absl::string_view name) const;
  // Registered names, sorted.
  std::vector<std::string> Names() const;

 private:
  absl::flat_hash_map<std::string, OpFn> ops_;
};

}  // namespace brisk
