// ThreadSanitizer builds only (BRISK_SANITIZE=thread): makes the ordering gRPC guarantees between
// starting an operation and its completion visible to TSan.
//
// gRPC promises that an operation's completion (a reactor's OnWriteDone, OnReadDone, OnDone...,
// or a completion queue's event) happens after the operation was started (StartWrite, Finish,
// ...). Debian's libgrpc is not built with TSan, and the hand-over between the two threads goes
// through its lock-free queues, invisible to TSan: the reactor's state, and the operation's
// buffers in gRPC's inline (header) code, would look racy. As abseil's functions in
// absl_sync_tsan.cc, these functions of libgrpc are defined here first and call gRPC's own:
//
//   grpc_call_start_batch        releases the operation's tag (the thread starting it)
//   grpc_cq_end_op               for a callback completion queue, has the tag's callback
//                                acquire the tag before it runs (on the thread that runs it)
//   grpc_completion_queue_next,  acquire the tag of the event they return
//   grpc_completion_queue_pluck
//   ServerCallbackCall::         acquire the counter they are called for having brought to zero
//     ScheduleOnDone,            (libgrpc++ counts down in its own code too, where TSan does
//     CallOnCancel               not see it)
//   grpc_core::Executor::Run     has the closure acquire what the thread that scheduled it
//                                released, before it runs (how a server reactor's OnDone is
//                                handed to another thread)
//
// Only the edge gRPC guarantees is added; nothing is ignored or suppressed.
#include <dlfcn.h>
#include <grpc/grpc.h>
#include <grpcpp/support/server_callback.h>
#include <sanitizer/tsan_interface.h>

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

#include "absl/base/options.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"

struct grpc_cq_completion;
struct grpc_closure;

namespace grpc_core {
enum class ExecutorType;
enum class ExecutorJobType;
// libgrpc's executor (src/core/lib/iomgr/executor.h): runs a closure on one of its threads.
class Executor {
 public:
  static void Run(grpc_closure* closure, absl::Status error, ExecutorType executor_type,
                  ExecutorJobType job_type);
};
}  // namespace grpc_core

// gRPC's internal function that delivers a completion (grpc/src/core/lib/surface/
// completion_queue.h), called through the PLT from inside libgrpc.
void grpc_cq_end_op(grpc_completion_queue* cq, void* tag, absl::Status error,
                    void (*done)(void* done_arg, grpc_cq_completion* storage), void* done_arg,
                    grpc_cq_completion* storage, bool internal);
grpc_cq_completion_type grpc_get_cq_completion_type(grpc_completion_queue* cq);

extern "C" {
// TSan's runtime: accesses and synchronization of this thread ignored in between.
void AnnotateIgnoreReadsBegin(const char* file, int line);
void AnnotateIgnoreReadsEnd(const char* file, int line);
void AnnotateIgnoreWritesBegin(const char* file, int line);
void AnnotateIgnoreWritesEnd(const char* file, int line);
void AnnotateIgnoreSyncBegin(const char* file, int line);
void AnnotateIgnoreSyncEnd(const char* file, int line);
}

namespace {

#define BRISK_STR2(x) #x
#define BRISK_STR(x) BRISK_STR2(x)

template <typename F>
F Real(const std::string& name) {
  void* fn = dlsym(RTLD_NEXT, name.c_str());
  if (fn == nullptr) {
    std::fprintf(stderr, "grpc_tsan: %s not found: %s\n", name.c_str(), dlerror());
    std::abort();
  }
  return reinterpret_cast<F>(fn);
}

using Run = void (*)(grpc_completion_queue_functor*, int);

void Acquiring(grpc_completion_queue_functor* f, int ok);

// The callbacks each pending callback-queue tag had before Acquiring took their place. Its
// lock, its accesses and those to the tags' callbacks are hidden from TSan: they add no
// synchronization between the threads that use them (which could hide real races), and their
// own ordering comes from gRPC's hand-over.
class Originals {
 public:
  void Replace(grpc_completion_queue_functor* f) {
    Hidden hidden(lock_);
    if (f->functor_run == &Acquiring) return;
    map_[f] = f->functor_run;
    f->functor_run = &Acquiring;
  }
  Run Restore(grpc_completion_queue_functor* f) {
    Hidden hidden(lock_);
    auto it = map_.find(f);
    if (it == map_.end()) return nullptr;
    f->functor_run = it->second;
    map_.erase(it);
    return f->functor_run;
  }

 private:
  struct Hidden {
    explicit Hidden(std::atomic<bool>& lock) : lock(lock) {
      AnnotateIgnoreSyncBegin(__FILE__, __LINE__);
      AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
      AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
      while (lock.exchange(true, std::memory_order_acquire)) {
      }
    }
    ~Hidden() {
      lock.store(false, std::memory_order_release);
      AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
      AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
      AnnotateIgnoreSyncEnd(__FILE__, __LINE__);
    }
    std::atomic<bool>& lock;
  };
  std::atomic<bool> lock_{false};
  absl::flat_hash_map<grpc_completion_queue_functor*, Run> map_;
};

Originals& originals() {
  static auto* o = new Originals();
  return *o;
}

// Runs in place of a callback-queue tag's own callback: acquires the tag (released when its
// operation started), puts the callback back and runs it.
void Acquiring(grpc_completion_queue_functor* f, int ok) {
  Run run = originals().Restore(f);
  if (run == nullptr) {
    std::fprintf(stderr, "grpc_tsan: no callback for tag %p\n", static_cast<void*>(f));
    std::abort();
  }
  __tsan_acquire(f);
  run(f, ok);
}

// The start of libgrpc's grpc_closure (src/core/lib/iomgr/closure.h): a queue link, then the
// callback and its argument.
struct ClosureStart {
  void* next;
  void (*cb)(void* arg, absl::Status error);
  void* cb_arg;
};

// A closure's callback and argument, while a Hop runs in their place.
struct Hop {
  ClosureStart* closure;
  void (*cb)(void* arg, absl::Status error);
  void* cb_arg;
};

void RunHop(void* arg, absl::Status error) {
  auto* hop = static_cast<Hop*>(arg);
  __tsan_acquire(hop);
  AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
  hop->closure->cb = hop->cb;  // the closure as it was, should it be scheduled again
  hop->closure->cb_arg = hop->cb_arg;
  AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
  auto* cb = hop->cb;
  void* cb_arg = hop->cb_arg;
  delete hop;
  cb(cb_arg, std::move(error));
}

}  // namespace

