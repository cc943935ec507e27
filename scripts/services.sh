#!/usr/bin/env bash
# Installs (when missing) and starts the local MariaDB, s3rver and Redis this project uses in
# development and tests. Idempotent: a service that already answers is left alone. What it
# starts, it records in .local/pids/ for scripts/stop.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
local_dir="$root/.local"
db_port="${MESSENGER_DB_PORT:-3307}"
s3_port="${MESSENGER_S3_PORT:-4568}"
redis_port="${MESSENGER_REDIS_PORT:-6380}"
db_user=messenger
db_password=dev-only-password
pids="$local_dir/pids"
mkdir -p "$local_dir" "$pids"

need_apt=()
command -v mariadbd >/dev/null 2>&1 || need_apt+=(mariadb-server)
command -v mariadb >/dev/null 2>&1 || need_apt+=(mariadb-client)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs npm)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# Redis carries the shared state of several instances (scripts/cluster.sh, the two-instance tests).
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
# The README's curl walkthrough reads ids and tokens out of the JSON with jq.
command -v jq >/dev/null 2>&1 || need_apt+=(jq)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "services: installing ${need_apt[*]}"
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

db_answers() {
  mariadb --protocol=tcp -h127.0.0.1 -P"$db_port" -u"$db_user" -p"$db_password" -e 'select 1' >/dev/null 2>&1
}

start_mariadb() {
  local data="$local_dir/mariadb/data" sock="$local_dir/mariadb/mysqld.sock"
  mkdir -p "$local_dir/mariadb"
  if [ ! -d "$data/mysql" ]; then
    echo "services: initialising MariaDB datadir in $data"
    mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$data" \
      --auth-root-authentication-method=normal >"$local_dir/mariadb/install.log" 2>&1
  fi
  # Durability is relaxed (flush once a second): this instance only ever holds dev and test data.
  nohup mariadbd --no-defaults --user="$(id -un)" --datadir="$data" \
    --bind-address=127.0.0.1 --port="$db_port" --socket="$sock" \
    --pid-file="$local_dir/mariadb/mariadbd.pid" --log-error="$local_dir/mariadb/error.log" \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --innodb-buffer-pool-size=512M --innodb-flush-log-at-trx-commit=2 \
    --max-connections=1000 --skip-name-resolve >/dev/null 2>&1 &
  echo $! >"$pids/mariadb.pid"
  for _ in $(seq 1 60); do
    if mariadb --no-defaults --socket="$sock" -uroot -e 'select 1' >/dev/null 2>&1; then break; fi
    sleep 0.5
  done
  mariadb --no-defaults --socket="$sock" -uroot <<SQL
CREATE USER IF NOT EXISTS '$db_user'@'%' IDENTIFIED BY '$db_password';
GRANT ALL PRIVILEGES ON \`messenger%\`.* TO '$db_user'@'%';
FLUSH PRIVILEGES;
SQL
}

if db_answers; then
  echo "services: MariaDB already answers on 127.0.0.1:$db_port"
else
  start_mariadb
  db_answers || { echo "services: MariaDB did not start; see $local_dir/mariadb/error.log" >&2; exit 1; }
  echo "services: MariaDB started on 127.0.0.1:$db_port"
fi
mariadb --protocol=tcp -h127.0.0.1 -P"$db_port" -u"$db_user" -p"$db_password" \
  -e 'CREATE DATABASE IF NOT EXISTS messenger CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci'

s3_answers() { curl -s -o /dev/null "http://127.0.0.1:$s3_port/" ; }

# Installed even when another checkout's server already answers: the storage-down tests start
# their own s3rver from this binary.
s3dir="$local_dir/s3rver"
if [ ! -x "$s3dir/node_modules/.bin/s3rver" ]; then
  echo "services: installing s3rver 3.7.1 from npm"
  mkdir -p "$s3dir"
  (cd "$s3dir" && npm install --silent --no-audit --no-fund --prefix "$s3dir" s3rver@3.7.1 >/dev/null 2>&1)
fi

if s3_answers; then
  echo "services: s3rver already answers on 127.0.0.1:$s3_port"
else
  mkdir -p "$s3dir/data"
  nohup "$s3dir/node_modules/.bin/s3rver" --directory "$s3dir/data" --address 127.0.0.1 \
    --port "$s3_port" --silent >"$s3dir/s3rver.log" 2>&1 &
  echo $! >"$pids/s3rver.pid"
  for _ in $(seq 1 40); do s3_answers && break; sleep 0.25; done
  s3_answers || { echo "services: s3rver did not start; see $s3dir/s3rver.log" >&2; exit 1; }
  echo "services: s3rver started on 127.0.0.1:$s3_port"
fi

redis_answers() { [ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null)" = PONG ]; }

if redis_answers; then
  echo "services: Redis already answers on 127.0.0.1:$redis_port"
else
  mkdir -p "$local_dir/redis"
  # Not Debian's service (port 6379, system-wide): one of this checkout's own, in the foreground of
  # its nohup so its pid is the one recorded. State is rebuilt by the instances, so no snapshots.
  nohup redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$local_dir/redis" \
    --save "" --appendonly no --logfile "$local_dir/redis/redis.log" >/dev/null 2>&1 &
  echo $! >"$pids/redis.pid"
  for _ in $(seq 1 40); do redis_answers && break; sleep 0.25; done
  redis_answers || { echo "services: Redis did not start; see $local_dir/redis/redis.log" >&2; exit 1; }
  echo "services: Redis started on 127.0.0.1:$redis_port"
fi
