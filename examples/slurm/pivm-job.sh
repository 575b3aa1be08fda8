#!/bin/bash
# A Slurm job that survives preemption and time limits with pivm:
#
#   sbatch examples/slurm/pivm-job.sh PROGRAM.c [ARGS...]
#
# Each start of the job (the first, and every requeue) runs the same
# command, `pivm run --checkpoint-dir DIR`: it resumes from DIR's snapshot
# if there is one, else starts. pivm snapshots every 10 minutes
# (PIVM_EVERY), on USR1 and on TERM; the program's output goes to
# DIR/stdout (PIVM_STDOUT), cut back on resume so that it ends equal to an
# uninterrupted run's. The job's own log (slurm-JOBID.out) gets pivm's
# `pivm: batch:` lines.
#
# - Preemption or `scontrol requeue`: Slurm sends TERM to every process
#   of the job, then KILL after KillWait (30 s by default): pivm snapshots
#   and exits 85, Slurm requeues the job (--requeue), the next start
#   resumes.
# - Time limit: --signal=B:USR1@120 sends USR1 to this script 120 s before
#   the limit; it asks pivm to snapshot and stop (TERM), then requeues the
#   job itself.
#
# Environment: PIVM (the pivm binary, default `pivm`), PIVM_CKPT_DIR
# (default $SLURM_SUBMIT_DIR/pivm-ckpt-$SLURM_JOB_ID: it must be on storage
# that the node the job restarts on sees), PIVM_STDOUT, PIVM_EVERY,
# PIVM_OPTS (more options of `pivm run`, e.g. `--engine interp`).
#SBATCH --job-name=pivm
#SBATCH --requeue
#SBATCH --open-mode=append
#SBATCH --signal=B:USR1@120
set -u
if [ $# -lt 1 ]; then
    echo "usage: sbatch pivm-job.sh PROGRAM.c [ARGS...]" >&2
    exit 2
fi
pivm=${PIVM:-pivm}
dir=${PIVM_CKPT_DIR:-${SLURM_SUBMIT_DIR:-.}/pivm-ckpt-${SLURM_JOB_ID:-0}}
opts=(--checkpoint-dir "$dir" --snapshot-every "${PIVM_EVERY:-10m}")
[ -n "${PIVM_STDOUT:-}" ] && opts+=(--stdout "$PIVM_STDOUT")
# shellcheck disable=SC2206 # PIVM_OPTS is a list of words
opts+=(${PIVM_OPTS:-})
prog=$1
shift
echo "pivm-job: job ${SLURM_JOB_ID:-?} start $((${SLURM_RESTART_COUNT:-0} + 1)) on $(hostname)" >&2

requeue=0
"$pivm" run "${opts[@]}" "$prog" -- "$@" &
child=$!
trap 'echo "pivm-job: USR1 (time limit near): snapshot, stop, requeue" >&2; requeue=1; kill -TERM $child' USR1
trap 'echo "pivm-job: TERM (preempted or requeued)" >&2; kill -TERM $child' TERM
# A trapped signal interrupts `wait`: wait again until pivm has ended;
# bash keeps its status for the last `wait`.
wait $child
while kill -0 $child 2>/dev/null; do wait $child; done
wait $child
status=$?
echo "pivm-job: pivm exited with status $status" >&2
if [ $status -eq 85 ] && [ $requeue = 1 ]; then
    scontrol requeue "$SLURM_JOB_ID"
fi
exit $status
