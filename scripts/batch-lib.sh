# Shared by scripts/slurm-test.sh and scripts/sge-test.sh (sourced, after
# setting NAME and WORK_DEFAULT): the command line `[--out FILE]
# PROGRAM.c [ARGS...]`, pivm, the oracle and the log helpers.
#
# Sets: repo, out, prog, args (the program's arguments), work, after,
# pivm, t0; defines say, fail, count, make_oracle, show_log,
# compare_output.

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=
if [ "${1:-}" = --out ]; then
    out=$2
    shift 2
fi
if [ $# -lt 1 ]; then
    echo "usage: $NAME [--out FILE] PROGRAM.c [ARGS...]" >&2
    exit 2
fi
prog=$(realpath -m "$1")
shift
args=("$@")
[ -f "$prog" ] || { echo "$NAME: no such program: $prog" >&2; exit 2; }
work=${WORK:-$WORK_DEFAULT}
after=${PIVM_PREEMPT_AFTER:-1}
[ -n "$out" ] || out=$work/out
out=$(realpath -m "$out")
t0=$(date +%s)
say() { echo "$NAME: [$(($(date +%s) - t0))s] $*"; }
fail() { say "FAIL: $*"; exit 1; }

# How many lines of the job's log ($log) match $1.
count() {
    local n
    n=$(grep -c -- "$1" "$log" 2>/dev/null) || true
    echo "${n:-0}"
}

# pivm: $PIVM, else the release build (built if missing).
pivm=${PIVM:-}
if [ -z "$pivm" ]; then
    pivm=${CARGO_TARGET_DIR:-$repo/target}/release/pivm
    if [ ! -x "$pivm" ]; then
        say "building pivm (release)"
        (cd "$repo" && cargo build --release -q -p pivm)
    fi
fi
pivm=$(realpath "$pivm")

# Writes an uninterrupted run's output to $work/expected: gcc's, or
# pivm's if gcc cannot build the program; sets oracle.
make_oracle() {
    expected=$work/expected
    if gcc -w -O1 -o "$work/oracle" "$prog" -lm 2>"$work/gcc.err"; then
        (cd "$work" && ./oracle "${args[@]}" >"$expected") || true
        oracle=gcc
    else
        (cd "$work" && "$pivm" run "$prog" -- "${args[@]}" >"$expected") || true
        oracle="pivm (uninterrupted)"
    fi
    say "oracle: $oracle, $(wc -c <"$expected") bytes of output"
}

# Prints the job's log.
show_log() {
    echo "--- the job's log ($log) ---"
    cat "$log"
    echo "---"
}

# Compares the job's output with the oracle's; the last line says which.
compare_output() {
    if cmp -s "$expected" "$out"; then
        say "PASS: the output ($(wc -c <"$out") bytes, $out) equals $oracle's uninterrupted run"
    else
        diff <(head -c 2000 "$expected") <(head -c 2000 "$out") | head -20 || true
        fail "the output differs from $oracle's uninterrupted run ($expected vs $out)"
    fi
}
