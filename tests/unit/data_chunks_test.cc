#include "common/data_chunks.h"

#include <gmock/gmock.h>
#include <grpcpp/support/slice.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "brisk/value.h"

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

// A float64 array of `n` elements, element i = i / 4.
v1::Value Float64Array(size_t n) {
  ArrayBuilder<double> builder({n});
  absl::Span<double> xs = builder.values();
  for (size_t i = 0; i < n; ++i) xs[i] = static_cast<double>(i) / 4;
  return std::move(builder).Finish();
}

v1::Value SmallTable() {
  std::vector<int32_t> xs = {1, 2, 3};
  absl::StatusOr<v1::Value> table = std::move(TableBuilder()
                                                  .Add<int32_t>("x", xs, {true, false, true})
                                                  .AddStrings("name", {"a", "bc", std::nullopt}))
                                        .Finish();
  EXPECT_TRUE(table.ok()) << table.status();
  return *table;
}

// `value`'s encoding with its array or table buffer cleared, as the sender makes raw_header.
std::string HeaderOf(v1::Value value) {
  if (value.has_ndarray()) value.mutable_ndarray()->clear_data();
  if (value.has_table()) value.mutable_table()->clear_body();
  return value.SerializeAsString();
}

// A raw chunk as a standard protobuf encoder lays it out (data before raw_bytes and raw_header).
grpc::ByteBuffer RawChunk(const std::string& key, uint64_t total, uint64_t offset,
                          const std::string& data, const std::string& header) {
  v1::DataChunk chunk;
  chunk.set_key(key);
  chunk.set_total_size(total);
  chunk.set_offset(offset);
  chunk.set_data(data);
  chunk.set_raw_bytes(true);
  chunk.set_raw_header(header);
  return Encode(chunk);
}

TEST(DataChunks, ArrayTravelsRawInSeveralChunksWithItsHeaderFirst) {
  const v1::Value value = Float64Array((3 * kDataChunkBytes + kDataChunkBytes / 2) / 8);
  const std::string& buffer = value.ndarray().data();
  std::vector<grpc::ByteBuffer> chunks = Chunks("arr", value);
  ASSERT_EQ(chunks.size(), 4u);
  uint64_t offset = 0;
  for (size_t i = 0; i < chunks.size(); ++i) {
    const v1::DataChunk chunk = Decode(chunks[i]);
    EXPECT_TRUE(chunk.raw_bytes());
    EXPECT_EQ(chunk.total_size(), buffer.size());
    EXPECT_EQ(chunk.offset(), offset);
    // The header once, on the first chunk; the chunks carry the buffer itself, not an encoding.
    EXPECT_EQ(chunk.raw_header(), i == 0 ? HeaderOf(value) : "");
    EXPECT_EQ(chunk.data(), buffer.substr(offset, chunk.data().size()));
    offset += chunk.data().size();
  }
  EXPECT_EQ(offset, buffer.size());

  ValueAssembler assembler;
  for (const grpc::ByteBuffer& chunk : chunks) ASSERT_TRUE(assembler.Add(chunk).ok());
  ASSERT_TRUE(assembler.values().contains("arr"));
  const v1::Value& got = *assembler.values()["arr"];
  ASSERT_EQ(got.kind_case(), v1::Value::kNdarray);
  EXPECT_EQ(got.SerializeAsString(), value.SerializeAsString());
}

TEST(DataChunks, SentArrayAndTableChunksPointIntoTheStoredBuffer) {
  auto array = std::make_shared<v1::Value>(Float64Array(2 * kDataChunkBytes / 8));
  OutgoingValue out = PrepareOutgoing(array);
  EXPECT_TRUE(out.raw);
  EXPECT_EQ(out.data.data(), array->ndarray().data().data());
  EXPECT_EQ(out.data.size(), array->ndarray().data().size());
  grpc::ByteBuffer message;
  EncodeChunk("arr", out, kDataChunkBytes, message);
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(message.Dump(&slices).ok());
  ASSERT_EQ(slices.size(), 2u);
  EXPECT_EQ(reinterpret_cast<const char*>(slices[1].begin()),
            array->ndarray().data().data() + kDataChunkBytes);

  auto table = std::make_shared<v1::Value>(SmallTable());
  out = PrepareOutgoing(table);
  EXPECT_TRUE(out.raw);
  EXPECT_EQ(out.data.data(), table->table().body().data());
  EXPECT_EQ(out.header, HeaderOf(*table));
}

