// ThreadSanitizer builds only (BRISK_SANITIZE=thread): makes Debian's abseil mutexes visible to
// TSan.
//
// absl::Mutex, absl::CondVar and absl::Notification are implemented in libabsl_synchronization.so,
// which Debian builds without -fsanitize=thread: their atomics and futex waits are invisible to
// TSan, so two Brisk threads that share data under an absl::Mutex look unsynchronized to it, and
// TSan reports races on Brisk's own (correctly locked) data. A suppression cannot help without
// hiding real races in Brisk's code, so instead this library defines the same functions (the
// executable and this library come first in the dynamic linker's search order, so every call,
// also those from gRPC and from abseil itself, lands here) and tells TSan what each does, with
// TSan's mutex annotations, around a call to abseil's own implementation (found with
// dlsym(RTLD_NEXT)). This is what abseil itself does when it is built with TSan.
//
// Accesses made inside abseil's code are ignored (between the pre_ and post_ annotations), which
// covers the Condition functions abseil evaluates while a thread waits or unlocks.
#include <dlfcn.h>
#include <sanitizer/tsan_interface.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "absl/base/options.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"

#define BRISK_STR2(x) #x
#define BRISK_STR(x) BRISK_STR2(x)

namespace {

// The address of abseil's own definition of the function with mangled name
// `head` "4absl<N><namespace>" `tail`, e.g. ("_ZN", "5Mutex4LockEv").
void* Real(const char* head, const char* tail) {
  const std::string ns = BRISK_STR(ABSL_OPTION_INLINE_NAMESPACE_NAME);
  const std::string name = std::string(head) + "4absl" + std::to_string(ns.size()) + ns + tail;
  void* fn = dlsym(RTLD_NEXT, name.c_str());
  if (fn == nullptr) {
    std::fprintf(stderr, "absl_sync_tsan: %s not found: %s\n", name.c_str(), dlerror());
    std::abort();
  }
  return fn;
}

template <typename F>
F RealAs(const char* head, const char* tail) {
  return reinterpret_cast<F>(Real(head, tail));
}

constexpr unsigned kRead = __tsan_mutex_read_lock;

// abseil calls its own functions too (CondVar::WaitWithTimeout calls WaitWithDeadline,
// Notification::Notify calls Mutex::Lock, ...): only the outermost call is annotated.
thread_local int depth = 0;
struct Outer {
  Outer() : outer(depth++ == 0) {}
  ~Outer() { --depth; }
  const bool outer;
};

// Annotates a call that releases `mu` and holds it again when it returns (CondVar waits, Await):
// the release is seen before the call, the acquisition after it.
template <typename F>
auto Reacquiring(absl::Mutex* mu, F call) {
  __tsan_mutex_pre_unlock(mu, 0);
  auto result = call();
  __tsan_mutex_post_unlock(mu, 0);
  __tsan_mutex_pre_lock(mu, 0);
  __tsan_mutex_post_lock(mu, 0, 0);
  return result;
}

// Annotates a call that acquires `mu` whatever it returns (LockWhen and its variants).
template <typename F>
auto Acquiring(absl::Mutex* mu, unsigned flags, F call) {
  __tsan_mutex_pre_lock(mu, flags);
  auto result = call();
  __tsan_mutex_post_lock(mu, flags, 0);
  return result;
}

// Notification: Notify() releases, a wait that saw it notified acquires. The address is that of
// the notified_yet_ flag, which follows the notification's mutex: HasBeenNotified() is inline,
// so its acquiring load of the flag is in instrumented code and synchronizes with this release.
void* NotifiedFlag(const absl::Notification* n) {
  return const_cast<char*>(reinterpret_cast<const char*>(n) + sizeof(absl::Mutex));
}

}  // namespace

// These are abseil's own functions, wrapped: the thread-safety analysis cannot follow a lock's
// implementation (it would see Lock() return without holding the lock it acquires).
namespace absl {
ABSL_NAMESPACE_BEGIN

void Mutex::Lock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static auto real = RealAs<void (*)(Mutex*)>("_ZN", "5Mutex4LockEv");
  const Outer call;
  if (!call.outer) return real(this);
  __tsan_mutex_pre_lock(this, 0);
  real(this);
  __tsan_mutex_post_lock(this, 0, 0);
}

