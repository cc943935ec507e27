#!/usr/bin/env bash
# Fault cases against a published Release build of the service, run as a child process of the
# driver (bench/FaultsBench.cs, bench/DbOutageFault.cs) on 127.0.0.1:5091 with a database of its
# own (messenger_faults, recreated each run) and bucket messenger-faults. Prints PASS or FAIL with
# counts; exits 1 on FAIL.
# Usage: scripts/faults.sh crash    SIGKILL mid-stream, restart, resend, check nothing is lost or doubled
#        scripts/faults.sh migrate  SIGKILL during the first migration run, a few times, then start normally
#        scripts/faults.sh db       kill the service's own MariaDB for 30 s under traffic, start it again
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
case "${1:-}" in
  crash|db|migrate) ;;
  *) echo "usage: scripts/faults.sh crash|db|migrate" >&2; exit 2 ;;
esac
"$root/scripts/services.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mkdir -p .local/faults

db_port=3307
if [ "$1" = db ]; then
  # A MariaDB of this case's own, since the case kills it: never the shared one on 3307. Same
  # flags as scripts/services.sh; the driver kills it by its pid file and starts it again with
  # faults_db_start on the same datadir.
  db_port=3317
  fdb="$root/.local/faults/mariadb"
  faults_db_start="nohup mariadbd --no-defaults --user=$(id -un) --datadir=$fdb/data --bind-address=127.0.0.1 --port=$db_port \
--socket=$fdb/mysqld.sock --pid-file=$fdb/mariadbd.pid --log-error=$fdb/error.log --character-set-server=utf8mb4 \
--collation-server=utf8mb4_unicode_ci --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=2 \
--max-connections=1000 --skip-name-resolve >/dev/null 2>&1 &
for _ in \$(seq 1 120); do mariadb --no-defaults --socket=$fdb/mysqld.sock -uroot -e 'select 1' >/dev/null 2>&1 && exit 0; sleep 0.25; done; exit 1"
  if [ -f "$fdb/mariadbd.pid" ] && kill -0 "$(cat "$fdb/mariadbd.pid")" 2>/dev/null; then
    kill "$(cat "$fdb/mariadbd.pid")"
    while kill -0 "$(cat "$fdb/mariadbd.pid" 2>/dev/null)" 2>/dev/null; do sleep 0.2; done
  fi
  if [ ! -d "$fdb/data/mysql" ]; then
    mkdir -p "$fdb"
    mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$fdb/data" \
      --auth-root-authentication-method=normal >"$fdb/install.log" 2>&1
  fi
  bash -c "$faults_db_start" || { echo "faults: MariaDB did not start; see $fdb/error.log" >&2; exit 1; }
  mariadb --no-defaults --socket="$fdb/mysqld.sock" -uroot <<SQL
CREATE USER IF NOT EXISTS 'messenger'@'%' IDENTIFIED BY 'dev-only-password';
GRANT ALL PRIVILEGES ON \`messenger%\`.* TO 'messenger'@'%';
FLUSH PRIVILEGES;
SQL
  trap 'kill "$(cat "$fdb/mariadbd.pid" 2>/dev/null)" 2>/dev/null || true' EXIT
fi

db="Server=127.0.0.1;Port=$db_port;Database=messenger_faults;User ID=messenger;Password=dev-only-password"
mariadb --protocol=tcp -h127.0.0.1 -P$db_port -umessenger -pdev-only-password \
  -e 'DROP DATABASE IF EXISTS messenger_faults; CREATE DATABASE messenger_faults CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci'
dotnet publish -c Release Messenger.csproj -o .local/faults/app --verbosity quiet
dotnet build -c Release bench/Messenger.Bench.csproj --verbosity quiet

url=http://127.0.0.1:5091
log=.local/faults/service.log
: >"$log"
# Production settings; the signing key lives for the run, so tokens stay valid across the restart.
# The send rate is lifted: the cases are about crashes and outages, not rate limits.
export ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS=$url ConnectionStrings__Messenger="$db" \
  Jwt__SigningKey="faults-only-signing-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  Storage__Bucket=messenger-faults Logging__LogLevel__Default=Warning \
  Messages__SendBurst=1000000 Messages__SendWindowSeconds=1
echo "== $1 (service log: $log)"
case "$1" in
  crash) dotnet bench/bin/Release/net10.0/Messenger.Bench.dll faults crash $url "$root/.local/faults/app/Messenger.dll" "$log" ;;
  migrate) dotnet bench/bin/Release/net10.0/Messenger.Bench.dll faults migrate $url "$root/.local/faults/app/Messenger.dll" "$log" "$db" ;;
  db) dotnet bench/bin/Release/net10.0/Messenger.Bench.dll faults db $url "$root/.local/faults/app/Messenger.dll" "$log" \
        "$fdb/mariadbd.pid" "$faults_db_start" ;;
esac