TEST(DataChunks, TableTravelsRaw) {
  const v1::Value value = SmallTable();
  std::vector<grpc::ByteBuffer> chunks = Chunks("t", value);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(Decode(chunks[0]).data(), value.table().body());
  EXPECT_EQ(Decode(chunks[0]).raw_header(), HeaderOf(value));
  ValueAssembler assembler;
  ASSERT_TRUE(assembler.Add(chunks[0]).ok());
  ASSERT_TRUE(assembler.values().contains("t"));
  EXPECT_EQ(assembler.values()["t"]->SerializeAsString(), value.SerializeAsString());
  absl::StatusOr<TableView> view = TableView::Of(*assembler.values()["t"]);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->column(1).String(1), "bc");
  EXPECT_TRUE(view->column(0).IsNull(1));
}

TEST(DataChunks, EmptyArrayAndZeroColumnTableAreOneChunkWithAHeader) {
  absl::StatusOr<v1::Value> empty = MakeArray<int16_t>({4, 0}, {});
  ASSERT_TRUE(empty.ok());
  absl::StatusOr<v1::Value> no_columns = TableBuilder().Finish();
  ASSERT_TRUE(no_columns.ok());
  for (const v1::Value& value : {*empty, *no_columns}) {
    std::vector<grpc::ByteBuffer> chunks = Chunks("e", value);
    ASSERT_EQ(chunks.size(), 1u);
    EXPECT_TRUE(Decode(chunks[0]).raw_bytes());
    EXPECT_FALSE(Decode(chunks[0]).raw_header().empty());
    ValueAssembler assembler;
    ASSERT_TRUE(assembler.Add(chunks[0]).ok());
    ASSERT_TRUE(assembler.values().contains("e"));
    EXPECT_EQ(assembler.values()["e"]->SerializeAsString(), value.SerializeAsString());
  }
}

TEST(DataChunks, ArrayChunksCutAnywhereAssemble) {
  // Chunks of 5 bytes, so elements straddle chunk boundaries; fields in protobuf order.
  const v1::Value value = Float64Array(9);
  const std::string& buffer = value.ndarray().data();
  ValueAssembler assembler;
  for (size_t offset = 0; offset < buffer.size(); offset += 5) {
    ASSERT_TRUE(assembler
                    .Add(RawChunk("a", buffer.size(), offset, buffer.substr(offset, 5),
                                  offset == 0 ? HeaderOf(value) : ""))
                    .ok())
        << offset;
    EXPECT_EQ(assembler.values().contains("a"), offset + 5 >= buffer.size());
  }
  ASSERT_TRUE(assembler.values().contains("a"));
  absl::StatusOr<ArrayView> view = ArrayView::Of(*assembler.values()["a"]);
  ASSERT_TRUE(view.ok()) << view.status();
  EXPECT_EQ(view->AsDouble(8), 2.0);
}

TEST(DataChunks, ARawHeaderOnALaterChunkIsAnError) {
  const v1::Value value = Float64Array(4);
  const std::string& buffer = value.ndarray().data();
  ValueAssembler assembler;
  // Without a header the first chunk starts a bytes value; a header cannot come afterwards.
  ASSERT_TRUE(assembler.Add(RawChunk("a", 32, 0, buffer.substr(0, 16), "")).ok());
  absl::Status status = assembler.Add(RawChunk("a", 32, 16, buffer.substr(16), HeaderOf(value)));
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_FALSE(assembler.values().contains("a"));
}

TEST(DataChunks, RawContentWithoutAHeaderIsABytesValue) {
  const v1::Value value = Float64Array(4);
  ValueAssembler assembler;
  ASSERT_TRUE(assembler.Add(RawChunk("a", 32, 0, value.ndarray().data(), "")).ok());
  ASSERT_TRUE(assembler.values().contains("a"));
  EXPECT_EQ(assembler.values()["a"]->bytes(), value.ndarray().data());
}

TEST(DataChunks, AGarbageRawHeaderIsAnErrorAndNothingIsStored) {
  ValueAssembler assembler;
  absl::Status status = assembler.Add(RawChunk("k", 8, 0, std::string(8, 'x'), "\xff\xff\xff"));
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("value \"k\": its raw header does not decode"));
  EXPECT_TRUE(assembler.values().empty());
}

TEST(DataChunks, ARawHeaderMustBeAnArrayOrATableWithoutItsBuffer) {
  v1::Value with_data = Float64Array(1);
  v1::Value an_int;
  an_int.set_int_(5);
  v1::Value table_with_body = SmallTable();
  for (const v1::Value& header : {with_data, an_int, table_with_body}) {
    ValueAssembler assembler;
    absl::Status status =
        assembler.Add(RawChunk("k", 8, 0, std::string(8, '\0'), header.SerializeAsString()));
    EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss) << header.DebugString();
    EXPECT_THAT(status.message(),
                HasSubstr("value \"k\": its raw header must be an ndarray or a table"));
    EXPECT_TRUE(assembler.values().empty());
  }
}

