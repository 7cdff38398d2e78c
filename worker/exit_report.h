// The nanny's report to the scheduler of how its worker process ended (ReportWorkerExit). Made
// from a process forked for it (RunForked): the nanny itself never starts gRPC.
#pragma once

#include <string>

#include "worker/nanny.h"

namespace brisk {

// Sends the report; 0 when the scheduler took it (attached or not), 1 otherwise (logged).
int SendExitReport(const std::string& scheduler, const std::string& token, const ChildExit& exit,
                   const ChildRegistration& last);

}  // namespace brisk
