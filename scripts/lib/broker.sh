# A throwaway Mosquitto for the scripts that need one (pack.sh, sample-worker.sh, native-check.sh, startup-bench.sh,
# perf-table.sh, many-connections.sh): a temporary directory deleted on exit with the broker and any process the
# script registers, free loopback ports, a configuration line for running as root, certificates made by smqtt, and a
# start that waits until every listener accepts. Sourced, not run:
#
#   source "$root/scripts/lib/broker.sh"
#   broker_init smqtt-pack                 # BROKER_WORK: the temporary directory; the EXIT trap cleans up
#   broker_free_ports 2                    # BROKER_PORTS: two distinct free ports
#   broker_certs "$BROKER_WORK/pki" "$smqtt" -- device1   # ca, server (localhost, 127.0.0.1, ::1), client device1
#   { broker_root_user; echo "listener ${BROKER_PORTS[0]} 127.0.0.1"; } >"$BROKER_WORK/mosquitto.conf"
#   broker_start "$BROKER_WORK/mosquitto.conf" "${BROKER_PORTS[@]}" || fail "..." "$BROKER_WORK/mosquitto.out"
#   broker_track "$some_pid"               # also stopped on exit (before the broker)
#
# The functions return non-zero instead of exiting: each script keeps its own failure message and exit path.

BROKER_WORK=
BROKER_PID=
BROKER_PORTS=()
BROKER_MOSQUITTO=
_broker_tracked=()

# broker_init PREFIX: makes the temporary directory and installs the EXIT trap that stops and removes everything.
broker_init() {
  BROKER_WORK=$(mktemp -d -t "$1.XXXXXX") || return 1
  trap _broker_cleanup EXIT
}

# broker_track PID: a process the script started (a subscriber, a bench) to stop on exit, before the broker.
broker_track() {
  _broker_tracked+=("$1")
}

_broker_cleanup() {
  local pid i
  # Newest first: a client goes before the broker it talks to.
  for ((i = ${#_broker_tracked[@]} - 1; i >= 0; i--)); do
    pid=${_broker_tracked[i]}
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "$BROKER_PID" ]; then
    kill "$BROKER_PID" 2>/dev/null || true
    wait "$BROKER_PID" 2>/dev/null || true
  fi
  [ -n "$BROKER_WORK" ] && rm -rf "$BROKER_WORK"
  return 0
}

# broker_port_free PORT: true when nothing on 127.0.0.1 accepts a connection there now.
broker_port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# broker_free_ports N: BROKER_PORTS gets N distinct ports that refuse a connection now. A race with another process
# is possible but harmless: the broker then fails to bind and broker_start says so.
broker_free_ports() {
  local want=$1 candidate
  BROKER_PORTS=()
  for _ in $(seq 1 $((want * 50))); do
    candidate=$((20000 + RANDOM % 40000))
    if broker_port_free "$candidate" && [[ " ${BROKER_PORTS[*]} " != *" $candidate "* ]]; then
      BROKER_PORTS+=("$candidate")
    fi
    [ "${#BROKER_PORTS[@]}" -eq "$want" ] && return 0
  done
  return 1
}

# broker_root_user: the configuration line a root run needs. As root Mosquitto otherwise switches to the user
# 'mosquitto', which cannot read the 0600 keys in our directory.
broker_root_user() {
  if [ "$(id -u)" -eq 0 ]; then echo "user root"; fi
}

# broker_find: sets BROKER_MOSQUITTO to the broker binary; false when it is not installed.
broker_find() {
  BROKER_MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
  [ -x "$BROKER_MOSQUITTO" ]
}

# broker_certs DIR SMQTT... [-- CLIENT...]: a CA, a server certificate and one client certificate per name, made by
# the smqtt command given (a binary, or "dotnet .../smqtt.dll"). Output goes to DIR/certs.log.
broker_certs() {
  local dir=$1
  shift
  local smqtt=() names=()
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do smqtt+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  names=("$@")
  mkdir -p "$dir"
  {
    "${smqtt[@]}" certs ca --dir "$dir" &&
      "${smqtt[@]}" certs server --dir "$dir" || return 1
    local name
    for name in "${names[@]}"; do
      "${smqtt[@]}" certs client --dir "$dir" --name "$name" || return 1
    done
  } >"$dir/certs.log" 2>&1
}

# broker_start CONF PORT...: starts Mosquitto with CONF (stdout and stderr to BROKER_WORK/mosquitto.out), sets
# BROKER_PID, and waits up to 10 s until every PORT accepts a connection. False, broker stopped, when it exits or
# a port never opens.
broker_start() {
  local conf=$1 port
  shift
  if [ -z "$BROKER_MOSQUITTO" ]; then broker_find || return 1; fi
  "$BROKER_MOSQUITTO" -c "$conf" >"$BROKER_WORK/mosquitto.out" 2>&1 &
  BROKER_PID=$!
  for port in "$@"; do
    for _ in $(seq 1 100); do
      broker_port_free "$port" || continue 2
      kill -0 "$BROKER_PID" 2>/dev/null || { BROKER_PID=; return 1; }
      sleep 0.1
    done
    kill "$BROKER_PID" 2>/dev/null
    wait "$BROKER_PID" 2>/dev/null
    BROKER_PID=
    return 1
  done
}
