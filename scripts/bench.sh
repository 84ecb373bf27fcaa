#!/usr/bin/env bash
# End-to-end bench: builds the benchmark program in Release into its own artifacts path (not obj/bin) and runs
# `e2e`, which starts a Mosquitto on free loopback ports and prints the table docs/performance.md explains.
# Usage: scripts/bench.sh [e2e options, e.g. --count 50000 --qos 1 --transports tls]
#        ARTIFACTS=/tmp/somewhere scripts/bench.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
artifacts="${ARTIFACTS:-/tmp/art-bench}"
dotnet build "$root/bench/SecureMqtt.Benchmarks" -c Release --artifacts-path "$artifacts" -nologo -v quiet
# The bench bounds every run itself; this outer limit only guards against a wedged process.
exec timeout 600 dotnet "$artifacts/bin/SecureMqtt.Benchmarks/release/SecureMqtt.Benchmarks.dll" e2e "$@"
