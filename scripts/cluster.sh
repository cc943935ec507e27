#!/usr/bin/env bash
# Starts the local services, two instances of the service (127.0.0.1:5081 and :5082) sharing the
# dev database and the project's Redis, and Debian's nginx in front of them on
# http://127.0.0.1:5080, proxying HTTP and WebSockets. Runs in the foreground; Ctrl-C stops the
# instances and nginx (MariaDB, s3rver and Redis stay up, as with run.sh).
#   scripts/cluster.sh [--instances N] [--release] [VAR=VALUE ...]
# N instances on 5081, 5082, ...; --release runs a Release build; VAR=VALUE settings go to every
# instance (e.g. Redis__Configuration= for one instance without Redis, for comparisons).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
instances=2; build=Debug; settings=()
while [ $# -gt 0 ]; do
  case "$1" in
    --instances) instances="$2"; shift 2 ;;
    --release) build=Release; shift ;;
    *=*) settings+=("$1"); shift ;;
    *) echo "cluster: unknown argument $1" >&2; exit 2 ;;
  esac
done
proxy_port="${MESSENGER_CLUSTER_PORT:-5080}"
redis_port="${MESSENGER_REDIS_PORT:-6380}"

"$root/scripts/services.sh"
command -v nginx >/dev/null 2>&1 || {
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq nginx-light >/dev/null
}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build -c "$build" Messenger.csproj --verbosity quiet

logs="$root/.local/cluster"; nginx_dir="$root/.local/nginx"
mkdir -p "$logs" "$nginx_dir"/{temp,logs}
pids=()
stop_all() {
  [ -f "$nginx_dir/nginx.pid" ] && kill "$(cat "$nginx_dir/nginx.pid")" 2>/dev/null || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop_all EXIT INT TERM

servers=""
for i in $(seq 1 "$instances"); do
  port=$((proxy_port + i))
  # Development by default (its signing key and logging), every instance on one Redis and one
  # prefix; the proxy is the only client address the instances see, so it is a known proxy.
  env ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}" ASPNETCORE_URLS="http://127.0.0.1:$port" \
    Redis__Configuration="127.0.0.1:$redis_port" Redis__Prefix="${MESSENGER_CLUSTER_PREFIX:-cluster}" \
    ForwardedHeaders__KnownProxies__0=127.0.0.1 "${settings[@]}" \
    dotnet "bin/$build/net10.0/Messenger.dll" >"$logs/instance-$i.log" 2>&1 &
  pids+=($!)
  echo $! >"$logs/instance-$i.pid"
  servers+="    server 127.0.0.1:$port;"$'\n'
done

cat >"$nginx_dir/nginx.conf" <<NGINX
# Written by scripts/cluster.sh; runs as the current user with everything under .local/nginx.
daemon on;
worker_processes 1;
pid $nginx_dir/nginx.pid;
error_log $nginx_dir/logs/error.log warn;
events { worker_connections 8192; }
http {
    access_log off;
    client_body_temp_path $nginx_dir/temp/body;
    proxy_temp_path $nginx_dir/temp/proxy;
    fastcgi_temp_path $nginx_dir/temp/fastcgi;
    uwsgi_temp_path $nginx_dir/temp/uwsgi;
    scgi_temp_path $nginx_dir/temp/scgi;
    include $root/deploy/nginx-maps.conf;
    upstream messenger {
$servers        keepalive 64;
    }
    upstream messenger_hub {
        hash \$bearer_token\$arg_access_token consistent;
$servers    }
    server {
        listen 127.0.0.1:$proxy_port;
        include $root/deploy/nginx-proxy.conf;
    }
}
NGINX

for i in $(seq 1 "$instances"); do
  port=$((proxy_port + i))
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.5; done
  curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null || { echo "cluster: instance $i did not get ready; see $logs/instance-$i.log" >&2; exit 1; }
done
nginx -p "$nginx_dir" -c "$nginx_dir/nginx.conf" -e "$nginx_dir/logs/error.log"
echo "cluster: $instances instance(s) on ports $((proxy_port + 1))-$((proxy_port + instances)) behind http://127.0.0.1:$proxy_port (logs in $logs)"
wait "${pids[@]}"
