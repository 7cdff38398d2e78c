// Unit tests of the journal file: records come back in order, a torn or corrupt tail is cut off,
// a second scheduler cannot share it, and a rewrite (compaction) replaces its content.
#include "scheduler/journal.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"

namespace brisk {
namespace {

using ::testing::HasSubstr;

v1::JournalRecord Joined(const std::string& name) {
  v1::JournalRecord record;
  record.set_worker_joined(name);
  return record;
}

class JournalTest : public ::testing::Test {
 protected:
  JournalTest() {
    char tmpl[] = "/tmp/brisk-journal-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/journal";
  }
  ~JournalTest() override { std::filesystem::remove_all(dir_); }

  // Opens the journal; the names of the worker_joined records read back.
  std::unique_ptr<Journal> Open(std::vector<std::string>* names, JournalOptions options = {}) {
    names->clear();
    absl::StatusOr<std::unique_ptr<Journal>> journal = Journal::Open(
        path_, [names](const v1::JournalRecord& r) { names->push_back(r.worker_joined()); },
        options);
    EXPECT_TRUE(journal.ok()) << journal.status();
    return journal.ok() ? std::move(*journal) : nullptr;
  }

  void Write(const std::vector<std::string>& names) {
    std::vector<std::string> ignored;
    std::unique_ptr<Journal> journal = Open(&ignored);
    for (const std::string& name : names) journal->Record(Joined(name));
    journal->Commit();
  }

  uint64_t FileSize() const { return std::filesystem::file_size(path_); }

  std::string dir_;
  std::string path_;
};

TEST_F(JournalTest, CreatedWhenMissingAndReadBackInOrder) {
  std::vector<std::string> names;
  ASSERT_NE(Open(&names), nullptr);
  EXPECT_TRUE(names.empty());
  EXPECT_TRUE(std::filesystem::exists(path_));
  Write({"a", "b"});
  Write({"c"});
  std::unique_ptr<Journal> journal = Open(&names);
  EXPECT_THAT(names, ::testing::ElementsAre("a", "b", "c"));
  EXPECT_EQ(journal->replayed(), 3u);
  EXPECT_EQ(journal->truncated(), 0u);
  EXPECT_EQ(journal->size(), FileSize());
}

TEST_F(JournalTest, NothingReachesTheFileBeforeCommit) {
  std::vector<std::string> names;
  std::unique_ptr<Journal> journal = Open(&names);
  journal->Record(Joined("a"));
  EXPECT_EQ(FileSize(), 0u);
  journal->Commit();
  EXPECT_GT(FileSize(), 0u);
  EXPECT_EQ(journal->size(), FileSize());
}

TEST_F(JournalTest, MissingDirectoryIsAClearError) {
  absl::StatusOr<std::unique_ptr<Journal>> journal =
      Journal::Open(dir_ + "/no/such/dir/journal", [](const v1::JournalRecord&) {});
  ASSERT_FALSE(journal.ok());
  EXPECT_THAT(journal.status().message(), HasSubstr("no/such/dir"));
  EXPECT_THAT(journal.status().message(), HasSubstr("does not exist"));
}

TEST_F(JournalTest, SecondOpenIsRefusedWhileInUse) {
  std::vector<std::string> names;
  std::unique_ptr<Journal> first = Open(&names);
  absl::StatusOr<std::unique_ptr<Journal>> second =
      Journal::Open(path_, [](const v1::JournalRecord&) {});
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr("in use by another scheduler"));
}

TEST_F(JournalTest, TornLastRecordIsCutOffAndAppendingGoesOn) {
  Write({"a", "b", "c"});
  const uint64_t full = FileSize();
  std::filesystem::resize_file(path_, full - 2);  // a crash in the middle of the last write
  std::vector<std::string> names;
  {
    std::unique_ptr<Journal> journal = Open(&names);
    EXPECT_THAT(names, ::testing::ElementsAre("a", "b"));
    EXPECT_GT(journal->truncated(), 0u);
    EXPECT_EQ(FileSize(), journal->size());
    EXPECT_LT(FileSize(), full - 2);
    journal->Record(Joined("d"));
    journal->Commit();
  }
  std::unique_ptr<Journal> journal = Open(&names);
  EXPECT_THAT(names, ::testing::ElementsAre("a", "b", "d"));
  EXPECT_EQ(journal->truncated(), 0u);
}

TEST_F(JournalTest, CorruptRecordEndsTheJournalThere) {
  Write({"first", "second"});
  {
    // The last byte of the file is in the second record's checksum.
    std::fstream f(path_, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(FileSize() - 1));
    f.put('\x5a');
  }
  std::vector<std::string> names;
  std::unique_ptr<Journal> journal = Open(&names);
  EXPECT_THAT(names, ::testing::ElementsAre("first"));
  EXPECT_GT(journal->truncated(), 0u);
}

TEST_F(JournalTest, GarbageFileKeepsNothing) {
  {
    std::ofstream f(path_, std::ios::binary);
    f << "\xff\xff\xff\xff\xff\xff not a journal";
  }
  std::vector<std::string> names;
  std::unique_ptr<Journal> journal = Open(&names);
  EXPECT_TRUE(names.empty());
  EXPECT_EQ(FileSize(), 0u);
}

TEST_F(JournalTest, RewriteReplacesTheContentAndCompactionWaitsForGrowth) {
  JournalOptions options;
  options.compact_bytes = 64;
  std::vector<std::string> names;
  {
    std::unique_ptr<Journal> journal = Open(&names, options);
    EXPECT_FALSE(journal->WantsCompaction());
    for (int i = 0; i < 20; ++i) journal->Record(Joined("worker-" + std::to_string(i)));
    journal->Commit();
    EXPECT_TRUE(journal->WantsCompaction());
    ASSERT_TRUE(journal->Rewrite({Joined("snap")}).ok());
    EXPECT_FALSE(journal->WantsCompaction());
    EXPECT_FALSE(std::filesystem::exists(path_ + ".tmp"));
    journal->Record(Joined("after"));
    journal->Commit();
    EXPECT_EQ(journal->size(), FileSize());
  }
  Open(&names, options);
  EXPECT_THAT(names, ::testing::ElementsAre("snap", "after"));
}

}  // namespace
}  // namespace brisk
