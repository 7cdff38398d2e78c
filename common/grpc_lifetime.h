// KeepGrpcUntilExit: lets a program exit promptly once its gRPC objects are gone.
//
// When the last gRPC object of a process is destroyed, gRPC shuts its library down and joins its
// executor threads, and one of those may be sleeping in a poll until its next timer (up to about
// 10 s here: a keepalive). A daemon told to stop, or a CLI command that is done, would hang that
// long. Holding one reference to the library for the life of the process keeps that last
// shutdown from running; the process exit ends gRPC's threads instead.
#pragma once

namespace brisk {

// Call once, early in main().
void KeepGrpcUntilExit();

}  // namespace brisk
