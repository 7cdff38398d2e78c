// Bulk transfers: a large value moves between workers (or to a client) over a plain TCP
// connection to the sender's bulk port, at the speed of the socket, instead of in gRPC messages.
//
// gRPC's HTTP/2 framing and flow control cap one stream at about 1.2-1.5 GB/s on loopback here,
// about 60% of what a plain socket carries (bench/README.md). The value is offered through the
// authenticated GetData call: the sender answers with a ticket instead of the data, and the
// receiver presents the ticket on the bulk port and reads the bytes. Whoever cannot call GetData
// cannot get a ticket, so the bulk port needs no token of its own.
//
// On the bulk port: the reader sends kBulkMagic then the ticket (kBulkTicketBytes); the server
// writes the value's bytes and closes. Anything else is closed without a word.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"

namespace brisk {

// Values at least this large go in bulk; smaller ones are cheaper in the GetData stream.
inline constexpr uint64_t kBulkMinBytes = 4 << 20;
inline constexpr size_t kBulkTicketBytes = 16;
inline constexpr std::string_view kBulkMagic = "BRISKBK1";
// Bytes per send() and recv() call. One call for a whole 100 MB value held the socket for so long
// that the transfer ran at half speed; 1 MiB calls reach 2.3-2.9 GB/s on loopback here.
inline constexpr size_t kBulkIoBytes = 1 << 20;

// The host part of "host:port" or "[v6 address]:port", without brackets.
std::string HostOf(const std::string& address);
// `host` as getaddrinfo wants it: "[::1]", as gRPC writes it, becomes "::1".
std::string Unbracketed(const std::string& host);
// Sets a socket's SO_SNDTIMEO or SO_RCVTIMEO (`option`).
void SetSocketTimeout(int fd, int option, absl::Duration timeout);

// A bulk read that receives no byte for this long gives up: the sender is gone.
inline constexpr absl::Duration kBulkStallTimeout = absl::Seconds(60);

// Reads the value offered under `ticket` from `host`:`port` into `out` (replacing its content);
// an error unless exactly `size` bytes arrive, none more than `stall_timeout` after the last.
// (A duration, not a Clock: it is the socket's SO_RCVTIMEO, which only real time runs down;
// tests pass milliseconds.)
absl::Status BulkRead(const std::string& host, uint32_t port, const std::string& ticket,
                      uint64_t size, std::string& out,
                      absl::Duration stall_timeout = kBulkStallTimeout);

}  // namespace brisk
