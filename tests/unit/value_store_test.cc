// ValueStore with a SpillStore: least-recently-used spilling of values nobody holds, transparent
// reloads (bytes, arrays, tables in their raw layout; other values as their encoding), the
// compression codecs, and clear errors for a missing or torn spill file.
#include "worker/value_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "brisk/value.h"
#include "common/compression.h"
#include "tests/support/value_literals.h"

namespace brisk {
namespace {

using test_values::Bytes;
using test_values::I;
using test_values::L;
using ::testing::HasSubstr;

// A fresh directory for one test's spill files, removed after it.
class SpillDir {
 public:
  SpillDir() {
    std::string pattern = ::testing::TempDir() + "spill-test-XXXXXX";
    EXPECT_NE(::mkdtemp(pattern.data()), nullptr);
    path_ = pattern;
  }
  ~SpillDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  // Spill files under it (in the store's own subdirectory).
  size_t Files() const {
    size_t n = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(path_)) {
      n += entry.is_regular_file() ? 1 : 0;
    }
    return n;
  }

 private:
  std::string path_;
};

std::unique_ptr<SpillStore> OpenSpill(const SpillDir& dir, Codec codec = Codec::kLz4) {
  auto spill = SpillStore::Open(dir.path(), codec);
  EXPECT_TRUE(spill.ok()) << spill.status();
  return spill.ok() ? *std::move(spill) : nullptr;
}

ValuePtr Share(v1::Value value) { return std::make_shared<const v1::Value>(std::move(value)); }

// Bytes that lz4 and zstd cannot shrink.
std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 gen(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(gen());
  return out;
}

v1::Value Int64Array(int64_t n) {
  ArrayBuilder<int64_t> builder({static_cast<uint64_t>(n)});
  for (int64_t i = 0; i < n; ++i) builder.values()[i] = i * 7;
  return std::move(builder).Finish();
}

TEST(Compression, RoundTripsWithEachCodec) {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += std::to_string(i % 100);
  for (Codec codec : {Codec::kLz4, Codec::kZstd}) {
    Compressed c = Compress(codec, text);
    EXPECT_EQ(c.used, codec) << CodecName(codec);
    EXPECT_LT(c.bytes.size(), text.size() / 2) << CodecName(codec);
    absl::StatusOr<std::string> back = Decompress(c.used, c.bytes, text.size());
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, text);
  }
}

TEST(Compression, SkipsDataThatDoesNotShrink) {
  const std::string noise = RandomBytes(1 << 20, 1);
  EXPECT_EQ(Compress(Codec::kLz4, noise).used, Codec::kNone);
  EXPECT_EQ(Compress(Codec::kZstd, noise).used, Codec::kNone);
  EXPECT_EQ(Compress(Codec::kLz4, "tiny").used, Codec::kNone);
}

TEST(Compression, CorruptDataIsAnError) {
  const std::string zeros(100000, '\0');
  for (Codec codec : {Codec::kLz4, Codec::kZstd}) {
    Compressed c = Compress(codec, zeros);
    ASSERT_EQ(c.used, codec);
    c.bytes.resize(c.bytes.size() / 2);
    absl::StatusOr<std::string> back = Decompress(codec, c.bytes, zeros.size());
    EXPECT_FALSE(back.ok()) << CodecName(codec);
  }
}

TEST(Compression, ParsesCodecNames) {
  EXPECT_EQ(*ParseCodec("lz4"), Codec::kLz4);
  EXPECT_EQ(*ParseCodec("zstd"), Codec::kZstd);
  EXPECT_EQ(*ParseCodec("none"), Codec::kNone);
  EXPECT_THAT(ParseCodec("gzip").status().message(), HasSubstr("gzip"));
}

