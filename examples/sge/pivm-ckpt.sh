#!/bin/bash
# The commands of the `pivm` checkpointing environment (pivm.ckpt):
#
#   pivm-ckpt.sh checkpoint DIR   ckpt_command: snapshot, the job goes on
#   pivm-ckpt.sh migrate DIR      migr_command: snapshot, pivm exits 85
#   pivm-ckpt.sh restart DIR      restart_command: says what a restart resumes
#   pivm-ckpt.sh clean DIR        clean_command: removes DIR's snapshots
#
# DIR is the job's checkpoint directory ($ckpt_dir/pivm-$job_id), where
# pivm-job.sh writes the pid of its pivm. The snapshot is taken by
# `pivm snapshot --at-next-safepoint --pid`, which waits until it is
# written (at pivm's --snapshot-path, DIR/checkpoint.msgpack) and fails
# (status 1) if it could not be. Output: one line to stderr, which Grid
# Engine keeps in the execd's messages. pivm is the one DIR/pivm-bin names.
set -u
action=${1:-}
dir=${2:-}
pivm=$(cat "$dir/pivm-bin" 2>/dev/null || echo "${PIVM:-pivm}")
log() { echo "pivm-ckpt: $action $dir: $*" >&2; }
said=
[ -n "$dir" ] || { echo "usage: pivm-ckpt.sh checkpoint|migrate|restart|clean DIR" >&2; exit 2; }
pid=$(cat "$dir/pid" 2>/dev/null || true)
case $action in
checkpoint | migrate)
    if [ -z "$pid" ]; then
        log "no pivm running (no $dir/pid)"
        exit 1
    fi
    exit_flag=()
    [ "$action" = migrate ] && exit_flag=(--exit)
    # One line per command in DIR/ckpt.log: `checkpoint: ...` or `migrate: ...`.
    if said=$("$pivm" snapshot --at-next-safepoint --pid "$pid" "${exit_flag[@]}" 2>&1); then
        echo "$action: $said" >>"$dir/ckpt.log"
        log "$said"
    else
        echo "$action: failed: $said" >>"$dir/ckpt.log"
        log "failed: $said"
        # migrate: stop the job anyway (TERM also snapshots); it resumes
        # from its last snapshot.
        [ "$action" = migrate ] && kill -TERM "$pid" 2>/dev/null
        exit 1
    fi
    ;;
restart)
    # Not called with interface application-level: the job script runs
    # again and `pivm run --checkpoint-dir` resumes.
    if [ -f "$dir/checkpoint.msgpack" ]; then
        log "will resume $dir/checkpoint.msgpack"
    else
        log "no snapshot: the job starts from the beginning"
    fi
    ;;
clean)
    rm -f "$dir"/checkpoint.msgpack "$dir"/checkpoint.msgpack.* "$dir"/job.json "$dir"/pid "$dir"/pivm-bin
    ;;
*)
    echo "usage: pivm-ckpt.sh checkpoint|migrate|restart|clean DIR" >&2
    exit 2
    ;;
esac
