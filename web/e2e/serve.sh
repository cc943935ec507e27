#!/usr/bin/env bash
# Starts the service for the end-to-end tests: its own port, a fresh database of its own and its own
# bucket (MESSENGER_E2E_PORT, MESSENGER_E2E_DATABASE, MESSENGER_E2E_BUCKET, so a second checkout can
# run beside this one), the built client. Playwright's webServer runs this and stops it after the tests.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
db="${MESSENGER_E2E_DATABASE:-messenger_e2e}"
configuration="${MESSENGER_E2E_CONFIGURATION:-Debug}"
mariadb --protocol=tcp -h127.0.0.1 -P"${MESSENGER_DB_PORT:-3307}" -umessenger -pdev-only-password \
  -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
# scripts/test.sh has just built the service (and with it the client); run on its own, build first.
[ "${MESSENGER_E2E_NO_BUILD:-}" = 1 ] || dotnet build Messenger.csproj -c "$configuration" --verbosity quiet --nologo
export ASPNETCORE_ENVIRONMENT=Production
export ASPNETCORE_URLS="http://127.0.0.1:${MESSENGER_E2E_PORT:-5091}"
export ConnectionStrings__Messenger="Server=127.0.0.1;Port=${MESSENGER_DB_PORT:-3307};Database=$db;User ID=messenger;Password=dev-only-password"
export Storage__Bucket="${MESSENGER_E2E_BUCKET:-messenger-e2e}"
export Jwt__SigningKey=e2e-only-signing-key-not-for-production-use-0123456789
# 1-minute access tokens: the client refreshes them half way, so two tabs' timers fire together
# within the run (account.spec.ts), and sockets outlive a token or two the way they do in production.
export Jwt__AccessTokenMinutes=1
exec dotnet "bin/$configuration/net10.0/Messenger.dll"
