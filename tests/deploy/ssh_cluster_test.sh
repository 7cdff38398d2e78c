#!/usr/bin/env bash
# deploy/ssh/brisk-ssh-cluster against this machine: "ssh" is replaced by a local shell, the hosts
# are two loopback names. Starts a cluster, runs a graph on it, stops it.
# Usage: ssh_cluster_test.sh BIN_DIR REPO_DIR
set -euo pipefail
bin=$1 repo=$2
dir=$(mktemp -d)
cleanup() { pkill -f -- "$dir/token" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT

printf '#!/bin/sh\nshift\nexec sh -c "$*"\n' > "$dir/fake-ssh"   # drops the host, runs locally
chmod +x "$dir/fake-ssh"
head -c 24 /dev/urandom | base64 > "$dir/token"
export BRISK_SSH="$dir/fake-ssh" BRISK_AUTH_TOKEN_FILE="$dir/token"

address=$("$repo/deploy/ssh/brisk-ssh-cluster" start --scheduler-host 127.0.0.1 \
  --workers 127.0.0.1,localhost --port 0 --token-file "$dir/token" --bin-dir "$bin" --log-dir "$dir")
echo "cluster at $address"

# Both workers registered (polled, with a deadline).
for _ in $(seq 200); do
  n=$("$bin/brisk" --scheduler "$address" -o json status | grep -o '"name"' | wc -l || true)
  [ "$n" = 2 ] && break
  sleep 0.05
done
[ "$n" = 2 ] || { echo "FAIL: $n workers registered"; cat "$dir"/*.log; exit 1; }

out=$("$bin/brisk" --scheduler "$address" submit "$repo/examples/graphs/hello.json")
[ "$out" = "c: 6.5" ] || { echo "FAIL: got '$out'"; exit 1; }

"$repo/deploy/ssh/brisk-ssh-cluster" stop --scheduler "$address" --token-file "$dir/token" --bin-dir "$bin"
for _ in $(seq 200); do
  "$bin/brisk" --scheduler "$address" status >/dev/null 2>&1 || break
  sleep 0.05
done
if "$bin/brisk" --scheduler "$address" status >/dev/null 2>&1; then echo "FAIL: still running"; exit 1; fi
echo "1 passed, 0 failed"
