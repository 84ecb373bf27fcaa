#!/usr/bin/env bash
# Runs every test project of the solution (unit, codec, integration against a real Mosquitto)
# and ends with one summary line, "N passed, N failed", summed over all test assemblies.
set -uo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# Integration tests start their own Mosquitto: install it when missing (as root), or say how.
bash scripts/ensure-mosquitto.sh || { echo "0 passed, 1 failed"; exit 1; }
bash scripts/ensure-proxies.sh || { echo "0 passed, 1 failed"; exit 1; }
bash scripts/ensure-rabbitmq.sh || { echo "0 passed, 1 failed"; exit 1; }
bash scripts/ensure-dnsmasq.sh || { echo "0 passed, 1 failed"; exit 1; }
bash scripts/ensure-aedes.sh || { echo "0 passed, 1 failed"; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet build SecureMqtt.sln -c Release -warnaserror 2>&1 | tee -a "$log" | grep -E "error|Warn|Elapsed" || true
build=${PIPESTATUS[0]}
if [ "$build" -ne 0 ]; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi
dotnet test SecureMqtt.sln -c Release --no-build --logger "console;verbosity=normal" \
  --blame-hang-timeout 5m --blame-hang-dump-type none "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# VSTest prints one summary line per test assembly, e.g. "Failed!  - Failed: 1, Passed: 41, ...".
# Repeat every failure (name, message, first stack lines) at the end, where CI output is read.
awk '
  /^  Failed [^ ]/ { show = 1; n = 0; print ""; }
  /^  (Passed|Skipped) / { show = 0 }
  /^(Test Run|Total tests|\[xUnit)/ { show = 0 }
  show && n < 40 { print; n++ }
' "$log" > "$log.failures"
if [ -s "$log.failures" ]; then
  echo
  echo "=== Failed tests ==="
  cat "$log.failures"
  echo "===================="
fi
rm -f "$log.failures"

passed=$(grep -Eo '^ +Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo '^ +Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
passed=${passed:-0}
failed=${failed:-0}
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "${passed} passed, ${failed} failed"
[ "$rc" -eq 0 ] && [ "$failed" -eq 0 ]
