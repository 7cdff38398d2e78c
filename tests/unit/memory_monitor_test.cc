// MemoryMonitor driven by a fake resident-memory reading: spilling above target (by managed
// bytes) and above spill (by resident memory), pausing and resuming, and the terminate hook.
#include "worker/memory_monitor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/value_literals.h"

namespace brisk {
namespace {

using test_values::Bytes;

class MemoryMonitorTest : public ::testing::Test {
 protected:
  MemoryMonitorTest() {
    std::string pattern = ::testing::TempDir() + "monitor-test-XXXXXX";
    EXPECT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto spill = SpillStore::Open(dir_, Codec::kNone);
    EXPECT_TRUE(spill.ok()) << spill.status();
    store_.SetSpillStore(*std::move(spill));
  }
  ~MemoryMonitorTest() override { std::filesystem::remove_all(dir_); }

  MemoryMonitor Make(MemoryPolicy policy) {
    MemoryMonitor::Hooks hooks;
    hooks.resident = [this] { return resident_; };
    hooks.trim = [this] { ++trims_; };
    hooks.on_pause = [this](bool paused) { pauses_.push_back(paused); };
    hooks.on_terminate = [this](uint64_t rss) { terminates_.push_back(rss); };
    return MemoryMonitor(store_, policy, std::move(hooks));
  }
  // Ten values of 1000 bytes each (about 1100 bytes in memory).
  void PutTen() {
    for (int i = 0; i < 10; ++i) {
      store_.Put("v" + std::to_string(i),
                 std::make_shared<const v1::Value>(Bytes(std::string(1000, 'a' + i))));
    }
  }

  std::string dir_;
  ValueStore store_;
  uint64_t resident_ = 0;
  int trims_ = 0;
  std::vector<bool> pauses_;
  std::vector<uint64_t> terminates_;
};

TEST_F(MemoryMonitorTest, SpillsManagedBytesDownToTarget) {
  PutTen();
  const uint64_t total = store_.bytes();
  MemoryPolicy policy;
  policy.limit = total;  // target 0.6: about four values must go
  MemoryMonitor monitor = Make(policy);
  monitor.Check();
  EXPECT_LE(store_.bytes(), total * 6 / 10);
  EXPECT_GE(store_.stats().on_disk, 4u);
  EXPECT_TRUE(pauses_.empty());
}

TEST_F(MemoryMonitorTest, SpillsByResidentMemoryAboveSpill) {
  PutTen();
  MemoryPolicy policy;
  policy.limit = 100 * store_.bytes();  // managed is far below target...
  policy.pause = 0;
  MemoryMonitor monitor = Make(policy);
  resident_ = policy.limit * 3 / 4;  // ...but the process is above spill
  monitor.Check();
  EXPECT_EQ(store_.stats().on_disk, 10u) << "resident memory never came down: all spilled";
  EXPECT_GE(trims_, 10);
}

TEST_F(MemoryMonitorTest, NothingHappensBelowTheThresholds) {
  PutTen();
  MemoryPolicy policy;
  policy.limit = 10 * store_.bytes();
  MemoryMonitor monitor = Make(policy);
  resident_ = policy.limit / 2;
  monitor.Check();
  EXPECT_EQ(store_.stats().on_disk, 0u);
  EXPECT_FALSE(monitor.paused());
  EXPECT_TRUE(terminates_.empty());
}

TEST_F(MemoryMonitorTest, PausesAbovePauseAndRunsAgainBelow) {
  MemoryPolicy policy;
  policy.limit = 1000;
  MemoryMonitor monitor = Make(policy);
  resident_ = 850;
  monitor.Check();
  EXPECT_TRUE(monitor.paused());
  EXPECT_EQ(pauses_, std::vector<bool>({true}));
  monitor.Check();  // still paused: not told again
  EXPECT_EQ(pauses_, std::vector<bool>({true}));
  resident_ = 500;
  monitor.Check();
  EXPECT_FALSE(monitor.paused());
  EXPECT_EQ(pauses_, std::vector<bool>({true, false}));
  EXPECT_TRUE(terminates_.empty());
}

TEST_F(MemoryMonitorTest, AboveTerminateAsksToFailATask) {
  MemoryPolicy policy;
  policy.limit = 1000;
  MemoryMonitor monitor = Make(policy);
  resident_ = 990;
  monitor.Check();
  EXPECT_EQ(terminates_, std::vector<uint64_t>({990}));
  EXPECT_TRUE(monitor.paused());
}

TEST_F(MemoryMonitorTest, EachThresholdCanBeOff) {
  PutTen();
  MemoryPolicy policy;
  policy.limit = store_.bytes() / 2;
  policy.target = policy.spill = policy.pause = policy.terminate = 0;
  MemoryMonitor monitor = Make(policy);
  resident_ = policy.limit * 2;
  monitor.Check();
  EXPECT_EQ(store_.stats().on_disk, 0u);
  EXPECT_FALSE(monitor.paused());
  EXPECT_TRUE(terminates_.empty());
}

TEST_F(MemoryMonitorTest, NoLimitDoesNothing) {
  PutTen();
  MemoryMonitor monitor = Make(MemoryPolicy{});
  resident_ = 1ull << 40;
  monitor.Check();
  EXPECT_EQ(store_.stats().on_disk, 0u);
  EXPECT_FALSE(monitor.paused());
}

}  // namespace
}  // namespace brisk
