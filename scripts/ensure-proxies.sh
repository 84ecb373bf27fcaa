#!/usr/bin/env bash
# Makes sure the proxies the proxy tests tunnel through are installed: tinyproxy (HTTP CONNECT) and dante-server
# (SOCKS5). Installs them with apt-get when missing and running as root; otherwise says how. The tests start their
# own proxy processes on free loopback ports, so the system services the packages start are stopped and disabled.
set -euo pipefail
missing=()
{ command -v tinyproxy >/dev/null 2>&1 || [ -x /usr/bin/tinyproxy ] || [ -x /usr/sbin/tinyproxy ]; } || missing+=(tinyproxy)
{ command -v danted >/dev/null 2>&1 || [ -x /usr/sbin/danted ]; } || missing+=(dante-server)

# Dante's "socksmethod: username" checks the system's accounts (/etc/passwd, /etc/shadow), so the SOCKS5
# authentication tests need a real user. It has no home and no login shell; only the proxy ever checks its password.
# Keep the name and password in step with tests/SecureMqtt.Testing/DanteServer.cs.
ensure_proxy_user() {
  [ "$(id -u)" -eq 0 ] || return 0
  id smqtt-proxy >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin smqtt-proxy
  echo 'smqtt-proxy:smqtt-proxy-test' | chpasswd
}

if [ "${#missing[@]}" -eq 0 ]; then
  ensure_proxy_user
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Missing: ${missing[*]}; installing with apt-get."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq "${missing[@]}" >/dev/null
  # The packages' own services would hold tinyproxy's 8888 and dante's 1080; ours need neither, and a system
  # danted that fails to start (its default config names no interface) must not leave apt in a half state.
  for service in tinyproxy danted; do
    systemctl disable --now "$service" >/dev/null 2>&1 || service "$service" stop >/dev/null 2>&1 || true
  done
  ensure_proxy_user
else
  echo "Missing: ${missing[*]}. Install with: sudo apt-get install -y tinyproxy dante-server" >&2
  exit 1
fi
