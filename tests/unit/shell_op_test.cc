// The shell op: real child processes, run through the op registry with a fake task context.
#include "worker/shell_op.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace brisk {
namespace {

using ::testing::HasSubstr;
using v1::Value;

// Stops the task when told to, or after `stop_after` has passed since it was created.
class FakeContext : public OpContext {
 public:
  explicit FakeContext(absl::Duration stop_after = absl::InfiniteDuration())
      : deadline_(absl::Now() + stop_after) {}
  bool Stopped() const override { return stopped_ || absl::Now() >= deadline_; }
  bool SleepFor(absl::Duration) override { return !Stopped(); }
  void SetLog(std::string text) override { log = std::move(text); }
  std::atomic<bool> stopped_{false};
  std::string log;

 private:
  absl::Time deadline_;
};

Value Str(const std::string& s) {
  Value v;
  v.set_str(s);
  return v;
}

Value Bytes(const std::string& s) {
  Value v;
  v.set_bytes(s);
  return v;
}

Value Bool(bool b) {
  Value v;
  v.set_bool_(b);
  return v;
}

class ShellOp : public ::testing::Test {
 protected:
  ShellOp() { RegisterShellOp(registry_); }

  // Runs `shell` with `args` (the ones listed in `refs` as if they came from other tasks).
  absl::StatusOr<Value> Run(const std::vector<Value>& args,
                            const std::map<std::string, Value>& kwargs = {},
                            const std::vector<size_t>& refs = {}) {
    OpArgs op_args;
    for (const Value& v : args) {
      op_args.args.push_back(&v);
      op_args.arg_is_ref.push_back(false);
    }
    for (size_t r : refs) op_args.arg_is_ref[r] = true;
    for (const auto& [name, v] : kwargs) op_args.kwargs[name] = &v;
    return (*registry_.Find("shell"))(ctx_, op_args);
  }

  std::string Temp(const std::string& name) {
    return (std::filesystem::temp_directory_path() / (name + std::to_string(getpid()))).string();
  }

  OpRegistry registry_;
  FakeContext ctx_;
};

// Whether any live (not zombie) process of group `pgid` exists.
bool GroupAlive(pid_t pgid) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    long pid;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;  // not a process
    std::ifstream stat(entry.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const size_t paren = text.rfind(')');
    if (paren == std::string::npos) continue;
    // After "pid (comm) ": state ppid pgrp ...
    std::istringstream fields(text.substr(paren + 2));
    char state;
    long ppid, pgrp;
    if (fields >> state >> ppid >> pgrp && pgrp == pgid && state != 'Z') return true;
  }
  return false;
}

pid_t ReadPid(const std::string& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  pid_t pid = 0;
  EXPECT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(text), &pid)) << text;
  return pid;
}

TEST_F(ShellOp, ResultIsStandardOutputAsBytes) {
  auto out = Run({Str("echo"), Str("hello"), Str("world")});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->kind_case(), Value::kBytes);
  EXPECT_EQ(out->bytes(), "hello world\n");
}

TEST_F(ShellOp, ArgumentsAreNotInterpretedByAShellUnlessAsked) {
  auto plain = Run({Str("echo"), Str("$HOME; echo no")});
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(plain->bytes(), "$HOME; echo no\n");
  auto shell = Run({Str("echo \"$1-$2\""), Str("a"), Str("b")}, {{"shell", Bool(true)}});
  ASSERT_TRUE(shell.ok()) << shell.status();
  EXPECT_EQ(shell->bytes(), "a-b\n");
}

TEST_F(ShellOp, ReferencedValueIsPassedAsAFilePath) {
  auto out = Run({Str("cat"), Bytes(std::string("bin\0ary", 7))}, {}, {1});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->bytes(), std::string("bin\0ary", 7));
}

TEST_F(ShellOp, StdinEnvAndCwdAreHonoured) {
  auto sorted = Run({Str("sort"), Str("-n")}, {{"stdin", Bytes("10\n9\n100\n")}});
  ASSERT_TRUE(sorted.ok()) << sorted.status();
  EXPECT_EQ(sorted->bytes(), "9\n10\n100\n");

  Value env;
  env.mutable_list()->add_items()->set_str("BRISK_TEST_X=42");
  auto echoed = Run(
      {
          Str("echo $BRISK_TEST_X"),
      },
      {{"shell", Bool(true)}, {"env", env}});
  ASSERT_TRUE(echoed.ok()) << echoed.status();
  EXPECT_EQ(echoed->bytes(), "42\n");

  auto pwd = Run({Str("pwd")}, {{"cwd", Str("/")}});
  ASSERT_TRUE(pwd.ok()) << pwd.status();
  EXPECT_EQ(pwd->bytes(), "/\n");
}

TEST_F(ShellOp, NonZeroExitFailsWithStatusAndStderrTail) {
  auto out = Run({Str("echo partial; echo 'bad input' >&2; exit 3")}, {{"shell", Bool(true)}});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("exited with status 3"));
  EXPECT_THAT(out.status().message(), HasSubstr("bad input"));
  EXPECT_EQ(ctx_.log, "bad input\n");
}

TEST_F(ShellOp, UncheckedExitStatusIsPartOfTheResult) {
  auto out = Run({Str("echo partial; exit 3")}, {{"shell", Bool(true)}, {"check", Bool(false)}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->map().entries().at("stdout").bytes(), "partial\n");
  EXPECT_EQ(out->map().entries().at("status").int_(), 3);
}

TEST_F(ShellOp, CommandThatCannotStartIsAClearError) {
  auto out = Run({Str("/nonexistent/brisk-no-such-command")});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(),
              HasSubstr("cannot run \"/nonexistent/brisk-no-such-command\""));
}

TEST_F(ShellOp, UnknownKeywordArgumentIsRefused) {
  auto out = Run({Str("true")}, {{"stdn", Str("x")}});
  ASSERT_FALSE(out.ok());
  EXPECT_THAT(out.status().message(), HasSubstr("unknown keyword argument \"stdn\""));
}

TEST_F(ShellOp, StoppedTaskKillsTheWholeProcessGroup) {
  const std::string pid_file = Temp("brisk-shell-pgid-");
  FakeContext stops_soon(absl::Milliseconds(300));
  Value script = Str("echo $$ > \"$1\"; sleep 100 & sleep 100");
  Value path = Str(pid_file);
  OpArgs args;
  args.args = {&script, &path};
  args.arg_is_ref = {false, false};
  Value yes = Bool(true);
  args.kwargs["shell"] = &yes;
  const absl::Time start = absl::Now();
  auto out = (*registry_.Find("shell"))(stops_soon, args);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), absl::StatusCode::kCancelled);
  EXPECT_LT(absl::Now() - start, absl::Seconds(50));  // killed, not waited for
  const pid_t pgid = ReadPid(pid_file);
  EXPECT_FALSE(GroupAlive(pgid)) << "processes of group " << pgid << " survived";
  std::filesystem::remove(pid_file);
}

TEST_F(ShellOp, BackgroundProcessDoesNotOutliveItsTask) {
  const std::string pid_file = Temp("brisk-shell-bg-");
  auto out = Run({Str("echo $$ > \"$1\"; sleep 100 & echo started"), Str(pid_file)},
                 {{"shell", Bool(true)}});
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->bytes(), "started\n");
  const pid_t pgid = ReadPid(pid_file);
  EXPECT_FALSE(GroupAlive(pgid)) << "the background sleep of group " << pgid << " survived";
  std::filesystem::remove(pid_file);
}

}  // namespace
}  // namespace brisk
