#!/usr/bin/env bash
# Makes sure RabbitMQ is installed for the RabbitMQ integration tests (they start a node of their own, with the MQTT
# plugins, on free loopback ports). Installs Debian's rabbitmq-server when missing and running as root; otherwise
# says how (the tests are then skipped with that reason).
set -euo pipefail
{ command -v rabbitmq-server >/dev/null 2>&1 || [ -x /usr/sbin/rabbitmq-server ] || [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; } && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "RabbitMQ is missing: installing rabbitmq-server with apt-get."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq rabbitmq-server >/dev/null
  # The package starts a system node (rabbit@<host> on 5672); the fixture's node has its own name and ports and
  # needs no other. epmd may keep running: the fixture's node registers with it under its own name, so that is fine.
  systemctl disable --now rabbitmq-server >/dev/null 2>&1 || service rabbitmq-server stop >/dev/null 2>&1 || true
else
  echo "RabbitMQ is missing. Install it with: sudo apt-get install -y rabbitmq-server" >&2
  exit 1
fi
