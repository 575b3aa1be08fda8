#!/usr/bin/env bash
# Grid Engine, for real: runs PROGRAM.c under a one-machine Grid Engine
# (Debian's gridengine packages) with pivm's checkpointing environment,
# forces a checkpoint and a migration mid-run and checks that the job's
# output equals an uninterrupted run's.
#
#   scripts/sge-test.sh [--out FILE] PROGRAM.c [ARGS...]
#
# As root on Debian: installs gridengine-master, gridengine-exec and
# gridengine-client if missing, starts sge_qmaster and sge_execd (their
# init scripts, without systemd), lets root submit (min_uid 0), creates
# the queue pivm.q and the checkpointing environment `pivm`
# (examples/sge/pivm.ckpt: ckpt_command, migr_command, restart_command,
# clean_command, when) with qconf, submits examples/sge/pivm-job.sh with
# `qsub -ckpt pivm`, then:
#   1. has Grid Engine checkpoint it every second (`qsub -c xsm`, the
#      queue's min_cpu_interval 1 s): the ckpt_command, `pivm snapshot
#      --pid`, while the job runs on;
#   2. suspends the job (`qmod -sj`): with `when` x Grid Engine runs the
#      migr_command (snapshot, pivm exits 85) and reschedules the job,
#      which restarts and resumes from the snapshot;
#   3. lets it finish.
# The output goes to FILE (default $PIVM_SGE_DIR/out, PIVM_SGE_DIR
# default /tmp/pivm-sge); gcc is the oracle (else an uninterrupted pivm
# run). Exits 0 only if the output is equal and the job was migrated and
# resumed. Environment: PIVM (default: the release build, built if
# missing), PIVM_PREEMPT_AFTER (seconds, default 1), PIVM_OPTS.
set -euo pipefail
NAME=sge-test WORK=${PIVM_SGE_DIR:-} WORK_DEFAULT=/tmp/pivm-sge
# shellcheck source=scripts/batch-lib.sh
. "$(dirname "$0")/batch-lib.sh"

# --- install ---------------------------------------------------------------
if ! command -v qconf >/dev/null || [ ! -x /usr/lib/gridengine/sge_qmaster ] ||
    [ ! -x /usr/lib/gridengine/sge_execd ]; then
    say "installing gridengine-master, gridengine-exec, gridengine-client (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq gridengine-master gridengine-exec gridengine-client >/dev/null
fi
export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
common=$SGE_ROOT/$SGE_CELL/common
[ -f "$common/bootstrap" ] || fail "no $common/bootstrap: the gridengine-master package did not configure a cell"

# --- a one-machine cluster ------------------------------------------------
host=$(hostname)
# Every name this machine's address resolves to is this host (a container's
# 127.0.0.1 is often `localhost` first), else qmaster refuses its clients.
aliases=$(awk -v h="$host" '$1 ~ /^127\.|^::1$/ { for (i = 2; i <= NF; i++) if ($i != h) printf " %s", $i }' /etc/hosts)
echo "$host$aliases" >"$common/host_aliases"
echo "$host" >"$common/act_qmaster"
rm -rf "$work"
mkdir -p "$work/ckpt" "$work/jobs"
chmod 1777 "$work/ckpt"

qmaster_pid=/var/spool/gridengine/qmaster/qmaster.pid
execd_pid=/run/gridengine/execd.pid
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
started=()
cleanup() {
    qdel -f "${job:-0}" >/dev/null 2>&1 || true
    for f in "${started[@]}"; do alive "$f" && kill "$(cat "$f")" 2>/dev/null || true; done
}
trap cleanup EXIT
if ! alive "$qmaster_pid"; then
    /etc/init.d/gridengine-master start >/dev/null
    started+=("$qmaster_pid")
fi
for _ in $(seq 100); do qconf -sh >/dev/null 2>&1 && break; sleep 0.2; done
qconf -sh >/dev/null 2>&1 || fail "sge_qmaster does not answer"
qconf -ah "$host" >/dev/null 2>&1 || true
qconf -as "$host" >/dev/null 2>&1 || true
conf=$work/global
# Root may submit; the execd reports every 2 s, so a migrated job's host
# is free again at once (load_report_time is 40 s by default).
qconf -sconf global | sed -e 's/^min_uid .*/min_uid 0/' -e 's/^min_gid .*/min_gid 0/' \
    -e 's/^load_report_time .*/load_report_time 00:00:02/' >"$conf"
qconf -Mconf "$conf" >/dev/null
qconf -ssconf | sed -e 's/^schedule_interval .*/schedule_interval 0:0:1/' \
    -e 's/^flush_submit_sec .*/flush_submit_sec 1/' -e 's/^flush_finish_sec .*/flush_finish_sec 1/' \
    >"$work/sconf"
qconf -Msconf "$work/sconf" >/dev/null
# The execd reads the configuration when it starts: (re)start it.
if alive "$execd_pid"; then
    kill "$(cat "$execd_pid")"
    for _ in $(seq 50); do alive "$execd_pid" || break; sleep 0.2; done
fi
/etc/init.d/gridengine-exec start >/dev/null
started+=("$execd_pid")
for _ in $(seq 150); do
    qhost -h "$host" 2>/dev/null | awk -v h="$host" '$1 == h && $4 != "-" { ok = 1 } END { exit !ok }' && break
    sleep 0.2
