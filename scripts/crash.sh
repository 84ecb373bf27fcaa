#!/usr/bin/env bash
# Crash runs at full counts: the publishing process killed with SIGKILL at random points and restarted on the same
# SQLite store, against a real Mosquitto the test fixture starts. Prints one table (see docs/session-store.md).
# Usage: scripts/crash.sh            (10,000 messages, 20 kills per row)
#        CRASH_COUNT=2000 CRASH_KILLS=5 scripts/crash.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/ensure-mosquitto.sh
export CRASH_COUNT="${CRASH_COUNT:-10000}" CRASH_KILLS="${CRASH_KILLS:-20}"
export CRASH_REPORT="$(mktemp)"
trap 'rm -f "$CRASH_REPORT"' EXIT
dotnet build tests/SecureMqtt.Sqlite.Tests -c Release -nologo -v quiet >/dev/null
# Rows: QoS 1 per-message, QoS 2 per-message, QoS 1 batched, QoS 2 batched (the test's theory data plus these).
export CRASH_ALL=1
status=0
dotnet test tests/SecureMqtt.Sqlite.Tests -c Release --no-build --filter "FullyQualifiedName~CrashTests" >/dev/null || status=$?
printf 'qos\tdurability\twindow\tmessages\tkills\tacked\treceived\tlost\tduplicated\trecovered\tnever-accepted\tseconds\n'
cat "$CRASH_REPORT"
[ "$status" -eq 0 ] && echo "all rows passed" || echo "some rows FAILED (run the test for details)"
exit "$status"
