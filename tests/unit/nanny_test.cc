// The nanny's supervision loop (worker/nanny.h) with real child processes that die in the ways a
// worker can (a signal, an exit status, an OOM kill seen through a fake cgroup counter), driven
// without a scheduler: the exit reporter records what it is told.
#include "worker/nanny.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace brisk {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// In a child: dies of `sig`, without a core file.
[[noreturn]] void DieOf(int sig) {
  rlimit none = {0, 0};
  setrlimit(RLIMIT_CORE, &none);
  signal(sig, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  raise(sig);
  _exit(100);  // not reached
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "nanny-test-XXXXXX").string();
    path_ = mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& relative, const std::string& text) const {
    const std::filesystem::path p = std::filesystem::path(path_) / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }

 private:
  std::string path_;
};

struct Reported {
  std::vector<std::string> texts;
  std::vector<ChildRegistration> registrations;
  std::vector<bool> oom;
};

NannyOptions Quick(int max_restarts) {
  NannyOptions options;
  options.max_restarts = max_restarts;
  options.backoff = absl::Milliseconds(1);
  options.max_backoff = absl::Milliseconds(4);
  options.label = "nanny_test";
  return options;
}

ExitReporter Recorder(Reported& out) {
  return [&out](const ChildExit& exit, const ChildRegistration& last) {
    out.texts.push_back(exit.Text());
    out.registrations.push_back(last);
    out.oom.push_back(exit.oom);
  };
}

TEST(Nanny, NamesSignalsAndExitStatuses) {
  EXPECT_EQ(SignalName(SIGKILL), "SIGKILL");
  EXPECT_EQ(SignalName(SIGSEGV), "SIGSEGV");
  EXPECT_EQ(SignalName(SIGTERM), "SIGTERM");
  EXPECT_EQ(SignalName(1000), "signal 1000");
  ChildExit segv = RunForked([]() -> int { DieOf(SIGSEGV); }, absl::Seconds(10));
  EXPECT_EQ(segv.signal, SIGSEGV);
  EXPECT_EQ(segv.Text(), "killed by SIGSEGV");
  EXPECT_EQ(segv.ShellStatus(), 128 + SIGSEGV);
  ChildExit killed = RunForked([]() -> int { DieOf(SIGKILL); }, absl::Seconds(10));
  EXPECT_EQ(killed.Text(), "killed by SIGKILL, not known to be out of memory");
  killed.oom = true;
  EXPECT_EQ(killed.Text(), "killed by SIGKILL: out of memory");
  ChildExit three = RunForked([] { return 3; }, absl::Seconds(10));
  EXPECT_TRUE(three.abnormal());
  EXPECT_EQ(three.Text(), "exited with status 3");
  EXPECT_EQ(three.ShellStatus(), 3);
  EXPECT_FALSE(RunForked([] { return 0; }, absl::Seconds(10)).abnormal());
  // A forked function that blocks is ended by its time bound.
  ChildExit stuck = RunForked(
      [] {
        pause();
        return 0;
      },
      absl::Seconds(1));
  EXPECT_EQ(stuck.signal, SIGALRM);
}

TEST(Nanny, ReadsTheOomKillCounterOfCgroupV1AndV2) {
  TempDir dir;
  EXPECT_EQ(ReadOomKills(dir.Write("v2/memory.events",
                                   "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n")),
            2u);
  EXPECT_EQ(ReadOomKills(dir.Write("v1/memory.oom_control",
                                   "oom_kill_disable 0\nunder_oom 0\noom_kill 7\n")),
            7u);
  EXPECT_EQ(ReadOomKills(dir.Write("bad/memory.events", "oom_kill many\n")), std::nullopt);
  EXPECT_EQ(ReadOomKills(dir.path() + "/absent"), std::nullopt);
}

TEST(Nanny, FindsTheCgroupsOomCounter) {
  TempDir v1;
  const std::string v1_file = v1.Write("memory/a/b/memory.oom_control", "oom_kill 0\n");
  EXPECT_EQ(FindOomCounter("5:cpu,cpuacct:/x\n4:memory:/a/b\n0::/\n", v1.path()), v1_file);
  // A container that sees only its own part of the tree: the trailing part of the path.
  TempDir inner;
  const std::string inner_file = inner.Write("memory/b/memory.oom_control", "oom_kill 0\n");
  EXPECT_EQ(FindOomCounter("4:memory:/a/b\n", inner.path()), inner_file);
  TempDir root_only;
  const std::string root_file = root_only.Write("memory/memory.oom_control", "oom_kill 0\n");
  EXPECT_EQ(FindOomCounter("4:memory:/a/b\n", root_only.path()), root_file);

  TempDir v2;
  const std::string v2_file = v2.Write("user.slice/w.scope/memory.events", "oom_kill 0\n");
  EXPECT_EQ(FindOomCounter("0::/user.slice/w.scope\n", v2.path()), v2_file);
  TempDir hybrid;
  const std::string hybrid_file = hybrid.Write("unified/s/memory.events", "oom_kill 0\n");
  EXPECT_EQ(FindOomCounter("1:name=systemd:/s\n0::/s\n", hybrid.path()), hybrid_file);
  TempDir empty;
  EXPECT_EQ(FindOomCounter("4:memory:/a\n0::/a\n", empty.path()), "");
  EXPECT_EQ(FindOomCounter("", empty.path()), "");
}

