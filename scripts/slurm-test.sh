#!/usr/bin/env bash
# Slurm, for real: runs PROGRAM.c under a one-machine Slurm cluster with
# pivm's batch mode, interrupts it twice mid-run and checks that the job's
# output equals an uninterrupted run's.
#
#   scripts/slurm-test.sh [--out FILE] PROGRAM.c [ARGS...]
#
# As root on Debian: installs slurm-wlm and munge if missing, starts
# munged, slurmctld and slurmd on this machine (no systemd; a private
# configuration and state under $PIVM_SLURM_DIR, default /tmp/pivm-slurm),
# submits examples/slurm/pivm-job.sh with `sbatch --requeue` and a
# `--signal` lead time, then:
#   1. sends the job the lead-time signal (`scancel --batch --signal USR1`,
#      what `--signal=B:USR1@120` sends before the time limit): the job
#      script has pivm snapshot and stop (85) and requeues itself;
#   2. preempts the resumed job with `scontrol requeue` (TERM to the job,
#      pivm snapshots and exits 85, Slurm requeues it);
#   3. lets it resume and finish.
# The job's output (pivm's --stdout file) is written to FILE (default
# $PIVM_SLURM_DIR/out); the oracle is gcc (or, if gcc cannot build the
# program, an uninterrupted pivm run). Exits 0 only if they are equal and
# both interruptions happened. Environment: PIVM (default: the release
# build, built if missing), PIVM_PREEMPT_AFTER (seconds of running before
# each interruption, default 1), PIVM_OPTS (options for `pivm run`).
set -euo pipefail
NAME=slurm-test WORK=${PIVM_SLURM_DIR:-} WORK_DEFAULT=/tmp/pivm-slurm
# shellcheck source=scripts/batch-lib.sh
. "$(dirname "$0")/batch-lib.sh"

# --- install ---------------------------------------------------------------
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq slurm-wlm munge >/dev/null
fi

# --- a one-machine cluster ------------------------------------------------
rm -rf "$work"
mkdir -p "$work"/{state,spool,log,jobs}
export SLURM_CONF=$work/slurm.conf
host=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/MemTotal/ { print int($2 / 1024 / 2) }' /proc/meminfo)
cat > "$SLURM_CONF" <<CONF
ClusterName=pivmtest
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${PIVM_SLURM_PORT:-16817}
SlurmdPort=$(( ${PIVM_SLURM_PORT:-16817} + 1 ))
AuthType=auth/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
JobRequeue=1
KillWait=30
SchedulerParameters=sched_interval=1
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

pids=()
cleanup() {
    scancel --quiet "${job:-0}" 2>/dev/null || true
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for f in "$work"/slurmd.pid "$work"/slurmctld.pid; do
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
    done
}
trap cleanup EXIT

if ! munge -n </dev/null >/dev/null 2>&1; then
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    chown munge:munge /run/munge /var/log/munge /var/lib/munge 2>/dev/null || true
    [ -s /etc/munge/munge.key ] || { mungekey --create 2>/dev/null || create-munge-key -f; }
    chown munge:munge /etc/munge/munge.key 2>/dev/null || true
    runuser -u munge -- /usr/sbin/munged || /usr/sbin/munged --force
    say "munged started"
fi
munge -n </dev/null | unmunge >/dev/null || fail "munge does not work"
slurmctld -i
slurmd
for _ in $(seq 100); do
    sinfo -h -o %T 2>/dev/null | grep -qE '^idle' && break
    sleep 0.2