TEST(ValueStore, SpillsLeastRecentlyUsedFirstAndReloadsTransparently) {
  SpillDir dir;
  ValueStore store;
  store.SetSpillStore(OpenSpill(dir));
  store.Put("a", Share(Bytes(std::string(100000, 'a'))));
  store.Put("b", Share(Bytes(std::string(100000, 'b'))));
  store.Put("c", Share(Bytes(std::string(100000, 'c'))));
  ASSERT_NE(store.Get("a"), nullptr);  // a is now the most recently used
  const uint64_t before = store.bytes();

  ASSERT_TRUE(store.SpillOne());  // b: the least recently used
  ValueStore::Stats stats = store.stats();
  EXPECT_EQ(stats.on_disk, 1u);
  EXPECT_EQ(stats.in_memory, 2u);
  EXPECT_LT(stats.managed, before);
  EXPECT_GT(stats.spilled, 0u);
  EXPECT_LT(stats.spilled, 100000u) << "a run of one byte compresses";
  EXPECT_EQ(stats.spilled_total, stats.spilled);
  EXPECT_EQ(dir.Files(), 1u);

  ASSERT_TRUE(store.SpillOne());  // then c
  EXPECT_EQ(store.stats().on_disk, 2u);
  ValuePtr b = store.Get("b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->bytes(), std::string(100000, 'b'));
  ValuePtr c = store.Get("c");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->bytes(), std::string(100000, 'c'));
  EXPECT_TRUE(store.Contains("b"));

  store.Erase("b");
  store.Erase("c");
  EXPECT_EQ(dir.Files(), 0u) << "a dropped value's file goes with it";
  stats = store.stats();
  EXPECT_EQ(stats.spilled, 0u);
  EXPECT_GT(stats.spilled_total, 0u);
  EXPECT_EQ(stats.managed, store.bytes());
}

TEST(ValueStore, DoesNotSpillAValueSomeoneHolds) {
  SpillDir dir;
  ValueStore store;
  store.SetSpillStore(OpenSpill(dir));
  store.Put("held", Share(Bytes(std::string(10000, 'h'))));
  store.Put("free", Share(Bytes(std::string(10000, 'f'))));
  ValuePtr held = store.Get("free");  // "held" is now the least recently used...
  held = store.Get("held");           // ...but a running task holds it
  ASSERT_TRUE(store.SpillOne());
  EXPECT_FALSE(store.SpillOne()) << "only the value nobody holds could be spilled";
  EXPECT_EQ(store.stats().in_memory, 1u);
  held.reset();
  EXPECT_TRUE(store.SpillOne());
}

TEST(ValueStore, SpillUntilStopsAtTheTarget) {
  SpillDir dir;
  ValueStore store;
  store.SetSpillStore(OpenSpill(dir, Codec::kNone));
  for (int i = 0; i < 10; ++i) {
    store.Put("v" + std::to_string(i), Share(Bytes(RandomBytes(10000, i))));
  }
  const uint64_t one = store.bytes() / 10;
  store.SpillUntil(one * 4);
  EXPECT_LE(store.bytes(), one * 4);
  EXPECT_EQ(store.stats().in_memory, 4u);
  EXPECT_EQ(store.stats().spilled, 6u * 10000) << "uncompressed: the bytes as they are";
  for (int i = 0; i < 10; ++i) {
    ValuePtr v = store.Get("v" + std::to_string(i));
    ASSERT_NE(v, nullptr) << i;
    EXPECT_EQ(v->bytes(), RandomBytes(10000, i)) << i;
  }
}

TEST(ValueStore, WithoutSpillStoreNothingSpills) {
  ValueStore store;
  store.Put("a", Share(I(1)));
  EXPECT_FALSE(store.SpillOne());
  EXPECT_EQ(store.SpillUntil(0), 0u);
}

TEST(ValueStore, ArraysAndTablesSpillInTheirRawLayout) {
  for (Codec codec : {Codec::kNone, Codec::kLz4, Codec::kZstd}) {
    SpillDir dir;
    ValueStore store;
    store.SetSpillStore(OpenSpill(dir, codec));
    const v1::Value array = Int64Array(100000);
    const std::vector<int32_t> xs = {1, 2, 3};
    TableBuilder table;
    table.Add<int32_t>("x", xs).AddStrings("s", {"a", std::nullopt, "c"});
    absl::StatusOr<v1::Value> built = std::move(table).Finish();
    ASSERT_TRUE(built.ok()) << built.status();
    store.Put("array", Share(array));
    store.Put("table", Share(*built));
    store.Put("list", Share(L({I(1), I(2), Bytes("x")})));
    while (store.SpillOne()) {
    }
    ASSERT_EQ(store.stats().on_disk, 3u) << CodecName(codec);
    if (codec == Codec::kNone) {
      // The file is the array's header, then its buffer as it is in memory: 8 bytes an element.
      EXPECT_GE(store.stats().spilled, 100000u * 8);
      EXPECT_LT(store.stats().spilled, 100000u * 8 + 200);
    }
    ValuePtr a = store.Get("array");
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->SerializeAsString(), array.SerializeAsString()) << CodecName(codec);
    ValuePtr t = store.Get("table");
    ASSERT_NE(t, nullptr);
    EXPECT_EQ(t->SerializeAsString(), built->SerializeAsString()) << CodecName(codec);
    ValuePtr l = store.Get("list");
    ASSERT_NE(l, nullptr);
    EXPECT_EQ(l->SerializeAsString(), L({I(1), I(2), Bytes("x")}).SerializeAsString());
  }
}

