#!/usr/bin/env bash
# Fuzzes the MQTT packet decoder for longer than CI does, with a random seed unless one is given.
# Prints inputs tried, the distinct outcomes (rejection reason codes and rules) and any crashes with the hex of
# the input; exits non-zero when something crashed. A crashing input belongs in FuzzRegressionTests.
#
#   scripts/fuzz.sh [--iterations N] [--seed S] [--max-packet-size B]     (default: 10,000,000 inputs)
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

artifacts="${SECUREMQTT_FUZZ_ARTIFACTS:-/tmp/securemqtt-fuzz}"
dotnet build tests/SecureMqtt.Packets.Tests -c Release --artifacts-path "$artifacts" -nologo -v quiet >/dev/null
exec dotnet "$artifacts/bin/SecureMqtt.Packets.Tests/release/SecureMqtt.Packets.Tests.dll" fuzz "$@"
