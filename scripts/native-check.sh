#!/usr/bin/env bash
# Builds the Native AOT smqtt (scripts/build-native.sh) and checks that the binary really works, against a throwaway
# Mosquitto on free loopback ports with a PKI the binary makes itself: `certs` (ca, server, client, inspect),
# pub/sub over plain TCP, TLS, mutual TLS and TLS-PSK (OpenSSL and managed), `pub --store` (SQLite, loaded from beside the binary),
# `sub -F %j` (JSON), `bench pub --json`, `doctor` and `doctor --json`. Not part of scripts/test.sh: the native build takes minutes.
# Ends with one line, "native-check: ok ..." or "native-check: FAILED ...".
# Usage: scripts/native-check.sh             build, then check
#        SMQTT=path/to/smqtt scripts/native-check.sh   check that binary, no build
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

source "$root/scripts/lib/broker.sh"
broker_init smqtt-native-check
work=$BROKER_WORK
fail() {
  [ -n "${2:-}" ] && [ -f "$2" ] && tail -n 30 "$2"
  echo "native-check: FAILED: $1"
  exit 1
}

if [ -z "${SMQTT:-}" ]; then
  NATIVE_OUT="$work/native" bash "$root/scripts/build-native.sh" >"$work/build.log" 2>&1 \
    || fail "scripts/build-native.sh failed" "$work/build.log"
  SMQTT="$work/native/smqtt"
fi
smqtt=$SMQTT
[ -x "$smqtt" ] || fail "no executable at $smqtt"
# A native binary has no managed entry assembly beside it: an smqtt.dll there would mean a JIT build was handed in.
[ -e "$(dirname "$smqtt")/smqtt.dll" ] && fail "$smqtt is a framework-dependent build, not the native one"

broker_find || fail "mosquitto is not installed (bash scripts/ensure-mosquitto.sh)"
broker_free_ports 4 || fail "no four free loopback ports found"
plain=${BROKER_PORTS[0]} tls=${BROKER_PORTS[1]} mtls=${BROKER_PORTS[2]} psk=${BROKER_PORTS[3]}

step() { printf '%s\n' "$*" >>"$work/steps.log"; }
run() { # run NAME COMMAND...: runs it, output to $work/NAME.log; fails the check on a non-zero exit
  local name=$1
  shift
  step "$name: $*"
  "$@" >"$work/$name.log" 2>&1 || fail "$name exited with $?: $*" "$work/$name.log"
}

run version "$smqtt" --version
pki="$work/pki"
mkdir -p "$pki"
run certs-ca "$smqtt" certs ca --dir "$pki"
run certs-server "$smqtt" certs server --dir "$pki"
run certs-client "$smqtt" certs client --dir "$pki" --name device1
run certs-inspect "$smqtt" certs inspect "$pki/device1.crt" --cafile "$pki/ca.crt"
grep -q "device1" "$work/certs-inspect.log" || fail "certs inspect does not name device1" "$work/certs-inspect.log"

psk_key=00112233445566778899aabbccddeeff
printf 'psk-device:%s\n' "$psk_key" >"$work/psk.txt"
cat >"$work/mosquitto.conf" <<CONF
per_listener_settings true
persistence false
# A log file, not stdout (which Mosquitto buffers when it is not a terminal): the waits below read it as it grows.
log_dest file $work/broker.log
log_type all
$(broker_root_user)

listener $plain 127.0.0.1
allow_anonymous true

listener $tls 127.0.0.1
cafile $pki/ca.crt
certfile $pki/server.crt
keyfile $pki/server.key
allow_anonymous true

listener $mtls 127.0.0.1
cafile $pki/ca.crt
certfile $pki/server.crt
keyfile $pki/server.key
require_certificate true
use_identity_as_username true
allow_anonymous false

listener $psk 127.0.0.1
psk_hint smqtt-native-check
psk_file $work/psk.txt
use_identity_as_username true
allow_anonymous false
CONF
broker_start "$work/mosquitto.conf" "$plain" "$tls" "$mtls" "$psk" || fail "mosquitto did not start" "$work/mosquitto.out"

