#!/usr/bin/env bash
# ../shared/perf's W1 and W2 (see its README) through the local nginx proxy of scripts/cluster.sh,
# against one instance without Redis, one instance with Redis, and two instances sharing Redis:
# the overhead Redis adds per message, and what a second instance does on the same machine.
# Each run gets a fresh database on the perf tool's MariaDB (durable commits). Needs a quiet
# machine: nothing else building or testing. Takes about (W1_SECONDS + a W2 ramp + set-up) x
# configurations x REPS: ~25 minutes with the defaults.
#   scripts/bench.sh cluster        (or this script); knobs: CONFIGS="one one-redis two" REPS=1 WORKLOADS="w1 w2"
#   USERS ROOMS ROOM_SIZE W1_RATE W1_SECONDS W2_START W2_STEP_SECONDS WORKERS, as run-compare.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# The perf tool sits beside the main checkout (../shared/perf); elsewhere (a worktree) name it.
perf="${PERF_TOOL:-$root/../shared/perf}"
[ -d "$perf" ] || { echo "bench-cluster: no perf tool at $perf; set PERF_TOOL" >&2; exit 1; }
export PERF_DATA=${PERF_DATA:-/tmp/messenger-perf}
tool=$PERF_DATA/tool
mkdir -p "$tool" "$PERF_DATA/logs"
(cd "$perf" && tar --exclude=node_modules -cf - .) | (cd "$tool" && tar -xf -)
[ -d "$tool/loadgen/node_modules" ] || (cd "$tool/loadgen" && npm ci --no-audit --no-fund >/dev/null)
started_db=0
"$tool/scripts/mariadb.sh" pid >/dev/null 2>&1 || started_db=1
"$tool/scripts/mariadb.sh" start >/dev/null
db_pid=$("$tool/scripts/mariadb.sh" pid)
"$root/scripts/services.sh" >/dev/null
redis_pid=$(pgrep -f "redis-server 127.0.0.1:${MESSENGER_REDIS_PORT:-6380}" | head -n 1)

USERS=${USERS:-2000}; ROOMS=${ROOMS:-200}; ROOM_SIZE=${ROOM_SIZE:-10}; WORKERS=${WORKERS:-2}
W1_RATE=${W1_RATE:-1000}; W1_SECONDS=${W1_SECONDS:-60}; W2_START=${W2_START:-500}; W2_STEP_SECONDS=${W2_STEP_SECONDS:-20}
out=$PERF_DATA/results/cluster-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
key="bench-only-signing-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
proxy=http://127.0.0.1:${MESSENGER_CLUSTER_PORT:-5080}
cpu_s() { awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$1/stat"; }

cluster=
stop_cluster() {
  if [ -n "$cluster" ]; then kill "$cluster" 2>/dev/null || true; wait "$cluster" 2>/dev/null || true; cluster=; fi
}
stop_all() {
  stop_cluster
  if [ "$started_db" = 1 ]; then "$tool/scripts/mariadb.sh" stop >/dev/null || true; fi
}
trap stop_all EXIT

for rep in $(seq 1 "${REPS:-1}"); do
  for config in ${CONFIGS:-one one-redis two}; do
    case "$config" in
      one) instances=1; redis=(Redis__Configuration=) ;;
      one-redis) instances=1; redis=() ;;
      two) instances=2; redis=() ;;
      *) echo "bench-cluster: unknown configuration $config" >&2; exit 2 ;;
    esac
    "$tool/scripts/mariadb.sh" sql -e 'DROP DATABASE IF EXISTS messenger; CREATE DATABASE messenger CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci'
    # The measurement settings of ../shared/perf/start-service.sh, and no registration or login
    # limits: every simulated user comes from 127.0.0.1.
    ASPNETCORE_ENVIRONMENT=Production MESSENGER_CLUSTER_PREFIX="bench-$config-$rep-$$" \
      "$root/scripts/cluster.sh" --release --instances "$instances" \
      ConnectionStrings__Messenger="Server=127.0.0.1;Port=${PERF_DB_PORT:-3391};User ID=perf;Password=perf;Database=messenger" \
      Storage__Bucket=perf Jwt__SigningKey="$key" Logging__LogLevel__Default=Warning \
      Messages__SendBurst=1000000 Passwords__MemoryKiB=1024 Passwords__Iterations=1 \
      RegistrationThrottle__MaxPerAddress=1000000 LoginThrottle__MaxFailuresPerAddress=1000000 \
      "${redis[@]}" >"$out/cluster-$config-$rep.log" 2>&1 &
    cluster=$!
    for _ in $(seq 1 240); do curl -sf "$proxy/health/ready" >/dev/null && grep -q "^cluster:" "$out/cluster-$config-$rep.log" && break; sleep 0.5; done
    grep -q "^cluster:" "$out/cluster-$config-$rep.log" || { echo "bench-cluster: $config did not start; see $out/cluster-$config-$rep.log" >&2; exit 1; }
    first=$(cat .local/cluster/instance-1.pid)
    for workload in ${WORKLOADS:-w1 w2}; do
      args=(--workload w1 --rate "$W1_RATE" --duration "$W1_SECONDS")
      [ "$workload" = w2 ] && args=(--workload w2 --start-rate "$W2_START" --step-seconds "$W2_STEP_SECONDS")
      before_redis=$(cpu_s "$redis_pid"); before_second=; [ "$instances" -gt 1 ] && before_second=$(cpu_s "$(cat .local/cluster/instance-2.pid)")
      started=$(date +%s)
      node "$tool/loadgen/loadgen.js" --proto signalr --url "$proxy" --label "$config" --server-pid "$first" --db-pid "$db_pid" \
        --users "$USERS" --rooms "$ROOMS" --room-size "$ROOM_SIZE" --workers "$WORKERS" "${args[@]}" \
        --out "$out/$workload-$config-rep$rep.json" 2>>"$out/loadgen.log" | tee -a "$out/summary.txt"
      seconds=$(( $(date +%s) - started ))
      line="CPU over the whole $workload run ($seconds s, set-up included): Redis $(awk "BEGIN{print $(cpu_s "$redis_pid") - $before_redis}") s"
      [ -n "$before_second" ] && line+=", instance 2 $(awk "BEGIN{print $(cpu_s "$(cat .local/cluster/instance-2.pid)") - $before_second}") s"
      echo "  [$config] $line (the SUMMARY's server CPU is instance 1 alone)" | tee -a "$out/summary.txt"
    done
    stop_cluster
  done
done
echo "results: $out"
