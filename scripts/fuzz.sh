#!/usr/bin/env bash
# Builds and runs pivm's fuzz targets with libFuzzer, on stable Rust.
#
#   scripts/fuzz.sh TARGET SECONDS [LIBFUZZER-ARGS...]   one target
#   scripts/fuzz.sh all SECONDS [LIBFUZZER-ARGS...]      each target in turn
#   scripts/fuzz.sh list                                 the targets
#
# Targets (fuzz/src/*.rs says what each checks): pir, cc, snapshot, control.
#
# Needs a C++ compiler for libFuzzer itself (libfuzzer-sys builds it with
# the cc crate: g++ or clang++). The coverage instrumentation is LLVM's
# SanitizerCoverage, asked for with stable codegen flags (-C passes,
# -C llvm-args), so no nightly toolchain is needed. No sanitizer is on by
# default: that needs -Zsanitizer, which stable rustc accepts only behind
# the escape hatch RUSTC_BOOTSTRAP=1; FUZZ_SANITIZER=address sets both
# (it slows the targets several times).
#
# Each run starts from the seeds (regenerated from examples/ and tests/ by
# the pivm-fuzz-seeds binary) and the corpus the earlier runs kept, one
# process on one core. Everything goes beneath the cargo target directory
# ($CARGO_TARGET_DIR, default target/): fuzz/seeds/TARGET,
# fuzz/corpus/TARGET (kept between runs), fuzz/artifacts/TARGET (the input
# of a crash, hang or OOM: keep it under fuzz/regressions/TARGET/ once
# fixed, and `cargo test -p pivm-fuzz` replays it). The binaries are
# debug/TARGET there.
#
# To replay an input: target/debug/TARGET FILE (libFuzzer runs the files
# it is given and exits), or keep it in fuzz/regressions/TARGET/ and run
# `cargo test -p pivm-fuzz --test regressions`.
set -euo pipefail

# LLVM SanitizerCoverage as cargo-fuzz asks for it, with stable flags.
coverage_flags() {
    echo "-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4" \
        "-Cllvm-args=-sanitizer-coverage-inline-8bit-counters" \
        "-Cllvm-args=-sanitizer-coverage-pc-table" \
        "-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing"
}

# Run by cargo as the rustc of pivm's own crates (see the build below):
# the compiler's command line, plus coverage and optimization.
if [ -n "${PIVM_FUZZ_AS_RUSTC:-}" ]; then
    # shellcheck disable=SC2046
    exec "$@" $(coverage_flags) -Copt-level=2
fi

cd "$(dirname "$0")/.."
root=$(pwd)
targets=(pir cc snapshot control)

usage() {
    echo "usage: scripts/fuzz.sh TARGET|all SECONDS [LIBFUZZER-ARGS...] | list" >&2
    exit 2
}
[ $# -ge 1 ] || usage
if [ "$1" = list ]; then
    printf '%s\n' "${targets[@]}"
    exit 0
fi
[ $# -ge 2 ] || usage
which=$1 seconds=$2
shift 2
case "$seconds" in '' | *[!0-9]*) usage ;; esac
if [ "$which" = all ]; then
    run=("${targets[@]}")
else
    printf '%s\n' "${targets[@]}" | grep -qx -- "$which" || {
        echo "fuzz.sh: unknown target '$which' (one of: ${targets[*]}, all)" >&2
        exit 2
    }
    run=("$which")
fi

target_dir=${CARGO_TARGET_DIR:-$root/target}
case "$target_dir" in /*) ;; *) target_dir=$root/$target_dir ;; esac
work=$target_dir/fuzz
host=$(rustc -vV | sed -n 's/^host: //p')
if ! command -v "${CXX:-c++}" >/dev/null; then
    echo "fuzz.sh: no C++ compiler (${CXX:-c++}) to build libFuzzer: install g++ or clang, or set CXX" >&2
    exit 1
fi

# The seeds, from an ordinary build (the one `cargo test` makes).
cargo build --locked -q -p pivm-fuzz --bin pivm-fuzz-seeds
rm -rf "$work/seeds"
"$target_dir/debug/pivm-fuzz-seeds" "$work/seeds" "$root"

# The instrumented build. Only pivm's own crates are instrumented: cargo
# runs this script as their rustc wrapper (RUSTC_WORKSPACE_WRAPPER, see
# the top), which adds the coverage flags and optimizes them; the
# dependencies are the ones `cargo test` builds (dev profile: debug
# assertions and overflow checks on), shared with it. Cargo keeps the
# wrapped crates apart from the others (the wrapper's name is part of
# their metadata), so nothing is rebuilt back and forth.
bins=()
for t in "${run[@]}"; do bins+=(--bin "$t"); done
echo "== building ${run[*]} (instrumented)"
if [ -n "${FUZZ_SANITIZER:-}" ]; then
    # A sanitizer must be on in every crate (rustc refuses to mix), and
    # not in build scripts and proc macros: all crates, with --target,
    # in a directory of their own.
    export RUSTC_BOOTSTRAP=1
    RUSTFLAGS="$(coverage_flags) -Zsanitizer=$FUZZ_SANITIZER" \
        CARGO_TARGET_DIR="$work/build-$FUZZ_SANITIZER" \
        cargo build --locked -p pivm-fuzz --features libfuzzer --target "$host" "${bins[@]}"
    out=$work/build-$FUZZ_SANITIZER/$host/debug
else
    RUSTC_WORKSPACE_WRAPPER="$root/scripts/fuzz.sh" PIVM_FUZZ_AS_RUSTC=1 \
        cargo build --locked -p pivm-fuzz --features libfuzzer "${bins[@]}"
    out=$target_dir/debug
fi

failed=()
for t in "${run[@]}"; do
    mkdir -p "$work/corpus/$t" "$work/artifacts/$t"
    echo "== fuzzing $t for ${seconds}s"
    # -timeout: an input running 25 s is a hang; -rss_limit_mb: 2 GiB
    # is an OOM (the runs are bounded far below both).
    if ! "$out/$t" \
        -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$work/artifacts/$t/" \
        "$@" "$work/corpus/$t" "$work/seeds/$t"; then
        failed+=("$t")
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz.sh: found a failure in: ${failed[*]} (inputs in $work/artifacts/)" >&2
    exit 1
fi