bool Mutex::TryLock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static auto real = RealAs<bool (*)(Mutex*)>("_ZN", "5Mutex7TryLockEv");
  const Outer call;
  if (!call.outer) return real(this);
  __tsan_mutex_pre_lock(this, __tsan_mutex_try_lock);
  const bool locked = real(this);
  __tsan_mutex_post_lock(this, locked ? __tsan_mutex_try_lock : __tsan_mutex_try_lock_failed, 0);
  return locked;
}

void Mutex::Unlock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static auto real = RealAs<void (*)(Mutex*)>("_ZN", "5Mutex6UnlockEv");
  const Outer call;
  if (!call.outer) return real(this);
  __tsan_mutex_pre_unlock(this, 0);
  real(this);
  __tsan_mutex_post_unlock(this, 0);
}

void Mutex::ReaderLock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static auto real = RealAs<void (*)(Mutex*)>("_ZN", "5Mutex10ReaderLockEv");
  const Outer call;
  if (!call.outer) return real(this);
  __tsan_mutex_pre_lock(this, kRead);
  real(this);
  __tsan_mutex_post_lock(this, kRead, 0);
}

bool Mutex::ReaderTryLock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static auto real = RealAs<bool (*)(Mutex*)>("_ZN", "5Mutex13ReaderTryLockEv");
  const Outer call;
  if (!call.outer) return real(this);
  __tsan_mutex_pre_lock(this, __tsan_mutex_try_read_lock);
  const bool locked = real(this);
  __tsan_mutex_post_lock(
      this, locked ? __tsan_mutex_try_read_lock : __tsan_mutex_try_read_lock_failed, 0);
  return locked;
}

void Mutex::ReaderUnlock() ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static auto real = RealAs<void (*)(Mutex*)>("_ZN", "5Mutex12ReaderUnlockEv");
  const Outer call;
  if (!call.outer) return real(this);
  __tsan_mutex_pre_unlock(this, kRead);
  real(this);
  __tsan_mutex_post_unlock(this, kRead);
}

Mutex::~Mutex() {
  static auto real = RealAs<void (*)(Mutex*)>("_ZN", "5MutexD1Ev");
  real(this);
  __tsan_mutex_destroy(this, __tsan_mutex_not_static);
}

void Mutex::LockWhen(const Condition& cond) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static auto real =
      RealAs<void (*)(Mutex*, const Condition&)>("_ZN", "5Mutex8LockWhenERKNS0_9ConditionE");
  const Outer call;
  if (!call.outer) return real(this, cond);
  Acquiring(this, 0, [&] {
    real(this, cond);
    return 0;
  });
}

bool Mutex::LockWhenWithTimeout(const Condition& cond,
                                Duration timeout) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static auto real = RealAs<bool (*)(Mutex*, const Condition&, Duration)>(
      "_ZN", "5Mutex19LockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  const Outer call;
  if (!call.outer) return real(this, cond, timeout);
  return Acquiring(this, 0, [&] { return real(this, cond, timeout); });
}

bool Mutex::LockWhenWithDeadline(const Condition& cond,
                                 Time deadline) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static auto real = RealAs<bool (*)(Mutex*, const Condition&, Time)>(
      "_ZN", "5Mutex20LockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  const Outer call;
  if (!call.outer) return real(this, cond, deadline);
  return Acquiring(this, 0, [&] { return real(this, cond, deadline); });
}

void Mutex::ReaderLockWhen(const Condition& cond) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static auto real =
      RealAs<void (*)(Mutex*, const Condition&)>("_ZN", "5Mutex14ReaderLockWhenERKNS0_9ConditionE");
  const Outer call;
  if (!call.outer) return real(this, cond);
  Acquiring(this, kRead, [&] {
    real(this, cond);
    return 0;
  });
}

bool Mutex::ReaderLockWhenWithTimeout(const Condition& cond,
                                      Duration timeout) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static auto real = RealAs<bool (*)(Mutex*, const Condition&, Duration)>(
      "_ZN", "5Mutex25ReaderLockWhenWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  const Outer call;
  if (!call.outer) return real(this, cond, timeout);
  return Acquiring(this, kRead, [&] { return real(this, cond, timeout); });
}