// The one spill file under `dir`.
std::string OnlyFile(const SpillDir& dir) {
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    if (entry.is_regular_file()) return entry.path();
  }
  return "";
}

TEST(ValueStore, AMissingSpillFileIsAnErrorNamingTheKey) {
  SpillDir dir;
  ValueStore store;
  store.SetSpillStore(OpenSpill(dir));
  store.Put("lost-key", Share(Bytes(std::string(10000, 'x'))));
  ASSERT_TRUE(store.SpillOne());
  std::filesystem::remove(OnlyFile(dir));
  absl::StatusOr<ValuePtr> loaded = store.Load("lost-key");
  ASSERT_FALSE(loaded.ok());
  EXPECT_TRUE(absl::IsDataLoss(loaded.status())) << loaded.status();
  EXPECT_THAT(loaded.status().message(), HasSubstr("\"lost-key\""));
  EXPECT_FALSE(store.Contains("lost-key")) << "a value that cannot be read is dropped";
  EXPECT_EQ(store.Get("lost-key"), nullptr);
  EXPECT_EQ(store.stats().spilled, 0u);
}

TEST(ValueStore, ATornSpillFileIsAnErrorNamingTheKey) {
  for (Codec codec : {Codec::kNone, Codec::kLz4}) {
    SpillDir dir;
    ValueStore store;
    store.SetSpillStore(OpenSpill(dir, codec));
    store.Put("torn-key", Share(Int64Array(10000)));
    ASSERT_TRUE(store.SpillOne());
    const std::string file = OnlyFile(dir);
    std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
    absl::StatusOr<ValuePtr> loaded = store.Load("torn-key");
    ASSERT_FALSE(loaded.ok()) << CodecName(codec);
    EXPECT_THAT(loaded.status().message(), HasSubstr("\"torn-key\""));
    EXPECT_THAT(loaded.status().message(), HasSubstr("torn"));
  }
}

TEST(ValueStore, ACorruptSpillFileIsAnErrorNamingTheKey) {
  SpillDir dir;
  ValueStore store;
  store.SetSpillStore(OpenSpill(dir, Codec::kLz4));
  store.Put("bad-key", Share(Bytes(std::string(100000, 'z'))));
  ASSERT_TRUE(store.SpillOne());
  const std::string file = OnlyFile(dir);
  const auto size = std::filesystem::file_size(file);
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << std::string(size, '\xff');  // same length, garbage
  }
  absl::StatusOr<ValuePtr> loaded = store.Load("bad-key");
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("\"bad-key\""));
}

TEST(ValueStore, ReplacingASpilledValueDropsItsFile) {
  SpillDir dir;
  ValueStore store;
  store.SetSpillStore(OpenSpill(dir));
  store.Put("k", Share(Bytes(std::string(10000, '1'))));
  ASSERT_TRUE(store.SpillOne());
  store.Put("k", Share(Bytes("new")));
  EXPECT_EQ(dir.Files(), 0u);
  EXPECT_EQ(store.Get("k")->bytes(), "new");
  EXPECT_EQ(store.stats().on_disk, 0u);
}

TEST(ValueStore, TheSpillDirectoryGoesWithTheStore) {
  SpillDir dir;
  std::string spill_dir;
  {
    ValueStore store;
    store.SetSpillStore(OpenSpill(dir));
    spill_dir = store.spill_store()->dir();
    store.Put("k", Share(Bytes(std::string(10000, '1'))));
    ASSERT_TRUE(store.SpillOne());
    EXPECT_TRUE(std::filesystem::is_directory(spill_dir));
  }
  EXPECT_FALSE(std::filesystem::exists(spill_dir));
}

TEST(MemoryBytes, CountsAListOfNumbersByItsMessagesNotItsEncoding) {
  v1::Value list;
  for (int i = 0; i < 100000; ++i) *list.mutable_list()->add_items() = I(i);
  EXPECT_GT(MemoryBytes(list), 5 * list.ByteSizeLong());
  const v1::Value array = Int64Array(100000);
  EXPECT_LT(MemoryBytes(array), 100000u * 8 + 1000);
}

}  // namespace
}  // namespace brisk
