#!/usr/bin/env bash
# Stops the MariaDB, s3rver and Redis that scripts/services.sh (and so run.sh and test.sh) started from
# this checkout, by the pids it recorded in .local/pids/. Nothing else is touched: a service that
# was already running when services.sh ran (another checkout's, say) was not recorded, a pid
# file whose process is gone is dropped, and a pid that now belongs to some other program (the
# command line no longer names this checkout's data directory) is left alone.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
local_dir="$root/.local"
pids="$local_dir/pids"

# stop NAME PROGRAM ARGUMENT: stops the recorded NAME if its command line has both.
stop() {
  local name="$1" program="$2" argument="$3" file="$pids/$1.pid" pid command_line
  if [ ! -f "$file" ]; then
    echo "stop: $name: nothing recorded (services.sh did not start it from this checkout)"
    return
  fi
  pid="$(cat "$file")"
  if ! [[ "$pid" =~ ^[0-9]+$ ]] || [ ! -r "/proc/$pid/cmdline" ]; then
    echo "stop: $name (pid $pid) is no longer running"
    rm -f "$file"
    return
  fi
  command_line="$(tr '\0' ' ' <"/proc/$pid/cmdline")"
  if [[ "$command_line" != *"$program"* || "$command_line" != *"$argument"* ]]; then
    echo "stop: pid $pid is no longer $name (it runs: $command_line); left alone"
    rm -f "$file"
    return
  fi
  kill -TERM "$pid" 2>/dev/null || true
  # MariaDB flushes and closes its tables on TERM; give it time before insisting.
  for _ in $(seq 1 60); do
    [ -e "/proc/$pid" ] || break
    sleep 0.5
  done
  if [ -e "/proc/$pid" ]; then
    echo "stop: $name (pid $pid) did not stop within 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
  echo "stop: $name (pid $pid) stopped"
}

stop mariadb mariadbd "--datadir=$local_dir/mariadb/data"
stop s3rver s3rver "--directory $local_dir/s3rver/data"
stop redis redis-server "127.0.0.1:${MESSENGER_REDIS_PORT:-6380}"