bool Mutex::ReaderLockWhenWithDeadline(const Condition& cond,
                                       Time deadline) ABSL_NO_THREAD_SAFETY_ANALYSIS {
  static auto real = RealAs<bool (*)(Mutex*, const Condition&, Time)>(
      "_ZN", "5Mutex26ReaderLockWhenWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  const Outer call;
  if (!call.outer) return real(this, cond, deadline);
  return Acquiring(this, kRead, [&] { return real(this, cond, deadline); });
}

void Mutex::Await(const Condition& cond) {
  static auto real =
      RealAs<void (*)(Mutex*, const Condition&)>("_ZN", "5Mutex5AwaitERKNS0_9ConditionE");
  const Outer call;
  if (!call.outer) return real(this, cond);
  Reacquiring(this, [&] {
    real(this, cond);
    return 0;
  });
}

bool Mutex::AwaitWithTimeout(const Condition& cond, Duration timeout) {
  static auto real = RealAs<bool (*)(Mutex*, const Condition&, Duration)>(
      "_ZN", "5Mutex16AwaitWithTimeoutERKNS0_9ConditionENS0_8DurationE");
  const Outer call;
  if (!call.outer) return real(this, cond, timeout);
  return Reacquiring(this, [&] { return real(this, cond, timeout); });
}

bool Mutex::AwaitWithDeadline(const Condition& cond, Time deadline) {
  static auto real = RealAs<bool (*)(Mutex*, const Condition&, Time)>(
      "_ZN", "5Mutex17AwaitWithDeadlineERKNS0_9ConditionENS0_4TimeE");
  const Outer call;
  if (!call.outer) return real(this, cond, deadline);
  return Reacquiring(this, [&] { return real(this, cond, deadline); });
}

void CondVar::Wait(Mutex* mu) {
  static auto real = RealAs<void (*)(CondVar*, Mutex*)>("_ZN", "7CondVar4WaitEPNS0_5MutexE");
  const Outer call;
  if (!call.outer) return real(this, mu);
  Reacquiring(mu, [&] {
    real(this, mu);
    return 0;
  });
}

bool CondVar::WaitWithTimeout(Mutex* mu, Duration timeout) {
  static auto real = RealAs<bool (*)(CondVar*, Mutex*, Duration)>(
      "_ZN", "7CondVar15WaitWithTimeoutEPNS0_5MutexENS0_8DurationE");
  const Outer call;
  if (!call.outer) return real(this, mu, timeout);
  return Reacquiring(mu, [&] { return real(this, mu, timeout); });
}

bool CondVar::WaitWithDeadline(Mutex* mu, Time deadline) {
  static auto real = RealAs<bool (*)(CondVar*, Mutex*, Time)>(
      "_ZN", "7CondVar16WaitWithDeadlineEPNS0_5MutexENS0_4TimeE");
  const Outer call;
  if (!call.outer) return real(this, mu, deadline);
  return Reacquiring(mu, [&] { return real(this, mu, deadline); });
}

void Notification::Notify() {
  static auto real = RealAs<void (*)(Notification*)>("_ZN", "12Notification6NotifyEv");
  const Outer call;
  if (!call.outer) return real(this);
  __tsan_release(NotifiedFlag(this));
  real(this);
}

void Notification::WaitForNotification() const {
  static auto real =
      RealAs<void (*)(const Notification*)>("_ZNK", "12Notification19WaitForNotificationEv");
  const Outer call;
  if (!call.outer) return real(this);
  real(this);
  __tsan_acquire(NotifiedFlag(this));
}

bool Notification::WaitForNotificationWithTimeout(Duration timeout) const {
  static auto real = RealAs<bool (*)(const Notification*, Duration)>(
      "_ZNK", "12Notification30WaitForNotificationWithTimeoutENS0_8DurationE");
  const Outer call;
  if (!call.outer) return real(this, timeout);
  const bool notified = real(this, timeout);
  if (notified) __tsan_acquire(NotifiedFlag(this));
  return notified;
}

bool Notification::WaitForNotificationWithDeadline(Time deadline) const {
  static auto real = RealAs<bool (*)(const Notification*, Time)>(
      "_ZNK", "12Notification31WaitForNotificationWithDeadlineENS0_4TimeE");
  const Outer call;
  if (!call.outer) return real(this, deadline);
  const bool notified = real(this, deadline);
  if (notified) __tsan_acquire(NotifiedFlag(this));
  return notified;
}

ABSL_NAMESPACE_END
}  // namespace absl