// The layout of grpc::internal::ServerCallbackCall (grpcpp/support/server_callback.h): its
// counters are private.
struct ServerCallbackCallLayout {
  void* vptr;
  std::atomic_int on_cancel_conditions_remaining;
  std::atomic_int callbacks_outstanding;
};
static_assert(sizeof(grpc::internal::ServerCallbackCall) == sizeof(ServerCallbackCallLayout));

void* At(void* call, size_t offset) { return static_cast<char*>(call) + offset; }

void grpc::internal::ServerCallbackCall::ScheduleOnDone(bool inline_ondone) {
  static auto real = Real<void (*)(ServerCallbackCall*, bool)>(
      "_ZN4grpc8internal18ServerCallbackCall14ScheduleOnDoneEb");
  __tsan_acquire(At(this, offsetof(ServerCallbackCallLayout, callbacks_outstanding)));
  real(this, inline_ondone);
}

void grpc::internal::ServerCallbackCall::CallOnCancel(ServerReactor* reactor) {
  static auto real = Real<void (*)(ServerCallbackCall*, ServerReactor*)>(
      "_ZN4grpc8internal18ServerCallbackCall12CallOnCancelEPNS0_13ServerReactorE");
  __tsan_acquire(At(this, offsetof(ServerCallbackCallLayout, on_cancel_conditions_remaining)));
  real(this, reactor);
}

void grpc_core::Executor::Run(grpc_closure* closure, absl::Status error, ExecutorType executor_type,
                              ExecutorJobType job_type) {
  static auto real = Real<void (*)(grpc_closure*, absl::Status, ExecutorType, ExecutorJobType)>([] {
    const std::string ns = BRISK_STR(ABSL_OPTION_INLINE_NAMESPACE_NAME);
    return "_ZN9grpc_core8Executor3RunEP12grpc_closureN4absl" + std::to_string(ns.size()) + ns +
           "6StatusENS_12ExecutorTypeENS_15ExecutorJobTypeE";
  }());
  auto* start = reinterpret_cast<ClosureStart*>(closure);
  auto* hop = new Hop{start, nullptr, nullptr};
  // The closure belongs to gRPC, which orders its uses itself: hidden from TSan, as gRPC's own
  // accesses to it are.
  AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
  AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
  hop->cb = start->cb;
  hop->cb_arg = start->cb_arg;
  start->cb = &RunHop;
  start->cb_arg = hop;
  AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
  AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
  __tsan_release(hop);
  real(closure, std::move(error), executor_type, job_type);
}

extern "C" grpc_call_error grpc_call_start_batch(grpc_call* call, const grpc_op* ops, size_t nops,
                                                 void* tag, void* reserved) {
  static auto real = Real<grpc_call_error (*)(grpc_call*, const grpc_op*, size_t, void*, void*)>(
      "grpc_call_start_batch");
  __tsan_release(tag);
  return real(call, ops, nops, tag, reserved);
}

void grpc_cq_end_op(grpc_completion_queue* cq, void* tag, absl::Status error,
                    void (*done)(void* done_arg, grpc_cq_completion* storage), void* done_arg,
                    grpc_cq_completion* storage, bool internal) {
  static auto real =
      Real<void (*)(grpc_completion_queue*, void*, absl::Status,
                    void (*)(void*, grpc_cq_completion*), void*, grpc_cq_completion*, bool)>([] {
        const std::string ns = BRISK_STR(ABSL_OPTION_INLINE_NAMESPACE_NAME);
        return "_Z14grpc_cq_end_opP21grpc_completion_queuePvN4absl" + std::to_string(ns.size()) +
               ns + "6StatusEPFvS1_P18grpc_cq_completionES1_S6_b";
      }());
  if (grpc_get_cq_completion_type(cq) == GRPC_CQ_CALLBACK) {
    originals().Replace(static_cast<grpc_completion_queue_functor*>(tag));
  }
  real(cq, tag, std::move(error), done, done_arg, storage, internal);
}

extern "C" grpc_event grpc_completion_queue_next(grpc_completion_queue* cq, gpr_timespec deadline,
                                                 void* reserved) {
  static auto real = Real<grpc_event (*)(grpc_completion_queue*, gpr_timespec, void*)>(
      "grpc_completion_queue_next");
  grpc_event event = real(cq, deadline, reserved);
  if (event.type == GRPC_OP_COMPLETE) __tsan_acquire(event.tag);
  return event;
}

extern "C" grpc_event grpc_completion_queue_pluck(grpc_completion_queue* cq, void* tag,
                                                  gpr_timespec deadline, void* reserved) {
  static auto real = Real<grpc_event (*)(grpc_completion_queue*, void*, gpr_timespec, void*)>(
      "grpc_completion_queue_pluck");
  grpc_event event = real(cq, tag, deadline, reserved);
  if (event.type == GRPC_OP_COMPLETE) __tsan_acquire(event.tag);
  return event;
}