TEST(DataChunks, ABufferThatDoesNotMatchItsHeaderIsAnErrorNamingTheKey) {
  const v1::Value value = Float64Array(4);  // 32 bytes
  ValueAssembler assembler;
  absl::Status status =
      assembler.Add(RawChunk("arr", 24, 0, std::string(24, '\0'), HeaderOf(value)));
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(status.message(), "value \"arr\": ndarray holds 24 bytes, its dtype and shape need 32");
  EXPECT_TRUE(assembler.values().empty());

  // A table whose column runs past the body it arrived with.
  v1::Value table = SmallTable();
  const std::string body = table.table().body();
  status = assembler.Add(
      RawChunk("t", body.size() - 8, 0, body.substr(0, body.size() - 8), HeaderOf(table)));
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("value \"t\": column"));
  EXPECT_TRUE(assembler.values().empty());
}

TEST(DataChunks, AMalformedArrayInsideAnEncodedValueIsAnError) {
  v1::Value list;
  *list.mutable_list()->add_items() = Float64Array(2);
  list.mutable_list()->mutable_items(0)->mutable_ndarray()->mutable_data()->pop_back();
  std::vector<grpc::ByteBuffer> chunks = Chunks("l", list);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_FALSE(Decode(chunks[0]).raw_bytes());
  ValueAssembler assembler;
  EXPECT_THAT(assembler.Add(chunks[0]).message(),
              HasSubstr("value \"l\": item 0: ndarray holds 15 bytes"));
  EXPECT_TRUE(assembler.values().empty());
}

TEST(DataChunks, ARawHeaderWithoutRawContentIsMalformed) {
  v1::DataChunk chunk;
  chunk.set_key("k");
  chunk.set_total_size(2);
  chunk.set_data("\x08\x01");
  chunk.set_raw_header(HeaderOf(Float64Array(0)));
  ValueAssembler assembler;
  EXPECT_THAT(assembler.Add(Encode(chunk)).message(), HasSubstr("malformed"));
  chunk.clear_data();
  chunk.set_total_size(0);
  chunk.set_missing(true);
  EXPECT_THAT(assembler.Add(Encode(chunk)).message(), HasSubstr("malformed"));
}

TEST(DataChunks, ARawHeaderOver64MiBIsMalformed) {
  ValueAssembler assembler;
  // Were it read, it would fail later as "does not decode"; it is refused before that.
  absl::Status status =
      assembler.Add(RawChunk("k", 0, 0, "", std::string(kMaxRawHeaderBytes + 1, '\xff')));
  EXPECT_EQ(status.message(), "malformed data chunk");
  status = assembler.Add(RawChunk("k", 0, 0, "", std::string(kMaxRawHeaderBytes, '\xff')));
  EXPECT_THAT(status.message(), HasSubstr("does not decode"));
}

TEST(DataChunks, ABulkOfferOfAnArrayCarriesItsHeaderAndTakesTheBufferAsItIs) {
  auto value = std::make_shared<v1::Value>(Float64Array(1000));
  const OutgoingValue out = PrepareOutgoing(value);
  ValueAssembler assembler;
  ASSERT_TRUE(assembler.Add(EncodeBulkOffer("arr", out, 4321, "ticket-16-bytes!")).ok());
  ASSERT_EQ(assembler.bulk_offers().size(), 1u);
  const BulkOffer offer = assembler.bulk_offers()[0];
  EXPECT_TRUE(offer.raw);
  EXPECT_EQ(offer.size, 8000u);
  EXPECT_EQ(offer.header, HeaderOf(*value));

  EXPECT_THAT(assembler.CompleteBulk(offer, std::string(7999, '\0')).message(),
              HasSubstr("7999 bytes arrived of 8000"));
  std::string bytes = value->ndarray().data();
  const char* read_into = bytes.data();
  ASSERT_TRUE(assembler.CompleteBulk(offer, std::move(bytes)).ok());
  const v1::Value& got = *assembler.values()["arr"];
  EXPECT_EQ(got.SerializeAsString(), value->SerializeAsString());
  EXPECT_EQ(got.ndarray().data().data(), read_into);  // moved in, not copied
}

TEST(DataChunks, ABulkOfferWhoseBytesDoNotMatchItsHeaderIsAnError) {
  v1::DataChunk chunk;
  chunk.set_key("arr");
  chunk.set_total_size(16);
  chunk.set_raw_bytes(true);
  chunk.set_bulk_port(1);
  chunk.set_bulk_ticket("t");
  chunk.set_raw_header(HeaderOf(Float64Array(3)));
  ValueAssembler assembler;
  ASSERT_TRUE(assembler.Add(Encode(chunk)).ok());
  ASSERT_EQ(assembler.bulk_offers().size(), 1u);
  absl::Status status = assembler.CompleteBulk(assembler.bulk_offers()[0], std::string(16, '\0'));
  EXPECT_EQ(status.message(), "value \"arr\": ndarray holds 16 bytes, its dtype and shape need 24");
  EXPECT_TRUE(assembler.values().empty());
}

}  // namespace
}  // namespace brisk
