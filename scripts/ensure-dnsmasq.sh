#!/usr/bin/env bash
# Makes sure dnsmasq is installed: the smqtt -S (DNS SRV lookup) tests start their own dnsmasq on a free loopback
# port with an srv-host record, as a real resolver to query. Installs dnsmasq-base (the binary, no system service)
# with apt-get when missing and running as root; otherwise says how.
set -euo pipefail
{ command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ]; } && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "dnsmasq is missing: installing dnsmasq-base with apt-get."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dnsmasq-base >/dev/null
else
  echo "dnsmasq is missing. Install it with: sudo apt-get install -y dnsmasq-base" >&2
  exit 1
fi