# One round trip per transport: a subscriber waits for one message (-C 1), the publisher sends it at QoS 1.
roundtrip() { # roundtrip NAME PORT [TLS OPTIONS...]
  local name=$1 port=$2
  shift 2
  local topic="native/$name" payload="hello over $name"
  step "$name: sub + pub on port $port $*"
  "$smqtt" sub -h localhost -p "$port" "$@" -t "$topic" -q 1 -C 1 -W 20 >"$work/$name-sub.log" 2>&1 &
  local sub_pid=$!
  # The subscriber is listening once the broker logs its SUBSCRIBE; until then a QoS 1 message would be dropped.
  for _ in $(seq 1 100); do
    grep -q "$topic" "$work/broker.log" 2>/dev/null && break
    sleep 0.1
  done
  "$smqtt" pub -h localhost -p "$port" "$@" -t "$topic" -q 1 -m "$payload" >"$work/$name-pub.log" 2>&1 \
    || { kill "$sub_pid" 2>/dev/null; fail "pub over $name exited with $?" "$work/$name-pub.log"; }
  wait "$sub_pid" || fail "sub over $name exited with $?" "$work/$name-sub.log"
  [ "$(cat "$work/$name-sub.log")" = "$payload" ] || fail "sub over $name printed something else" "$work/$name-sub.log"
}
roundtrip plain "$plain"
roundtrip tls "$tls" --cafile "$pki/ca.crt"
roundtrip mtls "$mtls" --cafile "$pki/ca.crt" --cert "$pki/device1.crt" --key "$pki/device1.key"
roundtrip psk "$psk" --psk "$psk_key" --psk-identity psk-device
# The managed TLS-PSK path (BouncyCastle) compiled ahead of time: trimming must have kept what it reaches.
roundtrip psk-managed "$psk" --psk "$psk_key" --psk-identity psk-device --psk-impl managed

# --store: the SQLite session store (e_sqlite3 beside the binary); a second run reopens the same file.
run store-1 "$smqtt" pub -h localhost -p "$plain" -i native-store -t native/store -q 1 -m one --store "$work/session.db"
run store-2 "$smqtt" pub -h localhost -p "$plain" -i native-store -t native/store -q 1 -m two --store "$work/session.db"
[ -s "$work/session.db" ] || fail "--store left no database at $work/session.db"

# Copied without libe_sqlite3.so, the binary must say so in one line rather than crash.
mkdir -p "$work/alone"
cp "$smqtt" "$work/alone/smqtt"
if "$work/alone/smqtt" pub -h localhost -p "$plain" -i native-alone -t t -q 1 -m x --store "$work/alone.db" >"$work/alone.log" 2>&1; then
  fail "pub --store without libe_sqlite3.so succeeded" "$work/alone.log"
fi
grep -q "libe_sqlite3.so) did not load" "$work/alone.log" && [ "$(wc -l <"$work/alone.log")" -eq 1 ] \
  || fail "pub --store without libe_sqlite3.so did not say why in one line" "$work/alone.log"

# JSON output of sub (Utf8JsonWriter): a retained message read back with -F %j.
run retain "$smqtt" pub -h localhost -p "$plain" -t native/json -r -m '{"a":1}'
run sub-json "$smqtt" sub -h localhost -p "$plain" -t native/json -C 1 -W 10 -F %j
grep -q '"topic":"native/json"' "$work/sub-json.log" || fail "sub -F %j printed no topic" "$work/sub-json.log"

# bench: a short pub run must print its JSON line with the figures (JSON writer, histogram, /proc readers).
run bench "$smqtt" bench pub -h localhost -p "$tls" --cafile "$pki/ca.crt" -c 2 -I 0 -L 200 -q 1 -s 32 --json --broker-pid "$BROKER_PID"
grep -q '"messages":400,"errors":0' "$work/bench.log" && grep -q '"broker_cpu_pct"' "$work/bench.log" \
  || fail "bench pub printed no complete JSON line" "$work/bench.log"

run doctor "$smqtt" doctor -h localhost -p "$mtls" --cafile "$pki/ca.crt" --cert "$pki/device1.crt" --key "$pki/device1.key"
run doctor-json "$smqtt" doctor -h localhost -p "$tls" --cafile "$pki/ca.crt" --json
grep -q '"status"' "$work/doctor-json.log" || fail "doctor --json printed no steps" "$work/doctor-json.log"

# A failure must still be a typed, one-line error (exception messages survive trimming): a wrong CA.
"$smqtt" certs ca --dir "$work/other" >/dev/null 2>&1
if "$smqtt" pub -h localhost -p "$tls" --cafile "$work/other/ca.crt" -t t -m x >"$work/wrong-ca.log" 2>&1; then
  fail "pub with the wrong CA succeeded" "$work/wrong-ca.log"
fi
grep -qi "certificate" "$work/wrong-ca.log" || fail "pub with the wrong CA did not say why" "$work/wrong-ca.log"

echo "native-check: ok: $("$smqtt" --version) at $smqtt ($(du -h "$smqtt" | cut -f1)): certs, pub/sub over plain, TLS, mutual TLS and PSK, --store, sub -F %j, bench, doctor"
