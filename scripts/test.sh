#!/usr/bin/env bash
# Runs the whole test suite against real local services (started if needed): the .NET tests on
# their own database, messenger_test; then the web client's unit tests (Vitest) and end-to-end tests
# (Playwright driving Chromium against a service of their own on port 5091, database messenger_e2e;
# MESSENGER_E2E_PORT, MESSENGER_E2E_DATABASE and MESSENGER_E2E_BUCKET give a second checkout its own).
# Extra arguments go to dotnet test alone (e.g. --filter Name~Login); `--web` runs only the client's tests.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
"$root/scripts/services.sh" || exit 1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# Playwright drives Debian's chromium; its own browser download cannot work here.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# Emoji (reactions, icons) need a colour emoji font to render in it.
if ! command -v chromium >/dev/null 2>&1 || [ ! -d /usr/share/fonts/truetype/noto ]; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd=sudo
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium fonts-liberation fonts-noto-color-emoji >/dev/null
fi
mkdir -p "$root/TestResults"
status=0
web_only=false; [ "${1:-}" = "--web" ] && web_only=true

if ! $web_only; then
  dotnet restore Messenger.sln --verbosity quiet || exit 1
  # Building the solution builds the client too (the MSBuild target in Messenger.csproj).
  dotnet test Messenger.sln --no-restore --logger "trx;LogFileName=results.trx" --results-directory "$root/TestResults" "$@" || status=1
  [ $# -eq 0 ] || exit $status
else
  dotnet build Messenger.csproj --verbosity quiet || exit 1
fi

cd "$root/web"
[ -d node_modules ] || npm ci --no-audit --no-fund || exit 1
npx vitest run --reporter=default --reporter=junit --outputFile.junit="$root/TestResults/web-unit.xml" || status=1
MESSENGER_E2E_NO_BUILD=1 npx playwright test || status=1
exit $status
