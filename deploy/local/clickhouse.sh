#!/usr/bin/env bash
# Local private ClickHouse server on 127.0.0.1 (not the system service).
#
#   clickhouse.sh install          apt-get install clickhouse-server/-client if missing (idempotent)
#   clickhouse.sh start            install if needed, start the server, wait until /ping answers
#   clickhouse.sh stop [--clean]   stop the server; --clean also deletes its data
#   clickhouse.sh clean            same as stop --clean
#   clickhouse.sh status           exit 0 if running and answering, 1 otherwise
#   clickhouse.sh wait             wait until /ping answers (does not start it)
#
# Environment:
#   CLICKHOUSE_URL            use this external server instead (e.g. http://host:8123);
#                             start/stop/status/wait then only check that it answers
#   LIFELONG_CACHE            cache root (default <repo>/.cache); files go to $LIFELONG_CACHE/clickhouse
#   CLICKHOUSE_HTTP_PORT      HTTP port        (default 18123)
#   CLICKHOUSE_TCP_PORT       native TCP port  (default 19000)
#   CLICKHOUSE_START_TIMEOUT  seconds to wait for /ping (default 60)
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
CACHE_ROOT="${LIFELONG_CACHE:-$REPO_ROOT/.cache}"
CH_DIR="$CACHE_ROOT/clickhouse"
DATA_DIR="$CH_DIR/data"
LOG_DIR="$CH_DIR/logs"
CONF_DIR="$CH_DIR/conf"
PID_FILE="$CH_DIR/clickhouse.pid"
OUT_FILE="$LOG_DIR/clickhouse.out"

HOST=127.0.0.1
HTTP_PORT="${CLICKHOUSE_HTTP_PORT:-18123}"
TCP_PORT="${CLICKHOUSE_TCP_PORT:-19000}"
START_TIMEOUT="${CLICKHOUSE_START_TIMEOUT:-60}"
STOP_TIMEOUT=30
EXTERNAL_URL="${CLICKHOUSE_URL:-}"
EXTERNAL_URL="${EXTERNAL_URL%/}"
LOCAL_URL="http://$HOST:$HTTP_PORT"

log() { echo "[clickhouse] $*"; }
err() { echo "[clickhouse] ERROR: $*" >&2; }
die() { err "$*"; exit 1; }

now_ms() { date +%s%3N; }
elapsed() {
  local d=$(( $(now_ms) - $1 ))
  printf '%d.%01ds' $((d / 1000)) $(((d % 1000) / 100))
}

# Prints the command (one word per line) that runs the server, or fails.
server_cmd() {
  local c
  for c in "$(command -v clickhouse-server 2>/dev/null || true)" /usr/sbin/clickhouse-server /usr/bin/clickhouse-server; do
    if [ -n "$c" ] && [ -x "$c" ]; then printf '%s\n' "$c"; return 0; fi
  done
  for c in "$(command -v clickhouse 2>/dev/null || true)" /usr/bin/clickhouse; do
    if [ -n "$c" ] && [ -x "$c" ]; then printf '%s\nserver\n' "$c"; return 0; fi
  done
  return 1
}

apt_install() {
  local sudo=() apt_log="$CH_DIR/apt.log"
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to apt-get install $*"
    sudo=(sudo)
  fi
  mkdir -p "$CH_DIR"
  log "apt-get update && apt-get install $* (log: $apt_log) ..."
  # DPkg::Lock::Timeout: wait for a concurrent apt/dpkg run instead of failing.
  if ! { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -q \
         && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q "$@"; \
       } > "$apt_log" 2>&1; then
    tail -n 30 "$apt_log" >&2
    die "apt-get install $* failed (full log: $apt_log)"
  fi
}

cmd_install() {
  if [ -n "$EXTERNAL_URL" ]; then log "CLICKHOUSE_URL=$EXTERNAL_URL is set; nothing to install"; return 0; fi
  local t0; t0=$(now_ms)
  local pkgs=()
  server_cmd >/dev/null || pkgs+=(clickhouse-server clickhouse-client)
  command -v curl >/dev/null 2>&1 || pkgs+=(curl)
  if [ "${#pkgs[@]}" -eq 0 ]; then
    log "install: already installed ($(server_cmd | tr '\n' ' '))"
    return 0
  fi
  apt_install "${pkgs[@]}"
  server_cmd >/dev/null || die "clickhouse server binary not found after apt-get install"
  log "install: done in $(elapsed "$t0")"
}

