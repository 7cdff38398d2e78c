// The bulk port (worker/bulk_server.h, common/bulk_transfer.h) and the data plane around it: a
// real DataService and BulkServer on loopback ports the OS picks, read through a DataClient.
#include "common/bulk_transfer.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "brisk/value.h"
#include "common/data_client.h"
#include "common/grpc_lifetime.h"
#include "tests/support/fake_clock.h"
#include "worker/bulk_server.h"
#include "worker/data_service.h"
#include "worker/value_store.h"

namespace brisk {
namespace {

using ::testing::HasSubstr;

// Each test's servers and channels come and go; without this the last one to go would shut
// gRPC down and wait for its threads (see common/grpc_lifetime.h).
const bool kGrpcKept = (KeepGrpcUntilExit(), true);

ValuePtr BytesValue(size_t size, char seed) {
  auto value = std::make_shared<v1::Value>();
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; i += 4096) bytes[i] = static_cast<char>(seed + i / 4096);
  value->set_bytes(std::move(bytes));
  return value;
}

// A connected socket to 127.0.0.1:port.
int ConnectTo(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

// Whether the server closes the connection (rather than answering) after `bytes`.
bool ClosedAfter(int port, const std::string& bytes) {
  const int fd = ConnectTo(port);
  send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  char c;
  const bool closed = recv(fd, &c, 1, 0) <= 0;
  close(fd);
  return closed;
}

TEST(HostOf, TakesTheHostPartOfAnAddress) {
  EXPECT_EQ(HostOf("127.0.0.1:5000"), "127.0.0.1");
  EXPECT_EQ(HostOf("[::1]:5000"), "::1");
  EXPECT_EQ(HostOf("node-7.cluster:5000"), "node-7.cluster");
  EXPECT_EQ(Unbracketed("[::1]"), "::1");
  EXPECT_EQ(Unbracketed("0.0.0.0"), "0.0.0.0");
}

TEST(BulkServer, ServesAnOfferOnceToItsTicket) {
  BulkServer server;
  auto port = server.Start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.status();
  const ValuePtr value = BytesValue(kBulkMinBytes + 123, 'a');
  const std::string ticket = server.Offer(PrepareOutgoing(value));
  EXPECT_EQ(ticket.size(), kBulkTicketBytes);

  std::string bytes;
  ASSERT_TRUE(BulkRead("127.0.0.1", *port, ticket, value->bytes().size(), bytes).ok());
  EXPECT_EQ(bytes, value->bytes());

  absl::Status again = BulkRead("127.0.0.1", *port, ticket, value->bytes().size(), bytes);
  EXPECT_EQ(again.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(again.message(), HasSubstr("ended after 0 of"));
}

TEST(BulkServer, GarbageAndWrongTicketsAreClosedAndTheServerCarriesOn) {
  BulkServer server;
  auto port = server.Start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.status();
  const ValuePtr value = BytesValue(1 << 20, 'b');
  const std::string ticket = server.Offer(PrepareOutgoing(value));

  EXPECT_TRUE(ClosedAfter(*port, std::string(4096, '\xff')));
  EXPECT_TRUE(ClosedAfter(*port, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  EXPECT_TRUE(ClosedAfter(*port, std::string(kBulkMagic) + std::string(kBulkTicketBytes, 'x')));
  // The right ticket behind the wrong magic is refused too, and not used up.
  EXPECT_TRUE(ClosedAfter(*port, "BRISKBK0" + ticket));

  std::string bytes;
  ASSERT_TRUE(BulkRead("127.0.0.1", *port, ticket, value->bytes().size(), bytes).ok());
  EXPECT_EQ(bytes, value->bytes());
}

TEST(BulkServer, ASilentConnectionHoldsUpNobodyAndStopEndsIt) {
  BulkServer server;
  auto port = server.Start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.status();
  const int silent = ConnectTo(*port);
  const ValuePtr value = BytesValue(1 << 20, 'c');
  std::string bytes;
  ASSERT_TRUE(BulkRead("127.0.0.1", *port, server.Offer(PrepareOutgoing(value)),
                       value->bytes().size(), bytes)
                  .ok());
  EXPECT_EQ(bytes, value->bytes());
  server.Stop();  // does not wait for the silent reader's hello
  char c;
  EXPECT_LE(recv(silent, &c, 1, 0), 0);
  close(silent);
}

// The hello deadline shortened from its 2 s default, so tests see it run out in milliseconds.
BulkServerOptions QuickDeadlines() {
  BulkServerOptions options;
  options.hello_timeout = absl::Milliseconds(50);
  return options;
}

TEST(BulkServer, AHelloSentTooSlowlyIsCutOff) {
  BulkServer server(QuickDeadlines());
  auto port = server.Start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.status();
  const std::string hello = std::string(kBulkMagic) + std::string(kBulkTicketBytes, 'x');
  // One byte per 20 ms: the whole hello would take about 0.5 s, ten times the deadline.
  const int fd = ConnectTo(*port);
  size_t sent = 0;
  for (; sent < hello.size(); ++sent) {
    if (send(fd, &hello[sent], 1, MSG_NOSIGNAL) != 1) break;
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 20) > 0) break;  // the server hung up
  }
  char c;
  EXPECT_LE(recv(fd, &c, 1, 0), 0);
  EXPECT_LT(sent, hello.size()) << "the whole slow hello went through";
  close(fd);
}

TEST(BulkServer, ASilentConnectionIsClosedAtTheHelloDeadline) {
  BulkServer server(QuickDeadlines());
  auto port = server.Start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.status();
  const int fd = ConnectTo(*port);
  SetSocketTimeout(fd, SO_RCVTIMEO, absl::Seconds(10));  // bounds the test if it is never closed
  const absl::Time start = absl::Now();
  char c;
  EXPECT_EQ(recv(fd, &c, 1, 0), 0) << "not closed by the server";
  // Closed by the shortened deadline, long before the default one would have run out.
  EXPECT_LT(absl::Now() - start, BulkServerOptions().hello_timeout);
  close(fd);
}

TEST(BulkServer, AnOfferNobodyComesForExpires) {
  FakeClock clock;
  BulkServerOptions options;
  options.clock = &clock;
  BulkServer server(options);
  auto port = server.Start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.status();
  const ValuePtr value = BytesValue(1 << 20, 'g');
  const std::string late = server.Offer(PrepareOutgoing(value));
  const std::string in_time = server.Offer(PrepareOutgoing(value));
  clock.Advance(options.offer_lifetime - absl::Seconds(1));
  std::string bytes;
  ASSERT_TRUE(BulkRead("127.0.0.1", *port, in_time, value->bytes().size(), bytes).ok());
  EXPECT_EQ(bytes, value->bytes());

  clock.Advance(absl::Seconds(2));
  absl::Status expired = BulkRead("127.0.0.1", *port, late, value->bytes().size(), bytes);
  EXPECT_EQ(expired.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(expired.message(), HasSubstr("ended after 0 of"));
  // Offered now, it lives a lifetime from now.
  const std::string fresh = server.Offer(PrepareOutgoing(value));
  EXPECT_TRUE(BulkRead("127.0.0.1", *port, fresh, value->bytes().size(), bytes).ok());
}

TEST(BulkRead, ASenderThatStallsMidValueIsGivenUp) {
  // A bulk port that reads the hello, sends 10 of the 100 bytes promised, then says nothing.
  const int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  absl::Notification read_over;
  std::thread sender([&] {
    const int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    std::string hello(kBulkMagic.size() + kBulkTicketBytes, '\0');
    EXPECT_EQ(recv(fd, hello.data(), hello.size(), MSG_WAITALL),
              static_cast<ssize_t>(hello.size()));
    send(fd, std::string(10, 'v').data(), 10, MSG_NOSIGNAL);
    read_over.WaitForNotification();
    close(fd);
  });
  std::string bytes;
  absl::Status status =
      BulkRead("127.0.0.1", ntohs(addr.sin_port), std::string(kBulkTicketBytes, 't'), 100, bytes,
               /*stall_timeout=*/absl::Milliseconds(50));
  read_over.Notify();
  sender.join();
  close(listener);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("ended after 10 of 100 bytes"));
  EXPECT_EQ(bytes.size(), 10u);
}

TEST(BulkServer, ListensOnABracketedIpv6Host) {
  BulkServer server;
  auto port = server.Start("[::1]", 0);
  ASSERT_TRUE(port.ok()) << port.status();
  const ValuePtr value = BytesValue(1 << 20, 'f');
  std::string bytes;
  ASSERT_TRUE(BulkRead(HostOf(absl::StrCat("[::1]:", *port)), *port,
                       server.Offer(PrepareOutgoing(value)), value->bytes().size(), bytes)
                  .ok());
  EXPECT_EQ(bytes, value->bytes());
}

TEST(BulkRead, ANamedPortNobodyListensOnIsAnError) {
  BulkServer server;
  auto port = server.Start("127.0.0.1", 0);
  ASSERT_TRUE(port.ok()) << port.status();
  server.Stop();
  std::string bytes;
  absl::Status status = BulkRead("127.0.0.1", *port, std::string(kBulkTicketBytes, 't'), 10, bytes);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr(absl::StrCat("bulk port 127.0.0.1:", *port)));
}

// A worker's data plane without the rest of the worker: its store, data service and bulk port.
class DataPlane {
 public:
  explicit DataPlane(bool bulk) {
    if (bulk) {
      bulk_ = std::make_unique<BulkServer>();
      EXPECT_TRUE(bulk_->Start("127.0.0.1", 0).ok());
    }
    service_ = std::make_unique<DataService>(store_, "", bulk_.get());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    address_ = absl::StrCat("127.0.0.1:", port);
  }
  ~DataPlane() { server_->Shutdown(std::chrono::system_clock::now()); }

  ValueStore& store() { return store_; }
  BulkServer* bulk() { return bulk_.get(); }
  const std::string& address() const { return address_; }

 private:
  ValueStore store_;
  std::unique_ptr<BulkServer> bulk_;
  std::unique_ptr<DataService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

TEST(DataPlane, LargeAndSmallValuesArriveWithOrWithoutABulkPort) {
  for (bool bulk : {true, false}) {
    SCOPED_TRACE(bulk ? "bulk port" : "no bulk port");
    DataPlane plane(bulk);
    const ValuePtr big = BytesValue(2 * kBulkMinBytes + 5, 'd');
    auto list = std::make_shared<v1::Value>();
    list->mutable_list()->add_items()->set_int_(7);
    plane.store().Put("big", big);
    plane.store().Put("list", list);
    DataClient client;
    auto fetched = client.Fetch(plane.address(), {"big", "list", "absent"});
    ASSERT_TRUE(fetched.ok()) << fetched.status();
    ASSERT_TRUE(fetched->values.contains("big"));
    EXPECT_EQ(fetched->values["big"]->bytes(), big->bytes());
    ASSERT_TRUE(fetched->values.contains("list"));
    EXPECT_EQ(fetched->values["list"]->list().items(0).int_(), 7);
    EXPECT_THAT(fetched->missing, ::testing::ElementsAre("absent"));
  }
}

TEST(DataPlane, ArraysAndTablesArriveWithOrWithoutABulkPort) {
  for (bool bulk : {true, false}) {
    SCOPED_TRACE(bulk ? "bulk port" : "no bulk port");
    DataPlane plane(bulk);
    // 2 bulk-sized buffers and a half, so that the data service cuts it into several chunks.
    const uint64_t n = (5 * kBulkMinBytes / 2) / 8;
    ArrayBuilder<double> builder({n / 4, 4});
    for (uint64_t i = 0; i < n; ++i) builder.values()[i] = static_cast<double>(i) * 0.5;
    auto big = std::make_shared<v1::Value>(std::move(builder).Finish());
    absl::StatusOr<v1::Value> small = MakeArray<int8_t>({3}, std::vector<int8_t>{-1, 0, 1});
    ASSERT_TRUE(small.ok());
    std::vector<int64_t> ids(kBulkMinBytes / 8);
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int64_t>(i * i);
    absl::StatusOr<v1::Value> table =
        std::move(TableBuilder().Add<int64_t>("id", ids).AddStrings(
                      "s", std::vector<std::optional<std::string>>(ids.size(), "text")))
            .Finish();
    ASSERT_TRUE(table.ok()) << table.status();
    plane.store().Put("big", big);
    plane.store().Put("small", std::make_shared<v1::Value>(*small));
    plane.store().Put("table", std::make_shared<v1::Value>(*table));

    DataClient client;
    auto fetched = client.Fetch(plane.address(), {"big", "small", "table"});
    ASSERT_TRUE(fetched.ok()) << fetched.status();
    for (const auto& [key, want] : std::vector<std::pair<std::string, const v1::Value*>>{
             {"big", big.get()}, {"small", &*small}, {"table", &*table}}) {
      ASSERT_TRUE(fetched->values.contains(key)) << key;
      const v1::Value& got = *fetched->values[key];
      EXPECT_EQ(got.kind_case(), want->kind_case()) << key;
      EXPECT_TRUE(got.SerializeAsString() == want->SerializeAsString()) << key;
    }
  }
}

TEST(DataPlane, AValueOfferedOnAnUnreachableBulkPortComesThroughTheDataService) {
  DataPlane plane(/*bulk=*/true);
  plane.bulk()->Stop();  // still offers tickets for its port, where nobody listens now
  const ValuePtr big = BytesValue(kBulkMinBytes, 'e');
  plane.store().Put("big", big);
  DataClient client;
  auto fetched = client.Fetch(plane.address(), {"big"});
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  ASSERT_TRUE(fetched->values.contains("big"));
  EXPECT_EQ(fetched->values["big"]->bytes(), big->bytes());
}

}  // namespace
}  // namespace brisk