TEST(Nanny, RegistrationLinesRoundTrip) {
  auto r = ParseRegistration("12\tinc-1\tworker one");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->worker_id, 12u);
  EXPECT_EQ(r->incarnation, "inc-1");
  EXPECT_EQ(r->name, "worker one");
  EXPECT_EQ(ParseRegistration("x\ty\tz"), std::nullopt);
  EXPECT_EQ(ParseRegistration("12\tinc"), std::nullopt);
}

TEST(Nanny, RestartsAChildThatDiesAndReportsEachCauseThenExitsWithTheLastStatus) {
  Reported reported;
  NannyRun run = RunNanny(Quick(/*max_restarts=*/2), Recorder(reported));
  if (run.child) {
    switch (run.restarts) {
      case 0:
        WriteRegistration(run.registration_fd, {7, "inc-a", "w1"});
        DieOf(SIGSEGV);
      case 1:
        // The name the first one registered under reaches the next.
        if (run.name != "w1") _exit(90);
        WriteRegistration(run.registration_fd, {8, "inc-a", "w1"});
        DieOf(SIGKILL);
      default:
        _exit(run.name == "w1" ? 3 : 91);  // dies before registering
    }
  }
  EXPECT_EQ(run.exit_status, 3);
  EXPECT_THAT(reported.texts,
              ElementsAre("killed by SIGSEGV", "killed by SIGKILL, not known to be out of memory",
                          "exited with status 3"));
  ASSERT_EQ(reported.registrations.size(), 3u);
  EXPECT_EQ(reported.registrations[0].worker_id, 7u);
  EXPECT_EQ(reported.registrations[0].incarnation, "inc-a");
  EXPECT_EQ(reported.registrations[0].name, "w1");
  EXPECT_EQ(reported.registrations[1].worker_id, 8u);
  // The third never registered: no id, and the name it would have had.
  EXPECT_EQ(reported.registrations[2].worker_id, 0u);
  EXPECT_EQ(reported.registrations[2].name, "w1");
}

TEST(Nanny, AChildThatExitsZeroIsNotRestarted) {
  Reported reported;
  NannyRun run = RunNanny(Quick(3), Recorder(reported));
  if (run.child) _exit(run.restarts == 0 ? 0 : 92);
  EXPECT_EQ(run.exit_status, 0);
  EXPECT_THAT(reported.texts, IsEmpty());
}

TEST(Nanny, ASigkillIsOutOfMemoryWhenTheCgroupCounterRose) {
  TempDir dir;
  NannyOptions options = Quick(1);
  options.oom_counter = dir.Write("memory.events", "oom 0\noom_kill 0\n");
  Reported reported;
  NannyRun run = RunNanny(options, Recorder(reported));
  if (run.child) {
    // The first child is "OOM killed": the counter rises as the kernel's would. The second is
    // SIGKILLed by someone else.
    if (run.restarts == 0) std::ofstream(options.oom_counter) << "oom 1\noom_kill 1\n";
    DieOf(SIGKILL);
  }
  EXPECT_EQ(run.exit_status, 128 + SIGKILL);
  EXPECT_THAT(reported.texts, ElementsAre("killed by SIGKILL: out of memory",
                                          "killed by SIGKILL, not known to be out of memory"));
  EXPECT_THAT(reported.oom, ElementsAre(true, false));
}

// In a child: asks its parent (the nanny) to stop with `sig`, then waits for the signal the nanny
// passes on and exits with `code_on_signal` (or 95 when nothing came within 20 s).
[[noreturn]] void StopTheNannyAndExit(int sig, int code_on_signal) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  kill(getppid(), sig);
  timespec limit = {20, 0};
  _exit(sigtimedwait(&set, nullptr, &limit) == sig ? code_on_signal : 95);
}

TEST(Nanny, SigtermIsPassedOnAndTheNannyExitsWithTheChildWithoutRestarting) {
  Reported reported;
  NannyRun run = RunNanny(Quick(3), Recorder(reported));
  if (run.child) {
    if (run.restarts != 0) _exit(93);
    StopTheNannyAndExit(SIGTERM, 0);
  }
  EXPECT_EQ(run.exit_status, 0);
  EXPECT_THAT(reported.texts, IsEmpty());
}

TEST(Nanny, AChildThatFailsAfterASigintIsReportedButNotRestarted) {
  Reported reported;
  NannyRun run = RunNanny(Quick(3), Recorder(reported));
  if (run.child) {
    if (run.restarts != 0) _exit(94);
    StopTheNannyAndExit(SIGINT, 4);
  }
  EXPECT_EQ(run.exit_status, 4);
  EXPECT_THAT(reported.texts, ElementsAre("exited with status 4"));
}

}  // namespace
}  // namespace brisk
