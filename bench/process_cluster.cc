#include "bench/process_cluster.h"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/address_file.h"
#include "common/state_names.h"

namespace brisk::bench {
namespace {

// Closes a file descriptor when it goes out of scope.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

int RemainingMs(absl::Time deadline) {
  const int64_t ms = absl::ToInt64Milliseconds(deadline - absl::Now());
  return static_cast<int>(std::clamp<int64_t>(ms, 0, 1 << 30));
}

}  // namespace

absl::StatusOr<std::unique_ptr<ProcessCluster>> ProcessCluster::Start(
    const ProcessClusterOptions& options) {
  std::unique_ptr<ProcessCluster> cluster(new ProcessCluster(options));
  absl::Status booted = cluster->Boot();
  if (!booted.ok()) {
    (void)cluster->Stop();
    return absl::Status(booted.code(), absl::StrCat("starting the cluster in ", options.dir, ": ",
                                                    booted.message()));
  }
  return cluster;
}

ProcessCluster::~ProcessCluster() { (void)Stop(); }

std::vector<std::string> ProcessCluster::worker_names() const {
  std::vector<std::string> names;
  for (int i = 0; i < options_.workers; ++i) names.push_back(absl::StrCat("w", i));
  return names;
}

absl::Status ProcessCluster::Boot() {
  const auto start = std::chrono::steady_clock::now();
  const absl::Time deadline = absl::Now() + options_.ready_timeout;
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("mkdir ", options_.dir, ": ", ec.message()));
  const std::string address_file = absl::StrCat(options_.dir, "/scheduler.addr");
  std::filesystem::remove(address_file, ec);

  std::vector<std::string> scheduler_argv = {absl::StrCat(options_.bin_dir, "/brisk-scheduler"),
                                             "--port", "0", "--address-file", address_file};
  if (options_.journal) {
    const std::string journal = absl::StrCat(options_.dir, "/scheduler.journal");
    std::filesystem::remove(journal, ec);
    scheduler_argv.insert(scheduler_argv.end(), {"--journal", journal});
  }
  auto scheduler =
      ChildProcess::Spawn(scheduler_argv, absl::StrCat(options_.dir, "/scheduler.log"));
  if (!scheduler.ok()) return scheduler.status();
  scheduler_ = std::move(*scheduler);

  auto address = AwaitAddressFile(address_file, deadline);
  if (!address.ok()) return address.status();

  for (const std::string& name : worker_names()) {
    auto worker =
        ChildProcess::Spawn({absl::StrCat(options_.bin_dir, "/brisk-worker"), *address, "--name",
                             name, "--nthreads", absl::StrCat(options_.threads_per_worker)},
                            absl::StrCat(options_.dir, "/", name, ".log"));
    if (!worker.ok()) return worker.status();
    workers_.push_back(std::move(*worker));
  }

  auto client = Client::Connect(*address);
  if (!client.ok()) return client.status();
  client_ = std::move(*client);
  if (auto status = client_->Status(); !status.ok()) return status.status();

  // One task restricted to each worker: it waits in `no-worker` until that worker registered.
  v1::Graph probe;
  for (const std::string& name : worker_names()) {
    v1::Task* task = probe.add_tasks();
    task->set_key(absl::StrCat("cluster-probe-", name));
    task->set_op("inc");
    task->add_args()->set_int_(0);
    task->add_workers(name);
  }
  auto job = client_->Submit(probe);
  if (!job.ok()) return job.status();
  while (true) {
    auto state = client_->Wait(job->id, absl::Milliseconds(100));
    if (state.ok()) {
      if (*state != v1::JOB_STATE_FINISHED) {
        return absl::InternalError(absl::StrCat("the probe tasks ended ", StateName(*state)));
      }
      break;
    }
    if (!absl::IsDeadlineExceeded(state.status())) return state.status();
    if (absl::Status alive = CheckAlive(); !alive.ok()) return alive;
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("the workers did not all take work within ",
                                                      absl::FormatDuration(options_.ready_timeout),
                                                      "; see the logs"));
    }
  }
  auto status = client_->Status();
  if (!status.ok()) return status.status();
  if (status->workers_size() != options_.workers) {
    return absl::InternalError(absl::StrCat("the scheduler lists ", status->workers_size(),
                                            " workers, expected ", options_.workers));
  }
  startup_seconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (absl::Status released = client_->Release(job->id); !released.ok()) return released;
  return absl::OkStatus();
}

absl::StatusOr<std::string> ProcessCluster::AwaitAddressFile(const std::string& path,
                                                             absl::Time deadline) {
  ScopedFd watch(inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (watch.get() < 0) return absl::UnavailableError(absl::StrCat("inotify: ", strerror(errno)));
  // Watch first, then look: a file written in between is still seen.
  if (inotify_add_watch(watch.get(), options_.dir.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
    return absl::UnavailableError(absl::StrCat("inotify on ", options_.dir, ": ", strerror(errno)));
  }
  while (true) {
    auto address = ReadAddressFile(path);
    if (address.ok()) return address;
    pollfd fds[2] = {{watch.get(), POLLIN, 0}, {scheduler_.exit_fd(), POLLIN, 0}};
    const int ready = poll(fds, 2, RemainingMs(deadline));
    if (ready < 0 && errno != EINTR) {
      return absl::UnavailableError(absl::StrCat("poll: ", strerror(errno)));
    }
    if (fds[1].revents != 0) {
      absl::Status running = scheduler_.CheckRunning();
      return absl::UnavailableError(absl::StrCat("the scheduler ", running.message()));
    }
    if (ready == 0) {
      return absl::DeadlineExceededError(absl::StrCat(
          "no address file at ", path, " after ", absl::FormatDuration(options_.ready_timeout)));
    }
    char events[4096];
    while (read(watch.get(), events, sizeof events) > 0) {
    }
  }
}

absl::Status ProcessCluster::CheckAlive() {
  if (absl::Status s = scheduler_.CheckRunning(); !s.ok()) {
    return absl::UnavailableError(absl::StrCat("the scheduler ", s.message()));
  }
  for (size_t i = 0; i < workers_.size(); ++i) {
    if (absl::Status s = workers_[i].CheckRunning(); !s.ok()) {
      return absl::UnavailableError(absl::StrCat("worker w", i, " ", s.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status ProcessCluster::Stop() {
  if (stopped_) return absl::OkStatus();
  stopped_ = true;
  client_.reset();
  absl::Status first;
  for (size_t i = 0; i < workers_.size(); ++i) {
    absl::Status s = workers_[i].Stop();
    if (!s.ok() && first.ok())
      first = absl::Status(s.code(), absl::StrCat("worker w", i, ": ", s.message()));
  }
  absl::Status s = scheduler_.Stop();
  if (!s.ok() && first.ok())
    first = absl::Status(s.code(), absl::StrCat("scheduler: ", s.message()));
  return first;
}

std::string ExecutableDir() {
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/self/exe", ec).parent_path().string();
}

absl::StatusOr<std::string> MakeWorkDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/brisk-bench-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::UnavailableError(absl::StrCat("mkdtemp ", pattern, " failed"));
  }
  return pattern;
}

}  // namespace brisk::bench
