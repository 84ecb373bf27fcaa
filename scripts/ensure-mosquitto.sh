#!/usr/bin/env bash
# Makes sure Mosquitto, its command-line clients and openssl are installed (the demo and the integration tests
# start their own broker). Installs them with apt-get when missing and running as root; otherwise says how.
set -euo pipefail
missing=0
{ command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; } || missing=1
command -v mosquitto_pub >/dev/null 2>&1 || missing=1
command -v openssl >/dev/null 2>&1 || missing=1
[ "$missing" -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Mosquitto is missing: installing mosquitto, mosquitto-clients and openssl with apt-get."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto mosquitto-clients openssl >/dev/null
  # The Debian package may start a system broker on 1883; ours run on free ports and need no other.
  systemctl stop mosquitto >/dev/null 2>&1 || service mosquitto stop >/dev/null 2>&1 || true
else
  echo "Mosquitto is missing. Install it with: sudo apt-get install -y mosquitto mosquitto-clients openssl" >&2
  exit 1
fi
