#include "common/data_chunks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace brisk {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<v1::DataChunk> Chunks(const std::string& key, const v1::Value& value) {
  // As the data service cuts them: at least one chunk, even for an empty encoding.
  const std::string encoded = value.SerializeAsString();
  std::vector<v1::DataChunk> chunks;
  size_t offset = 0;
  do {
    offset += FillChunk(key, encoded.data(), encoded.size(), offset, /*raw=*/false,
                        chunks.emplace_back());
  } while (offset < encoded.size());
  return chunks;
}

v1::Value BigBytes() {
  std::string data(3 * kDataChunkBytes + kDataChunkBytes / 2, '\0');
  std::mt19937_64 rng(7);
  for (char& c : data) c = static_cast<char>(rng());
  v1::Value value;
  value.set_bytes(std::move(data));
  return value;
}

TEST(DataChunks, LargeValueRoundTripsThroughSeveralChunks) {
  const v1::Value value = BigBytes();
  const std::string encoded = value.SerializeAsString();
  std::vector<v1::DataChunk> chunks = Chunks("big", value);
  ASSERT_EQ(chunks.size(), 4u);
  uint64_t offset = 0;
  for (const v1::DataChunk& chunk : chunks) {
    EXPECT_EQ(chunk.key(), "big");
    EXPECT_EQ(chunk.total_size(), encoded.size());
    EXPECT_EQ(chunk.offset(), offset);
    EXPECT_LE(chunk.data().size(), kDataChunkBytes);
    EXPECT_FALSE(chunk.missing());
    offset += chunk.data().size();
  }
  EXPECT_EQ(offset, encoded.size());

  ValueAssembler assembler;
  for (size_t i = 0; i < chunks.size(); ++i) {
    ASSERT_TRUE(assembler.Add(chunks[i]).ok());
    EXPECT_EQ(assembler.values().contains("big"), i + 1 == chunks.size());
  }
  ASSERT_TRUE(assembler.values().contains("big"));
  EXPECT_EQ(assembler.values()["big"]->bytes(), value.bytes());
  EXPECT_THAT(assembler.missing(), IsEmpty());
}

TEST(DataChunks, SmallValueIsOneChunk) {
  v1::Value value;
  value.set_str("hello");
  std::vector<v1::DataChunk> chunks = Chunks("s", value);
  ASSERT_EQ(chunks.size(), 1u);
  ValueAssembler assembler;
  ASSERT_TRUE(assembler.Add(chunks[0]).ok());
  EXPECT_EQ(assembler.values()["s"]->str(), "hello");
}

TEST(DataChunks, EmptyValueIsOneEmptyChunkAndAssemblesToNull) {
  std::vector<v1::DataChunk> chunks = Chunks("nothing", v1::Value());
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].total_size(), 0u);
  EXPECT_TRUE(chunks[0].data().empty());
  ValueAssembler assembler;
  ASSERT_TRUE(assembler.Add(chunks[0]).ok());
  ASSERT_TRUE(assembler.values().contains("nothing"));
  EXPECT_EQ(assembler.values()["nothing"]->kind_case(), v1::Value::KIND_NOT_SET);
}

TEST(DataChunks, FillChunkCutsAtTheChunkSize) {
  const std::string encoded = BigBytes().SerializeAsString();
  v1::DataChunk chunk;
  EXPECT_EQ(FillChunk("big", encoded.data(), encoded.size(), 0, false, chunk), kDataChunkBytes);
  EXPECT_EQ(chunk.offset(), 0u);
  EXPECT_EQ(chunk.total_size(), encoded.size());
  const size_t last = encoded.size() / kDataChunkBytes * kDataChunkBytes;
  EXPECT_EQ(FillChunk("big", encoded.data(), encoded.size(), last, false, chunk),
            encoded.size() - last);
  EXPECT_EQ(chunk.data(), encoded.substr(last));
}

TEST(DataChunks, InterleavedValuesAssembleSeparately) {
  const v1::Value big = BigBytes();
  v1::Value other = big;
  other.mutable_bytes()->back() ^= 1;
  std::vector<v1::DataChunk> a = Chunks("a", big), b = Chunks("b", other);
  ValueAssembler assembler;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_TRUE(assembler.Add(a[i]).ok());
    ASSERT_TRUE(assembler.Add(b[i]).ok());
  }
  EXPECT_EQ(assembler.values()["a"]->bytes(), big.bytes());
  EXPECT_EQ(assembler.values()["b"]->bytes(), other.bytes());
}

