// ServerStream: one server-side bidirectional gRPC stream (callback API). Hands each message read
// to a callback, queues writes so that at most one is in flight (gRPC's rule), and deletes itself
// once gRPC is done with it, after calling `on_closed` exactly once.
//
//   reading ──(peer closes or fails)──> closing: pending writes drain ──> Finish ──> OnDone:
//   deleted
#pragma once

#include <grpcpp/grpcpp.h>

#include <deque>
#include <functional>
#include <utility>

#include "absl/synchronization/mutex.h"

namespace brisk {

template <typename In, typename Out>
class ServerStream : public grpc::ServerBidiReactor<In, Out> {
 public:
  struct Callbacks {
    // Called on a gRPC thread, one message at a time, in order.
    std::function<void(ServerStream&, In&)> on_message;
    // Called once when the stream is over, just before the object is deleted.
    std::function<void()> on_closed;
  };

  explicit ServerStream(Callbacks callbacks) : callbacks_(std::move(callbacks)) {
    this->StartRead(&in_);
  }

  // Thread-safe. Messages sent after Close are dropped.
  void Send(Out message) {
    absl::MutexLock lock(&mu_);
    if (closing_) return;
    queue_.push_back(std::move(message));
    if (!writing_) {
      writing_ = true;
      this->StartWrite(&queue_.front());
    }
  }

  // Thread-safe: ends the stream with `status` once the queued writes are sent.
  void Close(grpc::Status status) {
    absl::MutexLock lock(&mu_);
    if (closing_) return;
    closing_ = true;
    status_ = std::move(status);
    if (!writing_) FinishLocked();
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Close(grpc::Status::OK);
      return;
    }
    callbacks_.on_message(*this, in_);
    in_.Clear();
    {
      absl::MutexLock lock(&mu_);
      if (closing_) return;  // on_message closed the stream: no more operations after Finish
    }
    this->StartRead(&in_);
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    queue_.pop_front();
    if (!ok) {
      queue_.clear();
      closing_ = true;
    }
    if (!queue_.empty() && ok) {
      this->StartWrite(&queue_.front());
      return;
    }
    writing_ = false;
    if (closing_) FinishLocked();
  }

  void OnDone() override {
    callbacks_.on_closed();
    delete this;
  }

 private:
  void FinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    this->Finish(status_);
  }

  Callbacks callbacks_;
  In in_;
  absl::Mutex mu_;
  std::deque<Out> queue_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

// A stream refused before it starts (e.g. unauthenticated): finishes at once with `status`.
template <typename In, typename Out>
class RefusedStream : public grpc::ServerBidiReactor<In, Out> {
 public:
  explicit RefusedStream(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace brisk
