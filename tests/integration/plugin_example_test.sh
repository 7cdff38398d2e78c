#!/usr/bin/env bash
# PluginExampleTest: installs this build tree (cmake --install) into a temporary prefix and moves
# it elsewhere (the install is relocatable), builds examples/plugin against it with
# find_package(Brisk), then runs the example's graph through the installed daemons and CLI, and
# its client program on that cluster and on an embedded one.
#
#   plugin_example_test.sh BUILD_DIR EXAMPLE_DIR CXX "SANITIZER_FLAGS"
set -euo pipefail
build=$1 example=$2 cxx=$3 flags=${4:-}
unset BRISK_SCHEDULER  # brisk --plugin below must start its embedded cluster

tmp=$(mktemp -d "${TMPDIR:-/tmp}/brisk-plugin-example-XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
  echo "PluginExampleTest: $*" >&2
  for log in "$tmp"/*.log; do
    [ -f "$log" ] && { echo "==== $log" >&2; cat "$log" >&2; }
  done
  exit 1
}

cmake --install "$build" --prefix "$tmp/installed" >"$tmp/install.log" || fail "cmake --install failed"
mv "$tmp/installed" "$tmp/prefix"
prefix=$tmp/prefix
[ -f "$prefix/include/brisk/op.h" ] && [ -f "$prefix/include/brisk/v1/value.pb.h" ] ||
  fail "headers missing from the install"

link_flags=$flags
if [[ "$flags" == *thread* ]] && [ -f "$prefix/lib/libbrisk_absl_sync_tsan.so" ]; then
  # As every TSan-built target of the tree: ahead of abseil (see tests/tsan/CMakeLists.txt).
  link_flags="$flags $prefix/lib/libbrisk_absl_sync_tsan.so"
fi
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S "$example" -B "$tmp/build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_COMPILER="$cxx" "${launcher[@]}" \
  "-DCMAKE_CXX_FLAGS=$flags" "-DCMAKE_EXE_LINKER_FLAGS=$link_flags" \
  "-DCMAKE_SHARED_LINKER_FLAGS=$flags" >"$tmp/configure.log" 2>&1 || fail "configure failed"
cmake --build "$tmp/build" -j 2 >"$tmp/build.log" 2>&1 || fail "build failed"
plugin=$tmp/build/libexample_ops.so
[ -f "$plugin" ] || fail "no $plugin"

# The installed daemons, on a port the OS picks; the address file says where.
"$prefix/bin/brisk-scheduler" --port 0 --address-file "$tmp/address" >"$tmp/scheduler.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 400); do
  [ -s "$tmp/address" ] && break
  kill -0 "${pids[0]}" 2>/dev/null || fail "the scheduler exited"
  sleep 0.05
done
[ -s "$tmp/address" ] || fail "no address file"
address=$(cat "$tmp/address")
"$prefix/bin/brisk-worker" "$address" --name ex --plugin "$plugin" >"$tmp/worker.log" 2>&1 &
pids+=($!)

# The graph file from the CLI: its plugin tasks wait (no-worker) until the worker has joined.
out=$("$prefix/bin/brisk" --scheduler "$address" submit "$example/graph.json" 2>"$tmp/submit.log") ||
  fail "brisk submit failed: $out"
echo "$out" | grep -Eq '^escaped: [1-9][0-9]*$' || fail "unexpected output of brisk submit: $out"
echo "$out" | grep -q '^words: ' || fail "no words in the output of brisk submit: $out"

"$tmp/build/example_client" --scheduler "$address" >"$tmp/client.log" 2>&1 ||
  fail "example_client on the cluster failed"
grep -q '^words: 9 distinct, the most frequent "the" (3)$' "$tmp/client.log" ||
  fail "unexpected output of example_client"

# The embedded cluster takes the plugin too, from the client library and from the CLI.
"$tmp/build/example_client" --plugin "$plugin" >"$tmp/embedded-client.log" 2>&1 ||
  fail "example_client on an embedded cluster failed"
out=$("$prefix/bin/brisk" --plugin "$plugin" --local-workers 2 submit "$example/graph.json" \
  2>"$tmp/embedded-submit.log") || fail "brisk --plugin submit failed: $out"
echo "$out" | grep -Eq '^escaped: [1-9][0-9]*$' || fail "unexpected output of brisk --plugin: $out"

"$prefix/bin/brisk" --scheduler "$address" shutdown >/dev/null || fail "brisk shutdown failed"
for pid in "${pids[@]}"; do wait "$pid" || fail "a daemon exited with status $?"; done
pids=()
echo "PluginExampleTest: passed"
