#!/usr/bin/env bash
# Checks the dependency direction of the workspace (ARCHITECTURE.md):
# ir knows nothing of Cranelift, msgpack or serde; jit never depends on vm;
# the frontend and the snapshot format depend on ir only among pivm crates.
set -euo pipefail
cd "$(dirname "$0")/.."

fail=0
deny() { # deny PACKAGE DEPENDENCY-PATTERN REASON
    if cargo tree --locked -e normal -p "$1" --prefix none 2>/dev/null | grep -Eq "^($2) v"; then
        echo "check-deps: $1 must not depend on $2 ($3)" >&2
        fail=1
    fi
}
deny pivm-ir 'cranelift-[a-z-]+|rmp-serde|serde|libc' "ir knows nothing of Cranelift, msgpack or the host"
deny pivm-jit 'pivm|pivm-snapshot|pivm-cc' "the neutral side owns the contract: jit never depends on vm"
deny pivm-cc 'pivm|pivm-jit|pivm-snapshot|cranelift-[a-z-]+' "the frontend depends on ir only"
deny pivm-snapshot 'pivm|pivm-jit|pivm-cc|cranelift-[a-z-]+' "the snapshot format depends on ir only"
if [ "$fail" = 0 ]; then echo "check-deps: ok"; fi
exit "$fail"