done
sinfo -h -o %T 2>/dev/null | grep -qE '^idle' ||
    { tail -20 "$work"/log/*.log; fail "the node does not come up"; }
say "slurmctld and slurmd up on $host ($cpus cpus)"

make_oracle

# --- the job ---------------------------------------------------------------
ckpt=$work/ckpt
log=$work/job.log
rm -f "$out"
job=$(cd "$work/jobs" && PIVM="$pivm" PIVM_CKPT_DIR="$ckpt" PIVM_STDOUT="$out" \
    PIVM_OPTS="${PIVM_OPTS:-}" sbatch --parsable --requeue --signal=B:USR1@120 \
    --open-mode=append --output="$log" "$repo/examples/slurm/pivm-job.sh" "$prog" "${args[@]}")
say "submitted job $job (sbatch --requeue --signal=B:USR1@120)"

field() { scontrol show job "$job" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$1=//p" | head -1; }
# A job requeueing itself passes through CANCELLED ("CANCELLED ... DUE TO
# JOB REQUEUE") before PENDING: a final state counts only once it has held
# for 3 s (15 polls). $1 is the state just read.
streak=0
ended() {
    case $1 in
    COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY) streak=$((streak + 1)) ;;
    *) streak=0 ;;
    esac
    [ "$streak" -ge 15 ]
}
# A requeued job waits for its begin time (Slurm's default delay is
# minutes): bring it to 5 s from now, once per requeue ($forced, reset by
# the caller). Not at once: slurmd remembers the job it just killed for the
# requeue and refuses a launch that comes within a second or two ("Job N
# already killed, do not launch batch job"), and the job then fails.
forced=0
release_soon() {
    if [ "$1" = PENDING ] && [ "$forced" = 0 ] && [ "$(field Reason)" = BeginTime ]; then
        scontrol update JobId="$job" StartTime=now+5 >/dev/null 2>&1 || true
        forced=1
    fi
}
# Waits until the job runs its start number $1 and pivm has run $after s.
wait_running() {
    local n=$1
    forced=0
    streak=0
    for _ in $(seq 600); do
        local st rc
        st=$(field JobState)
        rc=$(field Restarts)
        if [ "$st" = RUNNING ] && [ "${rc:-0}" -ge $((n - 1)) ] &&
            [ "$(count 'pivm-job: job .* start')" -ge "$n" ] &&
            [ "$(count 'pivm: batch: \(no snapshot\|resuming\)')" -ge "$n" ]; then
            sleep "$after"
            return 0
        fi
        ended "$st" && return 1
        release_soon "$st"
        sleep 0.2
    done
    return 1
}
# Waits until the job has stopped after a snapshot (start number $1).
wait_stopped() {
    streak=0
    for _ in $(seq 600); do
        [ "$(count 'exiting with status 85')" -ge "$1" ] && return 0
        ended "$(field JobState)" && return 1
        sleep 0.2
    done
    return 1
}

wait_running 1 || { cat "$log"; fail "the job did not start, or ended before it could be interrupted"; }
say "job $job running (start 1)"
scancel --batch --signal=USR1 "$job"
say "signalled: USR1 to the batch script, as --signal=B:USR1@120 does before the time limit"
wait_stopped 1 || { cat "$log"; fail "no snapshot after USR1 (did the program end first? give it a longer run)"; }
say "stopped after a snapshot (pivm exit 85); the job requeues itself"

wait_running 2 || { cat "$log"; fail "the job was not resumed after USR1"; }
say "job $job running again (start 2, resumed)"
scontrol requeue "$job"
say "preempted: scontrol requeue $job (TERM to the job)"
wait_stopped 2 || { cat "$log"; fail "no snapshot after the requeue (did the program end first? give it a longer run)"; }
say "stopped after a snapshot (pivm exit 85); Slurm requeued the job"

streak=0
forced=0
for _ in $(seq 3000); do
    st=$(field JobState)
    ended "$st" && break
    release_soon "$st"
    sleep 0.2
done
resumes=$(count 'pivm: batch: resuming from')
say "job $job ended: $st, exit $(field ExitCode), restarts $(field Restarts), $resumes resumes from a snapshot"
show_log
[ "$resumes" -ge 2 ] || fail "expected 2 resumes from a snapshot, saw $resumes"
compare_output
