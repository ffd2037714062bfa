#!/usr/bin/env bash
# Starts or stops a local reference registry (Debian's docker-registry, which
# is CNCF Distribution) on a loopback address, with its data under DIR.
#
# Usage: scripts/registry.sh start|stop DIR [ADDRESS]   (ADDRESS default 127.0.0.1:5000)
set -euo pipefail

action=${1:?usage: registry.sh start|stop DIR [ADDRESS]}
dir=${2:?usage: registry.sh start|stop DIR [ADDRESS]}
address=${3:-127.0.0.1:5000}
pidfile="$dir/registry.pid"

case "$action" in
start)
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    echo "registry already running (pid $(cat "$pidfile"))"
    exit 0
  fi
  mkdir -p "$dir/data"
  cat >"$dir/config.yml" <<CONFIG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: $address
CONFIG
  setsid docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 1 50); do
    if curl -sf "http://$address/v2/" >/dev/null; then
      echo "registry listening on $address (pid $(cat "$pidfile"))"
      exit 0
    fi
    sleep 0.1
  done
  echo "error: registry did not respond on $address; see $dir/registry.log" >&2
  exit 1
  ;;
stop)
  pid=$(cat "$pidfile" 2>/dev/null || true)
  # The kernel may have given a stale pid to another program, so only a
  # process named docker-registry is stopped.
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = docker-registry ]; then
    kill "$pid"
    rm -f "$pidfile"
    echo "registry stopped (pid $pid)"
  else
    rm -f "$pidfile"
    echo "no registry running for $dir"
  fi
  ;;
*)
  echo "usage: registry.sh start|stop DIR [ADDRESS]" >&2
  exit 2
  ;;
esac
