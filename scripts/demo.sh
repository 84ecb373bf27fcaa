#!/usr/bin/env bash
# The main job: make a CA, broker and device certificates, start a local Mosquitto with a mutual-TLS listener,
# then publish and receive one message over it with SecureMqtt. Installs Mosquitto when missing and allowed to.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
bash scripts/ensure-mosquitto.sh
exec dotnet run --project src/SecureMqtt.Cli -c Release -- demo "$@"
