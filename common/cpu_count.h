// How many cores this process may run on, for the defaults that follow the machine
// (brisk-worker --nthreads, the embedded cluster's workers).
#pragma once

namespace brisk {

// The CPUs in this process's affinity mask (what taskset, cpusets and Slurm allow it), else the
// machine's core count; at least 1.
int AvailableCores();

}  // namespace brisk
