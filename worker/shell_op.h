// The `shell` op: runs a command as a child process of the worker, in its own process group.
//
//   args:   argv (no shell unless `shell: true`); an argument that is a ref becomes the path of a
//           file holding that dependency's value.
//   kwargs: stdin (a literal or a ref: fed to the command), env (["NAME=value", ...]),
//           cwd (a directory), shell (true: run args[0] with /bin/sh -c, further args as $1...),
//           check (false: any exit status is a result, {"stdout": bytes, "status": int}).
//   result: the command's standard output, as bytes. Its standard error (the last 64 KiB) is kept
//           for `brisk logs`. A non-zero exit status or a signal fails the task with the status
//           and the tail of standard error. Cancelling or timing out kills the whole group, and
//           so does the command's own exit; registering makes this process a child subreaper
//           so that what a command leaves behind is adopted, killed and reaped here.
#pragma once

#include "brisk/op.h"

namespace brisk {

void RegisterShellOp(OpRegistry& registry);

}  // namespace brisk
