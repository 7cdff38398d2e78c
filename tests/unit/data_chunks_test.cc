#include "common/data_chunks.h"

#include <gmock/gmock.h>
#include <grpcpp/support/slice.h>
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

// A DataChunk as any protobuf sender would encode it (fields in number order).
grpc::ByteBuffer Encode(const v1::DataChunk& chunk) {
  grpc::Slice slice(chunk.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

v1::DataChunk Decode(const grpc::ByteBuffer& message) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(message.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  v1::DataChunk chunk;
  EXPECT_TRUE(chunk.ParseFromString(bytes));
  return chunk;
}

std::vector<grpc::ByteBuffer> Chunks(const std::string& key, const v1::Value& value) {
  // As the data service cuts them: at least one chunk, even for an empty value.
  const OutgoingValue out = PrepareOutgoing(std::make_shared<v1::Value>(value));
  std::vector<grpc::ByteBuffer> chunks;
  size_t offset = 0;
  do {
    offset += EncodeChunk(key, out, offset, chunks.emplace_back());
  } while (offset < out.data.size());
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

TEST(DataChunks, BytesValueTravelsRawInSeveralChunks) {
  const v1::Value value = BigBytes();
  std::vector<grpc::ByteBuffer> chunks = Chunks("big", value);
  ASSERT_EQ(chunks.size(), 4u);
  uint64_t offset = 0;
  for (const grpc::ByteBuffer& message : chunks) {
    // Each message is a valid DataChunk for any protobuf reader.
    const v1::DataChunk chunk = Decode(message);
    EXPECT_EQ(chunk.key(), "big");
    EXPECT_EQ(chunk.total_size(), value.bytes().size());
    EXPECT_EQ(chunk.offset(), offset);
    EXPECT_TRUE(chunk.raw_bytes());
    EXPECT_LE(chunk.data().size(), kDataChunkBytes);
    EXPECT_EQ(chunk.data(), value.bytes().substr(offset, chunk.data().size()));
    EXPECT_FALSE(chunk.missing());
    offset += chunk.data().size();
  }
  EXPECT_EQ(offset, value.bytes().size());

  ValueAssembler assembler;
  for (size_t i = 0; i < chunks.size(); ++i) {
    ASSERT_TRUE(assembler.Add(chunks[i]).ok());
    EXPECT_EQ(assembler.values().contains("big"), i + 1 == chunks.size());
  }
  ASSERT_TRUE(assembler.values().contains("big"));
  const v1::Value& got = *assembler.values()["big"];
  EXPECT_EQ(got.kind_case(), v1::Value::kBytes);
  EXPECT_EQ(got.bytes(), value.bytes());
  EXPECT_THAT(assembler.missing(), IsEmpty());
}

TEST(DataChunks, SentChunksPointIntoTheValueAndKeepItAlive) {
  auto value = std::make_shared<v1::Value>(BigBytes());
  const std::string expected = value->bytes();
  const char* stored = value->bytes().data();
  OutgoingValue out = PrepareOutgoing(value);
  EXPECT_EQ(out.data.data(), stored);  // no encoding, no copy
  grpc::ByteBuffer message;
  EncodeChunk("big", out, kDataChunkBytes, message);
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(message.Dump(&slices).ok());
  ASSERT_EQ(slices.size(), 2u);  // the header, then the data itself
  EXPECT_EQ(reinterpret_cast<const char*>(slices[1].begin()), stored + kDataChunkBytes);
  // The message alone keeps the bytes alive.
  value.reset();
  out = {};
  slices.clear();
  EXPECT_EQ(Decode(message).data(), expected.substr(kDataChunkBytes, kDataChunkBytes));
}

TEST(DataChunks, OtherValuesTravelAsTheirEncoding) {
  v1::Value value;
  for (int i = 0; i < 3; ++i) value.mutable_list()->add_items()->set_str("item");
  std::vector<grpc::ByteBuffer> chunks = Chunks("l", value);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_FALSE(Decode(chunks[0]).raw_bytes());
  EXPECT_EQ(Decode(chunks[0]).data(), value.SerializeAsString());
  ValueAssembler assembler;
  ASSERT_TRUE(assembler.Add(chunks[0]).ok());
  EXPECT_EQ(assembler.values()["l"]->SerializeAsString(), value.SerializeAsString());
}

TEST(DataChunks, EmptyValueIsOneEmptyChunkAndAssemblesToNull) {
  std::vector<grpc::ByteBuffer> chunks = Chunks("nothing", v1::Value());
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(Decode(chunks[0]).total_size(), 0u);
  EXPECT_TRUE(Decode(chunks[0]).data().empty());
  ValueAssembler assembler;
  ASSERT_TRUE(assembler.Add(chunks[0]).ok());
  ASSERT_TRUE(assembler.values().contains("nothing"));
  EXPECT_EQ(assembler.values()["nothing"]->kind_case(), v1::Value::KIND_NOT_SET);
}

TEST(DataChunks, ChunksInProtobufFieldOrderAssembleToo) {
  // A standard encoder puts `data` (4) before `raw_bytes` (6).
  const std::string content = "0123456789";
  ValueAssembler assembler;
  for (size_t offset = 0; offset < content.size(); offset += 4) {
    v1::DataChunk chunk;
    chunk.set_key("k");
    chunk.set_total_size(content.size());
    chunk.set_offset(offset);
    chunk.set_data(content.substr(offset, 4));
    chunk.set_raw_bytes(true);
    ASSERT_TRUE(assembler.Add(Encode(chunk)).ok());
  }
  ASSERT_TRUE(assembler.values().contains("k"));
  EXPECT_EQ(assembler.values()["k"]->bytes(), content);
}

TEST(DataChunks, InterleavedValuesAssembleSeparately) {
  const v1::Value big = BigBytes();
  v1::Value other = big;
  other.mutable_bytes()->back() ^= 1;
  std::vector<grpc::ByteBuffer> a = Chunks("a", big), b = Chunks("b", other);
  ValueAssembler assembler;
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_TRUE(assembler.Add(a[i]).ok());
    ASSERT_TRUE(assembler.Add(b[i]).ok());
  }
  EXPECT_EQ(assembler.values()["a"]->bytes(), big.bytes());
  EXPECT_EQ(assembler.values()["b"]->bytes(), other.bytes());
}

TEST(DataChunks, MissingKeyIsRecorded) {
  ValueAssembler assembler;
  ASSERT_TRUE(assembler.Add(EncodeMissing("gone")).ok());
  EXPECT_THAT(assembler.missing(), ElementsAre("gone"));
  EXPECT_TRUE(assembler.values().empty());
}

TEST(DataChunks, OutOfOrderChunkIsAnError) {
  std::vector<grpc::ByteBuffer> chunks = Chunks("big", BigBytes());
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
    v1::DataChunk second = Decode(chunks[1]);
    second.set_total_size(second.total_size() + 1);
    EXPECT_THAT(assembler.Add(Encode(second)).message(), HasSubstr("out of order"));
  }
}

TEST(DataChunks, ChunkBeyondAnnouncedSizeIsAnError) {
  v1::DataChunk chunk;
  chunk.set_key("k");
  chunk.set_total_size(2);
  chunk.set_data("abcd");
  ValueAssembler assembler;
  EXPECT_THAT(assembler.Add(Encode(chunk)).message(), HasSubstr("longer than announced"));
}

TEST(DataChunks, UndecodableValueIsAnError) {
  v1::DataChunk chunk;
  chunk.set_key("k");
  chunk.set_total_size(3);
  chunk.set_data("\xff\xff\xff");
  ValueAssembler assembler;
  EXPECT_THAT(assembler.Add(Encode(chunk)).message(), HasSubstr("does not decode"));
  EXPECT_TRUE(assembler.values().empty());
}

TEST(DataChunks, GarbageIsAMalformedChunk) {
  // A broken varint; a key longer than the message; an offset sent as a string, cut short.
  for (const std::string& garbage : {std::string("\xff\xff\xff\xff"),
                                     std::string("\x0a\x10"
                                                 "ab"),
                                     std::string("\x1a\x05"
                                                 "ab")}) {
    grpc::Slice slice(garbage);
    ValueAssembler assembler;
    absl::Status status = assembler.Add(grpc::ByteBuffer(&slice, 1));
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << garbage;
    EXPECT_THAT(status.message(), HasSubstr("malformed data chunk"));
  }
}

TEST(DataChunks, WhereFieldsAfterTheDataAreMalformed) {
  const std::string head = [] {
    v1::DataChunk chunk;
    chunk.set_key("k");
    chunk.set_total_size(4);
    chunk.set_data("abcd");
    return chunk.SerializeAsString();
  }();
  v1::DataChunk offset;
  offset.set_offset(7);
  grpc::Slice slice(head + offset.SerializeAsString());
  ValueAssembler assembler;
  EXPECT_THAT(assembler.Add(grpc::ByteBuffer(&slice, 1)).message(),
              HasSubstr("malformed data chunk"));
}

TEST(DataChunks, AbsurdAnnouncedSizeDoesNotCrash) {
  v1::DataChunk chunk;
  chunk.set_key("k");
  chunk.set_total_size(uint64_t{1} << 62);
  chunk.set_data("abc");
  ValueAssembler assembler;
  EXPECT_TRUE(assembler.Add(Encode(chunk)).ok());  // waits for more data
  EXPECT_TRUE(assembler.values().empty());
}

TEST(DataChunks, RawAndEncodedChunksOfOneValueDoNotMix) {
  const std::string content(2 * kDataChunkBytes, 'x');
  ValueAssembler assembler;
  v1::DataChunk chunk;
  chunk.set_key("k");
  chunk.set_total_size(content.size());
  chunk.set_data(content.substr(0, kDataChunkBytes));
  chunk.set_raw_bytes(true);
  ASSERT_TRUE(assembler.Add(Encode(chunk)).ok());
  chunk.set_offset(kDataChunkBytes);
  chunk.set_raw_bytes(false);
  EXPECT_FALSE(assembler.Add(Encode(chunk)).ok());
}

TEST(DataChunks, ABulkOfferWaitsToBeCompleted) {
  auto value = std::make_shared<v1::Value>();
  value->set_bytes("0123456789");
  const OutgoingValue out = PrepareOutgoing(value);
  ValueAssembler assembler;
  ASSERT_TRUE(assembler.Add(EncodeBulkOffer("k", out, 4321, "ticket-16-bytes!")).ok());
  EXPECT_TRUE(assembler.values().empty());
  ASSERT_EQ(assembler.bulk_offers().size(), 1u);
  const BulkOffer offer = assembler.bulk_offers()[0];
  EXPECT_EQ(offer.key, "k");
  EXPECT_EQ(offer.port, 4321u);
  EXPECT_EQ(offer.ticket, "ticket-16-bytes!");
  EXPECT_EQ(offer.size, 10u);
  EXPECT_TRUE(offer.raw);

  EXPECT_THAT(assembler.CompleteBulk(offer, "012345678").message(),
              HasSubstr("9 bytes arrived of 10"));
  ASSERT_TRUE(assembler.CompleteBulk(offer, "0123456789").ok());
  EXPECT_EQ(assembler.values()["k"]->bytes(), "0123456789");
}

TEST(DataChunks, ABulkOfferOver2GiBIsFineForRawBytesOnly) {
  v1::DataChunk chunk;
  chunk.set_key("huge");
  chunk.set_total_size(uint64_t{3} << 30);
  chunk.set_bulk_port(1);
  chunk.set_bulk_ticket("t");
  chunk.set_raw_bytes(true);
  {
    ValueAssembler assembler;  // raw content has no 2 GiB limit
    ASSERT_TRUE(assembler.Add(Encode(chunk)).ok());
    ASSERT_EQ(assembler.bulk_offers().size(), 1u);
    EXPECT_EQ(assembler.bulk_offers()[0].size, uint64_t{3} << 30);
  }
  chunk.set_raw_bytes(false);
  {
    ValueAssembler assembler;  // an encoding that protobuf could never parse
    EXPECT_THAT(assembler.Add(Encode(chunk)).message(), HasSubstr("malformed"));
  }
}

TEST(DataChunks, ABulkOfferWithoutAPortOrWithDataIsMalformed) {
  v1::DataChunk chunk;
  chunk.set_key("k");
  chunk.set_total_size(10);
  chunk.set_bulk_ticket("t");
  {
    ValueAssembler assembler;  // no port
    EXPECT_THAT(assembler.Add(Encode(chunk)).message(), HasSubstr("malformed"));
  }
  chunk.set_bulk_port(1);
  chunk.set_data("0123456789");
  {
    ValueAssembler assembler;  // data as well as a ticket
    EXPECT_THAT(assembler.Add(Encode(chunk)).message(), HasSubstr("malformed"));
  }
}

}  // namespace
}  // namespace brisk