TEST(DataChunks, MissingKeyIsRecorded) {
  v1::DataChunk chunk;
  chunk.set_key("gone");
  chunk.set_missing(true);
  ValueAssembler assembler;
  ASSERT_TRUE(assembler.Add(chunk).ok());
  EXPECT_THAT(assembler.missing(), ElementsAre("gone"));
  EXPECT_TRUE(assembler.values().empty());
}

TEST(DataChunks, OutOfOrderChunkIsAnError) {
  std::vector<v1::DataChunk> chunks = Chunks("big", BigBytes());
  {
    ValueAssembler assembler;  // skips the second chunk
    ASSERT_TRUE(assembler.Add(chunks[0]).ok());
    absl::Status status = assembler.Add(chunks[2]);
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(status.message(), HasSubstr("\"big\" chunk out of order"));
  }
  {
    ValueAssembler assembler;  // starts in the middle
    absl::Status status = assembler.Add(chunks[1]);
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
    EXPECT_THAT(status.message(), HasSubstr("started at offset"));
  }
  {
    ValueAssembler assembler;  // repeats a chunk
    ASSERT_TRUE(assembler.Add(chunks[0]).ok());
    EXPECT_FALSE(assembler.Add(chunks[0]).ok());
  }
  {
    ValueAssembler assembler;  // changes its announced size
    ASSERT_TRUE(assembler.Add(chunks[0]).ok());
    chunks[1].set_total_size(chunks[1].total_size() + 1);
    EXPECT_THAT(assembler.Add(chunks[1]).message(), HasSubstr("out of order"));
  }
}

TEST(DataChunks, ChunkBeyondAnnouncedSizeIsAnError) {
  v1::DataChunk chunk;
  chunk.set_key("k");
  chunk.set_total_size(2);
  chunk.set_data("abcd");
  ValueAssembler assembler;
  EXPECT_THAT(assembler.Add(chunk).message(), HasSubstr("longer than announced"));
}

TEST(DataChunks, UndecodableValueIsAnError) {
  v1::DataChunk chunk;
  chunk.set_key("k");
  chunk.set_total_size(3);
  chunk.set_data("\xff\xff\xff");
  ValueAssembler assembler;
  EXPECT_THAT(assembler.Add(chunk).message(), HasSubstr("does not decode"));
  EXPECT_TRUE(assembler.values().empty());
}

TEST(DataChunks, AbsurdAnnouncedSizeDoesNotCrash) {
  v1::DataChunk chunk;
  chunk.set_key("k");
  chunk.set_total_size(uint64_t{1} << 62);
  chunk.set_data("abc");
  ValueAssembler assembler;
  EXPECT_TRUE(assembler.Add(chunk).ok());  // waits for more data
  EXPECT_TRUE(assembler.values().empty());
}

TEST(DataChunks, RawBytesArriveAsABytesValueWithoutDecoding) {
  std::string content(3 * kDataChunkBytes + 17, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7);
  ValueAssembler assembler;
  v1::DataChunk chunk;
  for (size_t offset = 0; offset < content.size();) {
    offset += FillChunk("raw", content.data(), content.size(), offset, /*raw=*/true, chunk);
    ASSERT_TRUE(assembler.Add(chunk).ok());
  }
  ASSERT_TRUE(assembler.values().contains("raw"));
  const v1::Value& value = *assembler.values().at("raw");
  EXPECT_EQ(value.kind_case(), v1::Value::kBytes);
  EXPECT_EQ(value.bytes(), content);
}

TEST(DataChunks, RawAndEncodedChunksOfOneValueDoNotMix) {
  const std::string content(2 * kDataChunkBytes, 'x');
  ValueAssembler assembler;
  v1::DataChunk chunk;
  FillChunk("k", content.data(), content.size(), 0, /*raw=*/true, chunk);
  ASSERT_TRUE(assembler.Add(chunk).ok());
  FillChunk("k", content.data(), content.size(), kDataChunkBytes, /*raw=*/false, chunk);
  EXPECT_FALSE(assembler.Add(chunk).ok());
}

}  // namespace
}  // namespace brisk