done
say "sge_qmaster and sge_execd up on $host"

# The checkpointing environment and a queue that offers it.
sed -e "s|@DIR@|$repo/examples/sge|g" -e "s|@CKPT_DIR@|$work/ckpt|" \
    "$repo/examples/sge/pivm.ckpt" >"$work/pivm.ckpt"
if qconf -sckpt pivm >/dev/null 2>&1; then
    qconf -Mckpt "$work/pivm.ckpt" >/dev/null
else
    qconf -Ackpt "$work/pivm.ckpt" >/dev/null
fi
qconf -sq >"$work/queue" 2>/dev/null || true
sed -i -e 's/^qname .*/qname pivm.q/' -e "s/^hostlist .*/hostlist $host/" \
    -e 's/^ckpt_list .*/ckpt_list pivm/' -e 's/^pe_list .*/pe_list NONE/' \
    -e "s/^slots .*/slots $(nproc)/" -e 's/^shell_start_mode .*/shell_start_mode unix_behavior/' \
    -e 's/^load_thresholds .*/load_thresholds NONE/' -e 's/^rerun .*/rerun TRUE/' \
    -e 's/^min_cpu_interval .*/min_cpu_interval 00:00:01/' "$work/queue"
if qconf -sq pivm.q >/dev/null 2>&1; then
    qconf -Mq "$work/queue" >/dev/null
else
    qconf -Aq "$work/queue" >/dev/null
fi
qmod -cq pivm.q >/dev/null 2>&1 || true
qmod -e pivm.q >/dev/null 2>&1 || true
say "checkpointing environment pivm (qconf -sckpt pivm):"
qconf -sckpt pivm | sed 's/^/    /'

make_oracle

# --- the job ---------------------------------------------------------------
log=$work/job.log
rm -f "$out"
job=$(cd "$work/jobs" && PIVM="$pivm" PIVM_STDOUT="$out" PIVM_OPTS="${PIVM_OPTS:-}" \
    qsub -terse -ckpt pivm -c xsm -q pivm.q -V -o "$log" "$repo/examples/sge/pivm-job.sh" "$prog" "${args[@]}")
say "submitted job $job (qsub -ckpt pivm -c xsm: checkpoints each min_cpu_interval, 1 s here)"
dir=$work/ckpt/pivm-$job

state() { qstat 2>/dev/null | awk -v j="$job" '$1 == j { print $5 }'; }
# Waits until pivm runs its start number $1 of the job, then $after s.
wait_running() {
    for _ in $(seq 900); do
        # r, or Rr once restarted.
        if [ -f "$dir/pid" ] && [[ "$(state)" == *r ]] &&
            [ "$(count 'pivm: batch: \(no snapshot\|resuming\)')" -ge "$1" ]; then
            sleep "$after"
            return 0
        fi
        [ -n "$(state)" ] || return 1
        sleep 0.2
    done
    return 1
}

wait_running 1 || { cat "$log" 2>/dev/null; fail "the job did not start, or ended before it could be checkpointed"; }
say "job $job running"
# 1. Checkpoints, the job going on: Grid Engine runs the ckpt_command at
#    each min_cpu_interval of the queue (when m).
for _ in $(seq 300); do
    grep -q '^checkpoint: snapshot of process' "$dir/ckpt.log" 2>/dev/null && break
    [ -n "$(state)" ] || break
    sleep 0.2
done
grep -q '^checkpoint: snapshot of process' "$dir/ckpt.log" 2>/dev/null ||
    fail "Grid Engine ran no ckpt_command (or it failed): $(tail -1 "$dir/ckpt.log" 2>/dev/null)"
[ -f "$dir/checkpoint.msgpack" ] || fail "the ckpt_command wrote no snapshot"
say "checkpointed by Grid Engine with the ckpt_command: $(grep -c '^checkpoint: snapshot' "$dir/ckpt.log") so far, the first: $(grep '^checkpoint: snapshot' "$dir/ckpt.log" | head -1)"
sleep "$after"
# 2. A migration: suspending the job runs the migr_command (when x).
qmod -sj "$job" >/dev/null
say "suspended: qmod -sj $job (when x: migr_command, then the job is rescheduled)"
for _ in $(seq 600); do
    grep -q 'exiting with status 85' "$log" 2>/dev/null && break
    [ -n "$(state)" ] || break
    sleep 0.2
done
grep -q 'exiting with status 85' "$log" || { cat "$log"; fail "the job did not stop after a snapshot (did the program end first? give it a longer run)"; }
say "stopped after a snapshot (pivm exit 85): $(grep '^migrate:' "$dir/ckpt.log" | tail -1)"
wait_running 2 || { cat "$log"; qstat -j "$job" 2>/dev/null | tail -5 || true; fail "the job was not restarted after the migration"; }
say "job $job restarted (migrated) and resumed"
for _ in $(seq 3000); do
    [ -n "$(state)" ] || break
    sleep 0.2
done
resumes=$(count 'pivm: batch: resuming from')
say "job $job ended; $resumes resume(s) from a snapshot; Grid Engine ran the ckpt_command $(grep -c '^checkpoint:' "$dir/ckpt.log" || true) times, the migr_command $(grep -c '^migrate:' "$dir/ckpt.log" || true) ($dir/ckpt.log)"
show_log
[ "$resumes" -ge 1 ] || fail "the job never resumed from a snapshot"
compare_output
