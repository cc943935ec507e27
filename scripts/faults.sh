#!/usr/bin/env bash
# Fault cases against a published Release build of the service, run as a child process of the
# driver (bench/FaultsBench.cs) on 127.0.0.1:5091 with a database of its own (messenger_faults,
# recreated each run) and bucket messenger-faults. Prints PASS or FAIL with counts; exits 1 on FAIL.
# Usage: scripts/faults.sh crash    SIGKILL mid-stream, restart, resend, check nothing is lost or doubled
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
case "${1:-}" in
  crash) ;;
  *) echo "usage: scripts/faults.sh crash" >&2; exit 2 ;;
esac
"$root/scripts/services.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

db="Server=127.0.0.1;Port=3307;Database=messenger_faults;User ID=messenger;Password=dev-only-password"
mariadb --protocol=tcp -h127.0.0.1 -P3307 -umessenger -pdev-only-password \
  -e 'DROP DATABASE IF EXISTS messenger_faults; CREATE DATABASE messenger_faults CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci'
mkdir -p .local/faults
dotnet publish -c Release Messenger.csproj -o .local/faults/app --verbosity quiet
dotnet build -c Release bench/Messenger.Bench.csproj --verbosity quiet

url=http://127.0.0.1:5091
log=.local/faults/service.log
: >"$log"
# Production settings; the signing key lives for the run, so tokens stay valid across the restart.
# The send rate is lifted: the case is about crashes, not rate limits.
export ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS=$url ConnectionStrings__Messenger="$db" \
  Jwt__SigningKey="faults-only-signing-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  Storage__Bucket=messenger-faults Logging__LogLevel__Default=Warning \
  Messages__SendBurst=1000000 Messages__SendWindowSeconds=1
echo "== $1 (service log: $log)"
dotnet bench/bin/Release/net10.0/Messenger.Bench.dll faults "$1" $url "$root/.local/faults/app/Messenger.dll" "$log"
