#include "common/parse_flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/system_memory.h"

namespace brisk {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

uint64_t Bytes(absl::string_view text) {
  auto bytes = ParseByteSize(text);
  EXPECT_TRUE(bytes.ok()) << text << ": " << bytes.status();
  return bytes.value_or(~uint64_t{0});
}

TEST(ParseByteSize, ReadsPlainAndScientificNumbers) {
  EXPECT_EQ(Bytes("1000"), 1000u);
  EXPECT_EQ(Bytes("1.5e9"), 1'500'000'000u);
  EXPECT_EQ(Bytes("10B"), 10u);
  EXPECT_EQ(Bytes("  42  "), 42u);
}

TEST(ParseByteSize, ReadsDecimalAndBinaryUnitsInAnyCase) {
  EXPECT_EQ(Bytes("4GiB"), 4ull << 30);
  EXPECT_EQ(Bytes("512MB"), 512'000'000u);
  EXPECT_EQ(Bytes("2kB"), 2000u);
  EXPECT_EQ(Bytes("2KB"), 2000u);
  EXPECT_EQ(Bytes("3 TB"), 3'000'000'000'000u);
  EXPECT_EQ(Bytes("1KiB"), 1024u);
  EXPECT_EQ(Bytes("1.5kib"), 1536u);
  EXPECT_EQ(Bytes("8MiB"), 8ull << 20);
  EXPECT_EQ(Bytes("2TiB"), 2ull << 40);
  EXPECT_EQ(Bytes("7gb"), 7'000'000'000u);
}

TEST(ParseByteSize, ZeroAndAutoMeanNoLimit) {
  EXPECT_EQ(Bytes("0"), 0u);
  EXPECT_EQ(Bytes("auto"), 0u);
  EXPECT_EQ(Bytes("AUTO"), 0u);
  EXPECT_EQ(Bytes("0GiB"), 0u);
}

TEST(ParseByteSize, RejectsMalformedNegativeAndUnknownUnits) {
  for (const char* text : {"", " ", "GiB", "abc", "-1", "-1GiB", "1e", "1..5MB", "nan", "inf",
                           "1e400", "4 GiBs", "5XB", "1 2"}) {
    auto bytes = ParseByteSize(text);
    ASSERT_FALSE(bytes.ok()) << "\"" << text << "\" gave " << *bytes;
    EXPECT_EQ(bytes.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(bytes.status().message(), HasSubstr(absl::StrCat("\"", text, "\"")));
  }
  EXPECT_THAT(ParseByteSize("5XB").status().message(), HasSubstr("unknown size unit"));
}

TEST(ParseByteSize, RejectsSizesBeyondUint64) {
  EXPECT_FALSE(ParseByteSize("1e20").ok());
  EXPECT_FALSE(ParseByteSize("20000000TiB").ok());
  EXPECT_EQ(Bytes("1e19"), 10'000'000'000'000'000'000u);
}

TEST(ParseResources, ReadsNameAmountPairs) {
  auto resources = ParseResources("GPU=2,MEM=16e9,licence=1");
  ASSERT_TRUE(resources.ok()) << resources.status();
  EXPECT_THAT(*resources,
              UnorderedElementsAre(Pair("GPU", 2.0), Pair("MEM", 16e9), Pair("licence", 1.0)));
  resources = ParseResources(" GPU = 0.5 , ,TPU=0 ");
  ASSERT_TRUE(resources.ok()) << resources.status();
  EXPECT_THAT(*resources, UnorderedElementsAre(Pair("GPU", 0.5), Pair("TPU", 0.0)));
}

TEST(ParseResources, EmptyTextIsNoResources) {
  auto resources = ParseResources("");
  ASSERT_TRUE(resources.ok());
  EXPECT_THAT(*resources, IsEmpty());
}

TEST(ParseResources, RejectsMalformedAndNegativeAmounts) {
  for (const char* text :
       {"GPU", "GPU=", "=2", "GPU=two", "GPU=-1", "GPU=1,MEM", "GPU=nan", "GPU=inf", "GPU=1=2"}) {
    auto resources = ParseResources(text);
    ASSERT_FALSE(resources.ok()) << "\"" << text << "\" was accepted";
    EXPECT_EQ(resources.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(resources.status().message(), HasSubstr("is not NAME=AMOUNT"));
  }
  EXPECT_THAT(ParseResources("GPU=1,MEM=x").status().message(), HasSubstr("\"MEM=x\""));
}

constexpr uint64_t kMachine = 16ull << 30;

uint64_t Limit(absl::string_view text) {
  auto bytes = ParseMemoryLimit(text, kMachine);
  EXPECT_TRUE(bytes.ok()) << text << ": " << bytes.status();
  return bytes.value_or(~uint64_t{0});
}

TEST(ParseMemoryLimit, ReadsSizesFractionsAutoAndNone) {
  EXPECT_EQ(Limit("100MB"), 100'000'000u);
  EXPECT_EQ(Limit("4GiB"), 4ull << 30);
  EXPECT_EQ(Limit("123456"), 123456u);
  EXPECT_EQ(Limit("8e9"), 8'000'000'000u);
  EXPECT_EQ(Limit("0.5"), kMachine / 2);
  EXPECT_EQ(Limit("0.25"), kMachine / 4);
  EXPECT_EQ(Limit("1.0"), kMachine);
  EXPECT_EQ(Limit("1"), 1u) << "a plain 1 is one byte, as plain numbers are bytes";
  EXPECT_EQ(Limit("auto"), kMachine);
  EXPECT_EQ(Limit("0"), 0u);
  EXPECT_EQ(Limit("none"), 0u);
  EXPECT_EQ(Limit(" NONE "), 0u);
}

TEST(ParseMemoryLimit, RefusesWhatIsNotALimit) {
  for (const char* bad : {"", "lots", "-1", "10 parsecs", "1e400", "nan"}) {
    auto limit = ParseMemoryLimit(bad, kMachine);
    EXPECT_FALSE(limit.ok()) << bad;
    EXPECT_THAT(limit.status().message(), HasSubstr(absl::StrCat("\"", bad, "\""))) << bad;
  }
  EXPECT_FALSE(ParseMemoryLimit("0.0000000000001", 1000).ok()) << "no memory at all";
}

TEST(ParseMemoryFraction, ReadsFractionsAndOff) {
  EXPECT_DOUBLE_EQ(*ParseMemoryFraction("--memory-target", "0.6"), 0.6);
  EXPECT_DOUBLE_EQ(*ParseMemoryFraction("--memory-target", "1"), 1.0);
  EXPECT_DOUBLE_EQ(*ParseMemoryFraction("--memory-target", "off"), 0.0);
  EXPECT_DOUBLE_EQ(*ParseMemoryFraction("--memory-target", "false"), 0.0);
  EXPECT_DOUBLE_EQ(*ParseMemoryFraction("--memory-target", "0"), 0.0);
  auto bad = ParseMemoryFraction("--memory-pause", "1.5");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("--memory-pause"));
  EXPECT_FALSE(ParseMemoryFraction("--memory-pause", "half").ok());
}

TEST(ApplyCgroupLimit, TakesTheSmallerOfMachineAndCgroup) {
  EXPECT_EQ(ApplyCgroupLimit(1000, "max\n"), 1000u);
  EXPECT_EQ(ApplyCgroupLimit(1000, ""), 1000u);
  EXPECT_EQ(ApplyCgroupLimit(1000, "500\n"), 500u);
  EXPECT_EQ(ApplyCgroupLimit(1000, "9223372036854771712\n"), 1000u) << "v1's 'unlimited'";
  EXPECT_GT(MachineMemoryBytes(), 0u);
  EXPECT_GT(ResidentBytes(), 0u);
}

}  // namespace
}  // namespace brisk
