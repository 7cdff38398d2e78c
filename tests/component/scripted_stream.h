// ScriptedStream: a test's own end of one bidirectional stream to the scheduler, opened with the
// generated stub. A reader thread queues every message the scheduler sends, and the test takes
// them with a deadline, so a message that never comes fails the test instead of hanging it.
// Send() and the Next*() calls may be used from the test thread while the reader runs.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/sync_stream.h>

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <thread>
#include <utility>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace brisk {

// How long a test waits for a message that should come. Generous: it only bounds a failing test.
inline constexpr absl::Duration kMessageWait = absl::Seconds(10);

template <typename Out, typename In>
class ScriptedStream {
 public:
  using Rpc = grpc::ClientReaderWriter<Out, In>;
  // Opens the stream on `context` (the stub's method, e.g. WorkerStream).
  using Opener = std::function<std::unique_ptr<Rpc>(grpc::ClientContext*)>;

  // `prepare` may add metadata (the auth token) to the call before it starts.
  explicit ScriptedStream(const Opener& open,
                          const std::function<void(grpc::ClientContext&)>& prepare = {}) {
    // A safety net only: no test should come near it.
    context_.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    if (prepare) prepare(context_);
    rpc_ = open(&context_);
    reader_ = std::thread([this] { ReadAll(); });
  }

  ~ScriptedStream() {
    context_.TryCancel();
    reader_.join();
  }

  ScriptedStream(const ScriptedStream&) = delete;
  ScriptedStream& operator=(const ScriptedStream&) = delete;

  // False once the stream is broken (e.g. the scheduler has ended it).
  bool Send(const Out& message) { return rpc_->Write(message); }

  // The next message from the scheduler; nullopt when none comes within `wait` or the stream ends.
  std::optional<In> Next(absl::Duration wait = kMessageWait) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(this, &ScriptedStream::HasMessageOrEnded), wait);
    if (received_.empty()) return std::nullopt;
    In message = std::move(received_.front());
    received_.pop_front();
    return message;
  }

  // Skips messages until one satisfies `match`; nullopt when none does before `wait` is over.
  std::optional<In> NextWhere(const std::function<bool(const In&)>& match,
                              absl::Duration wait = kMessageWait) {
    const absl::Time deadline = absl::Now() + wait;
    while (true) {
      std::optional<In> message = Next(deadline - absl::Now());
      if (!message || match(*message)) return message;
    }
  }

  // Half-closes the stream: the scheduler sees the peer end it cleanly.
  void CloseSending() { rpc_->WritesDone(); }
  // Breaks the stream off, as when the peer's process dies.
  void Cancel() { context_.TryCancel(); }

  // Waits for the scheduler to end the stream (after the messages still queued are taken or
  // not); returns how it ended, or nullopt when it has not ended within `wait`.
  std::optional<grpc::Status> WaitEnd(absl::Duration wait = kMessageWait) {
    absl::MutexLock lock(&mu_);
    if (!mu_.AwaitWithTimeout(absl::Condition(&ended_), wait)) return std::nullopt;
    return status_;
  }

 private:
  bool HasMessageOrEnded() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !received_.empty() || ended_;
  }

  void ReadAll() {
    In message;
    while (rpc_->Read(&message)) {
      absl::MutexLock lock(&mu_);
      received_.push_back(std::move(message));
      message = In();
    }
    grpc::Status status = rpc_->Finish();
    absl::MutexLock lock(&mu_);
    status_ = std::move(status);
    ended_ = true;
  }

  grpc::ClientContext context_;
  std::unique_ptr<Rpc> rpc_;
  std::thread reader_;
  absl::Mutex mu_;
  std::deque<In> received_ ABSL_GUARDED_BY(mu_);
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

}  // namespace brisk
