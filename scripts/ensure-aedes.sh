#!/usr/bin/env bash
# Makes sure the aedes broker (npm) is installed for the WebSocket integration tests: they start
# tests/aedes/server.mjs with node on free loopback ports. Installs Debian's nodejs and npm when missing and running
# as root, then the exact versions in tests/aedes/package-lock.json (npm ci), once.
set -euo pipefail
cd "$(dirname "$0")/../tests/aedes"
[ -f node_modules/aedes/package.json ] && [ -f node_modules/ws/package.json ] && command -v node >/dev/null 2>&1 && exit 0

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "node or npm is missing: installing nodejs and npm with apt-get."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq nodejs npm >/dev/null
  else
    echo "node and npm are missing. Install them with: sudo apt-get install -y nodejs npm" >&2
    exit 1
  fi
fi

# aedes 1.x needs node 20 or newer (its package.json engines); Debian 12's own nodejs is 18.
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "node $(node --version) is too old for aedes 1.x (needs node >= 20); install a newer nodejs." >&2
  exit 1
fi

echo "Installing aedes and ws for the WebSocket tests (npm ci in tests/aedes)."
npm ci --no-audit --no-fund --silent
