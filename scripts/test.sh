#!/usr/bin/env bash
# Runs the whole test suite against real local services (started if needed) and its own
# database, messenger_test. Extra arguments go to dotnet test (e.g. --filter Name~Login).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
"$root/scripts/services.sh"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet restore Messenger.sln --verbosity quiet
dotnet test Messenger.sln --no-restore --logger "trx;LogFileName=results.trx" --results-directory "$root/TestResults" "$@"