ping_ok() { # url
  [ "$(curl -s --max-time 2 "$1/ping" 2>/dev/null || true)" = "Ok." ]
}

# shellcheck disable=SC2015  # (prints nothing when there is no pid file)
read_pid() { [ -f "$PID_FILE" ] && tr -dc '0-9' < "$PID_FILE" || true; }

# Alive and really our server (guards against pid reuse).
pid_alive() {
  local pid="$1"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
    && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "$CONF_DIR/config.xml"
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

show_log_tail() {
  local f
  for f in "$OUT_FILE" "$LOG_DIR/clickhouse-server.err.log" "$LOG_DIR/clickhouse-server.log"; do
    if [ -s "$f" ]; then
      echo "[clickhouse] ---- last 30 lines of $f ----" >&2
      tail -n 30 "$f" >&2
    fi
  done
}

# wait_ready <url> <timeout-seconds> <pid or empty>
wait_ready() {
  local url="$1" timeout="$2" pid="${3:-}" deadline
  deadline=$(( $(date +%s) + timeout ))
  until ping_ok "$url"; do
    if [ -n "$pid" ] && ! pid_alive "$pid"; then
      err "server process $pid exited during startup"; show_log_tail; return 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      err "$url/ping did not answer Ok. within ${timeout}s"
      [ -z "$pid" ] || show_log_tail
      return 1
    fi
    sleep 0.2
  done
}

write_config() {
  mkdir -p "$DATA_DIR/tmp" "$DATA_DIR/user_files" "$DATA_DIR/format_schemas" "$LOG_DIR" "$CONF_DIR"
  # Written for the Debian clickhouse-server 18.16 (root element <yandex>); newer
  # versions accept the same file.
  cat > "$CONF_DIR/config.xml" <<EOF
<?xml version="1.0"?>
<!-- Generated by deploy/local/clickhouse.sh; overwritten on every start. -->
<yandex>
    <logger>
        <level>information</level>
        <log>$LOG_DIR/clickhouse-server.log</log>
        <errorlog>$LOG_DIR/clickhouse-server.err.log</errorlog>
        <size>50M</size>
        <count>2</count>
    </logger>

    <listen_host>$HOST</listen_host>
    <http_port>$HTTP_PORT</http_port>
    <tcp_port>$TCP_PORT</tcp_port>
    <!-- no interserver_http_port: replication is not used, so nothing listens for it -->

    <max_connections>1024</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>1073741824</uncompressed_cache_size>
    <mark_cache_size>1073741824</mark_cache_size>

    <path>$DATA_DIR/</path>
    <tmp_path>$DATA_DIR/tmp/</tmp_path>
    <user_files_path>$DATA_DIR/user_files/</user_files_path>
    <format_schema_path>$DATA_DIR/format_schemas/</format_schema_path>
    <users_config>$CONF_DIR/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <mlock_executable>false</mlock_executable>
    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>
    <!-- local test instance: allow DROP of any table size -->
    <max_table_size_to_drop>0</max_table_size_to_drop>
    <max_partition_size_to_drop>0</max_partition_size_to_drop>
</yandex>
EOF
  cat > "$CONF_DIR/users.xml" <<'EOF'
<?xml version="1.0"?>
<!-- Generated by deploy/local/clickhouse.sh; overwritten on every start. -->
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <!-- the server only listens on 127.0.0.1 -->
            <networks>
                <ip>::/0</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
EOF
}

cmd_start() {
  if [ -n "$EXTERNAL_URL" ]; then
    wait_ready "$EXTERNAL_URL" "$START_TIMEOUT" "" || die "CLICKHOUSE_URL=$EXTERNAL_URL does not answer"
    log "using external server $EXTERNAL_URL (answers Ok.)"
    return 0
  fi
  local t0 pid
  t0=$(now_ms)
  pid=$(read_pid)
  if pid_alive "$pid"; then
    if ping_ok "$LOCAL_URL"; then
      log "already running (pid $pid) on $LOCAL_URL"
      return 0
    fi
    log "process $pid exists but is not answering yet; waiting"
    wait_ready "$LOCAL_URL" "$START_TIMEOUT" "$pid" || die "server (pid $pid) is not answering; try: $0 stop"
    log "ready on $LOCAL_URL (pid $pid) after $(elapsed "$t0")"
    return 0
  fi
  rm -f "$PID_FILE"
  local p
  for p in "$HTTP_PORT" "$TCP_PORT"; do
    if port_open "$p"; then
      die "port $HOST:$p is already in use by another process (set CLICKHOUSE_HTTP_PORT / CLICKHOUSE_TCP_PORT)"
    fi
  done

  cmd_install
  local t1; t1=$(now_ms)
  write_config
  local cmd=()
  mapfile -t cmd < <(server_cmd)
  log "starting server on $LOCAL_URL (native $TCP_PORT), data in $DATA_DIR"
  # setsid: own session, so the server survives the caller's process group being killed.
  # The wrapper writes its own pid and then execs the server, so the pid file holds its pid.
  # shellcheck disable=SC2016  # $$ / $@ expand in the launcher shell
  nohup setsid bash -c 'cd "$2" && echo $$ > "$1" && shift 2 && exec "$@"' clickhouse-launcher "$PID_FILE" "$CH_DIR" \
    "${cmd[@]}" "--config-file=$CONF_DIR/config.xml" > "$OUT_FILE" 2>&1 < /dev/null 9>&- &
  local deadline=$(( $(date +%s) + 10 ))
  while [ -z "$(read_pid)" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || die "launcher did not write $PID_FILE"
    sleep 0.1
  done
  pid=$(read_pid)
  wait_ready "$LOCAL_URL" "$START_TIMEOUT" "$pid" \
    || die "server did not become ready within ${START_TIMEOUT}s (pid $pid; see $LOG_DIR)"
  log "ready on $LOCAL_URL (pid $pid): server start $(elapsed "$t1"), total $(elapsed "$t0")"
}

cmd_stop() {
  local clean="${1:-}" pid
  if [ -n "$EXTERNAL_URL" ]; then
    log "CLICKHOUSE_URL=$EXTERNAL_URL is set; not stopping an external server"
    return 0
  fi
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

cmd_status() {
  if [ -n "$EXTERNAL_URL" ]; then
    if ping_ok "$EXTERNAL_URL"; then log "external server $EXTERNAL_URL answers"; return 0; fi
    log "external server $EXTERNAL_URL does not answer"; return 1
  fi
  local pid; pid=$(read_pid)
  if pid_alive "$pid"; then
    if ping_ok "$LOCAL_URL"; then
      log "running (pid $pid) on $LOCAL_URL"
      return 0
    fi
    log "process running (pid $pid) but $LOCAL_URL/ping does not answer"
    return 1
  fi
  log "not running"
  return 1
}

cmd_wait() {
  local url="${EXTERNAL_URL:-$LOCAL_URL}" t0
  t0=$(now_ms)
  wait_ready "$url" "$START_TIMEOUT" "" || exit 1
  log "answering on $url after $(elapsed "$t0")"
}

# Serialise start/stop/install between concurrent callers (e.g. parallel test workers).
with_lock() {
  mkdir -p "$CH_DIR"
  exec 9>"$CH_DIR/.lock"
  flock -w 600 9 || die "could not get the lock $CH_DIR/.lock within 600s"
  "$@"
}

usage() { echo "usage: $0 install|start|stop [--clean]|clean|status|wait" >&2; exit 2; }

case "${1:-}" in
  install) with_lock cmd_install ;;
  start)   with_lock cmd_start ;;
  stop)    with_lock cmd_stop "${2:-}" ;;
  clean)   with_lock cmd_stop --clean ;;
  status)  cmd_status ;;
  wait)    cmd_wait ;;
  *)       usage ;;
esac
