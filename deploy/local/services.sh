#!/usr/bin/env bash
# Start/stop the local services used by `npm test` and for development.
#
#   services.sh start|stop|status|install|wait [kafka] [clickhouse]
#   services.sh stop --clean [kafka] [clickhouse]      also delete their data
#
# With no service names, acts on both (kafka first on start, reverse order on stop).
# Environment variables are passed through to deploy/local/kafka.sh and clickhouse.sh.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

usage() { echo "usage: $0 start|stop [--clean]|status|install|wait [kafka] [clickhouse]" >&2; exit 2; }

[ $# -ge 1 ] || usage
action="$1"; shift
case "$action" in start|stop|status|install|wait) ;; *) usage ;; esac

extra=()
services=()
for arg in "$@"; do
  case "$arg" in
    --clean) [ "$action" = stop ] || usage; extra+=(--clean) ;;
    kafka|clickhouse) services+=("$arg") ;;
    *) usage ;;
  esac
done
if [ "${#services[@]}" -eq 0 ]; then services=(kafka clickhouse); fi
if [ "$action" = stop ]; then
  # reverse order
  rev=(); for ((i=${#services[@]}-1; i>=0; i--)); do rev+=("${services[i]}"); done
  services=("${rev[@]}")
fi

rc=0
for svc in "${services[@]}"; do
  if [ "$action" = start ] || [ "$action" = install ] || [ "$action" = wait ]; then
    "$SCRIPT_DIR/$svc.sh" "$action" "${extra[@]}"   # fail fast
  else
    "$SCRIPT_DIR/$svc.sh" "$action" "${extra[@]}" || rc=1
  fi
done
exit "$rc"
