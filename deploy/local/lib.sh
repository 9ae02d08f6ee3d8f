# shellcheck shell=bash
# Shared by deploy/local/kafka.sh and clickhouse.sh (sourced, never run): logging, timing,
# apt-get, the pid file, waiting with a deadline, stop (TERM, then KILL), status, the lock
# and the command dispatch.
#
# After sourcing it, the service script sets:
#   SVC_NAME      log prefix: "kafka" logs "[kafka] ..."
#   SVC_PROCESS   what the process is called in messages ("broker", "server")
#   SVC_DIR       the service's directory in the cache (lock file, apt log)
#   PID_FILE      the pid file its launcher writes
#   PID_MATCH     text in /proc/<pid>/cmdline that marks a process as ours
#   DATA_DIR LOG_DIR  what stop --clean deletes
#   HOST          the address it listens on
# and defines cmd_install, cmd_start, cmd_stop, cmd_status and cmd_wait, plus the hooks
#   show_log_tail        the end of its logs, when the process fails to come up
#   wait_started <pid>   waits until the process <pid> answers (see wait_until)
# Its last line is: dispatch "$@"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# shellcheck disable=SC2034  # used by the sourcing scripts: each keeps its files in $CACHE_ROOT/<service>
CACHE_ROOT="${LIFELONG_CACHE:-$REPO_ROOT/.cache}"
STOP_TIMEOUT=30

log() { echo "[$SVC_NAME] $*"; }
err() { echo "[$SVC_NAME] ERROR: $*" >&2; }
die() { err "$*"; exit 1; }

now_ms() { date +%s%3N; }
elapsed() { # start_ms -> "12.3s"
  local d=$(( $(now_ms) - $1 ))
  printf '%d.%01ds' $((d / 1000)) $(((d % 1000) / 100))
}

apt_install() {
  local sudo=() apt_log="$SVC_DIR/apt.log"
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to apt-get install $*"
    sudo=(sudo)
  fi
  mkdir -p "$SVC_DIR"
  log "apt-get update && apt-get install $* (log: $apt_log) ..."
  # DPkg::Lock::Timeout: wait for a concurrent apt/dpkg run instead of failing.
  if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q \
         && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q "$@"; \
       } > "$apt_log" 2>&1; then
    tail -n 30 "$apt_log" >&2
    die "apt-get install $* failed (full log: $apt_log)"
  fi
}

# shellcheck disable=SC2015  # (prints nothing when there is no pid file)
read_pid() { [ -f "$PID_FILE" ] && tr -dc '0-9' < "$PID_FILE" || true; }

# Alive and really ours (guards against pid reuse).
pid_alive() {
  local pid="$1"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
    && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "$PID_MATCH"
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# tail_logs <lines> <file>...: the end of each non-empty file, on stderr.
tail_logs() {
  local lines="$1" f; shift
  for f in "$@"; do
    if [ -s "$f" ]; then
      echo "[$SVC_NAME] ---- last $lines lines of $f ----" >&2
      tail -n "$lines" "$f" >&2
    fi
  done
}

# wait_until <deadline, epoch s> <pid or empty> <poll interval, s> <timeout message> <command>...
# Runs the command until it succeeds. Fails with 1 (after an error and show_log_tail) when
# process <pid> exits first, with 2 (after an error with the message) when the deadline
# passes first; showing the log tail then is left to the caller.
wait_until() {
  local deadline="$1" pid="$2" interval="$3" timeout_message="$4"
  shift 4
  until "$@"; do
    if [ -n "$pid" ] && ! pid_alive "$pid"; then
      err "$SVC_PROCESS process $pid exited during startup"; show_log_tail; return 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      err "$timeout_message"; return 2
    fi
    sleep "$interval"
  done
}

pid_file_written() { [ -n "$(read_pid)" ]; }

# After the launcher was started in the background: waits (10 s at most) for its pid file.
wait_pid_file() {
  wait_until $(( $(date +%s) + 10 )) "" 0.1 "launcher did not write $PID_FILE" pid_file_written || exit 1
}

# ports_free <hint> <port>...: dies if any of the ports is taken.
ports_free() {
  local hint="$1" p; shift
  for p in "$@"; do
    if port_open "$p"; then
      die "port $HOST:$p is already in use by another process (set $hint)"
    fi
  done
}

# adopt_running <t0 (now_ms)> <where> <check>...: if our process already runs, returns 0
# once the check passes, waiting for it (wait_started) if it does not yet, and dies if it
# never does. If it does not run, removes a stale pid file and returns 1.
adopt_running() {
  local t0="$1" where="$2" pid
  shift 2
  pid=$(read_pid)
  if ! pid_alive "$pid"; then
    rm -f "$PID_FILE"
    return 1
  fi
  if "$@"; then
    log "already running (pid $pid) on $where"
    return 0
  fi
  log "process $pid exists but is not answering yet; waiting"
  wait_started "$pid" || die "$SVC_PROCESS (pid $pid) is not answering; try: $0 stop"
  log "ready on $where (pid $pid) after $(elapsed "$t0")"
}

# stop_local [--clean]: TERM, then KILL after STOP_TIMEOUT s; --clean also deletes the data and logs.
stop_local() {
  local clean="${1:-}" pid
  pid=$(read_pid)
  if pid_alive "$pid"; then
    local t0; t0=$(now_ms)
    log "stopping pid $pid ..."
    kill -TERM "$pid" 2>/dev/null || true
    local deadline=$(( $(date +%s) + STOP_TIMEOUT ))
    while pid_alive "$pid"; do
      if [ "$(date +%s)" -ge "$deadline" ]; then
        log "still running after ${STOP_TIMEOUT}s, sending KILL"
        kill -KILL "$pid" 2>/dev/null || true
        local d2=$(( $(date +%s) + 10 ))
        while kill -0 "$pid" 2>/dev/null && [ "$(date +%s)" -lt "$d2" ]; do sleep 0.2; done
        break
      fi
      sleep 0.2
    done
    log "stopped in $(elapsed "$t0")"
  else
    log "not running"
  fi
  rm -f "$PID_FILE"
  if [ "$clean" = "--clean" ]; then
    log "removing data dir $DATA_DIR and logs"
    rm -rf "$DATA_DIR" "$LOG_DIR"
  fi
}

# status_local <where> <what is wrong when the check fails> <check>...
# 0 if our process runs and the check passes, 1 otherwise.
status_local() {
  local where="$1" failing="$2" pid
  shift 2
  pid=$(read_pid)
  if pid_alive "$pid"; then
    if "$@"; then
      log "running (pid $pid) on $where"
      return 0
    fi
    log "process running (pid $pid) but $failing"
    return 1
  fi
  log "not running"
  return 1
}

# Serialise start/stop/install between concurrent callers (e.g. parallel test workers).
with_lock() {
  mkdir -p "$SVC_DIR"
  exec 9>"$SVC_DIR/.lock"
  flock -w 600 9 || die "could not get the lock $SVC_DIR/.lock within 600s"
  "$@"
}

usage() { echo "usage: $0 install|start|stop [--clean]|clean|status|wait" >&2; exit 2; }

dispatch() {
  case "${1:-}" in
    install) with_lock cmd_install ;;
    start)   with_lock cmd_start ;;
    stop)    with_lock cmd_stop "${2:-}" ;;
    clean)   with_lock cmd_stop --clean ;;
    status)  cmd_status ;;
    wait)    cmd_wait ;;
    *)       usage ;;
  esac
}
