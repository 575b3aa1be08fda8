#!/usr/bin/env bash
# Checks the dependency direction of the workspace (ARCHITECTURE.md):
# ir knows nothing of Cranelift, msgpack or serde; jit never depends on vm;
# the frontend and the snapshot format depend on ir only among pivm crates;
# an interpreter-only pivm (--no-default-features) has no Cranelift; no
# product crate depends on the fuzz harness.
# A `cargo tree` that fails fails the check: it never passes by silence.
set -euo pipefail
cd "$(dirname "$0")/.."

fail=0
deny() { # deny PACKAGE DEPENDENCY-PATTERN REASON [CARGO-TREE-FLAGS...]
    local pkg=$1 pattern=$2 reason=$3 tree
    shift 3
    if ! tree=$(cargo tree --locked -e normal -p "$pkg" --prefix none "$@"); then
        echo "check-deps: cargo tree -p $pkg $* failed" >&2
        exit 1
    fi
    if grep -Eq "^($pattern) v" <<<"$tree"; then
        echo "check-deps: $pkg $* must not depend on $pattern ($reason)" >&2
        fail=1
    fi
}
deny pivm-ir 'cranelift-[a-z-]+|rmp-serde|serde|libc' "ir knows nothing of Cranelift, msgpack or the host"
deny pivm-jit 'pivm|pivm-snapshot|pivm-cc' "the neutral side owns the contract: jit never depends on vm"
deny pivm-cc 'pivm|pivm-jit|pivm-snapshot|cranelift-[a-z-]+' "the frontend depends on ir only"
deny pivm-snapshot 'pivm|pivm-jit|pivm-cc|cranelift-[a-z-]+' "the snapshot format depends on ir only"
deny pivm 'pivm-jit|cranelift-[a-z-]+' "an interpreter-only pivm has no Cranelift" --no-default-features
deny pivm 'pivm-fuzz|libfuzzer-sys' "the fuzz harness is no part of pivm"
if [ "$fail" = 0 ]; then echo "check-deps: ok"; fi
exit "$fail"
