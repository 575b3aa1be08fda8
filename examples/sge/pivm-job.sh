#!/bin/bash
# A Grid Engine job that pivm checkpoints and migrates:
#
#   qsub -ckpt pivm [-c sx] examples/sge/pivm-job.sh PROGRAM.c [ARGS...]
#
# with the checkpointing environment of pivm.ckpt (qconf -Ackpt). Every
# start of the job (the first, and each restart after a migration) runs
# `pivm run --checkpoint-dir DIR`, which resumes from DIR's snapshot if
# there is one, else starts. Grid Engine asks for snapshots through the
# environment's ckpt_command (snapshot, go on) and migr_command (snapshot
# and stop with 85, after which Grid Engine reschedules the job); both
# run pivm-ckpt.sh, which finds this job's pivm through DIR/pid. The
# program's output goes to DIR/stdout (or PIVM_STDOUT), cut back on resume
# so that it ends equal to an uninterrupted run's.
#
# Environment: PIVM (default `pivm`), PIVM_STDOUT, PIVM_EVERY (default
# 10m), PIVM_OPTS (more `pivm run` options). DIR is
# $SGE_CKPT_DIR/pivm-$JOB_ID (the environment's ckpt_dir), else
# $SGE_O_WORKDIR/pivm-$JOB_ID.
#$ -S /bin/bash
#$ -cwd
#$ -j y
#$ -r y
set -u
if [ $# -lt 1 ]; then
    echo "usage: qsub -ckpt pivm pivm-job.sh PROGRAM.c [ARGS...]" >&2
    exit 2
fi
pivm=${PIVM:-pivm}
base=${SGE_CKPT_DIR:-}
[ -n "$base" ] && [ "$base" != NONE ] || base=${SGE_O_WORKDIR:-.}
dir=$base/pivm-${JOB_ID:-0}
mkdir -p "$dir"
opts=(--checkpoint-dir "$dir" --snapshot-every "${PIVM_EVERY:-10m}")
[ -n "${PIVM_STDOUT:-}" ] && opts+=(--stdout "$PIVM_STDOUT")
# shellcheck disable=SC2206 # PIVM_OPTS is a list of words
opts+=(${PIVM_OPTS:-})
prog=$1
shift
echo "pivm-job: job ${JOB_ID:-?} on $(hostname)$([ "${RESTARTED:-0}" = 0 ] || echo ", restarted")" >&2

"$pivm" run "${opts[@]}" "$prog" -- "$@" &
child=$!
echo "$child" > "$dir/pid"
# The checkpoint commands run in the execd's environment: they find pivm here.
command -v "$pivm" > "$dir/pivm-bin"
trap 'kill -TERM $child' TERM
trap 'kill -USR1 $child' USR1
wait $child
while kill -0 $child 2>/dev/null; do wait $child; done
wait $child
status=$?
rm -f "$dir/pid" "$dir/pivm-bin"
echo "pivm-job: pivm exited with status $status" >&2
# 85: stopped after a snapshot (migr_command): Grid Engine restarts the job.
exit $status
