#!/usr/bin/env bash
# Runs every benchmark against a Release build of the service on 127.0.0.1:5090 with a database
# of its own (messenger_bench, recreated each run), and prints the figures. Takes ~10 minutes.
# Usage: scripts/bench.sh [argon2|logins|history|conversations|search|fanout ...]   (default: all six)
#        scripts/bench.sh cluster   (../shared/perf's W1 and W2 through the proxy: see scripts/bench-cluster.sh)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
[ "${1:-}" = cluster ] && exec "$root/scripts/bench-cluster.sh"
"$root/scripts/services.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
benches=("$@"); [ ${#benches[@]} -gt 0 ] || benches=(argon2 logins history conversations search fanout)

# MESSENGER_BENCH_DATABASE and MESSENGER_BENCH_PORT let two checkouts benchmark on one machine.
database="${MESSENGER_BENCH_DATABASE:-messenger_bench}"
db="Server=127.0.0.1;Port=3307;Database=$database;User ID=messenger;Password=dev-only-password"
mariadb --protocol=tcp -h127.0.0.1 -P3307 -umessenger -pdev-only-password \
  -e "DROP DATABASE IF EXISTS \`$database\`; CREATE DATABASE \`$database\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
dotnet build -c Release Messenger.csproj --verbosity quiet
dotnet build -c Release bench/Messenger.Bench.csproj --verbosity quiet

url=http://127.0.0.1:${MESSENGER_BENCH_PORT:-5090}
mkdir -p .local/bench
# Production settings but for logging (per-request logs would measure the console), a
# throwaway signing key, no registration limit (every benchmark user registers from here) and no
# search limit (the search benchmark is one user asking 1,200 times).
ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS=$url ConnectionStrings__Messenger="$db" \
  Jwt__SigningKey="bench-only-signing-key-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
  RegistrationThrottle__MaxPerAddress=1000000 RateLimits__Policies__Search__Burst=1000000 \
  Logging__LogLevel__Default=Warning \
  dotnet bin/Release/net10.0/Messenger.dll >.local/bench/service.log 2>&1 &
service=$!
trap 'kill $service 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do curl -sf $url/health/ready >/dev/null && break; sleep 0.5; done

bench="dotnet bench/bin/Release/net10.0/Messenger.Bench.dll"
for b in "${benches[@]}"; do
  echo "== $b"
  case "$b" in
    argon2) $bench argon2 20 ;;
    logins) $bench logins $url 50 20 ;;
    history) $bench history $url "$db" 1000000 ;;
    conversations) $bench conversations $url "$db" 1000000 ;;
    search) $bench search $url "$db" 1000000 ;;
    fanout) $bench fanout $url $service 2000 10 1000 60 ;;
    *) echo "unknown benchmark $b" >&2; exit 2 ;;
  esac
done
