#!/usr/bin/env bash
# The main job: make a CA, broker and device certificates, start a local Mosquitto with a mutual-TLS listener,
# then publish and receive one message over it with SecureMqtt. Installs Mosquitto when missing and allowed to.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ! command -v mosquitto >/dev/null 2>&1 && [ ! -x /usr/sbin/mosquitto ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "Mosquitto is missing: installing it with apt-get."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto mosquitto-clients >/dev/null
  else
    echo "Mosquitto is missing. Install it with: sudo apt-get install -y mosquitto mosquitto-clients" >&2
    exit 1
  fi
fi
exec dotnet run --project src/SecureMqtt.Cli -c Release -- demo "$@"
